"""Pages for agreements: the list, one agreement, and moving it along its lifecycle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accord.agreements import access, actions
from accord.agreements.lifecycle import AgreementAction, IllegalTransition, allowed_actions
from accord.agreements.models import AgreementParty, AgreementStatus, CooperationArea
from accord.core.models import AuditEntry


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = access.agreements_for(request.user).order_by("-created", "-id")
    status = request.GET.get("status", "")
    if status in AgreementStatus.values:
        agreements = agreements.filter(status=status)
    page = Paginator(agreements, 50).get_page(request.GET.get("page"))
    context = {"page": page, "statuses": AgreementStatus.choices, "status": status}
    return render(request, "agreements/list.html", context)


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(access.agreements_for(request.user), pk=pk)
    may_change = access.agreements_for(request.user, "change").filter(pk=pk).exists()
    context = {
        "agreement": agreement,
        "parties": AgreementParty.objects.filter(agreement=agreement).select_related("institution"),
        "areas": [CooperationArea(area).label for area in agreement.areas],
        "actions": [AgreementAction(a) for a in allowed_actions(agreement.status)]
        if may_change
        else [],
        "history": AuditEntry.objects.filter(object_type="agreements.agreement", object_id=str(pk))[
            :50
        ],
    }
    return render(request, "agreements/detail.html", context)


@login_required
@require_POST
def agreement_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    agreement = access.changeable_agreement(request.user, access.agreements_for(request.user), pk)
    try:
        actions.transition(request.user, agreement, action)
    except IllegalTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, AgreementAction(action).label)
    return redirect("agreement_detail", pk=pk)
