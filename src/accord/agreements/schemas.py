"""API shapes of agreements."""

import datetime

from ninja import Field as SchemaField
from ninja import Schema
from pydantic import ConfigDict

from accord.agreements.models import AgreementKind, AgreementStatus, CooperationArea


class PartyOut(Schema):
    institution: int = SchemaField(alias="institution_id")
    signatory_name: str
    signatory_position: str


class AgreementOut(Schema):
    id: int
    kind: AgreementKind
    title: str
    titles: dict[str, str]
    status: AgreementStatus
    parent: int | None = SchemaField(alias="parent_id")
    areas: list[str]
    signed_on: datetime.date | None
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    automatic_renewal: bool
    parties: list[PartyOut]
    allowed_actions: list[str]


class AgreementIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: AgreementKind
    title: str = SchemaField(min_length=1, max_length=300)
    titles: dict[str, str] = {}
    parent: int | None = None
    areas: list[CooperationArea] = []
    signed_on: datetime.date | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    automatic_renewal: bool = False
    parties: list[int] = SchemaField(min_length=2, description="Institution ids.")


class AgreementFilter(Schema):
    kind: AgreementKind | None = None
    status: AgreementStatus | None = None
    party: int | None = SchemaField(None, description="Institution id.")
