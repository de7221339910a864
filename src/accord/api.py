"""The REST API: one NinjaAPI, a router per app, OpenAPI at /api/openapi.json, docs at /api/docs.

Authentication is a bearer token (``Authorization: Bearer <token>``, see the account page) or
the browser session (with its CSRF token for writes). Errors are JSON: ``{"detail": ...}``;
validation errors list each problem with the field it concerns in ``loc``.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from accord.accounts.models import ApiToken
from accord.core.errors import Conflict


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.objects.find_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Accord API",
    version="1",
    description="The international relations office's registry, agreements, exchanges and doctoral cooperation.",
    auth=[BearerToken(), django_auth],
)


@api.exception_handler(DjangoValidationError)
def validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        detail = [
            {
                "loc": ["body", field],
                "msg": " ".join(message for error in errors for message in error.messages),
            }
            for field, errors in exc.error_dict.items()
        ]
    else:
        detail = [{"loc": ["body"], "msg": message} for message in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Permission denied."}, status=403)


@api.exception_handler(Conflict)
def conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    """A change the record's current state refuses (an illegal step, a stale edit): 409."""
    return api.create_response(request, {"detail": str(exc)}, status=409)


api.add_router("/", "accord.accounts.api.router")
api.add_router("/", "accord.institutions.api.router")
api.add_router("/", "accord.agreements.api.router")
api.add_router("/", "accord.reminders.api.router")
api.add_router("/", "accord.visits.api.router")
api.add_router("/", "accord.agreements.package_api.router")
# Before the mobilities router: /mobilities/import is not a mobility's number.
api.add_router("/", "accord.exchanges.import_api.router")
api.add_router("/", "accord.exchanges.api.router")
api.add_router("/", "accord.exchanges.report_api.router")
api.add_router("/", "accord.doctoral.api.router")
api.add_router("/", "accord.ewp.api.router")
