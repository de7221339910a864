"""The unread-notifications badge in every page's header."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from accord.reminders.models import Notification


class UnreadNotifications:
    """Counts the user's unread notifications when a template first asks, and only once."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def count(self) -> int:
        return Notification.objects.filter(user=self.user, read_at__isnull=True).count()


def unread(request: HttpRequest) -> dict[str, Any]:
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": None}
    return {"unread_notifications": UnreadNotifications(user)}
