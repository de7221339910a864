from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DoctoralConfig(AppConfig):
    name = "accord.doctoral"
    verbose_name = _("Doctoral cooperation")
