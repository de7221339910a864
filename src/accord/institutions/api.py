"""REST endpoints of the partner registry; access rules from :mod:`.access`."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accord.core.models import AuditEntry
from accord.core.pagination import Page
from accord.core.schemas import AuditEntryOut
from accord.institutions import access, actions
from accord.institutions.models import (
    CLASSIFYING_FIELDS,
    Contact,
    Field,
    Institution,
    Offering,
    Specialty,
    Unit,
)
from accord.institutions.schemas import (
    ContactIn,
    ContactOut,
    FieldFilter,
    FieldOut,
    InstitutionFilter,
    InstitutionIn,
    InstitutionListOut,
    InstitutionOut,
    InstitutionPatch,
    OfferingIn,
    OfferingOut,
    SpecialtyFilter,
    SpecialtyOut,
    UnitIn,
    UnitOut,
    UnitPatch,
)

router = Router(tags=["registry"])


def _institution(request: HttpRequest, pk: int, action: access.Action = "view") -> Institution:
    queryset = access.institutions_for(request.user, action).prefetch_related("names", "domains")
    return get_object_or_404(queryset, pk=pk)


def _unit_of(institution: Institution, unit_id: int | None, field: str = "unit") -> Unit | None:
    if unit_id is None:
        return None
    unit = institution.units.filter(pk=unit_id).first()
    if unit is None:
        raise ValidationError({field: _("No such unit in this institution.")})
    return unit


# Institutions


@router.get("/institutions", response=list[InstitutionListOut])
@paginate(Page)
def list_institutions(request: HttpRequest, filters: Query[InstitutionFilter]) -> Any:
    queryset = access.institutions_for(request.user).order_by("name", "id")
    if filters.q:
        queryset = queryset.search(filters.q)
    for name in ("country", "kind", "partner_status"):
        value = getattr(filters, name)
        if value:
            queryset = queryset.filter(**{name: value.upper() if name == "country" else value})
    return queryset.only(*InstitutionListOut.Meta.fields)


@router.post("/institutions", response={201: InstitutionOut})
def create_institution(request: HttpRequest, payload: InstitutionIn) -> Any:
    if not access.can_create_institution(request.user):
        raise PermissionDenied("Only officers of the home university create institutions.")
    data = payload.dict(exclude={"names", "domains"}, exclude_none=True)
    successor = data.pop("successor", None)
    institution = Institution(**data, successor_id=successor)
    institution = actions.create_institution(
        request.user,
        institution,
        names=[name.dict() for name in payload.names or []],
        domains=payload.domains or [],
    )
    return Status(201, _institution(request, institution.pk))


@router.get("/institutions/{pk}", response=InstitutionOut)
def get_institution(request: HttpRequest, pk: int) -> Any:
    return _institution(request, pk)


@router.patch("/institutions/{pk}", response=InstitutionOut)
def update_institution(request: HttpRequest, pk: int, payload: InstitutionPatch) -> Any:
    institution = access.changeable_institution(request.user, pk)
    data = payload.dict(exclude_unset=True)
    names, domains = data.pop("names", None), data.pop("domains", None)
    if "successor" in data:
        data["successor_id"] = data.pop("successor")
    # A partner may describe itself, not change how it is classed or identified.
    classifies = {*CLASSIFYING_FIELDS, "successor_id"} & data.keys() or domains is not None
    if classifies and not request.user.is_home_officer:  # type: ignore[union-attr]
        raise PermissionDenied(
            _("Only officers of the home university change type, status, identifiers or domains.")
        )
    actions.update_institution(request.user, institution, data, names=names, domains=domains)
    return _institution(request, pk)


@router.delete("/institutions/{pk}", response={204: None})
def delete_institution(request: HttpRequest, pk: int) -> Any:
    institution = _institution(request, pk)
    if not access.can_create_institution(request.user):
        raise PermissionDenied("Only officers of the home university delete institutions.")
    actions.delete(request.user, institution)
    return Status(204, None)


@router.get("/institutions/{pk}/history", response=list[AuditEntryOut])
@paginate(Page)
def institution_history(request: HttpRequest, pk: int) -> Any:
    institution = _institution(request, pk)
    return AuditEntry.objects.filter(institution_id=institution.pk)


# Units, contacts, offerings


@router.get("/institutions/{pk}/units", response=list[UnitOut])
@paginate(Page)
def list_units(request: HttpRequest, pk: int) -> Any:
    return _institution(request, pk).units.order_by("id")


@router.post("/institutions/{pk}/units", response={201: UnitOut})
def create_unit(request: HttpRequest, pk: int, payload: UnitIn) -> Any:
    institution = access.changeable_institution(request.user, pk)
    data = payload.dict()
    parent = _unit_of(institution, data.pop("parent"), "parent")
    return Status(
        201, actions.save(request.user, Unit(institution=institution, parent=parent, **data))
    )


@router.get("/units/{pk}", response=UnitOut)
def get_unit(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(access.institution_children_for(request.user, Unit), pk=pk)


@router.patch("/units/{pk}", response=UnitOut)
def update_unit(request: HttpRequest, pk: int, payload: UnitPatch) -> Any:
    unit: Unit = access.changeable_child(request.user, Unit, pk)
    changes = payload.dict(exclude_unset=True)
    if "parent" in changes:
        changes["parent"] = _unit_of(unit.institution, changes["parent"], "parent")
    return actions.save(request.user, unit, changes)


@router.delete("/units/{pk}", response={204: None})
def delete_unit(request: HttpRequest, pk: int) -> Any:
    actions.delete(request.user, access.changeable_child(request.user, Unit, pk))
    return Status(204, None)


@router.get("/institutions/{pk}/contacts", response=list[ContactOut])
@paginate(Page)
def list_contacts(request: HttpRequest, pk: int) -> Any:
    return _institution(request, pk).contacts.order_by("id")


@router.post("/institutions/{pk}/contacts", response={201: ContactOut})
def create_contact(request: HttpRequest, pk: int, payload: ContactIn) -> Any:
    institution = access.changeable_institution(request.user, pk)
    data = payload.dict()
    unit = _unit_of(institution, data.pop("unit"))
    return Status(
        201, actions.save(request.user, Contact(institution=institution, unit=unit, **data))
    )


@router.delete("/contacts/{pk}", response={204: None})
def delete_contact(request: HttpRequest, pk: int) -> Any:
    actions.delete(request.user, access.changeable_child(request.user, Contact, pk))
    return Status(204, None)


@router.get("/institutions/{pk}/offerings", response=list[OfferingOut])
@paginate(Page)
def list_offerings(request: HttpRequest, pk: int) -> Any:
    return _institution(request, pk).offerings.order_by("id")


@router.post("/institutions/{pk}/offerings", response={201: OfferingOut})
def create_offering(request: HttpRequest, pk: int, payload: OfferingIn) -> Any:
    institution = access.changeable_institution(request.user, pk)
    offering = actions.offer(
        request.user,
        institution,
        field_code=payload.field,
        specialty_id=payload.specialty,
        level=payload.level,
        unit=_unit_of(institution, payload.unit),
        title=payload.title,
    )
    return Status(201, offering)


@router.delete("/offerings/{pk}", response={204: None})
def delete_offering(request: HttpRequest, pk: int) -> Any:
    actions.delete(request.user, access.changeable_child(request.user, Offering, pk))
    return Status(204, None)


# Reference classifications: public.


@router.get("/fields", response=list[FieldOut], auth=None)
@paginate(Page)
def list_fields(request: HttpRequest, filters: Query[FieldFilter]) -> Any:
    return filters.filter(Field.objects.all())


@router.get("/fields/{code}", response=FieldOut, auth=None)
def get_field(request: HttpRequest, code: str) -> Any:
    return get_object_or_404(Field, code=code)


@router.get("/specialties", response=list[SpecialtyOut], auth=None)
@paginate(Page)
def list_specialties(request: HttpRequest, filters: Query[SpecialtyFilter]) -> Any:
    fields = Prefetch("fields", queryset=Field.objects.only("code"))
    return filters.filter(Specialty.objects.prefetch_related(fields)).distinct()


@router.get("/specialties/{pk}", response=SpecialtyOut, auth=None)
def get_specialty(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(Specialty.objects.prefetch_related("fields"), pk=pk)
