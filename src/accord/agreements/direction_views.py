"""Adding a direction from its form: the agreement page and the package page both offer it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from accord.agreements import actions
from accord.agreements.forms import DirectionForm
from accord.agreements.models import Direction
from accord.core.forms import errors_text
from accord.core.refusals import refused


def direction_from_form(request: HttpRequest, form: DirectionForm, **links: Any) -> bool:
    """Add the direction a valid form describes (to a package or an agreement); False if not."""
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return False
    direction: Direction = form.instance
    agreement = links.pop("agreement", None)
    for name, value in links.items():
        setattr(direction, name, value)
    return not refused(
        request,
        lambda: actions.add_direction(
            request.user,
            direction,
            form.cleaned_data["isced_fields"],
            form.cleaned_data["specialties"],
            agreement=agreement,
        ),
    )
