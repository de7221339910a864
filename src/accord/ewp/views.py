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
from accord.agreements.models import AgreementKind, Flow
from accord.core import actions as core_actions
from accord.core.pages import saved_record
from accord.core.refusals import refused
from accord.ewp import copies
from accord.ewp.forms import MobilityTermsForm
from accord.ewp.models import MobilityTerms, PartnerIia
from accord.ewp.projection import KIND_OF
from accord.ewp.status import ewp_status


@login_required
def agreement_ewp(request: HttpRequest, pk: int) -> HttpResponse:
    visible = access.agreements_for(request.user).filter(kind=AgreementKind.ERASMUS_IIA)
    get_object_or_404(visible, pk=pk)
    context = {
        "status": ewp_status(pk),
        "may_change": access.agreements_for(request.user, "change").filter(pk=pk).exists(),
    }
    return render(request, "ewp/agreement.html", context)


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
