from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.ewp.models import MobilityTerms


class MobilityTermsForm(forms.ModelForm[MobilityTerms]):
    """Erasmus+ terms, with the lists written as text separated by commas."""

    languages = forms.CharField(
        label=_("recommended languages"),
        required=False,
        help_text=_('Separated by commas, each with its CEFR level if there is one: "en B2, pl".'),
    )
    eqf_levels = forms.CharField(
        label=_("EQF levels"),
        required=False,
        help_text=_("Separated by commas, e.g. 6, 7 (bachelor, master)."),
    )

    class Meta:
        model = MobilityTerms
        fields = ["languages", "eqf_levels", "blended", "days_per_year", "other_info"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["languages"] = ", ".join(self.instance.languages)
        self.initial["eqf_levels"] = ", ".join(map(str, self.instance.eqf_levels))

    def clean_languages(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["languages"].split(",") if part.strip()]

    def clean_eqf_levels(self) -> list[int]:
        parts = [
            part.strip() for part in self.cleaned_data["eqf_levels"].split(",") if part.strip()
        ]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError(_("EQF levels are whole numbers from 1 to 8."))
        return [int(part) for part in parts]
