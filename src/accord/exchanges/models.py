"""People who go on exchange and their mobilities, counted against the agreements' quotas."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.agreements.models import (
    Agreement,
    Direction,
    Flow,
    MobilityType,
    validate_academic_year,
)
from accord.institutions.models import (
    Institution,
    Unit,
    check_unit_of_institution,
    country_name,
    validate_country,
)


def linked(obj: models.Model, name: str) -> Any:
    """The record ``obj`` links to by ``name``, or None when the link names no record (left to
    the field's own validation to report)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


class PersonKind(models.TextChoices):
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")
    GRADUATE_STUDENT = "graduate_student", _("Graduate student")
    STAFF = "staff", _("Staff member")


# Contact details and the date of birth: shown only to those who handle the person's exchange.
PERSONAL_FIELDS = ("email", "phone", "birth_date")


class Person(models.Model):
    """A student, teacher, graduate student or staff member who may go on an exchange."""

    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=PersonKind.choices)
    citizenship = models.CharField(
        _("citizenship"),
        max_length=2,
        validators=[validate_country],
        help_text=_("Two-letter ISO code, e.g. AZ."),
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("home institution"),
        on_delete=models.PROTECT,
        related_name="people",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "email"],
                condition=~Q(email=""),
                name="unique_person_email",
                violation_error_message=_(
                    "A person with this e-mail is already registered at this institution."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def audit_institution(self) -> int | None:
        """None: a person's record stays out of their institution's history, which partners
        read; it has its own."""
        return None

    @property
    def citizenship_name(self) -> str:
        return country_name(self.citizenship)

    def clean(self) -> None:
        check_unit_of_institution(self)


class MobilityStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    ACCEPTED = "accepted", _("Accepted")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected")


# A mobility in these states holds its place in the quota; withdrawn and rejected ones free it.
COUNTED_STATUSES = frozenset(
    {
        MobilityStatus.NOMINATED,
        MobilityStatus.ACCEPTED,
        MobilityStatus.ONGOING,
        MobilityStatus.COMPLETED,
    }
)


class Funding(models.TextChoices):
    ERASMUS = "erasmus", _("Erasmus+")
    STATE = "state", _("State budget")
    INSTITUTIONAL = "institutional", _("Home institution")
    PARTNER = "partner", _("Partner institution")
    SCHOLARSHIP = "scholarship", _("Other scholarship")
    SELF = "self", _("Self-funded")


DAYS_PER_MONTH = Decimal(30)


def months_between(start: datetime.date, end: datetime.date) -> Decimal:
    """A stay's length in months of 30 days, to one decimal, both days counted."""
    days = (end - start).days + 1
    return (Decimal(days) / DAYS_PER_MONTH).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Mobility(models.Model):
    """One person's exchange stay under an agreement, counted against its quota."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="mobilities"
    )
    mobility_type = models.CharField(
        _("mobility type"), max_length=20, choices=MobilityType.choices
    )
    flow = models.CharField(_("flow"), max_length=10, choices=Flow.choices)
    sending_institution = models.ForeignKey(
        Institution,
        verbose_name=_("sending institution"),
        on_delete=models.PROTECT,
        related_name="mobilities_sent",
    )
    sending_unit = models.ForeignKey(
        Unit,
        verbose_name=_("sending unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    receiving_institution = models.ForeignKey(
        Institution,
        verbose_name=_("receiving institution"),
        on_delete=models.PROTECT,
        related_name="mobilities_received",
    )
    receiving_unit = models.ForeignKey(
        Unit,
        verbose_name=_("receiving unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="mobilities"
    )
    direction = models.ForeignKey(
        Direction, verbose_name=_("direction"), on_delete=models.PROTECT, related_name="mobilities"
    )
    academic_year = models.CharField(
        _("academic year"), max_length=9, validators=[validate_academic_year]
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    ects_planned = models.DecimalField(
        _("ECTS credits planned"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    ects_achieved = models.DecimalField(
        _("ECTS credits achieved"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("Main language of study or work, e.g. en."),
    )
    funding = models.CharField(_("funding"), max_length=20, choices=Funding.choices, blank=True)
    # Changed only by the named steps in lifecycle.py and by the override in actions.py.
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MobilityStatus.choices,
        default=MobilityStatus.NOMINATED,
    )
    quota_override = models.TextField(
        _("quota override"),
        blank=True,
        help_text=_("Why a home officer let this nomination exceed the quota."),
    )
    # The stay's length, from the actual dates once known, else the planned ones.
    months = models.DecimalField(
        _("months"), max_digits=5, decimal_places=1, default=Decimal(0), editable=False
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("nominated by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("mobility")
        verbose_name_plural = _("mobilities")
        ordering = ["-planned_start", "-id"]
        indexes = [
            models.Index(
                fields=["agreement", "direction", "mobility_type", "flow", "academic_year"],
                name="mobility_quota_use",
            ),
            models.Index(fields=["planned_start", "id"], name="mobility_list_order"),
            models.Index(fields=["sending_institution", "academic_year"]),
            models.Index(fields=["receiving_institution", "academic_year"]),
        ]

    def __str__(self) -> str:
        # The label looked up directly: get_..._display() costs more than the import's insert.
        kind = MobilityType(self.mobility_type).label if self.mobility_type else ""
        return f"{self.person} · {kind} · {self.academic_year}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.months = self.stay_months()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "months" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "months"]
        super().save(*args, **kwargs)

    @property
    def partner_id(self) -> int:
        """The institution on the other side from the home university."""
        return (
            self.receiving_institution_id
            if self.flow == Flow.OUTGOING
            else self.sending_institution_id
        )

    def stay_months(self) -> Decimal:
        if self.actual_start and self.actual_end:
            return months_between(self.actual_start, self.actual_end)
        return months_between(self.planned_start, self.planned_end)

    def own_problems(self) -> dict[str, Any]:
        """What is wrong with the mobility's own facts, needing no other record."""
        errors: dict[str, Any] = {}
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = _("The stay cannot end before it starts.")
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            errors["actual_end"] = _("The stay cannot end before it starts.")
        if (
            self.sending_institution_id is not None
            and self.sending_institution_id == self.receiving_institution_id
        ):
            errors["receiving_institution"] = _(
                "The receiving institution must differ from the sending one."
            )
        return errors

    def clean(self) -> None:
        errors = self.own_problems()
        for unit_field, institution_field in (
            ("sending_unit", "sending_institution"),
            ("receiving_unit", "receiving_institution"),
        ):
            unit = linked(self, unit_field)
            if unit is not None and unit.institution_id != getattr(self, f"{institution_field}_id"):
                errors[unit_field] = _("The unit belongs to another institution.")
        person = linked(self, "person")
        if (
            person is not None
            and self.sending_institution_id is not None
            and person.institution_id != self.sending_institution_id
        ):
            errors["person"] = _("A person is sent by their own institution.")
        if errors:
            raise ValidationError(errors)
