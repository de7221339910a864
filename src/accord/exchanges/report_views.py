"""Report pages: the use of an agreement's quotas, the balance of exchanges with each partner,
and the partner coordinator's portal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django_htmx.middleware import HtmxDetails

from accord.agreements.access import agreements_for
from accord.agreements.models import Flow, validate_academic_year
from accord.exchanges import access, reports
from accord.exchanges.models import MobilityStatus
from accord.exchanges.tabular import FORMATS, safe, table_response
from accord.exchanges.views import export_links

MEASURES = (("people", _("People")), ("months", _("Months")))


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class BalanceFilterForm(forms.Form):
    # Any academic year may be asked for; those with mobilities are offered.
    academic_year = forms.CharField(
        label=_("Academic year"),
        required=False,
        validators=[validate_academic_year],
        widget=forms.Select,
    )
    measure = forms.ChoiceField(label=_("Chart of"), choices=MEASURES, required=False)

    def __init__(self, *args: Any, years: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["academic_year"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", _("All years")), *((year, year) for year in years)]


@login_required
def quota_use(request: HtmxRequest, pk: int) -> HttpResponse:
    """Places used against each quota of one agreement; only the table for htmx."""
    visible = agreements_for(request.user)
    agreement = get_object_or_404(visible, pk=pk)
    context = {
        "agreement": agreement,
        "quota_rows": reports.quota_use_rows(visible.filter(pk=pk)),
    }
    template = "exchanges/_quota_use_table.html" if request.htmx else "exchanges/quota_use.html"
    return render(request, template, context)


BALANCE_COLUMNS = (
    "partner",
    "academic_year",
    "incoming_people",
    "incoming_months",
    "outgoing_people",
    "outgoing_months",
    "people_difference",
    "months_difference",
)


def balance_row(balance: reports.Balance) -> list[Any]:
    return [
        safe(balance.partner_name) if name == "partner" else getattr(balance, name)
        for name in BALANCE_COLUMNS
    ]


@login_required
def balances(request: HttpRequest) -> HttpResponseBase:
    """Incoming and outgoing people and months per partner and academic year, with a chart."""
    if not access.may_see_exchanges(request.user):
        raise Http404
    mobilities = reports.balance_mobilities(request.user)
    form = BalanceFilterForm(request.GET or None, years=reports.academic_years(mobilities))
    year, measure = "", "people"
    if form.is_valid():
        year = form.cleaned_data["academic_year"]
        measure = form.cleaned_data["measure"] or measure
    rows = reports.balances(mobilities, year or None)
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        return table_response("balances", fmt, BALANCE_COLUMNS, map(balance_row, rows))
    context = {
        "form": form,
        "rows": rows,
        "year": year,
        "chart": reports.balance_chart(rows, measure),
        "partner_view": request.user.partner_institution_id is not None,  # type: ignore[union-attr]
        "exports": export_links(request),
    }
    return render(request, "exchanges/balances.html", context)


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    """The partner coordinator's page: places open to their institution, the people it
    nominated, and the home university's nominations awaiting its answer.

    Home staff who see exchanges are sent to the list of mobilities; anyone else finds nothing.
    """
    user = request.user
    partner_id = user.partner_institution_id  # type: ignore[union-attr]
    if partner_id is None:
        if access.may_see_exchanges(user):
            return redirect("mobility_list")
        raise Http404
    mobilities = access.mobilities_for(user).select_related("person", "agreement")
    sent = mobilities.filter(flow=Flow.INCOMING, sending_institution_id=partner_id).order_by(
        "-academic_year", "-planned_start", "-id"
    )
    awaiting = mobilities.filter(
        flow=Flow.OUTGOING, receiving_institution_id=partner_id, status=MobilityStatus.NOMINATED
    ).order_by("planned_start", "id")
    context = {
        "places": reports.open_places(partner_id),
        "nominations": Paginator(sent, settings.ACCORD_PAGE_SIZE).get_page(request.GET.get("page")),
        "awaiting": awaiting,
    }
    return render(request, "exchanges/portal.html", context)
