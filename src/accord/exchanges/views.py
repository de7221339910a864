"""Pages for people and their mobilities: the lists with their exports, one mobility with the
steps the user may take, one person, and creating, editing and deleting both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from accord.core import actions as core_actions
from accord.core import audit
from accord.core.forms import errors_text
from accord.core.pages import deleted, edit_page, history_shown, saved
from accord.core.refusals import refused
from accord.exchanges import access, actions, lifecycle, tabular
from accord.exchanges.forms import (
    MobilityFilterForm,
    MobilityForm,
    PersonFilterForm,
    PersonForm,
    StepForm,
)
from accord.exchanges.models import PERSONAL_FIELDS, Mobility, MobilityStatus, Person

# The formats the lists export to (?format=...), with the links' labels.
EXPORT_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)"}
# Every record a mobility links to, fetched with it for its page.
MOBILITY_LINKS = [field.name for field in Mobility._meta.concrete_fields if field.is_relation]
# GET parameters that prefill a new nomination (the partner portal links with them).
PREFILL = ("person", "agreement", "direction", "mobility_type", "flow", "academic_year")


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


def _personal_ids(user: Any) -> set[int] | None:
    """The people whose personal data the user may see in an export; None for all."""
    if user.is_home_officer:
        return None
    return set(access.people_for(user, "change").values_list("pk", flat=True))


def export_links(request: HttpRequest) -> list[tuple[str, str]]:
    """Links to download what the page shows, with its filters, as CSV and XLSX."""
    params = request.GET.copy()
    for key in ("page", "format"):
        params.pop(key, None)
    links = []
    for key in tabular.FORMATS:
        params["format"] = key
        links.append((EXPORT_LABELS[key], f"{request.path}?{params.urlencode()}"))
    return links


def _list_page(
    request: HtmxRequest,
    name: str,
    rows: QuerySet[Any],
    export: Callable[[QuerySet[Any], str, set[int] | None], HttpResponseBase],
    context: dict[str, Any],
) -> HttpResponseBase:
    """A filtered list: exported as a whole when ``?format=`` asks, else one page of it (only
    the rows for htmx), with export links keeping the filters."""
    fmt = request.GET.get("format", "")
    if fmt in tabular.FORMATS:
        return export(rows, fmt, _personal_ids(request.user))
    context |= {
        "page": Paginator(rows, settings.ACCORD_PAGE_SIZE).get_page(request.GET.get("page")),
        "exports": export_links(request),
    }
    template = f"exchanges/_{name}_rows.html" if request.htmx else f"exchanges/{name}_list.html"
    return render(request, template, context)


def _may_nominate_some(user: Any) -> bool:
    """Whether the user acts for the sending side of any mobility at all."""
    scope = access.scope_of(user)
    return scope.everything or scope.partner_id is not None or scope.units != set()


# Mobilities


@login_required
def mobility_list(request: HtmxRequest) -> HttpResponseBase:
    visible = access.mobilities_for(request.user)
    form = MobilityFilterForm(request.GET or None, mobilities=visible)
    rows = (
        form.filter(visible)
        .select_related(
            "person", "sending_institution", "receiving_institution", "agreement", "direction"
        )
        .order_by("-planned_start", "-id")
    )
    context = {"form": form, "may_create": _may_nominate_some(request.user)}
    return _list_page(request, "mobility", rows, tabular.mobilities_response, context)


@login_required
def mobility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mobility = get_object_or_404(
        access.mobilities_for(request.user).select_related(*MOBILITY_LINKS), pk=pk
    )
    user: Any = request.user
    sides = access.sides(user, mobility)
    officer = access.may_override_quota(user)
    steps = [
        (step, StepForm(step=step)) for step in lifecycle.allowed_steps(mobility.status, sides)
    ]
    context = {
        "mobility": mobility,
        "steps": steps,
        # The sending side changes a nomination; an officer changes any mobility.
        "may_edit": officer
        or (access.may_nominate(user, mobility) and mobility.status == MobilityStatus.NOMINATED),
        "may_delete": officer,
        "history": audit.history(mobility)[:50],
    }
    return render(request, "exchanges/mobility_detail.html", context)


@login_required
def mobility_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Nominate someone (``?agreement=...&flow=...`` prefill the form) or change a nomination.

    A nomination the quota has no place for is refused with the quota's numbers; a home officer
    may let it through by giving the reason.
    """
    user: Any = request.user
    initial: dict[str, Any] = {}
    if pk is None:
        if not _may_nominate_some(user):
            raise PermissionDenied(_("You do not nominate people for exchanges."))
        mobility = Mobility()
        initial = {name: request.GET[name] for name in PREFILL if request.GET.get(name)}
    else:
        mobility = access.changeable_mobility(user, pk)
    form = MobilityForm(request.POST or None, instance=mobility, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        if not access.may_nominate(user, form.instance):
            raise PermissionDenied(_("Only the sending side nominates."))
        override = form.cleaned_data.get("override", "")

        def save() -> None:
            try:
                if pk is None:
                    actions.nominate(user, form.instance, override)
                else:
                    changes = core_actions.form_changes(form)
                    actions.update_mobility(user, form.instance, changes, override)
            except actions.QuotaExceeded:
                if "override" in form.fields:
                    form.add_error(
                        "override", _("To let it exceed the quota, give the reason here.")
                    )
                raise

        if saved(request, form, save):
            return redirect("mobility_detail", pk=form.instance.pk)
    return render(request, "exchanges/mobility_form.html", {"form": form, "mobility": mobility})


@login_required
@require_POST
def mobility_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mobility = get_object_or_404(access.mobilities_for(request.user), pk=pk)
    access.require_officer(request.user)
    actions.delete_mobility(request.user, mobility)
    messages.success(request, _("Deleted."))
    return redirect("mobility_list")


@login_required
@require_POST
def mobility_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Take a step (accept, reject, start, complete, withdraw) for the side the user acts for."""
    mobility = get_object_or_404(access.mobilities_for(request.user), pk=pk)
    form = StepForm(request.POST, step=step)
    if not form.is_valid():
        messages.error(request, errors_text(form))
    elif not refused(
        request,
        lambda: actions.take_step(
            request.user,
            mobility,
            step,
            on=form.cleaned_data.get("on"),
            ects_achieved=form.cleaned_data.get("ects_achieved"),
        ),
    ):
        messages.success(request, lifecycle.MobilityStep(step).label)
    return redirect("mobility_detail", pk=pk)


# People


@login_required
def person_list(request: HtmxRequest) -> HttpResponseBase:
    visible = access.people_for(request.user)
    form = PersonFilterForm(request.GET or None, people=visible)
    rows = form.filter(visible).select_related("institution", "unit")
    context = {"form": form, "may_create": access.may_create_person(request.user)}
    return _list_page(request, "person", rows, tabular.people_response, context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    person = get_object_or_404(access.people_for(user).select_related("institution", "unit"), pk=pk)
    personal = access.may_see_personal_data(user, person)
    mobilities = (
        access.mobilities_for(user)
        .filter(person=person)
        .select_related("sending_institution", "receiving_institution", "direction")
    )
    context = {
        "person": person,
        "personal": personal,
        "mobilities": mobilities,
        "may_change": personal,
        "may_nominate": personal and _may_nominate_some(user),
        "history": history_shown(person, PERSONAL_FIELDS, personal),
    }
    return render(request, "exchanges/person_detail.html", context)


@login_required
def person_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Register a person (of one's own institution, unless a home officer) or change one."""
    user: Any = request.user
    if pk is None:
        if not access.may_create_person(user):
            raise PermissionDenied(_("You do not register people for exchanges."))
        person = Person()
    else:
        person = access.changeable_person(user, pk)
    form = PersonForm(request.POST or None, instance=person, user=user)
    return edit_page(
        request,
        form,
        actions.create_person,
        actions.update_person,
        "person_detail",
        "exchanges/person_form.html",
        {"person": person},
    )


@login_required
@require_POST
def person_delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.changeable_person(request.user, pk)
    return deleted(request, lambda: actions.delete_person(request.user, person), "person", pk)
