"""API shapes of agreements, quotas and proposal packages."""

import datetime
from typing import Any

from ninja import Field as SchemaField
from ninja import ModelSchema, Schema
from pydantic import ConfigDict

from accord.agreements.access import answers_for
from accord.agreements.lifecycle import allowed_actions
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AnswerKind,
    CooperationArea,
    Direction,
    DirectionAnswer,
    Flow,
    MobilityType,
    PackageStatus,
    ProposalPackage,
    Quota,
    VersionReason,
)

# Unknown keys are refused with their name rather than silently dropped.
STRICT_INPUT = ConfigDict(extra="forbid")


class PartyOut(Schema):
    id: int
    institution: int = SchemaField(alias="institution_id")
    signatory_name: str
    signatory_position: str


class PartyPatch(Schema):
    """Who signs for a party."""

    model_config = STRICT_INPUT
    signatory_name: str | None = SchemaField(None, max_length=200)
    signatory_position: str | None = SchemaField(None, max_length=200)


class AgreementOut(ModelSchema):
    parent: int | None = SchemaField(alias="parent_id")
    previous: int | None = SchemaField(alias="previous_id")
    parties: list[PartyOut]
    directions: list[int]
    allowed_actions: list[str]

    class Meta:
        model = Agreement
        exclude = ["created", "modified"]

    @staticmethod
    def resolve_directions(obj: Agreement) -> list[int]:
        return [direction.pk for direction in obj.directions.all()]

    @staticmethod
    def resolve_allowed_actions(obj: Agreement) -> list[str]:
        return [str(action) for action in allowed_actions(obj.status)]


class AgreementIn(Schema):
    model_config = STRICT_INPUT
    kind: AgreementKind
    title: str = SchemaField(min_length=1, max_length=300)
    titles: dict[str, str] = {}
    text: str = ""
    texts: dict[str, str] = {}
    parent: int | None = None
    areas: list[CooperationArea] = []
    signed_on: datetime.date | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    automatic_renewal: bool = False
    parties: list[int] = SchemaField(min_length=2, description="Institution ids.")


class AgreementPatch(Schema):
    """Fields to change; ``revision`` is the one the change was made from (a stale one: 409)."""

    model_config = STRICT_INPUT
    revision: int
    title: str | None = SchemaField(None, min_length=1, max_length=300)
    titles: dict[str, str] | None = None
    text: str | None = None
    texts: dict[str, str] | None = None
    parent: int | None = None
    areas: list[CooperationArea] | None = None
    signed_on: datetime.date | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    automatic_renewal: bool | None = None

    def changes(self) -> dict[str, Any]:
        data = self.model_dump(exclude_unset=True, exclude={"revision"})
        if "parent" in data:
            data["parent_id"] = data.pop("parent")
        if data.get("areas") is not None:
            data["areas"] = [str(area) for area in data["areas"]]
        return data


class AgreementFilter(Schema):
    kind: AgreementKind | None = None
    status: AgreementStatus | None = None
    party: int | None = SchemaField(None, description="Institution id.")


class VersionIn(Schema):
    model_config = STRICT_INPUT
    reason: VersionReason = SchemaField(description="renewal or amendment")


class DifferenceOut(Schema):
    label: str
    before: str
    after: str
    lines: list[tuple[str, str]]
    added: list[str]
    removed: list[str]


class QuotaOut(ModelSchema):
    class Meta:
        model = Quota
        fields = "__all__"


class QuotaTotalOut(Schema):
    agreement_id: int
    academic_year: str
    flow: Flow
    people: int
    months: int


class QuotaIn(Schema):
    model_config = STRICT_INPUT
    direction: int
    mobility_type: MobilityType
    flow: Flow
    academic_year: str = SchemaField(examples=["2026/2027"])
    people: int = SchemaField(ge=0)
    months: int | None = SchemaField(None, ge=0)


class QuotaPatch(Schema):
    model_config = STRICT_INPUT
    people: int | None = SchemaField(None, ge=0)
    months: int | None = SchemaField(None, ge=0)


class DirectionOut(ModelSchema):
    fields: list[str]
    specialties: list[int]

    class Meta:
        model = Direction
        fields = "__all__"

    @staticmethod
    def resolve_fields(obj: Direction) -> list[str]:
        return [field.pk for field in obj.fields.all()]

    @staticmethod
    def resolve_specialties(obj: Direction) -> list[int]:
        return [specialty.pk for specialty in obj.specialties.all()]


class DirectionIn(Schema):
    model_config = STRICT_INPUT
    name: str = SchemaField(min_length=1, max_length=300)
    names: dict[str, str] = {}
    description: str = ""
    fields: list[str] = SchemaField([], description="ISCED-F codes.")
    specialties: list[int] = SchemaField([], description="Specialty ids.")
    responsible_unit: int | None = None


class AnswerOut(ModelSchema):
    class Meta:
        model = DirectionAnswer
        fields = "__all__"


class AnswerIn(Schema):
    model_config = STRICT_INPUT
    answer: AnswerKind
    comment: str = ""
    partner_unit: int | None = None
    institution: int | None = SchemaField(
        None, description="Whose answer a home officer records; a partner answers for itself."
    )


class PackageListOut(ModelSchema):
    class Meta:
        model = ProposalPackage
        fields = ["id", "title", "status", "sent_on"]


class PackageOut(ModelSchema):
    recipients: list[int]
    directions: list[DirectionOut]
    answers: list[AnswerOut]

    class Meta:
        model = ProposalPackage
        fields = "__all__"

    @staticmethod
    def resolve_recipients(obj: ProposalPackage, context: dict[str, Any]) -> list[int]:
        """A partner is not told who else received the package."""
        user = context["request"].user
        ids = [institution.pk for institution in obj.recipients.all()]
        return ids if user.is_home else [pk for pk in ids if pk == user.partner_institution_id]

    @staticmethod
    def resolve_directions(obj: ProposalPackage) -> list[Direction]:
        return list(obj.directions.prefetch_related("fields", "specialties"))

    @staticmethod
    def resolve_answers(obj: ProposalPackage, context: dict[str, Any]) -> list[DirectionAnswer]:
        return list(answers_for(context["request"].user).filter(direction__package=obj))


class PackageIn(Schema):
    model_config = STRICT_INPUT
    title: str = SchemaField(min_length=1, max_length=300)
    description: str = ""
    recipients: list[int] = SchemaField([], description="Institution ids.")


class PackagePatch(Schema):
    model_config = STRICT_INPUT
    title: str | None = SchemaField(None, min_length=1, max_length=300)
    description: str | None = None
    recipients: list[int] | None = None


class PackageFilter(Schema):
    status: PackageStatus | None = None


class ProtocolIn(Schema):
    model_config = STRICT_INPUT
    institution: int = SchemaField(description="The partner the protocol is with.")
    parent: int = SchemaField(description="The memorandum or framework agreement it is made under.")
    title: str = SchemaField(min_length=1, max_length=300)
    titles: dict[str, str] = {}


class SuggestionOut(Schema):
    field: str = SchemaField(description="ISCED-F code.")
    field_name: str
    match: str
    score: int
    home_programmes: int
    partner_programmes: int
    common_levels: list[int]
    home_specialties: list[int]
