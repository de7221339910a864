"""REST endpoints for people on exchange and their mobilities; access rules from :mod:`.access`.

A full quota, an illegal step and deleting a person who has mobilities are conflicts: the API
answers them with 409 and the message (see ``accord.api``).
"""

import copy
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accord.core import audit
from accord.core.api_links import checked, emptied, links_of, renamed, require_known
from accord.core.pagination import Page
from accord.core.schemas import AuditEntryOut
from accord.exchanges import access, actions
from accord.exchanges.lifecycle import MobilityStep
from accord.exchanges.models import Mobility, Person
from accord.exchanges.schemas import (
    PERSONAL_DATA,
    ConflictOut,
    MobilityFilter,
    MobilityIn,
    MobilityOut,
    MobilityPatch,
    PersonAuditEntryOut,
    PersonFilter,
    PersonIn,
    PersonOut,
    PersonPatch,
    StepIn,
)

router = Router(tags=["exchanges"])

CONFLICT = {409: ConflictOut}

# Text fields a PATCH empties with null (the database keeps them as "").
_PERSON_BLANKS = dict.fromkeys(("email", "phone"), "")
_MOBILITY_BLANKS = dict.fromkeys(("language", "funding"), "")


# People


def _people(request: HttpRequest) -> QuerySet[Person]:
    """The people the caller sees, each marked with whether they may see its personal data (in
    the same query: the page costs no query a person)."""
    changeable = access.people_for(request.user, "change")
    return (
        access.people_for(request.user)
        .select_related("institution", "unit")
        .prefetch_related("institution__names")
        .annotate(**{PERSONAL_DATA: Exists(changeable.filter(pk=OuterRef("pk")))})
    )


