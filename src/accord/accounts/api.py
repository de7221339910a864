"""Who am I: the authenticated user, their institution and roles."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    institution_id: int | None
    roles: list[str]
    is_home_officer: bool


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    user: Any = request.user
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "institution_id": user.institution_id,
        "roles": sorted(user.role_set),
        "is_home_officer": user.is_home_officer,
    }
