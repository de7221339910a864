"""The mobility import done with django-import-export, for ``mobility_import.py --compare``.

A ``ModelResource`` for :class:`Mobility`, run as a Django team would run it:
``import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)`` on a tablib
``Dataset`` loaded from the same CSV, every library default kept (a savepoint, a diff and a
row result per row). No ``use_bulk``: it skips ``Mobility.save()`` (``months`` stays 0), calls
``after_save_instance`` before the row has a primary key (audit entries without an object id)
and keeps a batch's rows from the quota count, so the file could overfill a quota.

The same checks as Accord's importer (``accord.exchanges.importer``), row by row:

- institutions by id, Erasmus code, EWP hei-id, ROR id or name (case-insensitive), the agreement
  by id, the direction by id or name among the agreement's, units by name or code within their
  institution: one query each (custom ``ForeignKeyWidget``);
- the person found by (sending institution, e-mail), else by name and date of birth, or created,
  checked with ``Person.full_clean()`` and audited (``import_instance``, once the sending
  institution is known: a ``before_import_row`` would look it up a second time);
- ``Mobility.full_clean()`` (``clean_model_instances``: fields, ``clean()`` hence
  ``own_problems()``), then ``rules.agreement_problems`` over ``rules.agreement_facts([id])``
  (in effect, dates, parties, direction, home side), per row as a single nomination does;
- the quota as the file fills it: ``rules.quota_use`` per row, two queries. No cache is needed
  to be right, since every row is saved before the next is read, and none is added: a cache with
  ``QuotaUse.take`` is Accord's own design, not the library's. The agreement's quotas are locked
  once per agreement, as Accord does;
- a duplicate (same sending institution, person, agreement, type, year and start) refused, by a
  query for a person already stored (a new person has no mobility yet);
- who may nominate: nothing to check, both run as the server (actor None acts for everyone);
- an audit entry per person and mobility created (``audit.record``, inside the transaction).

Differences kept: choices (type, flow, kind, status) are taken by value only, not by label, dates
in ISO or ``DATE_INPUT_FORMATS``, e-mails matched exactly (Accord case-folds), and
``raise_errors`` stops at the first bad row where Accord lists every problem of the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tablib
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist, ValidationError
from django.db.models import Q, QuerySet
from import_export import fields, resources, widgets

from accord.agreements.models import Agreement, Direction, Quota
from accord.core import audit
from accord.core.models import AuditAction
from accord.exchanges import access, rules
from accord.exchanges.models import COUNTED_STATUSES, Mobility, Person
from accord.institutions.models import Institution, Unit


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def institutions(text: str) -> QuerySet[Institution]:
    match = Q(erasmus_code__iexact=text) | Q(ewp_hei_id__iexact=text) | Q(ror_id__iexact=text)
    match |= Q(name__iexact=text) | (Q(pk=int(text)) if text.isdigit() else Q(pk__in=[]))
    return Institution.objects.filter(match)


class Lookup(widgets.ForeignKeyWidget):
    """A foreign key found by ``get_queryset(text, row)``; not found or ambiguous is a row error."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = _text(value)
        if not text:
            return None
        try:
            return self.get_queryset(text, row).get()
        except ObjectDoesNotExist:
            raise ValueError(f"Unknown {self.model._meta.verbose_name} “{text}”.") from None
        except MultipleObjectsReturned:
            raise ValueError(
                f"Several {self.model._meta.verbose_name_plural} match “{text}”."
            ) from None


class InstitutionWidget(Lookup):
    def get_queryset(self, value: str, row: Any, *args: Any, **kwargs: Any) -> QuerySet:
        return institutions(value)


class UnitWidget(Lookup):
    def __init__(self, institution_column: str) -> None:
        super().__init__(Unit)
        self.institution_column = institution_column

    def get_queryset(self, value: str, row: Any, *args: Any, **kwargs: Any) -> QuerySet:
        return Unit.objects.filter(
            Q(name__iexact=value) | Q(code__iexact=value),
            institution__in=institutions(_text(row.get(self.institution_column))),
        )


class AgreementWidget(Lookup):
    def get_queryset(self, value: str, row: Any, *args: Any, **kwargs: Any) -> QuerySet:
        return Agreement.objects.filter(pk=int(value) if value.isdigit() else None)


