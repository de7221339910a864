"""Pages run a change and, when it is refused, show why instead of failing."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def problem_listing(problems: Sequence[object], total: int, most: int) -> str:
    """An import's refusal: how many problems, the first ``most`` of ``problems`` (those kept),
    one per line, and how many more there are."""
    lines = [
        ngettext(
            "Nothing was imported: %(count)s problem.",
            "Nothing was imported: %(count)s problems.",
            total,
        )
        % {"count": total}
    ]
    lines += [str(problem) for problem in problems[:most]]
    more = total - min(len(problems), most)
    if more:
        lines.append(_("… and %(count)s more.") % {"count": more})
    return "\n".join(lines)
