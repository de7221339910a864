"""Forms for visits and their follow-up actions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.institutions.forms import country_choices
from accord.institutions.models import Institution
from accord.visits import access
from accord.visits.models import FollowUp, Visit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisitForm(forms.ModelForm):
    country = forms.ChoiceField(
        label=_("country"), choices=lambda: [("", "---"), *country_choices()], required=False
    )

    class Meta:
        model = Visit
        fields = [
            "title",
            "kind",
            "starts_on",
            "ends_on",
            "city",
            "country",
            "delegation",
            "institutions",
            "people_met",
            "discussion",
            "outcomes",
        ]
        widgets = {
            "starts_on": DATE_INPUT,
            "ends_on": DATE_INPUT,
            "delegation": forms.Textarea(attrs={"rows": 3}),
            "people_met": forms.Textarea(attrs={"rows": 3}),
            "discussion": forms.Textarea(attrs={"rows": 5}),
            "outcomes": forms.Textarea(attrs={"rows": 5}),
            "institutions": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        institutions = cast(forms.ModelMultipleChoiceField, self.fields["institutions"])
        institutions.queryset = Institution.objects.order_by("name", "id").only("name", "country")


class OwnerChoiceField(forms.ModelChoiceField):
    """Home staff, shown by their full name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["title", "owner", "due_on", "concerns", "notes"]
        field_classes = {"owner": OwnerChoiceField}
        widgets = {"due_on": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, visit: Visit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        owner.queryset = access.home_staff()
        concerns = cast(forms.ModelChoiceField, self.fields["concerns"])
        # The institutions the visit met, and whichever the action already concerns.
        choices = Institution.objects.order_by("name", "id")
        if visit is not None and visit.pk is not None:
            current = [self.instance.concerns_id] if self.instance.concerns_id else []
            met = list(visit.institutions.values_list("pk", flat=True))
            choices = choices.filter(pk__in=[*met, *current])
        concerns.queryset = choices


class VisitFilterForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("institution met"), queryset=Institution.objects.none(), required=False
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["institution"])
        field.queryset = institutions
        field.empty_label = _("all")
