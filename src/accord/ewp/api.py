"""REST endpoints for Erasmus Without Paper: an agreement's EWP status, its Erasmus+ terms,
importing a partner's IIAs and approving a partner's copy.

Same access as the pages: whoever may see the agreement reads its status; home officers change
terms, import and approve; an agreement the user may not see is a 404.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from accord.agreements import access
from accord.agreements.models import AgreementKind, Flow
from accord.core import actions as core_actions
from accord.ewp import copies
from accord.ewp.exporting import home_institution
from accord.ewp.models import MobilityTerms, PartnerIia
from accord.ewp.projection import KIND_OF, NotExportable
from accord.ewp.status import ewp_status
from accord.ewp.xml import XmlRefused, max_bytes

router = Router(tags=["erasmus without paper"])


class SpecOut(Schema):
    kind: str
    sending_hei: str
    receiving_hei: str
    first_year: str
    last_year: str
    mobilities_per_year: str


class CopyOut(Schema):
    id: int
    partner: str
    iia_id: str
    iia_code: str
    hash: str
    published_hash: str
    in_effect: bool
    approved: bool
    approved_hash: str
    received: datetime
    differences: list[str]
    may_approve: bool


class TermsOut(Schema):
    mobility_type: str
    flow: str
    languages: list[str]
    eqf_levels: list[int]
    blended: bool
    days_per_year: Decimal | None
    other_info: str


class TermsIn(Schema):
    languages: list[str] = []
    eqf_levels: list[int] = []
    blended: bool = False
    days_per_year: Decimal | None = None
    other_info: str = ""


class StatusOut(Schema):
    agreement: int
    iia_id: str | None
    hash: str
    problem: str
    partner_approved: bool
    partner_approved_hash: str
    conditions: list[SpecOut]
    copies: list[CopyOut]
    terms: list[TermsOut]
    reachable_partners: list[str]


class ImportOut(Schema):
    created: list[str]
    changed: list[str]
    unchanged: list[str]


def _copy_out(copy: PartnerIia, differences: list[str], may_approve: bool) -> dict[str, Any]:
    return {
        "id": copy.pk,
        "partner": copy.institution.ewp_hei_id,
        "iia_id": copy.iia_id,
        "iia_code": copy.iia_code,
        "hash": copy.hash,
        "published_hash": copy.published_hash,
        "in_effect": copy.in_effect,
        "approved": copy.approved,
        "approved_hash": copy.approved_hash,
        "received": copy.received,
        "differences": differences,
        "may_approve": may_approve,
    }


def _visible_iia(request: HttpRequest, pk: int) -> None:
    visible = access.agreements_for(request.user).filter(kind=AgreementKind.ERASMUS_IIA)
    get_object_or_404(visible, pk=pk)


@router.get("/agreements/{pk}/ewp", response=StatusOut)
def agreement_status(request: HttpRequest, pk: int) -> Any:
    """Our copy of the Erasmus+ agreement (iia-id, hash, conditions) or why it cannot be sent,
    the partner's copies with the conditions that differ, approvals both ways, the terms."""
    _visible_iia(request, pk)
    status = ewp_status(pk)
    return {
        "agreement": pk,
        "iia_id": status.link.iia_id if status.link else None,
        "hash": status.our_hash,
        "problem": status.problem,
        "partner_approved": status.partner_approved,
        "partner_approved_hash": status.link.partner_approved_hash if status.link else "",
        "conditions": status.ours.iia.conditions if status.ours else [],
        "copies": [_copy_out(c.copy, c.differences, c.may_approve) for c in status.copies],
        "terms": [
            {"mobility_type": kind, "flow": flow, **_terms_fields(item)}
            for kind, flow, item in status.terms
        ],
        "reachable_partners": [p.ewp_hei_id for p, in_network in status.partners if in_network],
    }


def _terms_fields(item: MobilityTerms | None) -> dict[str, Any]:
    if item is None:
        return TermsIn().dict()
    return {name: getattr(item, name) for name in TermsIn.model_fields}


@router.put("/agreements/{pk}/ewp/terms/{mobility_type}/{flow}", response=TermsOut)
def put_terms(
    request: HttpRequest, pk: int, mobility_type: str, flow: str, payload: TermsIn
) -> Any:
    """Set the Erasmus+ terms of one mobility type and flow (home officers)."""
    visible = access.agreements_for(request.user).filter(kind=AgreementKind.ERASMUS_IIA)
    agreement = access.changeable_agreement(request.user, visible, pk)
    if mobility_type not in KIND_OF or flow not in Flow.values:
        raise HttpError(404, "No Erasmus+ mobility of that type and flow.")
    terms = MobilityTerms.objects.filter(
        agreement=agreement, mobility_type=mobility_type, flow=flow
    ).first()
    if terms is None:
        terms = MobilityTerms(
            agreement=agreement, mobility_type=mobility_type, flow=flow, **payload.dict()
        )
        core_actions.create(request.user, terms)
    else:
        core_actions.update(request.user, terms, payload.dict())
    return terms


@router.post("/ewp/iias/import", response=ImportOut)
def import_iias(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Import a partner's IIAs v7 (or v6) get-response (multipart, field ``file``), all or
    nothing: 422 naming the first problem otherwise. Home officers only."""
    access.require_officer(request.user)
    if (file.size or 0) > max_bytes():
        raise ValidationError({"file": "The document is larger than the limit."})
    try:
        report = copies.import_copies(request.user, file.read(), home_institution())
    except (XmlRefused, NotExportable) as error:
        raise ValidationError({"file": str(error)}) from error
    return report


@router.post("/ewp/copies/{pk}/approve", response=CopyOut)
def approve_copy(request: HttpRequest, pk: int) -> Any:
    """Approve the partner's copy as it stands (home officers); 409 when it cannot be yet."""
    copy = get_object_or_404(PartnerIia.objects.exclude(agreement=None), pk=pk)
    agreement_id = copy.agreement_id
    visible = access.agreements_for(request.user)
    access.changeable_agreement(request.user, visible, agreement_id or 0)
    approved = copies.approve(request.user, copy)
    return _copy_out(approved, [], False)
