"""REST endpoints for proposal packages, their directions, the partners' answers and what to
propose; access rules from :mod:`.access`."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accord.agreements import access, actions
from accord.agreements.models import Direction, ProposalPackage
from accord.agreements.schemas import (
    AgreementOut,
    AnswerIn,
    AnswerOut,
    DirectionIn,
    DirectionOut,
    PackageFilter,
    PackageIn,
    PackageListOut,
    PackageOut,
    PackagePatch,
    ProtocolIn,
    SuggestionOut,
)
from accord.agreements.suggestions import suggest_directions
from accord.core.errors import Conflict
from accord.core.pagination import Page
from accord.institutions.models import Institution

router = Router(tags=["proposal packages"])

# The 409 body ({"detail": ...}) comes from the Conflict handler in accord.api.
CONFLICT = {409: dict}


def _packages(request: HttpRequest) -> QuerySet[ProposalPackage]:
    return access.packages_for(request.user).prefetch_related("recipients")


def _package(request: HttpRequest, pk: int) -> ProposalPackage:
    return get_object_or_404(_packages(request), pk=pk)


@router.get("/packages", response=list[PackageListOut])
@paginate(Page)
def list_packages(request: HttpRequest, filters: Query[PackageFilter]) -> Any:
    packages = access.packages_for(request.user)
    if filters.status:
        packages = packages.filter(status=filters.status)
    return packages


@router.get("/packages/{pk}", response=PackageOut)
def get_package(request: HttpRequest, pk: int) -> Any:
    return _package(request, pk)


@router.post("/packages", response={201: PackageOut})
def create_package(request: HttpRequest, payload: PackageIn) -> Any:
    access.require_officer(request.user)
    package = ProposalPackage(title=payload.title, description=payload.description)
    actions.create_package(request.user, package, payload.recipients)
    return Status(201, _package(request, package.pk))


@router.patch("/packages/{pk}", response={200: PackageOut, **CONFLICT})
def update_package(request: HttpRequest, pk: int, payload: PackagePatch) -> Any:
    package = access.changeable_package(request.user, pk)
    changes = payload.dict(exclude_unset=True, exclude={"recipients"})
    actions.update_package(request.user, package, changes, payload.recipients)
    return _package(request, pk)


@router.post("/packages/{pk}/send", response={200: PackageOut, **CONFLICT})
def send_package(request: HttpRequest, pk: int) -> Any:
    """Open the package to the partners' answers."""
    actions.send_package(request.user, access.changeable_package(request.user, pk))
    return _package(request, pk)


@router.post("/packages/{pk}/close", response={200: PackageOut, **CONFLICT})
def close_package(request: HttpRequest, pk: int) -> Any:
    actions.close_package(request.user, access.changeable_package(request.user, pk))
    return _package(request, pk)


@router.post("/packages/{pk}/directions", response={201: DirectionOut, **CONFLICT})
def propose_direction(request: HttpRequest, pk: int, payload: DirectionIn) -> Any:
    package = access.changeable_package(request.user, pk)
    data = payload.dict(exclude={"fields", "specialties", "responsible_unit"})
    direction = Direction(**data, package=package, responsible_unit_id=payload.responsible_unit)
    actions.add_direction(request.user, direction, payload.fields, payload.specialties)
    return Status(201, direction)


def _direction(request: HttpRequest, pk: int) -> Direction:
    return get_object_or_404(access.directions_for(request.user), pk=pk)


@router.delete("/directions/{pk}", response={204: None, **CONFLICT})
def withdraw_direction(request: HttpRequest, pk: int) -> Any:
    """Withdraw a proposed direction that no agreement carries yet."""
    direction = _direction(request, pk)
    access.require_officer(request.user)
    actions.remove_direction(request.user, direction)
    return Status(204, None)


@router.put("/directions/{pk}/answer", response={200: AnswerOut, **CONFLICT})
def answer_direction(request: HttpRequest, pk: int, payload: AnswerIn) -> Any:
    """A partner's answer to a proposed direction: accept, decline with a reason, or counter."""
    direction = _direction(request, pk)
    if direction.package_id is None:
        raise Conflict(_("The direction was not proposed in a package."))
    institution = access.answering_institution(request.user, payload.institution)
    return actions.answer_direction(
        request.user,
        direction,
        institution,
        payload.answer,
        payload.comment,
        payload.partner_unit,
    )


@router.get("/packages/{pk}/suggestions", response=list[SuggestionOut])
def package_suggestions(request: HttpRequest, pk: int, partner: int) -> Any:
    """Fields where the home university and ``partner`` (a recipient) teach alike, best first."""
    package = access.changeable_package(request.user, pk)
    recipient = get_object_or_404(package.recipients.all(), pk=partner)
    home = get_object_or_404(Institution.objects.home())
    return [
        {
            "field": suggestion.field.code,
            "field_name": suggestion.field.name,
            "match": suggestion.match,
            "score": suggestion.score,
            "home_programmes": suggestion.home_programmes,
            "partner_programmes": suggestion.partner_programmes,
            "common_levels": suggestion.common_levels,
            "home_specialties": [specialty.pk for specialty in suggestion.home_specialties],
        }
        for suggestion in suggest_directions(home, recipient)
    ]


@router.post("/packages/{pk}/protocols", response={201: AgreementOut})
def protocol_from_package(request: HttpRequest, pk: int, payload: ProtocolIn) -> Any:
    """A draft protocol with one partner carrying the directions it accepted."""
    package = access.changeable_package(request.user, pk)
    parent = get_object_or_404(access.agreements_for(request.user), pk=payload.parent)
    protocol = actions.protocol_from_package(
        request.user, package, payload.institution, parent, payload.title, payload.titles
    )
    return Status(201, access.agreements_for(request.user).get(pk=protocol.pk))
