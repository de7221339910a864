"""API shapes of people and their mobilities."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field as SchemaField
from ninja import Schema
from pydantic import ConfigDict

from accord.agreements.models import Flow, MobilityType
from accord.core.models import AuditEntry
from accord.core.schemas import AuditEntryOut, State, masked, masking
from accord.exchanges import access
from accord.exchanges.lifecycle import MobilityStep, Side, allowed_steps
from accord.exchanges.models import PERSONAL_FIELDS, Funding, Mobility, MobilityStatus, Person
from accord.exchanges.models import PersonKind as Kind

# Unknown keys are refused with their name rather than silently dropped.
STRICT_INPUT = ConfigDict(extra="forbid")

# Set by the API on people (and their history) it answers with: whether the caller may see the
# personal fields; without it they are hidden.
PERSONAL_DATA = "personal_data"


def _credits(description: str = "") -> Any:
    """An optional number of ECTS credits, as the model stores them."""
    return SchemaField(None, ge=0, max_digits=5, decimal_places=1, description=description)


class ConflictOut(Schema):
    detail: str = SchemaField(description="Why the record's current state refuses the change.")


# People


def _personal(obj: Any, name: str) -> Any:
    return getattr(obj, name) if getattr(obj, PERSONAL_DATA, False) else None


class PersonOut(Schema):
    id: int
    first_name: str
    last_name: str
    name: str
    kind: Kind
    citizenship: str
    citizenship_name: str
    institution: int = SchemaField(alias="institution_id")
    institution_name: str = SchemaField(alias="institution.display_name")
    unit: int | None = SchemaField(alias="unit_id")
    unit_name: str | None = SchemaField(None, alias="unit.display_name")
    personal_data: bool = SchemaField(
        description="Whether the caller may see e-mail, phone and date of birth (null if not)."
    )
    email: str | None
    phone: str | None
    birth_date: datetime.date | None
    created: datetime.datetime
    modified: datetime.datetime

    @staticmethod
    def resolve_name(obj: Person) -> str:
        return str(obj)

    @staticmethod
    def resolve_personal_data(obj: Person) -> bool:
        return bool(getattr(obj, PERSONAL_DATA, False))

    @staticmethod
    def resolve_email(obj: Person) -> str | None:
        return _personal(obj, "email")

    @staticmethod
    def resolve_phone(obj: Person) -> str | None:
        return _personal(obj, "phone")

    @staticmethod
    def resolve_birth_date(obj: Person) -> datetime.date | None:
        return _personal(obj, "birth_date")


def _masked(entry: AuditEntry, state: State) -> State:
    return masked(state, PERSONAL_FIELDS, getattr(entry, PERSONAL_DATA, False))


class PersonAuditEntryOut(AuditEntryOut):
    """An entry of a person's history: the personal fields masked (null) unless the caller may
    see them."""

    resolve_before, resolve_after = masking(_masked)


class PersonIn(Schema):
    model_config = STRICT_INPUT
    first_name: str = SchemaField(min_length=1, max_length=150)
    last_name: str = SchemaField(min_length=1, max_length=150)
    kind: Kind
    citizenship: str = SchemaField(max_length=2, description="Two-letter ISO code.")
    institution: int = SchemaField(description="Id of the home institution.")
    unit: int | None = SchemaField(None, description="Id of a unit of that institution.")
    email: str = SchemaField("", max_length=254)
    phone: str = SchemaField("", max_length=40)
    birth_date: datetime.date | None = None


class PersonPatch(Schema):
    model_config = STRICT_INPUT
    first_name: str | None = SchemaField(None, min_length=1, max_length=150)
    last_name: str | None = SchemaField(None, min_length=1, max_length=150)
    kind: Kind | None = None
    citizenship: str | None = SchemaField(None, max_length=2)
    institution: int | None = None
    unit: int | None = None
    email: str | None = SchemaField(None, max_length=254)
    phone: str | None = SchemaField(None, max_length=40)
    birth_date: datetime.date | None = None


class PersonFilter(Schema):
    institution: int | None = SchemaField(None, description="Id of the home institution.")
    kind: Kind | None = None
    citizenship: str | None = SchemaField(None, description="Two-letter ISO code.")
    q: str | None = SchemaField(None, description="Words of the first or last name.")


# Mobilities


def sides_of(request: HttpRequest) -> Callable[[Mobility], set[Side]]:
    """:func:`access.sides` for the caller, with their scope (a faculty coordinator's units)
    worked out once a request rather than once a mobility."""
    scope = getattr(request, "_exchange_scope", None)
    if scope is None:
        scope = access.scope_of(request.user)
        request._exchange_scope = scope  # type: ignore[attr-defined]
    return partial(access.sides, request.user, scope=scope)


class MobilityOut(Schema):
    id: int
    status: MobilityStatus
    steps: list[MobilityStep] = SchemaField(description="The steps the caller may take now.")
    person: int = SchemaField(alias="person_id")
    person_name: str
    mobility_type: MobilityType
    flow: Flow
    sending_institution: int = SchemaField(alias="sending_institution_id")
    sending_institution_name: str = SchemaField(alias="sending_institution.display_name")
    sending_unit: int | None = SchemaField(alias="sending_unit_id")
    sending_unit_name: str | None = SchemaField(None, alias="sending_unit.display_name")
    receiving_institution: int = SchemaField(alias="receiving_institution_id")
    receiving_institution_name: str = SchemaField(alias="receiving_institution.display_name")
    receiving_unit: int | None = SchemaField(alias="receiving_unit_id")
    receiving_unit_name: str | None = SchemaField(None, alias="receiving_unit.display_name")
    agreement: int = SchemaField(alias="agreement_id")
    agreement_title: str = SchemaField(alias="agreement.display_title")
    direction: int = SchemaField(alias="direction_id")
    direction_name: str = SchemaField(alias="direction.display_name")
    academic_year: str
    planned_start: datetime.date
    planned_end: datetime.date
    actual_start: datetime.date | None
    actual_end: datetime.date | None
    months: float = SchemaField(description="Months of 30 days, from the actual dates if known.")
    ects_planned: float | None
    ects_achieved: float | None
    language: str
    funding: str
    quota_override: str
    created: datetime.datetime
    modified: datetime.datetime

    @staticmethod
    def resolve_steps(obj: Mobility, context: dict[str, Any]) -> list[MobilityStep]:
        return allowed_steps(obj.status, sides_of(context["request"])(obj))

    @staticmethod
    def resolve_person_name(obj: Mobility) -> str:
        return str(obj.person)


class MobilityIn(Schema):
    model_config = STRICT_INPUT
    person: int = SchemaField(description="Id of the person sent.")
    mobility_type: MobilityType
    flow: Flow
    sending_institution: int
    sending_unit: int | None = None
    receiving_institution: int
    receiving_unit: int | None = None
    agreement: int
    direction: int
    academic_year: str = SchemaField(max_length=9, description="e.g. 2026/2027")
    planned_start: datetime.date
    planned_end: datetime.date
    ects_planned: Decimal | None = _credits()
    language: str = SchemaField("", max_length=10)
    funding: Funding | Literal[""] = ""
    quota_override: str = SchemaField(
        "", description="A home officer's reason to let the nomination exceed the quota."
    )


class MobilityPatch(Schema):
    model_config = STRICT_INPUT
    person: int | None = None
    mobility_type: MobilityType | None = None
    flow: Flow | None = None
    sending_institution: int | None = None
    sending_unit: int | None = None
    receiving_institution: int | None = None
    receiving_unit: int | None = None
    agreement: int | None = None
    direction: int | None = None
    academic_year: str | None = SchemaField(None, max_length=9)
    planned_start: datetime.date | None = None
    planned_end: datetime.date | None = None
    actual_start: datetime.date | None = None
    actual_end: datetime.date | None = None
    ects_planned: Decimal | None = _credits()
    ects_achieved: Decimal | None = _credits()
    language: str | None = SchemaField(None, max_length=10)
    funding: Funding | Literal[""] | None = None
    quota_override: str | None = SchemaField(
        None, description="A home officer's reason to let the changed mobility exceed the quota."
    )


class MobilityFilter(Schema):
    status: MobilityStatus | None = None
    flow: Flow | None = None
    mobility_type: MobilityType | None = None
    academic_year: str | None = SchemaField(None, description="e.g. 2026/2027")
    agreement: int | None = SchemaField(None, description="Id of the agreement.")
    direction: int | None = SchemaField(None, description="Id of the direction.")
    partner: int | None = SchemaField(None, description="Id of an institution on either side.")
    person: int | None = SchemaField(None, description="Id of the person.")


class StepIn(Schema):
    model_config = STRICT_INPUT
    on: datetime.date | None = SchemaField(
        None, description="Arrival (start) or departure (complete); the planned date if omitted."
    )
    ects_achieved: Decimal | None = _credits("Credits earned (complete only).")
