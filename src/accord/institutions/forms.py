"""Forms of the partner registry."""

from __future__ import annotations

from typing import Any, cast

import pycountry
from django import forms
from django.utils.translation import gettext_lazy as _

from accord.institutions.models import (
    CLASSIFYING_FIELDS,
    EXTRA_COUNTRIES,
    PROFILE_FIELDS,
    Contact,
    Field,
    FieldLevel,
    Institution,
    InstitutionDomain,
    InstitutionKind,
    InstitutionName,
    InternationalStudents,
    PartnerStatus,
    Specialty,
    StudyLevel,
    Unit,
    country_name,
)


def _choice_field(form: forms.BaseForm, name: str) -> Any:
    """A form's choice field, typed so its choices or queryset can be narrowed."""
    return cast(forms.ChoiceField, form.fields[name])


def country_choices() -> list[tuple[str, str]]:
    """Every country, named and sorted in the active language."""
    codes = [country.alpha_2 for country in pycountry.countries] + list(EXTRA_COUNTRIES)
    return sorted(((code, country_name(code)) for code in codes), key=lambda pair: pair[1])


UNIT_NAME_LANGUAGES = (("uk", _("Name in Ukrainian")), ("az", _("Name in Azerbaijani")))


class InstitutionForm(forms.ModelForm):
    country = forms.ChoiceField(label=_("country"), choices=country_choices)
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    domains = forms.CharField(
        label=_("web domains"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, e.g. khpi.edu.ua."),
    )

    class Meta:
        model = Institution
        fields = ["name", "country", "kind", "partner_status", *PROFILE_FIELDS, "successor"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, may_classify: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["domains"].initial = "\n".join(
                d.domain for d in self.instance.domains.all()
            )
            _choice_field(self, "successor").queryset = Institution.objects.exclude(
                pk=self.instance.pk
            )
        if not may_classify:
            for name in [*CLASSIFYING_FIELDS, "domains"]:
                del self.fields[name]

    def clean_domains(self) -> list[str] | None:
        if "domains" not in self.cleaned_data:
            return None
        domains = [line.strip().lower() for line in self.cleaned_data["domains"].splitlines()]
        domains = [domain for domain in domains if domain]
        taken = InstitutionDomain.objects.filter(domain__in=domains).select_related("institution")
        if self.instance.pk:
            taken = taken.exclude(institution=self.instance)
        if taken:
            raise forms.ValidationError(
                [
                    _("%(domain)s already belongs to %(institution)s.")
                    % {"domain": item.domain, "institution": item.institution}
                    for item in taken
                ]
            )
        return domains


NameFormSet: type[forms.BaseInlineFormSet[Any, Any, Any]] = forms.inlineformset_factory(
    Institution, InstitutionName, fields=["language", "kind", "name"], extra=2, can_delete=True
)


class InternationalStudentsForm(forms.ModelForm):
    # A blank first choice, so an untouched extra row stays empty and is skipped.
    country = forms.ChoiceField(
        label=_("country"), choices=lambda: [("", "---"), *country_choices()]
    )

    class Meta:
        model = InternationalStudents
        fields = ["country", "count"]


InternationalStudentsFormSet: type[forms.BaseInlineFormSet[Any, Any, Any]] = (
    forms.inlineformset_factory(
        Institution,
        InternationalStudents,
        form=InternationalStudentsForm,
        extra=2,
        can_delete=True,
    )
)


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["parent", "kind", "name", "code"]

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = institution.units.all()
        if self.instance.pk:
            units = units.exclude(pk=self.instance.pk)
        _choice_field(self, "parent").queryset = units
        for language, label in UNIT_NAME_LANGUAGES:
            self.fields[f"name_{language}"] = forms.CharField(
                label=label, required=False, initial=self.instance.names.get(language, "")
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        names = dict(self.instance.names)
        for language, _label in UNIT_NAME_LANGUAGES:
            value = (cleaned.get(f"name_{language}") or "").strip()
            if value:
                names[language] = value
            else:
                names.pop(language, None)
        self.instance.names = names
        return cleaned


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["role", "person_name", "position", "email", "phone", "unit"]

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "unit").queryset = institution.units.all()


class OfferingForm(forms.Form):
    specialty = forms.ModelChoiceField(
        label=_("national specialty"), queryset=Specialty.objects.all(), required=False
    )
    field = forms.ModelChoiceField(
        label=_("field (ISCED-F)"),
        queryset=Field.objects.filter(level=FieldLevel.DETAILED),
        required=False,
        help_text=_("Leave empty to use the specialty's field."),
    )
    level = forms.TypedChoiceField(label=_("level"), choices=StudyLevel.choices, coerce=int)
    unit = forms.ModelChoiceField(label=_("unit"), queryset=Unit.objects.none(), required=False)
    title = forms.CharField(label=_("programme title"), max_length=300, required=False)

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "unit").queryset = institution.units.all()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("specialty") and not cleaned.get("field"):
            raise forms.ValidationError(_("Choose a specialty or a field."))
        return cleaned


class InstitutionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    country = forms.ChoiceField(label=_("country"), required=False)
    kind = forms.ChoiceField(label=_("type"), required=False)
    partner_status = forms.ChoiceField(label=_("partner status"), required=False)

    def __init__(self, *args: Any, countries: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("all"))]
        _choice_field(self, "country").choices = everything + sorted(
            ((code, country_name(code)) for code in countries), key=lambda pair: pair[1]
        )
        _choice_field(self, "kind").choices = everything + list(InstitutionKind.choices)
        _choice_field(self, "partner_status").choices = everything + list(PartnerStatus.choices)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more uploaded files, each checked as a FileField would."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class ImportForm(forms.Form):
    uploads = MultipleFileField(
        label=_("Files"),
        help_text=_("The world university list or ROR data dumps (schema v1 or v2), as JSON."),
        widget=MultipleFileInput(attrs={"accept": ".json,application/json"}),
    )
