"""The EWP page of an Erasmus+ agreement: our copy and its hash, the partner's copies, where
they differ, and who approved what."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.agreements import access
from accord.agreements.models import Agreement, AgreementKind, Flow, MobilityType
from accord.core import actions as core_actions
from accord.core.pages import saved_record
from accord.core.refusals import refused
from accord.ewp import copies
from accord.ewp import iia as ewp
from accord.ewp.exporting import home_institution, our_iias
from accord.ewp.forms import MobilityTermsForm
from accord.ewp.models import EwpPartner, MobilityTerms, PartnerIia
from accord.ewp.projection import KIND_OF, NotExportable, erasmus_agreements


def reachable(institution_id: int) -> bool:
    """The partner has a hei-id and registered EWP endpoints."""
    return EwpPartner.objects.filter(
        institution_id=institution_id, institution__ewp_hei_id__gt="", api_url__gt=""
    ).exists()


@login_required
def agreement_ewp(request: HttpRequest, pk: int) -> HttpResponse:
    visible = access.agreements_for(request.user).filter(kind=AgreementKind.ERASMUS_IIA)
    get_object_or_404(visible, pk=pk)
    ours = problem = None
    try:
        projected, problems = our_iias(erasmus_agreements().filter(pk=pk))
        home = home_institution()
    except NotExportable as error:
        problem = str(error)
    else:
        if problems:
            problem = problems[0].split(": ", 1)[-1]
        else:
            ours = projected[0]
    # Read after the projection, which gives the agreement its iia-id on the first visit.
    agreement = erasmus_agreements().get(pk=pk)
    our_conditions = copies.conditions_data(ours.iia) if ours else []
    partner_copies = []
    for copy in agreement.partner_copies.select_related("institution"):
        partner_copies.append(
            {
                "copy": copy,
                "differences": copies.differences(our_conditions, copy.conditions) if ours else [],
                "may_approve": copy.valid_for_approval and copy.published_hash == copy.hash,
            }
        )
    our_hash = ewp.hash_of(ours.iia) if ours else ""
    partners = [
        p.institution
        for p in agreement.parties.all()
        if ours is None or p.institution_id != home.pk
    ]
    context = {
        "agreement": agreement,
        "ours": ours,
        "our_hash": our_hash,
        "problem": problem,
        "copies": partner_copies,
        "partner_approved": bool(our_hash) and agreement.ewp.partner_approved_hash == our_hash,
        "link": getattr(agreement, "ewp", None),
        "reachable": [(p, reachable(p.pk)) for p in partners],
        "may_change": access.agreements_for(request.user, "change").filter(pk=pk).exists(),
        "terms": _terms(agreement),
    }
    return render(request, "ewp/agreement.html", context)


def _terms(agreement: Agreement) -> list[tuple[MobilityType, Flow, MobilityTerms | None]]:
    """Each EWP mobility type and flow the agreement has quotas for, with its terms if set."""
    kept = {(t.mobility_type, t.flow): t for t in agreement.mobility_terms.all()}
    pairs = sorted(
        {(q.mobility_type, q.flow) for q in agreement.quotas.all() if q.mobility_type in KIND_OF},
        key=lambda pair: (list(KIND_OF).index(MobilityType(pair[0])), pair[1]),
    )
    return [(MobilityType(kind), Flow(flow), kept.get((kind, flow))) for kind, flow in pairs]


@login_required
def terms_edit(request: HttpRequest, pk: int, mobility_type: str, flow: str) -> HttpResponse:
    """The Erasmus+ terms of one mobility type and flow (officers)."""
    visible = access.agreements_for(request.user).filter(kind=AgreementKind.ERASMUS_IIA)
    agreement = access.changeable_agreement(request.user, visible, pk)
    if mobility_type not in KIND_OF or flow not in Flow.values:
        raise Http404
    terms = MobilityTerms.objects.filter(
        agreement=agreement, mobility_type=mobility_type, flow=flow
    ).first() or MobilityTerms(agreement=agreement, mobility_type=mobility_type, flow=flow)
    form = MobilityTermsForm(request.POST or None, instance=terms)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved_record(request, form, core_actions.create, core_actions.update)
    ):
        return redirect("ewp:agreement", pk=pk)
    return render(
        request, "ewp/terms_form.html", {"form": form, "agreement": agreement, "terms": terms}
    )


@login_required
@require_POST
def approve_copy(request: HttpRequest, pk: int) -> HttpResponse:
    copy = get_object_or_404(PartnerIia.objects.exclude(agreement=None), pk=pk)
    agreement_id = copy.agreement_id
    assert agreement_id is not None
    if not access.agreements_for(request.user).filter(pk=agreement_id).exists():
        raise Http404
    access.changeable_agreement(request.user, access.agreements_for(request.user), agreement_id)
    if not refused(request, lambda: copies.approve(request.user, copy)):
        messages.success(request, _("The partner's copy is approved as it stands."))
    return redirect("ewp:agreement", pk=agreement_id)
