from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "accord.institutions"
    verbose_name = _("Partner registry")