def _person(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(_people(request), pk=pk)


def _own_institution_only(user: Any, institution_id: int | None) -> None:
    """A partner coordinator registers people of their own institution; refused before the
    record is validated, so a refusal tells nothing of the other institution's people."""
    partner_id = user.partner_institution_id
    if partner_id is not None and institution_id is not None and institution_id != partner_id:
        raise PermissionDenied(
            _("A partner coordinator registers only people of their own institution.")
        )


def _require_changeable(user: Any, person: Person) -> None:
    """Refuse a person the user could not change once saved: call inside the transaction that
    saves it, so the refusal undoes the change."""
    if not access.people_for(user, "change").filter(pk=person.pk).exists():
        raise PermissionDenied(
            _("You register and change only the people of your own institution or units.")
        )


@router.get("/people", response=list[PersonOut])
@paginate(Page)
def list_people(request: HttpRequest, filters: Query[PersonFilter]) -> Any:
    people = _people(request)
    if filters.institution is not None:
        people = people.filter(institution_id=filters.institution)
    if filters.kind:
        people = people.filter(kind=filters.kind)
    if filters.citizenship:
        people = people.filter(citizenship=filters.citizenship.upper())
    for word in (filters.q or "").split():
        people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return people.order_by("last_name", "first_name", "id")


@router.post("/people", response={201: PersonOut})
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    user = request.user
    if not access.may_create_person(user):
        raise PermissionDenied(
            _("Only home officers, faculty coordinators and partner coordinators register people.")
        )
    _own_institution_only(user, payload.institution)
    data = checked(payload.dict(), links_of(Person))
    data["citizenship"] = data["citizenship"].upper()
    with transaction.atomic():
        person = actions.create_person(user, Person(**data))
        _require_changeable(user, person)
    return Status(201, _person(request, person.pk))


@router.get("/people/{pk}", response=PersonOut)
def get_person(request: HttpRequest, pk: int) -> Any:
    return _person(request, pk)


@router.patch("/people/{pk}", response=PersonOut)
def update_person(request: HttpRequest, pk: int, payload: PersonPatch) -> Any:
    user = request.user
    person = access.changeable_person(user, pk)
    changes = payload.dict(exclude_unset=True)
    _own_institution_only(user, changes.get("institution"))
    changes = checked(emptied(changes, _PERSON_BLANKS), links_of(Person))
    if changes.get("citizenship"):
        changes["citizenship"] = changes["citizenship"].upper()
    with transaction.atomic():
        actions.update_person(user, person, changes)
        _require_changeable(user, person)
    return _person(request, pk)


@router.delete("/people/{pk}", response={204: None, **CONFLICT})
def delete_person(request: HttpRequest, pk: int) -> Any:
    actions.delete_person(request.user, access.changeable_person(request.user, pk))
    return Status(204, None)


@router.get("/people/{pk}/history", response=list[PersonAuditEntryOut])
@paginate(Page)
def person_history(request: HttpRequest, pk: int) -> Any:
    """The person's changes; e-mail, phone and date of birth are null unless the caller may see
    them."""
    person = _person(request, pk)
    visible = Value(getattr(person, PERSONAL_DATA), output_field=BooleanField())
    return audit.history(person).annotate(**{PERSONAL_DATA: visible})


# Mobilities


def _mobilities(request: HttpRequest) -> QuerySet[Mobility]:
    return (
        access.mobilities_for(request.user)
        .select_related(*links_of(Mobility))
        .prefetch_related("sending_institution__names", "receiving_institution__names")
    )


def _mobility(request: HttpRequest, pk: int) -> Mobility:
    return get_object_or_404(_mobilities(request), pk=pk)


# The mobility's fields (attribute names) that may be empty.
_NULLABLE = frozenset(field.attname for field in Mobility._meta.concrete_fields if field.null)


def _mobility_links(request: HttpRequest) -> dict[str, QuerySet[Any]]:
    """What a mobility's ids may name: among people, those the caller sees."""
    return links_of(Mobility, person=access.people_for(request.user))


@router.get("/mobilities", response=list[MobilityOut])
@paginate(Page)
def list_mobilities(request: HttpRequest, filters: Query[MobilityFilter]) -> Any:
    mobilities = _mobilities(request)
    for name in ("status", "flow", "mobility_type", "academic_year"):
        value = getattr(filters, name)
        if value:
            mobilities = mobilities.filter(**{name: value})
    for name in ("agreement", "direction", "person"):
        value = getattr(filters, name)
        if value is not None:
            mobilities = mobilities.filter(**{f"{name}_id": value})
    if filters.partner is not None:
        mobilities = mobilities.filter(
            Q(sending_institution_id=filters.partner) | Q(receiving_institution_id=filters.partner)
        )
    return mobilities.order_by("-planned_start", "-id")


@router.post("/mobilities", response={201: MobilityOut, **CONFLICT})
def create_mobility(request: HttpRequest, payload: MobilityIn) -> Any:
    """Nominate someone; beyond the quota only with a home officer's ``quota_override``."""
    user = request.user
    links = _mobility_links(request)
    data = renamed(payload.dict(exclude={"quota_override"}), links)
    mobility = Mobility(**data)
    if not access.may_nominate(user, mobility):
        raise PermissionDenied(_("Only the sending side nominates."))
    require_known(data, links)
    actions.nominate(user, mobility, payload.quota_override)
    return Status(201, _mobility(request, mobility.pk))


@router.get("/mobilities/{pk}", response=MobilityOut)
def get_mobility(request: HttpRequest, pk: int) -> Any:
    return _mobility(request, pk)


@router.patch("/mobilities/{pk}", response={200: MobilityOut, **CONFLICT})
def update_mobility(request: HttpRequest, pk: int, payload: MobilityPatch) -> Any:
    """Change a nomination (home officers: any mobility); ``quota_override`` is a home officer's
    reason to let the changed mobility exceed its quota."""
    user: Any = request.user
    mobility = access.changeable_mobility(user, pk)
    changes = payload.dict(exclude_unset=True)
    override = changes.pop("quota_override", None) or ""
    links = _mobility_links(request)
    changes = renamed(emptied(changes, _MOBILITY_BLANKS), links)
    prospect = copy.copy(mobility)
    for name, value in changes.items():
        # A required field emptied is the validation's to refuse (422), not the access check's.
        if value is not None or name in _NULLABLE:
            setattr(prospect, name, value)
    if not (user.is_home_officer or access.may_nominate(user, prospect)):
        raise PermissionDenied(_("The change would leave you without the sending side."))
    require_known(changes, links)
    actions.update_mobility(user, mobility, changes, override)
    return _mobility(request, pk)


@router.delete("/mobilities/{pk}", response={204: None})
def delete_mobility(request: HttpRequest, pk: int) -> Any:
    mobility = get_object_or_404(access.mobilities_for(request.user), pk=pk)
    access.require_officer(request.user)
    actions.delete_mobility(request.user, mobility)
    return Status(204, None)


# What a step's body may give, by step.
_STEP_FIELDS = {
    MobilityStep.START: {"on"},
    MobilityStep.COMPLETE: {"on", "ects_achieved"},
}
# The mobility's fields a step's ``on`` sets: their errors are the ``on``'s.
_STEP_DATES = frozenset({"actual_start", "actual_end"})


@router.post("/mobilities/{pk}/steps/{step}", response={200: MobilityOut, **CONFLICT})
def take_step(
    request: HttpRequest, pk: int, step: MobilityStep, payload: StepIn | None = None
) -> Any:
    """Accept, reject, record the arrival (``on``: the day), record as completed (``on``: the
    day of departure, ``ects_achieved``) or withdraw."""
    mobility = get_object_or_404(access.mobilities_for(request.user), pk=pk)
    body = payload or StepIn.model_validate({})
    given = body.dict(exclude_none=True).keys() - _STEP_FIELDS.get(step, set())
    if given:
        raise ValidationError(
            {name: _("Not taken by the step “%(step)s”.") % {"step": step.label} for name in given}
        )
    try:
        actions.take_step(
            request.user, mobility, step, on=body.on, ects_achieved=body.ects_achieved
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {
                "on" if name in _STEP_DATES else name: errors
                for name, errors in error.error_dict.items()
            }
        ) from None
    return _mobility(request, pk)


@router.get("/mobilities/{pk}/history", response=list[AuditEntryOut])
@paginate(Page)
def mobility_history(request: HttpRequest, pk: int) -> Any:
    return audit.history(get_object_or_404(access.mobilities_for(request.user), pk=pk))
