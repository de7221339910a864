"""Notifications: reminders addressed to one user, worded in the reader's language when shown."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

# Where a follow-up action is shown when its visit has no page of its own.
FOLLOW_UP_FALLBACK_URL = "/tasks/"


def follow_up_url(visit_id: int | None) -> str:
    """The page showing a follow-up action: its visit's, else the list of follow-up actions."""
    if visit_id is not None:
        try:
            return reverse("visit_detail", kwargs={"pk": visit_id})
        except NoReverseMatch:
            pass
    return FOLLOW_UP_FALLBACK_URL


class NotificationKind(models.TextChoices):
    AGREEMENT_EXPIRY = "agreement_expiry", _("Agreement ends soon")
    FOLLOW_UP_DUE = "follow_up_due", _("Follow-up action due soon")
    FOLLOW_UP_OVERDUE = "follow_up_overdue", _("Follow-up action overdue")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def for_display(self) -> NotificationQuerySet:
        """With what the message and the link need, newest first."""
        return self.select_related("agreement", "follow_up").order_by("-created", "-id")


class Notification(models.Model):
    """One reminder for one user.

    The text is not stored: ``kind`` and ``params`` are, and :attr:`message` words them in the
    active language, so each reader sees it in theirs. ``key`` names the reminder (the agreement,
    the date and the threshold), so making the same reminder twice adds nothing.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("agreement"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    follow_up = models.ForeignKey(
        "visits.FollowUp",
        verbose_name=_("follow-up action"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=200)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_notification_key"),
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    def _date(self, name: str) -> str:
        value = self.params.get(name)
        return date_format(datetime.date.fromisoformat(value)) if value else ""

    @property
    def message(self) -> str:
        """The reminder in the active language."""
        params: dict[str, Any] = self.params
        days = int(params.get("days", 0))
        if self.kind == NotificationKind.AGREEMENT_EXPIRY:
            title = self.agreement.display_title if self.agreement else params.get("title", "")
            values = {"title": title, "date": self._date("valid_until"), "days": days}
            if days <= 0:
                text = gettext("The agreement “%(title)s” ends today, %(date)s.") % values
            else:
                text = (
                    ngettext(
                        "The agreement “%(title)s” ends on %(date)s, in %(days)d day.",
                        "The agreement “%(title)s” ends on %(date)s, in %(days)d days.",
                        days,
                    )
                    % values
                )
            if params.get("automatic_renewal"):
                text += " " + gettext("It renews automatically unless a party gives notice.")
            return text
        title = self.follow_up.title if self.follow_up else params.get("title", "")
        values = {"title": title, "date": self._date("due_on")}
        if self.kind == NotificationKind.FOLLOW_UP_OVERDUE:
            return (
                gettext("The follow-up action “%(title)s” was due on %(date)s and is not done.")
                % values
            )
        return gettext("The follow-up action “%(title)s” is due on %(date)s.") % values

    @property
    def url(self) -> str:
        """The page of the agreement or visit the reminder is about."""
        if self.agreement_id is not None:
            return reverse("agreement_detail", args=[self.agreement_id])
        return follow_up_url(self.follow_up.visit_id if self.follow_up else None)
