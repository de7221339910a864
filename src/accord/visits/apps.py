from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "accord.visits"
    verbose_name = _("Visits and follow-up actions")
