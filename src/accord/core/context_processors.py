from typing import Any

from django.http import HttpRequest


def accord(request: HttpRequest) -> dict[str, Any]:
    """What every page's navigation needs to know about the user."""
    user: Any = getattr(request, "user", None)
    return {"is_home_officer": bool(user and user.is_authenticated and user.is_home_officer)}
