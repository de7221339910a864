"""Importing people and mobilities from a CSV or XLSX file, all or nothing.

Two passes over the file. The first resolves and checks every row, with the same rules as a
single nomination (the model's fields, :mod:`.rules`, who may nominate, the quotas as the file
fills them) and collects every problem with its line and column. The second runs only when
there is none: inside one transaction, with the quotas locked and counted again, it writes the
rows in batches, an audit entry for every person and mobility created. No row is kept between
the passes, so memory stays flat whatever the size of the file.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accord.agreements.models import Direction, Flow, MobilityType, Quota
from accord.core import audit, bulk
from accord.core.models import AuditAction
from accord.core.refusals import problem_listing
from accord.exchanges import access, rules
from accord.exchanges.models import (
    COUNTED_STATUSES,
    Funding,
    Mobility,
    MobilityStatus,
    Person,
    PersonKind,
)
from accord.exchanges.tabular import count_rows, read_table
from accord.institutions.models import Institution, Unit, is_country_code

MAX_ERRORS_KEPT = 1000
BATCH_SIZE = 2000
AMBIGUOUS = -1

# The columns that name a model field of the mobility differently.
FIELD_COLUMNS = {"status": "status"}
# Links the import resolves itself; the model's field validation would look each one up again.
LINK_FIELDS = [field.name for field in Mobility._meta.concrete_fields if field.is_relation]
_DAY_FIRST = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Line %(line)s, column %(column)s: %(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class ImportRefused(Exception):
    """The file has problems; nothing was imported. ``errors`` keeps the first thousand."""

    def __init__(self, errors: list[RowError], total: int) -> None:
        self.errors, self.total = errors, total
        super().__init__(self.listing(20))

    def listing(self, most: int = MAX_ERRORS_KEPT) -> str:
        """The summary and the first ``most`` problems, one per line."""
        return problem_listing(self.errors, self.total, most)


@dataclass
class ImportReport:
    rows: int = 0
    people_created: int = 0
    people_found: int = 0
    mobilities_created: int = 0
    overrides: int = 0


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


class _RowProblems(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors


@functools.cache
def _choice_names(choices: type[models.TextChoices], language: str | None) -> dict[str, str]:
    """A choice's value by its value or its label (in English or ``language``), casefolded."""
    names = {_key(str(label)): str(value) for value, label in choices.choices}
    with translation.override("en"):
        names |= {_key(str(label)): str(value) for value, label in choices.choices}
    return names | {_key(value): str(value) for value in choices.values}


class _Cells:
    """One row's cells, parsed column by column; every problem is kept with its column."""

    def __init__(self, line: int, row: dict[str, Any]) -> None:
        self.line, self.row = line, row
        self.errors: list[RowError] = []

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))

    def text(self, column: str, required: bool = False) -> str:
        value = self.row.get(column, "")
        text = value.isoformat() if isinstance(value, datetime.date) else str(value).strip()
        if required and not text:
            self.fail(column, _("This value is required."))
        return text

    def choice(self, column: str, choices: type[models.TextChoices], required: bool = True) -> str:
        text = self.text(column, required)
        if not text:
            return ""
        value = _choice_names(choices, get_language()).get(_key(text))
        if value is None:
            self.fail(
                column,
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": text, "choices": ", ".join(choices.values)},
            )
        return value or ""

    def date(self, column: str, required: bool = False) -> datetime.date | None:
        value = self.row.get(column, "")
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        if not text:
            if required:
                self.fail(column, _("This value is required."))
            return None
        try:
            match = _DAY_FIRST.match(text)
            if match:
                return datetime.date(int(match[3]), int(match[2]), int(match[1]))
            return datetime.date.fromisoformat(text)
        except ValueError:
            self.fail(
                column, _("“%(value)s” is not a date (2026-09-15 or 15.09.2026).") % {"value": text}
            )
            return None

    def decimal(self, column: str) -> Decimal | None:
        text = self.text(column).replace(",", ".")
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            self.fail(column, _("“%(value)s” is not a number.") % {"value": text})
            return None

    def country(self, column: str) -> str:
        code = self.text(column, required=True).upper()
        if code and not is_country_code(code):
            self.fail(column, _("%(code)s is not an ISO 3166 country code.") % {"code": code})
        return code

    def email(self, column: str) -> str:
        text = self.text(column)
        if text:
            try:
                validate_email(text)
            except ValidationError:
                self.fail(column, _("“%(value)s” is not an e-mail address.") % {"value": text})
        return text


