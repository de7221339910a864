"""Which reminders are due on a day, and sending them: notifications in Accord and one e-mail
per person.

- An agreement in effect (signed or active) gets a reminder when the days left until its
  ``valid_until`` fall within a window of ``ACCORD_EXPIRY_REMINDER_DAYS`` (180, 90 and 30 days
  by default): one per window, for every IRO officer of the home university and for the partner
  coordinators of its parties. A day on which reminders were not sent loses nothing: the next run
  sends the reminder of the window the agreement is in now (only that one, not the wider windows
  it went through meanwhile). Agreements past their end get none.
- A follow-up action not done gets a reminder for its owner once when it is due within
  :data:`FOLLOW_UP_DAYS` days and once more when it is overdue.

Each reminder has a key (what, which date, which window), unique per user, so sending again on
the same or a later day adds nothing already sent.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext, ngettext

from accord.accounts.models import Role, User
from accord.agreements.models import Agreement, AgreementParty, AgreementStatus
from accord.core import audit
from accord.core.models import AuditAction
from accord.institutions.models import PartnerStatus
from accord.reminders.models import Notification, NotificationKind
from accord.visits.models import FollowUp

logger = logging.getLogger(__name__)

# A follow-up action is "due soon" this many days before its due date.
FOLLOW_UP_DAYS = 7
IN_EFFECT = (AgreementStatus.SIGNED, AgreementStatus.ACTIVE)
_CHUNK = 500


@dataclass(frozen=True)
class Reminder:
    """A reminder due for one user, before it is stored as a :class:`Notification`."""

    user_id: int
    key: str
    kind: str
    params: dict[str, Any] = field(hash=False)
    agreement_id: int | None = None
    follow_up_id: int | None = None

    def notification(self) -> Notification:
        return Notification(
            user_id=self.user_id,
            key=self.key,
            kind=self.kind,
            params=self.params,
            agreement_id=self.agreement_id,
            follow_up_id=self.follow_up_id,
        )


def expiry_windows() -> list[int]:
    """The configured reminder windows in days, widest first."""
    configured: Any = settings.ACCORD_EXPIRY_REMINDER_DAYS
    if isinstance(configured, str):
        configured = [part for part in configured.split(",") if part.strip()]
    return sorted({int(days) for days in configured if int(days) >= 0}, reverse=True)


def window_for(days_left: int, windows: list[int]) -> int | None:
    """The narrowest window ``days_left`` falls in; None before the widest or after the end."""
    if days_left < 0:
        return None
    inside = [days for days in windows if days_left <= days]
    return min(inside) if inside else None


def home_officers() -> QuerySet[User]:
    """Active IRO officers of the home university."""
    return User.objects.filter(
        is_active=True,
        institution__partner_status=PartnerStatus.HOME,
        role_grants__role=Role.IRO_OFFICER,
    ).distinct()


def partner_coordinators(institution_ids: Iterable[int]) -> dict[int, list[int]]:
    """Active partner coordinators' ids by the partner institution they act for."""
    users = (
        User.objects.filter(
            is_active=True,
            institution_id__in=set(institution_ids),
            role_grants__role=Role.PARTNER_COORDINATOR,
        )
        .exclude(institution__partner_status=PartnerStatus.HOME)
        .values_list("institution_id", "pk")
        .distinct()
    )
    by_institution: dict[int, list[int]] = defaultdict(list)
    for institution_id, user_id in users:
        by_institution[institution_id].append(user_id)
    return by_institution


def _expiry_reminders(today: datetime.date) -> Iterator[Reminder]:
    windows = expiry_windows()
    if not windows:
        return
    agreements = list(
        Agreement.objects.filter(
            status__in=IN_EFFECT,
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=windows[0]),
        ).order_by("valid_until", "pk")
    )
    if not agreements:
        return
    parties: dict[int, list[int]] = defaultdict(list)
    for agreement_id, institution_id in AgreementParty.objects.filter(
        agreement__in=agreements
    ).values_list("agreement_id", "institution_id"):
        parties[agreement_id].append(institution_id)
    officers = list(home_officers().values_list("pk", flat=True))
    coordinators = partner_coordinators(
        institution_id for ids in parties.values() for institution_id in ids
    )
    for agreement in agreements:
        assert agreement.valid_until is not None
        days_left = (agreement.valid_until - today).days
        window = window_for(days_left, windows)
        if window is None:
            continue
        recipients = set(officers)
        for institution_id in parties[agreement.pk]:
            recipients.update(coordinators.get(institution_id, ()))
        key = f"agreement-ends:{agreement.pk}:{agreement.valid_until.isoformat()}:{window}"
        params = {
            "title": agreement.title,
            "valid_until": agreement.valid_until.isoformat(),
            "days": days_left,
            "window": window,
            "automatic_renewal": agreement.automatic_renewal,
        }
        for user_id in sorted(recipients):
            yield Reminder(
                user_id, key, NotificationKind.AGREEMENT_EXPIRY, params, agreement_id=agreement.pk
            )


