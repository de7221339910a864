"""Forms for people and their mobilities, the filters of their lists and a mobility's steps."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accord.agreements.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    Direction,
    Flow,
    MobilityType,
)
from accord.exchanges import access
from accord.exchanges.lifecycle import MobilityStep
from accord.exchanges.models import Mobility, MobilityStatus, Person, PersonKind
from accord.institutions.forms import country_choices
from accord.institutions.models import Institution, Unit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EVERYTHING = ("", _("all"))


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """A form's model choice field, typed so its queryset can be narrowed."""
    return cast(forms.ModelChoiceField, form.fields[name])


def _fix(form: forms.BaseForm, name: str, value: Any) -> None:
    """Show ``value`` in the field and ignore whatever is posted for it."""
    form.fields[name].disabled = True
    form.initial[name] = value


class AgreementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_title)


class DirectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class UnitChoiceField(forms.ModelChoiceField):
    """A unit, named with its institution (the queryset selects the institution)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.institution.name} · {obj.display_name}"


class PersonChoiceField(forms.ModelChoiceField):
    """A person, named with their institution (the queryset selects the institution)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.institution.name})"


def _units() -> QuerySet[Unit]:
    return Unit.objects.select_related("institution").order_by("institution__name", "name", "id")


def _institutions() -> QuerySet[Institution]:
    return Institution.objects.order_by("name", "id").only("name")


# People


class PersonForm(forms.ModelForm):
    """A person's record; those who are not home officers register people of their own
    institution only (a faculty coordinator limited to units: of those units)."""

    citizenship = forms.ChoiceField(label=_("citizenship"), choices=country_choices)

    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "kind",
            "citizenship",
            "institution",
            "unit",
            "email",
            "phone",
            "birth_date",
        ]
        widgets = {"birth_date": DATE_INPUT}
        field_classes = {"unit": UnitChoiceField}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        institutions, units = _institutions(), _units()
        scope = access.scope_of(user)
        if not scope.everything:
            own = user.institution_id
            _fix(self, "institution", own)
            institutions = institutions.filter(pk=own)
            units = units.filter(institution_id=own)
            if scope.partner_id is None and scope.units is not None:
                units = units.filter(pk__in=scope.units)
                self.fields["unit"].required = True
        _model_choice(self, "institution").queryset = institutions
        _model_choice(self, "unit").queryset = units


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("name"), required=False)
    institution = forms.ModelChoiceField(
        label=_("institution"), queryset=Institution.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=_("kind"), choices=[EVERYTHING, *PersonKind.choices], required=False
    )

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = _model_choice(self, "institution")
        field.queryset = _institutions().filter(pk__in=people.values("institution_id"))
        field.empty_label = str(EVERYTHING[1])

    def filter(self, people: QuerySet[Person]) -> QuerySet[Person]:
        if not self.is_valid():
            return people
        data = self.cleaned_data
        for word in data["q"].split():
            people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        if data["institution"]:
            people = people.filter(institution=data["institution"])
        if data["kind"]:
            people = people.filter(kind=data["kind"])
        return people


# Mobilities