@dataclass
class _Known:
    """What the import looks things up in, loaded once (or once per agreement or institution)."""

    institutions: dict[str, int] = field(default_factory=dict)
    units: dict[int, dict[str, Unit]] = field(default_factory=dict)
    facts: dict[int, rules.AgreementFacts | None] = field(default_factory=dict)
    directions: dict[int, dict[str, Direction]] = field(default_factory=dict)
    # institution -> identity key -> the person stored (pk, first and last name only)
    people: dict[int, dict[tuple[str, ...], Person]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _Known:
        known = cls()
        for pk, name, erasmus, hei_id, ror in Institution.objects.values_list(
            "pk", "name", "erasmus_code", "ewp_hei_id", "ror_id"
        ):
            known.institutions[str(pk)] = pk
            for code in (erasmus, hei_id, ror):
                if code:
                    known.institutions[_key(code).replace(" ", "")] = pk
            name_key = _key(name)
            seen = known.institutions.get(name_key)
            known.institutions[name_key] = pk if seen in (None, pk) else AMBIGUOUS
        return known

    def institution(self, cells: _Cells, column: str) -> int | None:
        text = cells.text(column, required=True)
        if not text:
            return None
        pk = self.institutions.get(_key(text).replace(" ", "")) or self.institutions.get(_key(text))
        if pk == AMBIGUOUS:
            cells.fail(
                column,
                _("Several institutions are called “%(name)s”; give its id or Erasmus code.")
                % {"name": text},
            )
            return None
        if pk is None:
            cells.fail(column, _("Unknown institution “%(name)s”.") % {"name": text})
        return pk

    def unit(self, cells: _Cells, column: str, institution_id: int | None) -> Unit | None:
        text = cells.text(column)
        if not text or institution_id is None:
            return None
        if institution_id not in self.units:
            units: dict[str, Unit] = {}
            for each in Unit.objects.filter(institution_id=institution_id).only(
                "pk", "institution_id", "name", "code"
            ):
                units.setdefault(_key(each.name), each)
                if each.code:
                    units.setdefault(_key(each.code), each)
            self.units[institution_id] = units
        found = self.units[institution_id].get(_key(text))
        if found is None:
            cells.fail(column, _("The institution has no unit “%(name)s”.") % {"name": text})
        return found

    def agreement(self, cells: _Cells) -> rules.AgreementFacts | None:
        text = cells.text("agreement", required=True)
        if not text:
            return None
        pk = int(text) if text.isdigit() else None
        if pk is not None and pk not in self.facts:
            self.facts[pk] = rules.agreement_facts([pk]).get(pk)
            self.directions[pk] = {}
            for direction in Direction.objects.filter(agreements=pk).only("pk", "name", "names"):
                self.directions[pk][str(direction.pk)] = direction
                self.directions[pk].setdefault(_key(direction.name), direction)
        facts = self.facts.get(pk) if pk is not None else None
        if facts is None:
            cells.fail(
                "agreement", _("Unknown agreement “%(value)s”; give its number.") % {"value": text}
            )
        return facts

    def direction(self, cells: _Cells, facts: rules.AgreementFacts | None) -> Direction | None:
        text = cells.text("direction", required=True)
        if not text or facts is None:
            return None
        direction = self.directions[facts.pk].get(text) or self.directions[facts.pk].get(_key(text))
        if direction is None:
            cells.fail(
                "direction",
                _("“%(name)s” is not one of the agreement's directions.") % {"name": text},
            )
        return direction

    def people_of(self, institution_id: int) -> dict[tuple[str, ...], Person]:
        if institution_id not in self.people:
            found: dict[tuple[str, ...], Person] = {}
            for person in Person.objects.filter(institution_id=institution_id).only(
                "pk", "institution_id", "first_name", "last_name", "email", "birth_date"
            ):
                found[_person_key(person)] = person
            self.people[institution_id] = found
        return self.people[institution_id]


def _person_key(person: Person) -> tuple[str, ...]:
    """How a row finds its person at the sending institution: by e-mail, else by name and
    date of birth."""
    if person.email:
        return ("email", person.email.casefold())
    birth = person.birth_date.isoformat() if person.birth_date else ""
    return ("name", _key(person.first_name), _key(person.last_name), birth)


@dataclass
class _Row:
    line: int
    person: Person
    person_is_new: bool
    mobility: Mobility
    override: str


class MobilityImport:
    """One import of one file by one actor (None: the server's own command, acting for all)."""

    def __init__(self, actor: Any, progress: Progress | None = None) -> None:
        self.actor = actor
        self.scope = access.scope_of(actor)
        self.may_override = actor is None or access.may_override_quota(actor)
        self.progress = progress or (lambda stage, done, total: None)
        self.known = _Known.load()
        self.home_id = access.home_id()
        # Agreements whose quota use is counted in this pass.
        self.counted: set[int] = set()

    # Reading a row

    def _row(self, line: int, raw: dict[str, Any], check: bool) -> _Row:
        cells = _Cells(line, raw)
        known = self.known
        sending = known.institution(cells, "sending_institution")
        receiving = known.institution(cells, "receiving_institution")
        facts = known.agreement(cells)
        direction = known.direction(cells, facts)
        person_fields: dict[str, Any] = {
            "first_name": cells.text("first_name", required=True),
            "last_name": cells.text("last_name", required=True),
            "kind": cells.choice("person_kind", PersonKind),
            "citizenship": cells.country("citizenship"),
            "email": cells.email("email"),
            "birth_date": cells.date("birth_date"),
            "institution_id": sending,
        }
        mobility_fields: dict[str, Any] = {
            "mobility_type": cells.choice("mobility_type", MobilityType),
            "flow": cells.choice("flow", Flow),
            "sending_institution_id": sending,
            "sending_unit": known.unit(cells, "sending_unit", sending),
            "receiving_institution_id": receiving,
            "receiving_unit": known.unit(cells, "receiving_unit", receiving),
            "agreement_id": facts.pk if facts else None,
            "direction": direction,
            "academic_year": cells.text("academic_year", required=True),
            "planned_start": cells.date("planned_start", required=True),
            "planned_end": cells.date("planned_end", required=True),
            "actual_start": cells.date("actual_start"),
            "actual_end": cells.date("actual_end"),
            "ects_planned": cells.decimal("ects_planned"),
            "ects_achieved": cells.decimal("ects_achieved"),
            "language": cells.text("language"),
            "funding": cells.choice("funding", Funding, required=False),
            "status": cells.choice("status", MobilityStatus, required=False)
            or MobilityStatus.NOMINATED,
        }
        override = cells.text("quota_override")
        if cells.errors:
            raise _RowProblems(cells.errors)
        person, mobility = Person(**person_fields), Mobility(**mobility_fields)
        stored = known.people_of(sending).get(_person_key(person)) if sending else None
        if stored is not None:
            person = stored
        person.unit = mobility.sending_unit
        mobility.person = person
        if check:
            self._check(cells, person, stored is None, mobility, facts)
        return _Row(line, person, stored is None, mobility, override)

    def _check(
        self,
        cells: _Cells,
        person: Person,
        new_person: bool,
        mobility: Mobility,
        facts: rules.AgreementFacts | None,
    ) -> None:
        """The same checks as a single nomination's, without a query per row."""
        problems: dict[str, Any] = {}
        for obj, exclude in ((mobility, LINK_FIELDS), (person, ["institution", "unit"])):
            if obj is person and not new_person:
                continue
            try:
                obj.clean_fields(exclude=exclude)
            except ValidationError as error:
                problems |= {
                    ("person_kind" if obj is person and name == "kind" else name): messages
                    for name, messages in error.message_dict.items()
                }
        problems |= mobility.own_problems()
        problems |= rules.agreement_problems(mobility, facts, self.home_id)
        for column, messages in problems.items():
            for message in messages if isinstance(messages, list) else [messages]:
                cells.fail(column, str(message))
        if not self.scope.everything:
            if mobility.status != MobilityStatus.NOMINATED:
                cells.fail("status", _("Only home officers import mobilities past nomination."))
            elif not access.may_nominate(self.actor, mobility, self.scope):
                cells.fail(
                    "sending_institution",
                    _("You may nominate only for the side you act for."),
                )
        if cells.errors:
            raise _RowProblems(cells.errors)

    # The quotas, as the file fills them

    def _quota_problem(
        self, row: _Row, uses: dict[rules.QuotaKey, rules.QuotaUse]
    ) -> RowError | None:
        mobility = row.mobility
        if mobility.status not in COUNTED_STATUSES:
            return None
        key = rules.key_of(mobility)
        if key not in uses:
            if key.agreement_id in self.counted:
                uses[key] = rules.QuotaUse(quota_id=None, people=0, months=None)
            else:
                self.counted.add(key.agreement_id)
                self._lock(key.agreement_id)
                uses |= rules.quota_use([key.agreement_id], [key])
        use, months = uses[key], mobility.stay_months()
        if use.shortfall(months):
            if not (row.override and self.may_override):
                message = rules.shortfall_message(key, use, mobility.direction.display_name)
                if self.may_override:
                    message += " " + _("Give the reason in the quota_override column to exceed it.")
                return RowError(row.line, "agreement", message)
            mobility.quota_override = row.override
        use.take(months)
        return None

    def _rows(self, path: str | Path, stage: str, check: bool) -> Iterator[_Row | list[RowError]]:
        total = count_rows(path)
        self.progress(stage, 0, total)
        for done, (line, raw) in enumerate(read_table(path), start=1):
            try:
                yield self._row(line, raw, check)
            except _RowProblems as problems:
                yield problems.errors
            if done % 1000 == 0:
                self.progress(stage, done, total)
        self.progress(stage, total, total)

    # The two passes

    def check(self, path: str | Path) -> None:
        """Pass one: raise ImportRefused listing every problem of the file."""
        errors: list[RowError] = []
        total = 0
        uses: dict[rules.QuotaKey, rules.QuotaUse] = {}
        seen: dict[tuple[Any, ...], int] = {}
        stored_people: set[int] = set()

        def fail(found: list[RowError]) -> None:
            nonlocal total
            total += len(found)
            errors.extend(found[: max(0, MAX_ERRORS_KEPT - len(errors))])

        for row in self._rows(path, _("Checking rows"), check=True):
            if isinstance(row, list):
                fail(row)
                continue
            duplicate = self._duplicate_key(row)
            if duplicate in seen:
                fail(
                    [
                        RowError(
                            row.line,
                            "planned_start",
                            _("The same mobility as on line %(line)s.") % {"line": seen[duplicate]},
                        )
                    ]
                )
                continue
            seen[duplicate] = row.line
            if not row.person_is_new:
                stored_people.add(row.person.pk)
            problem = self._quota_problem(row, uses)
            if problem:
                fail([problem])
        fail(self._already_recorded(seen, stored_people))
        if total:
            errors.sort(key=lambda error: error.line)
            raise ImportRefused(errors, total)

    def _duplicate_key(self, row: _Row) -> tuple[Any, ...]:
        m = row.mobility
        return (
            m.sending_institution_id,
            row.person.pk or _person_key(row.person),
            m.agreement_id,
            m.mobility_type,
            m.academic_year,
            m.planned_start,
        )

    def _already_recorded(
        self, seen: dict[tuple[Any, ...], int], people: set[int]
    ) -> list[RowError]:
        """Rows of people already registered whose mobility is already recorded."""
        found = []
        for batch in _batches(sorted(people)):
            stored = Mobility.objects.filter(person_id__in=batch).values_list(
                "sending_institution_id",
                "person_id",
                "agreement_id",
                "mobility_type",
                "academic_year",
                "planned_start",
                "pk",
            )
            for *key, pk in stored:
                line = seen.get(tuple(key))
                if line is not None:
                    found.append(
                        RowError(
                            line,
                            "planned_start",
                            _("This mobility is already recorded (number %(pk)s).") % {"pk": pk},
                        )
                    )
        return found

    def write(self, path: str | Path) -> ImportReport:
        """Pass two: write every row in one transaction, the quotas locked and counted again."""
        report = ImportReport()
        self.counted = set()
        with transaction.atomic():
            uses: dict[rules.QuotaKey, rules.QuotaUse] = {}
            # The people this import registers: the record while its batch waits, then only
            # its number, so that memory does not grow with the file.
            created: dict[tuple[Any, ...], Person | int] = {}
            batch: list[_Row] = []
            for row in self._rows(path, _("Writing rows"), check=False):
                if isinstance(row, list):  # the file changed since it was checked
                    raise ImportRefused(row, len(row))
                problem = self._quota_problem(row, uses)
                if problem:
                    raise ImportRefused([problem], 1)
                if row.person_is_new:
                    self._same_person(row, created)
                else:
                    report.people_found += 1
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    self._flush(batch, report, created)
                    batch = []
            self._flush(batch, report, created)
        return report

    @staticmethod
    def _same_person(row: _Row, created: dict[tuple[Any, ...], Person | int]) -> None:
        """Make a row of someone an earlier row registers refer to that person."""
        identity = (row.person.institution_id, _person_key(row.person))
        earlier = created.setdefault(identity, row.person)
        if earlier is row.person:
            return
        row.person_is_new = False
        if isinstance(earlier, int):
            row.person.pk = earlier
        else:
            row.person = earlier
        row.mobility.person = row.person

    def _lock(self, agreement_id: int) -> None:
        """Lock the agreement's quotas (inside the writing transaction) while they are counted."""
        if transaction.get_connection().in_atomic_block:
            list(
                Quota.objects.select_for_update()
                .filter(agreement_id=agreement_id)
                .values_list("pk")
            )

    def _flush(
        self, batch: list[_Row], report: ImportReport, created: dict[tuple[Any, ...], Person | int]
    ) -> None:
        people = [row.person for row in batch if row.person_is_new]
        bulk.insert(people)
        for person in people:
            created[(person.institution_id, _person_key(person))] = person.pk
        nominated_by = self.actor if getattr(self.actor, "is_authenticated", False) else None
        mobilities = []
        for row in batch:
            mobility = row.mobility
            mobility.person = row.person
            mobility.months = mobility.stay_months()
            mobility.nominated_by = nominated_by
            mobilities.append(mobility)
        bulk.insert(mobilities)
        bulk.insert(
            [
                audit.entry(self.actor, AuditAction.CREATE, obj, None, audit.snapshot(obj))
                for obj in [*people, *mobilities]
            ]
        )
        report.rows += len(batch)
        report.people_created += len(people)
        report.mobilities_created += len(mobilities)
        report.overrides += sum(1 for m in mobilities if m.quota_override)


def _batches(items: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_mobilities(
    path: str | Path, actor: Any, progress: Progress | None = None
) -> ImportReport:
    """Check the whole file, then write it; ImportRefused (nothing written) on any problem."""
    job = MobilityImport(actor, progress)
    job.check(path)
    return job.write(path)
