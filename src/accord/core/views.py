"""The start page."""

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.institutions.access import institutions_for
from accord.institutions.models import PartnerStatus


def home(request: HttpRequest) -> HttpResponse:
    """For a signed-in user: the registry at a glance; for a visitor: where to go."""
    context = {}
    if request.user.is_authenticated:
        counts = dict(
            institutions_for(request.user)
            .values_list("partner_status")
            .annotate(total=Count("id"))
            .order_by()
        )
        context["status_counts"] = [
            (status, label, counts.get(status, 0)) for status, label in PartnerStatus.choices
        ]
    return render(request, "core/home.html", context)
