"""Pages run a change and, when it is refused, show why instead of failing."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accord.core.errors import Conflict


def refused(request: HttpRequest, change: Callable[[], object]) -> bool:
    """Run ``change``; on a refusal show its message and say so."""
    try:
        change()
    except Conflict as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        return False
    return True
