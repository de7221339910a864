"""API shapes of visits and follow-up actions."""

import datetime

from ninja import Field as SchemaField
from ninja import Schema
from pydantic import ConfigDict

from accord.visits.models import FollowUp, Visit, VisitKind

# Unknown keys are refused with their name rather than silently dropped.
STRICT_INPUT = ConfigDict(extra="forbid")


class FollowUpOut(Schema):
    id: int
    visit: int | None = SchemaField(alias="visit_id")
    concerns: int | None = SchemaField(alias="concerns_id")
    title: str
    notes: str
    owner: int = SchemaField(alias="owner_id")
    owner_name: str
    due_on: datetime.date
    done_on: datetime.date | None
    overdue: bool

    @staticmethod
    def resolve_owner_name(obj: FollowUp) -> str:
        return obj.owner.get_full_name() or obj.owner.get_username()

    @staticmethod
    def resolve_overdue(obj: FollowUp) -> bool:
        return obj.is_overdue


class VisitOut(Schema):
    id: int
    title: str
    kind: VisitKind
    starts_on: datetime.date
    ends_on: datetime.date | None
    city: str
    country: str
    delegation: str
    institutions: list[int] = SchemaField(description="Ids of the institutions met.")
    people_met: str
    discussion: str
    outcomes: str
    follow_ups: list[FollowUpOut]
    created: datetime.datetime
    modified: datetime.datetime

    @staticmethod
    def resolve_institutions(obj: Visit) -> list[int]:
        return sorted(institution.pk for institution in obj.institutions.all())

    @staticmethod
    def resolve_follow_ups(obj: Visit) -> list[FollowUp]:
        return list(obj.follow_ups.all())


class VisitIn(Schema):
    model_config = STRICT_INPUT
    title: str = SchemaField(min_length=1, max_length=300)
    kind: VisitKind = VisitKind.OUTGOING
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    city: str = SchemaField("", max_length=120)
    country: str = SchemaField("", max_length=2, description="Two-letter ISO code.")
    delegation: str = SchemaField("", description="Who travelled, one per line.")
    institutions: list[int] = SchemaField([], description="Ids of the institutions met.")
    people_met: str = SchemaField("", description="One per line.")
    discussion: str = ""
    outcomes: str = ""


class VisitPatch(Schema):
    model_config = STRICT_INPUT
    title: str | None = SchemaField(None, min_length=1, max_length=300)
    kind: VisitKind | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    city: str | None = SchemaField(None, max_length=120)
    country: str | None = SchemaField(None, max_length=2)
    delegation: str | None = None
    institutions: list[int] | None = None
    people_met: str | None = None
    discussion: str | None = None
    outcomes: str | None = None


class VisitFilter(Schema):
    institution: int | None = SchemaField(None, description="Id of an institution met.")


class FollowUpIn(Schema):
    model_config = STRICT_INPUT
    title: str = SchemaField(min_length=1, max_length=300)
    owner: int = SchemaField(description="Id of a user of the home university.")
    due_on: datetime.date
    concerns: int | None = SchemaField(None, description="Id of the institution concerned.")
    notes: str = ""


class FollowUpPatch(Schema):
    model_config = STRICT_INPUT
    title: str | None = SchemaField(None, min_length=1, max_length=300)
    owner: int | None = None
    due_on: datetime.date | None = None
    concerns: int | None = None
    notes: str | None = None


class FollowUpFilter(Schema):
    mine: bool | None = SchemaField(
        None,
        description="Only the caller's own; the default for all but officers, unless an owner "
        "is given.",
    )
    open: bool | None = SchemaField(None, description="true: not done yet; false: done.")
    owner: int | None = SchemaField(None, description="Id of the owner.")
    due_before: datetime.date | None = SchemaField(None, description="Due before this day.")