class DirectionWidget(Lookup):
    def get_queryset(self, value: str, row: Any, *args: Any, **kwargs: Any) -> QuerySet:
        agreement = _text(row.get("agreement"))
        if not agreement.isdigit():
            return Direction.objects.none()
        by_name = Q(name__iexact=value) | (Q(pk=int(value)) if value.isdigit() else Q(pk__in=[]))
        return Direction.objects.filter(by_name, agreements=int(agreement))


def _link(name: str, widget: widgets.Widget) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=widget)


class MobilityResource(resources.ModelResource):
    sending_institution = _link("sending_institution", InstitutionWidget(Institution))
    receiving_institution = _link("receiving_institution", InstitutionWidget(Institution))
    sending_unit = _link("sending_unit", UnitWidget("sending_institution"))
    receiving_unit = _link("receiving_unit", UnitWidget("receiving_institution"))
    agreement = _link("agreement", AgreementWidget(Agreement))
    direction = _link("direction", DirectionWidget(Direction))

    class Meta:
        model = Mobility
        clean_model_instances = True
        fields = (
            "id",
            "mobility_type",
            "flow",
            "sending_institution",
            "sending_unit",
            "receiving_institution",
            "receiving_unit",
            "agreement",
            "direction",
            "academic_year",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "ects_planned",
            "ects_achieved",
            "language",
            "funding",
            "status",
        )

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        self.home_id = access.home_id()
        self.locked: set[int] = set()
        self.person_is_new = False

    def import_instance(self, instance: Mobility, row: Any, **kwargs: Any) -> None:
        """The mobility's columns, then its person, found at the sending institution or made."""
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.sending_institution_id is not None:
            try:
                instance.person = self.person_of(instance, row)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def person_of(self, mobility: Mobility, row: Any) -> Person:
        email = _text(row.get("email"))
        person = Person(
            first_name=_text(row.get("first_name")),
            last_name=_text(row.get("last_name")),
            kind=_text(row.get("person_kind")),
            citizenship=_text(row.get("citizenship")).upper(),
            email=email,
            birth_date=widgets.DateWidget().clean(row.get("birth_date")),
            institution=mobility.sending_institution,
            unit=mobility.sending_unit,
        )
        same = Q(email=email) if email else Q(email="", birth_date=person.birth_date)
        if not email:
            same &= Q(first_name__iexact=person.first_name, last_name__iexact=person.last_name)
        stored = Person.objects.filter(same, institution=mobility.sending_institution).first()
        self.person_is_new = stored is None
        if stored is not None:
            return stored
        person.full_clean()
        person.save()
        audit.record(None, AuditAction.CREATE, person, None, audit.snapshot(person))
        return person

    def validate_instance(
        self,
        instance: Mobility,
        import_validation_errors: dict[str, Any] | None = None,
        validate_unique: bool = True,
    ) -> None:
        """``full_clean()`` (the library's), then the agreement's rules."""
        errors: dict[str, Any] = {}
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.agreement_id is not None:
            facts = rules.agreement_facts([instance.agreement_id]).get(instance.agreement_id)
            problems = rules.agreement_problems(instance, facts, self.home_id)
            errors = ValidationError(problems).update_error_dict(errors) if problems else errors
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance: Mobility, row: Any, **kwargs: Any) -> None:
        """The duplicate check and the quota, counted again for each row."""
        if (
            not self.person_is_new
            and Mobility.objects.filter(
                sending_institution_id=instance.sending_institution_id,
                person_id=instance.person_id,
                agreement_id=instance.agreement_id,
                mobility_type=instance.mobility_type,
                academic_year=instance.academic_year,
                planned_start=instance.planned_start,
            ).exists()
        ):
            raise ValidationError({"planned_start": "This mobility is already recorded."})
        if instance.status not in COUNTED_STATUSES:
            return
        key = rules.key_of(instance)
        if key.agreement_id not in self.locked:
            self.locked.add(key.agreement_id)
            list(Quota.objects.select_for_update().filter(agreement_id=key.agreement_id))
        use = rules.quota_use([key.agreement_id], [key])[key]
        if use.shortfall(instance.stay_months()):
            override = _text(row.get("quota_override"))
            if not override:
                message = rules.shortfall_message(key, use, instance.direction.display_name)
                raise ValidationError({"agreement": message})
            instance.quota_override = override

    def after_save_instance(self, instance: Mobility, row: Any, **kwargs: Any) -> None:
        audit.record(None, AuditAction.CREATE, instance, None, audit.snapshot(instance))


def run(path: Path) -> None:
    """Import the CSV at ``path``, all or nothing; ImportError on the first bad row."""
    dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    MobilityResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