def _follow_up_reminders(today: datetime.date) -> Iterator[Reminder]:
    follow_ups = FollowUp.objects.filter(
        done_on__isnull=True,
        due_on__lte=today + datetime.timedelta(days=FOLLOW_UP_DAYS),
        owner__is_active=True,
    ).order_by("due_on", "pk")
    for follow_up in follow_ups:
        overdue = follow_up.due_on < today
        kind = NotificationKind.FOLLOW_UP_OVERDUE if overdue else NotificationKind.FOLLOW_UP_DUE
        bucket = "overdue" if overdue else "due"
        key = f"follow-up:{follow_up.pk}:{follow_up.due_on.isoformat()}:{bucket}"
        params = {
            "title": follow_up.title,
            "due_on": follow_up.due_on.isoformat(),
            "days": (follow_up.due_on - today).days,
        }
        yield Reminder(follow_up.owner_id, key, kind, params, follow_up_id=follow_up.pk)


def due_reminders(today: datetime.date) -> list[Reminder]:
    """Every reminder due on ``today``, whether or not it was sent already."""
    return [*_expiry_reminders(today), *_follow_up_reminders(today)]


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _existing(reminders: list[Reminder]) -> set[tuple[int, str]]:
    keys = sorted({reminder.key for reminder in reminders})
    found: set[tuple[int, str]] = set()
    for chunk in _chunks(keys):
        found.update(Notification.objects.filter(key__in=chunk).values_list("user_id", "key"))
    return found


def mail_language(user: User) -> str:
    """The language a user's e-mails are written in."""
    return user.language or settings.LANGUAGE_CODE


def email_text(user: User, notifications: list[Notification]) -> tuple[str, str]:
    """Subject and body of the e-mail listing ``notifications``, in the active language."""
    count = len(notifications)
    subject = ngettext(
        "Accord: %(count)d new reminder", "Accord: %(count)d new reminders", count
    ) % {"count": count}
    lines = [
        gettext("Hello %(name)s,") % {"name": user.get_full_name() or user.get_username()},
        "",
        ngettext("Accord has a new reminder for you:", "Accord has new reminders for you:", count),
        "",
        *(f"- {notification.message}" for notification in notifications),
        "",
        ngettext(
            "You find it on the notifications page in Accord, too.",
            "You find them on the notifications page in Accord, too.",
            count,
        ),
    ]
    return subject, "\n".join(lines) + "\n"


def _send_emails(notifications: list[Notification]) -> tuple[int, int]:
    """One e-mail to each recipient with an address; returns (sent, failed)."""
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in notifications:
        by_user[notification.user_id].append(notification)
    users = User.objects.filter(pk__in=by_user, is_active=True).exclude(email="").order_by("pk")
    sent = failed = 0
    with get_connection() as connection:
        for user in users:
            with translation.override(mail_language(user)):
                subject, body = email_text(user, by_user[user.pk])
            try:
                send_mail(subject, body, None, [user.email], connection=connection)
            except (smtplib.SMTPException, OSError):
                logger.exception("The reminder e-mail to user %s could not be sent", user.pk)
                failed += 1
            else:
                sent += 1
    return sent, failed


def send_reminders(today: datetime.date) -> dict[str, int]:
    """Store the reminders due on ``today`` not stored before and e-mail them.

    The notifications and their audit entries are written in one transaction; each recipient
    with an e-mail address then gets one message listing theirs, in their language. Returns
    counts: notifications made, people they went to, e-mails sent and e-mails that failed.
    """
    reminders = due_reminders(today)
    with transaction.atomic():
        existing = _existing(reminders)
        new = [
            reminder.notification()
            for reminder in reminders
            if (reminder.user_id, reminder.key) not in existing
        ]
        Notification.objects.bulk_create(new, batch_size=_CHUNK)
        audit.record_many(
            audit.entry(None, AuditAction.CREATE, notification, None, audit.snapshot(notification))
            for notification in new
        )
    created: list[Notification] = []
    for chunk in _chunks([notification.pk for notification in new]):
        created.extend(Notification.objects.for_display().filter(pk__in=chunk).order_by("pk"))
    sent, failed = _send_emails(created) if created else (0, 0)
    return {
        "notifications": len(new),
        "recipients": len({notification.user_id for notification in new}),
        "emails": sent,
        "email_failures": failed,
    }
