"""Forms for agreements, quotas and proposal packages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accord.agreements.models import (
    Agreement,
    AgreementParty,
    AnswerKind,
    CooperationArea,
    Direction,
    ProposalPackage,
    Quota,
)
from accord.institutions.models import Field, FieldLevel, Institution, Specialty, Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Languages an agreement's title and text may come in besides English.
OTHER_LANGUAGES = [(code, name) for code, name in settings.LANGUAGES if code != "en"]


class AgreementForm(forms.ModelForm):
    areas = forms.MultipleChoiceField(
        label=_("areas of cooperation"),
        choices=CooperationArea.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Agreement
        fields = [
            "kind",
            "title",
            "text",
            "parent",
            "areas",
            "signed_on",
            "valid_from",
            "valid_until",
            "automatic_renewal",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 8}),
            "signed_on": DATE,
            "valid_from": DATE,
            "valid_until": DATE,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["revision"].initial = self.instance.revision
        parent = self.fields["parent"]
        parent.queryset = Agreement.objects.filter(kind__in=["memorandum", "framework"])  # type: ignore[attr-defined]
        for code, name in OTHER_LANGUAGES:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("title in %(language)s") % {"language": name},
                required=False,
                initial=self.instance.titles.get(code, ""),
            )
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("text in %(language)s") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 8}),
                initial=self.instance.texts.get(code, ""),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        titles, texts = dict(self.instance.titles), dict(self.instance.texts)
        for code, _name in OTHER_LANGUAGES:
            for value, target in (
                (data.get(f"title_{code}"), titles),
                (data.get(f"text_{code}"), texts),
            ):
                if value:
                    target[code] = value
                else:
                    target.pop(code, None)
        self.instance.titles, self.instance.texts = titles, texts
        return data


class NewAgreementForm(AgreementForm):
    parties = forms.ModelMultipleChoiceField(
        label=_("parties"),
        queryset=Institution.objects.order_by("name"),
        help_text=_("Two or more institutions."),
    )


class PartyForm(forms.ModelForm):
    class Meta:
        model = AgreementParty
        fields = ["signatory_name", "signatory_position"]


PartyFormSet = forms.inlineformset_factory(
    Agreement, AgreementParty, form=PartyForm, extra=0, can_delete=False
)


class QuotaForm(forms.ModelForm):
    class Meta:
        model = Quota
        fields = ["direction", "mobility_type", "flow", "academic_year", "people", "months"]
        widgets = {"academic_year": forms.TextInput(attrs={"placeholder": "2026/2027"})}

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.agreement = agreement
        self.fields["direction"].queryset = agreement.directions.all()  # type: ignore[attr-defined]


def _detailed_fields() -> Any:
    return Field.objects.filter(level=FieldLevel.DETAILED)


class DirectionForm(forms.ModelForm):
    # Not named "fields": a form keeps its fields under that name.
    isced_fields = forms.ModelMultipleChoiceField(
        label=_("fields (ISCED-F)"), queryset=_detailed_fields(), required=False
    )
    specialties = forms.ModelMultipleChoiceField(
        label=_("national specialties"), queryset=Specialty.objects.all(), required=False
    )

    class Meta:
        model = Direction
        fields = ["name", "description", "responsible_unit"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(institution__in=Institution.objects.home())
        self.fields["responsible_unit"].queryset = units  # type: ignore[attr-defined]


class PackageForm(forms.ModelForm):
    recipients = forms.ModelMultipleChoiceField(
        label=_("sent to"),
        queryset=Institution.objects.partners().order_by("name"),
        required=False,
    )

    class Meta:
        model = ProposalPackage
        fields = ["title", "description", "recipients"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("answer"), choices=AnswerKind.choices)
    comment = forms.CharField(
        label=_("reason or counter-proposal"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    institution = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProtocolForm(forms.Form):
    institution = forms.IntegerField(widget=forms.HiddenInput)
    parent = forms.ModelChoiceField(label=_("made under"), queryset=Agreement.objects.none())
    title = forms.CharField(label=_("title"), max_length=300)

    def __init__(self, *args: Any, partner: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].initial = partner.pk
        self.fields["parent"].queryset = Agreement.objects.filter(  # type: ignore[attr-defined]
            kind__in=["memorandum", "framework"], parties__institution=partner
        )
        self.fields["title"].initial = _("Protocol with %(partner)s") % {"partner": partner}
