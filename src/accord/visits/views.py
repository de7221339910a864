"""Pages for visits, their follow-up actions, and each user's list of follow-ups to do."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core import actions as core_actions
from accord.core import audit
from accord.core.forms import add_errors
from accord.institutions.models import Institution
from accord.visits import access, actions
from accord.visits.forms import FollowUpForm, VisitFilterForm, VisitForm
from accord.visits.models import FollowUp, Visit

# How long a done follow-up stays on the task list.
RECENTLY_DONE_DAYS = 30


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """Visits, newest first, optionally only those that met one institution."""
    visits = access.visits_for(request.user)
    met = Institution.objects.filter(visits__in=visits).distinct().order_by("name", "id")
    form = VisitFilterForm(request.GET or None, institutions=met.only("name"))
    if form.is_valid() and form.cleaned_data["institution"]:
        visits = visits.filter(institutions=form.cleaned_data["institution"])
    visits = (
        visits.order_by("-starts_on", "-id")
        .prefetch_related(
            Prefetch("institutions", queryset=Institution.objects.order_by("name").only("name"))
        )
        .annotate(open_follow_ups=Count("follow_ups", filter=Q(follow_ups__done_on=None)))
    )
    page = Paginator(visits, settings.ACCORD_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_create": access.can_create_visit(request.user),
    }
    return render(request, "visits/list.html", context)


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(access.visits_for(request.user), pk=pk)
    follow_ups = (
        visit.follow_ups.select_related("owner", "concerns")
        .order_by(F("done_on").asc(nulls_first=True), "due_on", "id")
        .all()
    )
    markable = set(
        access.follow_ups_to_mark(request.user).filter(visit=visit).values_list("pk", flat=True)
    )
    context = {
        "visit": visit,
        "institutions": visit.institutions.order_by("name", "id"),
        "follow_ups": [(item, item.pk in markable) for item in follow_ups],
        "can_change": access.visits_for(request.user, "change").filter(pk=pk).exists(),
        "history": audit.history(visit)[:50],
    }
    return render(request, "visits/detail.html", context)


@login_required
def visit_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Record a new visit or change one (home officers)."""
    if pk is None:
        if not access.can_create_visit(request.user):
            raise PermissionDenied
        visit = Visit()
    else:
        visit = access.changeable_visit(request.user, pk)
    original = core_actions.snapshot_for_edit(visit)
    form = VisitForm(request.POST or None, instance=visit)
    if request.method == "POST" and form.is_valid():
        institution_ids = [institution.pk for institution in form.cleaned_data["institutions"]]
        try:
            if visit.pk is None:
                actions.create_visit(request.user, form.instance, institution_ids)
            else:
                changes = core_actions.edits(original, form.instance)
                actions.update_visit(request.user, form.instance, changes, institution_ids)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("visit_detail", pk=form.instance.pk)
    return render(request, "visits/visit_form.html", {"form": form, "visit": visit})


@login_required
@require_POST
def visit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access.changeable_visit(request.user, pk)
    actions.delete_visit(request.user, visit)
    messages.success(request, _("Deleted."))
    return redirect("visit_list")


@login_required
def follow_up_edit(
    request: HttpRequest, visit_pk: int | None = None, pk: int | None = None
) -> HttpResponse:
    """Add a follow-up action to a visit, or change one (home officers)."""
    visit: Visit | None
    if pk is None:
        assert visit_pk is not None
        visit = access.changeable_visit(request.user, visit_pk)
        follow_up = FollowUp(visit=visit)
    else:
        follow_up = access.changeable_follow_up(request.user, pk)
        visit = follow_up.visit
    original = core_actions.snapshot_for_edit(follow_up)
    form = FollowUpForm(request.POST or None, instance=follow_up, visit=visit)
    if request.method == "POST" and form.is_valid():
        try:
            if follow_up.pk is None:
                actions.create_follow_up(request.user, form.instance)
            else:
                changes = core_actions.edits(original, form.instance)
                actions.update_follow_up(request.user, form.instance, changes)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return _back_to(request, follow_up)
    context = {"form": form, "visit": visit, "follow_up": follow_up}
    return render(request, "visits/follow_up_form.html", context)


@login_required
@require_POST
def follow_up_delete(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = access.changeable_follow_up(request.user, pk)
    actions.delete_follow_up(request.user, follow_up)
    messages.success(request, _("Deleted."))
    if follow_up.visit_id is not None:
        return redirect("visit_detail", pk=follow_up.visit_id)
    return redirect("task_list")


def _back_to(request: HttpRequest, follow_up: FollowUp) -> HttpResponse:
    """Where the user came from (the task list), else the follow-up's visit."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if follow_up.visit_id is not None:
        return redirect("visit_detail", pk=follow_up.visit_id)
    return redirect("task_list")


@login_required
@require_POST
def follow_up_mark(request: HttpRequest, pk: int, done: bool) -> HttpResponse:
    """Mark a follow-up action done, or open it again (its owner, or an officer)."""
    follow_up = access.markable_follow_up(request.user, pk)
    try:
        actions.mark_done(request.user, follow_up, done=done)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked done.") if done else _("Opened again."))
    return _back_to(request, follow_up)


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """The user's open follow-up actions by due date, and those done lately.

    Officers may look at everyone's.
    """
    everyone = request.GET.get("who") == "everyone" and request.user.is_home_officer  # type: ignore[union-attr]
    follow_ups = access.follow_ups_for(request.user)
    if not everyone:
        follow_ups = follow_ups.filter(owner=request.user.pk)
    today = timezone.localdate()
    follow_ups = follow_ups.select_related("visit", "owner", "concerns").order_by("due_on", "id")
    since = today - datetime.timedelta(days=RECENTLY_DONE_DAYS)
    context = {
        "open": follow_ups.filter(done_on=None),
        "done": follow_ups.filter(done_on__gte=since).order_by("-done_on", "-id"),
        "everyone": everyone,
        "may_see_everyone": request.user.is_home_officer,  # type: ignore[union-attr]
        "today": today,
        "days": RECENTLY_DONE_DAYS,
    }
    return render(request, "visits/tasks.html", context)