class MobilityForm(forms.ModelForm):
    """A nomination, or changes to one, limited to what the user may use.

    A partner coordinator nominates their own people for incoming places under agreements
    their institution is party to; a faculty coordinator nominates the home university's
    people for outgoing places (from their units when limited to units); home officers choose
    freely and alone may give the reason to exceed a quota.
    """

    override = forms.CharField(
        label=_("quota override reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only when the nomination exceeds its quota: why it may. "
            "Left empty, a reason given before is kept."
        ),
    )

    class Meta:
        model = Mobility
        # Every field a nomination states; its status and override are set by the steps.
        fields = [
            field.name
            for field in Mobility._meta.concrete_fields
            if field.editable
            and not field.primary_key
            and field.name not in {"status", "quota_override"}
        ]
        widgets = {
            "academic_year": forms.TextInput(attrs={"placeholder": "2026/2027"}),
            "planned_start": DATE_INPUT,
            "planned_end": DATE_INPUT,
            "actual_start": DATE_INPUT,
            "actual_end": DATE_INPUT,
        }
        field_classes = {
            "person": PersonChoiceField,
            "agreement": AgreementChoiceField,
            "direction": DirectionChoiceField,
            "sending_unit": UnitChoiceField,
            "receiving_unit": UnitChoiceField,
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officer = access.may_override_quota(user)
        if not officer:
            del self.fields["override"]
        if not (officer and self.instance.pk):
            # Recorded by the steps; only an officer corrects them afterwards.
            for name in ("actual_start", "actual_end", "ects_achieved"):
                del self.fields[name]
        current, scope = self.instance, access.scope_of(user)
        home = Institution.objects.home().values("pk")
        agreements = Agreement.objects.filter(status=AgreementStatus.ACTIVE)
        fixed: dict[str, Any] = {}
        sending = receiving = Q()
        partner_id = scope.partner_id
        if partner_id is not None:
            # A partner sends its own people to the home university.
            fixed = {
                "flow": Flow.INCOMING,
                "sending_institution": partner_id,
                "receiving_institution": access.home_id(),
            }
            sending, receiving = Q(pk=partner_id), Q(pk__in=home)
            parties = AgreementParty.objects.filter(institution_id=partner_id)
            agreements = agreements.filter(pk__in=parties.values("agreement_id"))
        elif not scope.everything:
            # A faculty coordinator sends the home university's people to partners.
            fixed = {"flow": Flow.OUTGOING, "sending_institution": access.home_id()}
            sending, receiving = Q(pk__in=home), ~Q(pk__in=home)
        for name, value in fixed.items():
            _fix(self, name, value)
        sending_units = _units().filter(institution__in=Institution.objects.filter(sending))
        receiving_units = _units().filter(institution__in=Institution.objects.filter(receiving))
        if fixed.get("flow") == Flow.OUTGOING and scope.units is not None:
            # Limited to units: the nomination is sent from one of them.
            sending_units = sending_units.filter(pk__in=scope.units)
            self.fields["sending_unit"].required = True
        agreements = Agreement.objects.filter(
            Q(pk__in=agreements.values("pk")) | Q(pk=current.agreement_id)
        ).order_by("title", "id")
        directions = Direction.objects.filter(
            Q(pk__in=agreements.values("directions")) | Q(pk=current.direction_id)
        ).order_by("name", "id")
        people = access.people_for(user, "change").select_related("institution")
        for name, queryset in (
            ("person", people),
            ("sending_institution", _institutions().filter(sending)),
            ("receiving_institution", _institutions().filter(receiving)),
            ("sending_unit", sending_units),
            ("receiving_unit", receiving_units),
            ("agreement", agreements),
            ("direction", directions),
        ):
            _model_choice(self, name).queryset = queryset


class MobilityFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"), choices=[EVERYTHING, *MobilityStatus.choices], required=False
    )
    flow = forms.ChoiceField(label=_("flow"), choices=[EVERYTHING, *Flow.choices], required=False)
    mobility_type = forms.ChoiceField(
        label=_("mobility type"), choices=[EVERYTHING, *MobilityType.choices], required=False
    )
    academic_year = forms.ChoiceField(label=_("academic year"), required=False)
    partner = forms.ModelChoiceField(
        label=_("partner"), queryset=Institution.objects.none(), required=False
    )
    agreement = AgreementChoiceField(
        label=_("agreement"), queryset=Agreement.objects.none(), required=False
    )

    def __init__(self, *args: Any, mobilities: QuerySet[Mobility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        years = mobilities.order_by("-academic_year").values_list("academic_year", flat=True)
        cast(forms.ChoiceField, self.fields["academic_year"]).choices = [
            EVERYTHING,
            *((year, year) for year in years.distinct()),
        ]
        partners = _institutions().filter(
            Q(pk__in=mobilities.filter(flow=Flow.INCOMING).values("sending_institution_id"))
            | Q(pk__in=mobilities.filter(flow=Flow.OUTGOING).values("receiving_institution_id"))
        )
        used = Agreement.objects.filter(pk__in=mobilities.values("agreement_id"))
        for name, queryset in (("partner", partners), ("agreement", used.order_by("title"))):
            field = _model_choice(self, name)
            field.queryset = queryset
            field.empty_label = str(EVERYTHING[1])

    def filter(self, mobilities: QuerySet[Mobility]) -> QuerySet[Mobility]:
        if not self.is_valid():
            return mobilities
        data = self.cleaned_data
        for name in ("status", "flow", "mobility_type", "academic_year", "agreement"):
            if data[name]:
                mobilities = mobilities.filter(**{name: data[name]})
        partner = data["partner"]
        if partner:
            mobilities = mobilities.filter(
                Q(flow=Flow.INCOMING, sending_institution=partner)
                | Q(flow=Flow.OUTGOING, receiving_institution=partner)
            )
        return mobilities


class StepForm(forms.Form):
    """What a step records besides the new status: the arrival date, or the departure date and
    the credits earned; other steps record nothing more."""

    on = forms.DateField(required=False, widget=DATE_INPUT, help_text=_("Empty: the planned date."))
    ects_achieved = forms.DecimalField(
        label=_("ECTS credits achieved"),
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=1,
    )

    def __init__(self, *args: Any, step: str, **kwargs: Any) -> None:
        kwargs["prefix"] = step
        super().__init__(*args, **kwargs)
        self.step = step
        if step == MobilityStep.START:
            self.fields["on"].label = _("arrival date")
            del self.fields["ects_achieved"]
        elif step == MobilityStep.COMPLETE:
            self.fields["on"].label = _("departure date")
        else:
            self.fields.clear()
