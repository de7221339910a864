"""Changes a user makes to their own reminders and calendar feed, audited."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accord.accounts.models import User
from accord.core import actions, audit
from accord.core.models import AuditAction
from accord.reminders.models import Notification

_CHUNK = 500


def mark_read(user: User, notifications: QuerySet[Notification]) -> int:
    """Mark ``user``'s unread notifications among ``notifications`` read; returns how many."""
    now = timezone.now()
    with transaction.atomic():
        unread = list(
            notifications.filter(user=user, read_at__isnull=True).select_for_update().order_by("pk")
        )
        for start in range(0, len(unread), _CHUNK):
            chunk = [notification.pk for notification in unread[start : start + _CHUNK]]
            Notification.objects.filter(pk__in=chunk).update(read_at=now)
        audit.record_many(
            audit.entry(
                user,
                AuditAction.UPDATE,
                notification,
                {"read_at": None},
                {"read_at": now.isoformat()},
            )
            for notification in unread
        )
    return len(unread)


def _plain_user(user: User) -> User:
    """The user as a model instance (``request.user`` is a lazy wrapper around one)."""
    return User(pk=user.pk)


def reset_calendar_key(user: User) -> str:
    """Give ``user`` a new calendar key; the address with the old one stops working."""
    key = secrets.token_urlsafe(32)
    actions.update(user, _plain_user(user), {"calendar_key": key})
    return key


def set_mail_language(user: User, language: str) -> User:
    """The language ``user``'s reminder e-mails are written in ("" for the site's)."""
    return actions.update(user, _plain_user(user), {"language": language})
