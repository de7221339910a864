"""REST endpoints for agreements; access rules from :mod:`.access`."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accord.agreements import access, actions
from accord.agreements.lifecycle import IllegalTransition, allowed_actions
from accord.agreements.models import Agreement, AgreementParty
from accord.agreements.schemas import AgreementFilter, AgreementIn, AgreementOut
from accord.core.pagination import Page

router = Router(tags=["agreements"])


def _out(agreement: Agreement) -> dict[str, Any]:
    return {
        **{
            field: getattr(agreement, field)
            for field in AgreementOut.model_fields
            if hasattr(agreement, field)
        },
        "parent_id": agreement.parent_id,
        "parties": list(agreement.parties.all()),
        "allowed_actions": [str(action) for action in allowed_actions(agreement.status)],
    }


def _agreements(request: HttpRequest, action: access.Action = "view") -> Any:
    parties = Prefetch("parties", queryset=AgreementParty.objects.order_by("id"))
    return access.agreements_for(request.user, action).prefetch_related(parties)


@router.get("/agreements", response=list[AgreementOut])
@paginate(Page)
def list_agreements(request: HttpRequest, filters: Query[AgreementFilter]) -> Any:
    agreements = _agreements(request)
    if filters.kind:
        agreements = agreements.filter(kind=filters.kind)
    if filters.status:
        agreements = agreements.filter(status=filters.status)
    if filters.party:
        agreements = agreements.filter(parties__institution_id=filters.party)
    return [_out(agreement) for agreement in agreements.order_by("-created", "-id")]


@router.get("/agreements/{pk}", response=AgreementOut)
def get_agreement(request: HttpRequest, pk: int) -> Any:
    return _out(get_object_or_404(_agreements(request), pk=pk))


@router.post("/agreements", response={201: AgreementOut})
def create_agreement(request: HttpRequest, payload: AgreementIn) -> Any:
    if not request.user.is_home_officer:  # type: ignore[union-attr]
        raise PermissionDenied(_("Only officers of the home university create agreements."))
    data = payload.dict(exclude={"parties", "parent"})
    data["areas"] = [str(area) for area in data["areas"]]
    agreement = Agreement(**data, parent_id=payload.parent)
    actions.create_agreement(request.user, agreement, payload.parties)
    return Status(201, _out(get_object_or_404(_agreements(request), pk=agreement.pk)))


@router.post("/agreements/{pk}/transitions/{action}", response={200: AgreementOut, 409: dict})
def transition_agreement(request: HttpRequest, pk: int, action: str) -> Any:
    agreement = access.changeable_agreement(request.user, _agreements(request), pk)
    try:
        actions.transition(request.user, agreement, action)
    except IllegalTransition as error:
        return Status(409, {"detail": str(error)})
    return _out(get_object_or_404(_agreements(request), pk=pk))
