"""REST endpoints for visits and follow-up actions; access rules from :mod:`.access`."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accord.core import audit
from accord.core.pagination import Page
from accord.core.schemas import AuditEntryOut
from accord.institutions.models import Institution
from accord.visits import access, actions
from accord.visits.models import FollowUp, Visit
from accord.visits.schemas import (
    FollowUpFilter,
    FollowUpIn,
    FollowUpOut,
    FollowUpPatch,
    VisitFilter,
    VisitIn,
    VisitOut,
    VisitPatch,
)

router = Router(tags=["visits"])

# Attribute names of the follow-up's links, as the API names them.
_FOLLOW_UP_LINKS = {"owner": "owner_id", "concerns": "concerns_id"}


def _follow_ups_in_order() -> QuerySet[FollowUp]:
    return FollowUp.objects.select_related("owner").order_by(
        F("done_on").asc(nulls_first=True), "due_on", "id"
    )


def _visits(request: HttpRequest) -> QuerySet[Visit]:
    return access.visits_for(request.user).prefetch_related(
        Prefetch("institutions", queryset=Institution.objects.only("id")),
        Prefetch("follow_ups", queryset=_follow_ups_in_order()),
    )


def _visit(request: HttpRequest, pk: int) -> Visit:
    return get_object_or_404(_visits(request), pk=pk)


def _follow_up(request: HttpRequest, pk: int) -> FollowUp:
    return get_object_or_404(access.follow_ups_for(request.user).select_related("owner"), pk=pk)


# Visits


@router.get("/visits", response=list[VisitOut])
@paginate(Page)
def list_visits(request: HttpRequest, filters: Query[VisitFilter]) -> Any:
    visits = _visits(request)
    if filters.institution:
        visits = visits.filter(institutions=filters.institution)
    return visits.order_by("-starts_on", "-id")


@router.post("/visits", response={201: VisitOut})
def create_visit(request: HttpRequest, payload: VisitIn) -> Any:
    if not access.can_create_visit(request.user):
        raise PermissionDenied(_("Only officers of the home university record visits."))
    data = payload.dict(exclude={"institutions"})
    data["country"] = data["country"].upper()
    visit = actions.create_visit(request.user, Visit(**data), payload.institutions)
    return Status(201, _visit(request, visit.pk))


@router.get("/visits/{pk}", response=VisitOut)
def get_visit(request: HttpRequest, pk: int) -> Any:
    return _visit(request, pk)


@router.patch("/visits/{pk}", response=VisitOut)
def update_visit(request: HttpRequest, pk: int, payload: VisitPatch) -> Any:
    visit = access.changeable_visit(request.user, pk)
    changes = payload.dict(exclude_unset=True)
    institutions = changes.pop("institutions", None)
    if changes.get("country"):
        changes["country"] = changes["country"].upper()
    actions.update_visit(request.user, visit, changes, institutions)
    return _visit(request, pk)


@router.delete("/visits/{pk}", response={204: None})
def delete_visit(request: HttpRequest, pk: int) -> Any:
    actions.delete_visit(request.user, access.changeable_visit(request.user, pk))
    return Status(204, None)


@router.get("/visits/{pk}/history", response=list[AuditEntryOut])
@paginate(Page)
def visit_history(request: HttpRequest, pk: int) -> Any:
    visit = get_object_or_404(access.visits_for(request.user), pk=pk)
    return audit.history(visit)


# Follow-up actions


@router.get("/follow-ups", response=list[FollowUpOut])
@paginate(Page)
def list_follow_ups(request: HttpRequest, filters: Query[FollowUpFilter]) -> Any:
    user: Any = request.user
    follow_ups = access.follow_ups_for(user).select_related("owner")
    mine = filters.mine
    if mine is None:
        mine = not user.is_home_officer and filters.owner is None
    if mine:
        follow_ups = follow_ups.filter(owner=user.pk)
    if filters.owner is not None:
        follow_ups = follow_ups.filter(owner=filters.owner)
    if filters.open is not None:
        follow_ups = follow_ups.filter(done_on__isnull=filters.open)
    if filters.due_before is not None:
        follow_ups = follow_ups.filter(due_on__lt=filters.due_before)
    return follow_ups.order_by(F("done_on").asc(nulls_first=True), "due_on", "id")


@router.post("/visits/{pk}/follow-ups", response={201: FollowUpOut})
def create_follow_up(request: HttpRequest, pk: int, payload: FollowUpIn) -> Any:
    visit = access.changeable_visit(request.user, pk)
    data = payload.dict()
    for name, attname in _FOLLOW_UP_LINKS.items():
        data[attname] = data.pop(name)
    follow_up = actions.create_follow_up(request.user, FollowUp(visit=visit, **data))
    return Status(201, _follow_up(request, follow_up.pk))


@router.get("/follow-ups/{pk}", response=FollowUpOut)
def get_follow_up(request: HttpRequest, pk: int) -> Any:
    return _follow_up(request, pk)


@router.patch("/follow-ups/{pk}", response=FollowUpOut)
def update_follow_up(request: HttpRequest, pk: int, payload: FollowUpPatch) -> Any:
    follow_up = access.changeable_follow_up(request.user, pk)
    changes = payload.dict(exclude_unset=True)
    for name, attname in _FOLLOW_UP_LINKS.items():
        if name in changes:
            changes[attname] = changes.pop(name)
    actions.update_follow_up(request.user, follow_up, changes)
    return _follow_up(request, pk)


@router.delete("/follow-ups/{pk}", response={204: None})
def delete_follow_up(request: HttpRequest, pk: int) -> Any:
    actions.delete_follow_up(request.user, access.changeable_follow_up(request.user, pk))
    return Status(204, None)


@router.post("/follow-ups/{pk}/done", response=FollowUpOut)
def mark_follow_up_done(request: HttpRequest, pk: int) -> Any:
    actions.mark_done(request.user, access.markable_follow_up(request.user, pk), done=True)
    return _follow_up(request, pk)


@router.post("/follow-ups/{pk}/reopen", response=FollowUpOut)
def reopen_follow_up(request: HttpRequest, pk: int) -> Any:
    actions.mark_done(request.user, access.markable_follow_up(request.user, pk), done=False)
    return _follow_up(request, pk)
