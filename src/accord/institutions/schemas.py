"""API shapes of the partner registry."""

from typing import Annotated

from ninja import Field as SchemaField
from ninja import FilterLookup, FilterSchema, ModelSchema, Schema
from pydantic import ConfigDict

from accord.institutions.models import (
    PROFILE_FIELDS,
    Contact,
    ContactRole,
    Field,
    FieldLevel,
    Institution,
    InstitutionKind,
    NameKind,
    Offering,
    PartnerStatus,
    Specialty,
    StudyLevel,
    Unit,
    UnitKind,
)

# Unknown keys are refused with their name rather than silently dropped.
STRICT_INPUT = ConfigDict(extra="forbid")


class NameSchema(Schema):
    model_config = STRICT_INPUT
    language: str = SchemaField(min_length=2, max_length=8, examples=["uk"])
    name: str = SchemaField(min_length=1, max_length=300)
    kind: NameKind = NameKind.OFFICIAL


class InstitutionListOut(ModelSchema):
    class Meta:
        model = Institution
        fields = ["id", "name", "country", "city", "kind", "partner_status", "ror_id"]


class InstitutionOut(ModelSchema):
    names: list[NameSchema]
    domains: list[str]
    country_name: str

    class Meta:
        model = Institution
        exclude = ["search_text"]

    @staticmethod
    def resolve_domains(obj: Institution) -> list[str]:
        return [d.domain for d in obj.domains.all()]


class InstitutionIn(ModelSchema):
    model_config = STRICT_INPUT
    successor: int | None = SchemaField(None, description="Id of the institution now known as.")
    kind: InstitutionKind = InstitutionKind.UNIVERSITY
    partner_status: PartnerStatus = PartnerStatus.NONE
    names: list[NameSchema] | None = None
    domains: list[str] | None = None

    class Meta:
        model = Institution
        fields = ["name", "country", *PROFILE_FIELDS]
        fields_optional = PROFILE_FIELDS


class InstitutionPatch(ModelSchema):
    model_config = STRICT_INPUT
    successor: int | None = SchemaField(None, description="Id of the institution now known as.")
    kind: InstitutionKind | None = None
    partner_status: PartnerStatus | None = None
    names: list[NameSchema] | None = None
    domains: list[str] | None = None

    class Meta:
        model = Institution
        fields = ["name", "country", *PROFILE_FIELDS]
        fields_optional = "__all__"


class InstitutionFilter(FilterSchema):
    q: str | None = SchemaField(None, description="Name in any language, acronym, domain or id.")
    country: str | None = SchemaField(None, description="Two-letter ISO code.")
    kind: InstitutionKind | None = None
    partner_status: PartnerStatus | None = None


class UnitOut(ModelSchema):
    class Meta:
        model = Unit
        fields = ["id", "institution", "parent", "kind", "name", "names", "code"]


class UnitIn(Schema):
    model_config = STRICT_INPUT
    parent: int | None = None
    kind: UnitKind
    name: str = SchemaField(min_length=1, max_length=300)
    names: dict[str, str] = {}
    code: str = ""


class UnitPatch(Schema):
    model_config = STRICT_INPUT
    parent: int | None = None
    kind: UnitKind | None = None
    name: str | None = SchemaField(None, min_length=1, max_length=300)
    names: dict[str, str] | None = None
    code: str | None = None


class ContactOut(ModelSchema):
    class Meta:
        model = Contact
        fields = ["id", "institution", "unit", "role", "person_name", "position", "email", "phone"]


class ContactIn(Schema):
    model_config = STRICT_INPUT
    unit: int | None = None
    role: ContactRole
    person_name: str = SchemaField(min_length=1, max_length=200)
    position: str = ""
    email: str = ""
    phone: str = ""


class OfferingOut(ModelSchema):
    class Meta:
        model = Offering
        fields = ["id", "institution", "unit", "field", "specialty", "level", "title"]


class OfferingIn(Schema):
    model_config = STRICT_INPUT
    field: str | None = SchemaField(
        None, description="ISCED-F detailed code; from the specialty if omitted."
    )
    specialty: int | None = None
    level: StudyLevel
    unit: int | None = None
    title: str = ""


class FieldOut(ModelSchema):
    class Meta:
        model = Field
        fields = ["code", "level", "parent", "name_en", "name_uk"]


_CODE_OR_NAME = ["code__startswith", "name_en__icontains", "name_uk__icontains"]


class FieldFilter(FilterSchema):
    level: FieldLevel | None = None
    parent: str | None = None
    q: Annotated[str | None, FilterLookup(_CODE_OR_NAME)] = None


class SpecialtyOut(ModelSchema):
    isced: list[str]

    class Meta:
        model = Specialty
        fields = [
            "id",
            "scheme",
            "code",
            "name_en",
            "name_uk",
            "area_code",
            "area_name_en",
            "area_name_uk",
        ]

    @staticmethod
    def resolve_isced(obj: Specialty) -> list[str]:
        return [field.code for field in obj.fields.all()]


class SpecialtyFilter(FilterSchema):
    scheme: str | None = None
    field: Annotated[str | None, FilterLookup("fields__code")] = None
    q: Annotated[str | None, FilterLookup(_CODE_OR_NAME)] = None
