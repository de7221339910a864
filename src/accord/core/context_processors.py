from typing import Any

from django.http import HttpRequest

from accord.doctoral.access import may_see_advisers
from accord.exchanges.access import may_see_exchanges


def accord(request: HttpRequest) -> dict[str, Any]:
    """What every page's navigation needs to know about the user."""
    user: Any = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "is_home_officer": signed_in and user.is_home_officer,
        "sees_exchanges": signed_in and may_see_exchanges(user),
        "is_partner": signed_in and user.partner_institution_id is not None,
        "sees_doctoral": signed_in and may_see_advisers(user),
        "sees_rounds": signed_in and (user.is_home or user.is_home_officer),
    }
