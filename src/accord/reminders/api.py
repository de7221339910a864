"""REST endpoints for the authenticated user's own notifications."""

import datetime
from typing import Any, cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from accord.accounts.models import User
from accord.core.pagination import Page
from accord.reminders import actions
from accord.reminders.models import Notification, NotificationQuerySet

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    message: str
    url: str
    agreement_id: int | None
    follow_up_id: int | None
    params: dict[str, Any]
    created: datetime.datetime
    read_at: datetime.datetime | None


class NotificationFilter(Schema):
    unread: bool | None = None


class ReadAllOut(Schema):
    marked: int


def _own(request: HttpRequest) -> NotificationQuerySet:
    return Notification.objects.for_display().filter(user=cast(User, request.user))


@router.get("/notifications", response=list[NotificationOut])
@paginate(Page)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilter]) -> Any:
    """Your notifications, newest first; ``unread=true`` for the unread ones only."""
    notifications = _own(request)
    if filters.unread is not None:
        notifications = notifications.filter(read_at__isnull=filters.unread)
    return notifications


@router.post("/notifications/read-all", response=ReadAllOut)
def read_all(request: HttpRequest) -> Any:
    """Mark all your notifications read."""
    return {"marked": actions.mark_read(cast(User, request.user), Notification.objects.all())}


@router.post("/notifications/{pk}/read", response=NotificationOut)
def read_one(request: HttpRequest, pk: int) -> Any:
    """Mark one of your notifications read."""
    get_object_or_404(_own(request), pk=pk)
    actions.mark_read(cast(User, request.user), Notification.objects.filter(pk=pk))
    return get_object_or_404(_own(request), pk=pk)
