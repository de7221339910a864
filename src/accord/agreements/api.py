"""REST endpoints for agreements, their versions and quotas; access rules from :mod:`.access`."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accord.agreements import access, actions, quotas, versions
from accord.agreements.models import Agreement, AgreementParty, Direction, Quota
from accord.agreements.schemas import (
    AgreementFilter,
    AgreementIn,
    AgreementOut,
    AgreementPatch,
    DifferenceOut,
    DirectionIn,
    DirectionOut,
    PartyPatch,
    QuotaIn,
    QuotaOut,
    QuotaPatch,
    QuotaTotalOut,
    VersionIn,
)
from accord.core.pagination import Page
from accord.core.schemas import AuditEntryOut

router = Router(tags=["agreements"])

# The 409 body ({"detail": ...}) comes from the Conflict handler in accord.api.
CONFLICT = {409: dict}


def _agreements(request: HttpRequest, action: access.Action = "view") -> QuerySet[Agreement]:
    parties = Prefetch("parties", queryset=AgreementParty.objects.order_by("id"))
    return access.agreements_for(request.user, action).prefetch_related(
        parties, Prefetch("directions", queryset=Direction.objects.only("pk"))
    )


def _changeable(request: HttpRequest, pk: int) -> Agreement:
    return access.changeable_agreement(request.user, _agreements(request), pk)


def _fresh(request: HttpRequest, pk: int) -> Agreement:
    return get_object_or_404(_agreements(request), pk=pk)


def _officer_only(request: HttpRequest) -> None:
    if not request.user.is_home_officer:  # type: ignore[union-attr]
        raise PermissionDenied(_("Only officers of the home university create agreements."))


@router.get("/agreements", response=list[AgreementOut])
@paginate(Page)
def list_agreements(request: HttpRequest, filters: Query[AgreementFilter]) -> Any:
    return _filtered(_agreements(request), filters).order_by("-created", "-id")


def _filtered(agreements: QuerySet[Agreement], filters: AgreementFilter) -> QuerySet[Agreement]:
    if filters.kind:
        agreements = agreements.filter(kind=filters.kind)
    if filters.status:
        agreements = agreements.filter(status=filters.status)
    if filters.party:
        agreements = agreements.filter(parties__institution_id=filters.party)
    return agreements


@router.get("/agreements/{pk}", response=AgreementOut)
def get_agreement(request: HttpRequest, pk: int) -> Any:
    return _fresh(request, pk)


@router.post("/agreements", response={201: AgreementOut})
def create_agreement(request: HttpRequest, payload: AgreementIn) -> Any:
    _officer_only(request)
    data = payload.dict(exclude={"parties", "parent"})
    data["areas"] = [str(area) for area in data["areas"]]
    agreement = Agreement(**data, parent_id=payload.parent)
    actions.create_agreement(request.user, agreement, payload.parties)
    return Status(201, _fresh(request, agreement.pk))


@router.patch("/agreements/{pk}", response={200: AgreementOut, **CONFLICT})
def update_agreement(request: HttpRequest, pk: int, payload: AgreementPatch) -> Any:
    agreement = _changeable(request, pk)
    actions.update_agreement(request.user, agreement, payload.changes(), payload.revision)
    return _fresh(request, pk)


@router.patch("/agreements/{pk}/parties/{party}", response={200: AgreementOut, **CONFLICT})
def update_party(request: HttpRequest, pk: int, party: int, payload: PartyPatch) -> Any:
    """Record who signs for one party (``party`` is the id listed under ``parties``)."""
    agreement = _changeable(request, pk)
    stored = get_object_or_404(agreement.parties.all(), pk=party)
    actions.update_party(request.user, stored, payload.dict(exclude_unset=True))
    return _fresh(request, pk)


@router.post("/agreements/{pk}/transitions/{action}", response={200: AgreementOut, **CONFLICT})
def transition_agreement(request: HttpRequest, pk: int, action: str) -> Any:
    agreement = _changeable(request, pk)
    actions.transition(request.user, agreement, action)
    return _fresh(request, pk)


@router.post("/agreements/{pk}/versions", response={201: AgreementOut, **CONFLICT})
def create_version(request: HttpRequest, pk: int, payload: VersionIn) -> Any:
    """Renew or amend a signed agreement: a new draft version linked to this one."""
    agreement = _changeable(request, pk)
    version = actions.new_version(request.user, agreement, payload.reason)
    return Status(201, _fresh(request, version.pk))


@router.get("/agreements/{pk}/versions", response=list[AgreementOut])
def list_versions(request: HttpRequest, pk: int) -> Any:
    visible = set(_agreements(request).values_list("pk", flat=True))
    chain = [version.pk for version in versions.versions(_fresh(request, pk))]
    return [_fresh(request, version) for version in chain if version in visible]


@router.get("/agreements/{pk}/compare/{other}", response=list[DifferenceOut])
def compare_versions(request: HttpRequest, pk: int, other: int) -> Any:
    """What changed from agreement ``pk`` to agreement ``other`` (usually its next version)."""
    return versions.compare(_fresh(request, pk), _fresh(request, other))


@router.get("/agreements/{pk}/history", response=list[AuditEntryOut])
@paginate(Page)
def agreement_history(request: HttpRequest, pk: int) -> Any:
    """Every change to the agreement, its versions, parties, directions and quotas."""
    chain = versions.versions(_fresh(request, pk))
    return access.visible_history(request.user, versions.negotiation_history(chain))


@router.post("/agreements/{pk}/directions", response={201: DirectionOut, **CONFLICT})
def add_direction(request: HttpRequest, pk: int, payload: DirectionIn) -> Any:
    agreement = _changeable(request, pk)
    data = payload.dict(exclude={"fields", "specialties", "responsible_unit"})
    direction = Direction(**data, responsible_unit_id=payload.responsible_unit)
    actions.add_direction(
        request.user, direction, payload.fields, payload.specialties, agreement=agreement
    )
    return Status(201, direction)


@router.get("/quota-totals", response=list[QuotaTotalOut])
def list_quota_totals(request: HttpRequest, filters: Query[AgreementFilter]) -> Any:
    """Places per agreement, academic year and flow, for every agreement the filters select."""
    return quotas.quota_totals(_filtered(_agreements(request), filters))


def _quotas(request: HttpRequest) -> QuerySet[Quota]:
    return Quota.objects.filter(agreement__in=access.agreements_for(request.user))


@router.get("/agreements/{pk}/quotas", response=list[QuotaOut])
def list_quotas(request: HttpRequest, pk: int) -> Any:
    return _fresh(request, pk).quotas.all()


@router.post("/agreements/{pk}/quotas", response={201: QuotaOut, **CONFLICT})
def add_quota(request: HttpRequest, pk: int, payload: QuotaIn) -> Any:
    agreement = _changeable(request, pk)
    data = payload.dict(exclude={"direction"})
    quota = Quota(agreement=agreement, direction_id=payload.direction, **data)
    actions.add_quota(request.user, quota)
    return Status(201, quota)


def _changeable_quota(request: HttpRequest, pk: int) -> Quota:
    quota = get_object_or_404(_quotas(request), pk=pk)
    _changeable(request, quota.agreement_id)
    return quota


@router.patch("/quotas/{pk}", response={200: QuotaOut, **CONFLICT})
def update_quota(request: HttpRequest, pk: int, payload: QuotaPatch) -> Any:
    quota = _changeable_quota(request, pk)
    actions.update_quota(request.user, quota, payload.dict(exclude_unset=True))
    return quota


@router.delete("/quotas/{pk}", response={204: None, **CONFLICT})
def delete_quota(request: HttpRequest, pk: int) -> Any:
    quota = _changeable_quota(request, pk)
    actions.delete_quota(request.user, quota)
    return Status(204, None)


# The agreement as a PDF and its signed scans.
router.add_router("/", "accord.agreements.document_api.router")
