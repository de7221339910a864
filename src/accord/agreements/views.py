"""Pages for agreements: the list, one agreement with its directions, quotas and versions,
creating and editing, the lifecycle, and comparing versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.agreements import access, actions, versions
from accord.agreements.direction_views import direction_from_form
from accord.agreements.forms import (
    AgreementForm,
    DirectionForm,
    NewAgreementForm,
    PartyFormSet,
    QuotaForm,
)
from accord.agreements.lifecycle import AgreementAction, allowed_actions
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    CooperationArea,
    Quota,
    VersionReason,
)
from accord.core import actions as core_actions
from accord.core.errors import Conflict
from accord.core.forms import add_errors, errors_text
from accord.core.refusals import refused


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = access.agreements_for(request.user).order_by("-created", "-id")
    status, kind = request.GET.get("status", ""), request.GET.get("kind", "")
    if status in AgreementStatus.values:
        agreements = agreements.filter(status=status)
    if kind in AgreementKind.values:
        agreements = agreements.filter(kind=kind)
    page = Paginator(agreements, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "statuses": AgreementStatus.choices,
        "status": status,
        "kinds": AgreementKind.choices,
        "kind": kind,
        "may_create": request.user.is_home_officer,  # type: ignore[union-attr]
    }
    return render(request, "agreements/list.html", context)


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(
        access.agreements_for(request.user).select_related("parent", "previous"), pk=pk
    )
    may_change = access.agreements_for(request.user, "change").filter(pk=pk).exists()
    editable = may_change and agreement.status in actions.EDITABLE_STATUSES
    chain = versions.versions(agreement)
    context = {
        "agreement": agreement,
        "parties": agreement.parties.select_related("institution"),
        "areas": [CooperationArea(area).label for area in agreement.areas],
        "directions": agreement.directions.prefetch_related("fields", "specialties"),
        "quotas": agreement.quotas.select_related("direction"),
        "versions": chain if len(chain) > 1 else [],
        "may_change": may_change,
        "editable": editable,
        "actions": [AgreementAction(a) for a in allowed_actions(agreement.status)]
        if may_change
        else [],
        "quota_form": QuotaForm(agreement=agreement) if editable else None,
        "direction_form": DirectionForm(prefix="direction") if editable else None,
        "history": access.visible_history(request.user, versions.negotiation_history(chain))[:50],
    }
    return render(request, "agreements/detail.html", context)


@login_required
def agreement_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (home officers) or edit an agreement still being drafted or negotiated."""
    if pk is None:
        access.require_officer(request.user)
        agreement = Agreement()
    else:
        agreement = access.changeable_agreement(
            request.user, access.agreements_for(request.user), pk
        )
        if agreement.status not in actions.EDITABLE_STATUSES:
            messages.error(request, _("A signed agreement is changed by an amendment."))
            return redirect("agreement_detail", pk=pk)
    original = core_actions.snapshot_for_edit(agreement)
    data = request.POST if request.method == "POST" else None
    form_class = AgreementForm if pk else NewAgreementForm
    form = form_class(data, instance=agreement)
    parties = PartyFormSet(data, instance=agreement, prefix="parties") if pk else None
    if data is not None and form.is_valid() and (parties is None or parties.is_valid()):
        try:
            with transaction.atomic():
                if pk is None:
                    actions.create_agreement(
                        request.user, form.instance, [i.pk for i in form.cleaned_data["parties"]]
                    )
                else:
                    changes = core_actions.edits(original, form.instance)
                    actions.update_agreement(
                        request.user, form.instance, changes, form.cleaned_data["revision"]
                    )
                for party_form in parties.forms if parties else []:
                    if party_form.has_changed():
                        actions.update_party(
                            request.user,
                            party_form.instance,
                            core_actions.form_changes(party_form),
                        )
        except (ValidationError, Conflict) as error:
            add_errors(
                form, error if isinstance(error, ValidationError) else ValidationError(str(error))
            )
        else:
            messages.success(request, _("Saved."))
            return redirect("agreement_detail", pk=form.instance.pk)
    context = {"form": form, "parties": parties, "agreement": agreement}
    return render(request, "agreements/agreement_form.html", context)


@login_required
@require_POST
def agreement_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    agreement = access.changeable_agreement(request.user, access.agreements_for(request.user), pk)
    if not refused(request, lambda: actions.transition(request.user, agreement, action)):
        messages.success(request, AgreementAction(action).label)
    return redirect("agreement_detail", pk=pk)


@login_required
@require_POST
def agreement_version(request: HttpRequest, pk: int, reason: str) -> HttpResponse:
    """Renew or amend a signed agreement; the new version opens as a draft."""
    agreement = access.changeable_agreement(request.user, access.agreements_for(request.user), pk)
    if reason not in (VersionReason.RENEWAL, VersionReason.AMENDMENT):
        return redirect("agreement_detail", pk=pk)
    created: list[Agreement] = []
    if refused(
        request, lambda: created.append(actions.new_version(request.user, agreement, reason))
    ):
        return redirect("agreement_detail", pk=pk)
    return redirect("agreement_detail", pk=created[0].pk)


@login_required
def agreement_compare(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    visible = access.agreements_for(request.user)
    old, new = get_object_or_404(visible, pk=pk), get_object_or_404(visible, pk=other)
    context = {"old": old, "new": new, "differences": versions.compare(old, new)}
    return render(request, "agreements/compare.html", context)


@login_required
@require_POST
def quota_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = access.changeable_agreement(request.user, access.agreements_for(request.user), pk)
    form = QuotaForm(request.POST, agreement=agreement)
    if form.is_valid():
        if not refused(request, lambda: actions.add_quota(request.user, form.instance)):
            messages.success(request, _("Quota added."))
    else:
        messages.error(request, errors_text(form))
    return redirect("agreement_detail", pk=pk)


@login_required
@require_POST
def quota_delete(request: HttpRequest, pk: int) -> HttpResponse:
    quota = get_object_or_404(
        Quota.objects.filter(agreement__in=access.agreements_for(request.user)), pk=pk
    )
    access.changeable_agreement(
        request.user, access.agreements_for(request.user), quota.agreement_id
    )
    if not refused(request, lambda: actions.delete_quota(request.user, quota)):
        messages.success(request, _("Quota removed."))
    return redirect("agreement_detail", pk=quota.agreement_id)


@login_required
@require_POST
def agreement_direction_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = access.changeable_agreement(request.user, access.agreements_for(request.user), pk)
    form = DirectionForm(request.POST, prefix="direction")
    if direction_from_form(request, form, agreement=agreement):
        messages.success(request, _("Direction added."))
    return redirect("agreement_detail", pk=pk)
