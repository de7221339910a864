"""Visits and negotiations, and the follow-up actions they leave behind."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.institutions.models import Institution, country_name


class VisitKind(models.TextChoices):
    OUTGOING = "outgoing", _("Our delegation abroad")
    INCOMING = "incoming", _("A delegation received")
    ONLINE = "online", _("Online meeting")


class Visit(models.Model):
    """A delegation or negotiation meeting: who, where, when, with whom, and what came of it."""

    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=10, choices=VisitKind.choices, default=VisitKind.OUTGOING
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    delegation = models.TextField(_("who travelled"), blank=True, help_text=_("One per line."))
    institutions = models.ManyToManyField(
        Institution, verbose_name=_("institutions met"), blank=True, related_name="visits"
    )
    people_met = models.TextField(_("people met"), blank=True, help_text=_("One per line."))
    discussion = models.TextField(_("what was discussed"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def country_name(self) -> str:
        return country_name(self.country) if self.country else ""

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A visit cannot end before it starts.")})


class FollowUp(models.Model):
    """Something to do after a visit, with an owner and a due date, shown until done."""

    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    # Not named "institution": audit entries of such a field would show in that institution's
    # history, which its partner coordinators read; follow-ups are the home office's own record.
    concerns = models.ForeignKey(
        Institution,
        verbose_name=_("concerns"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("what to do"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["done_on", "due_on", "id"]
        indexes = [models.Index(fields=["owner", "done_on", "due_on"])]

    def __str__(self) -> str:
        return self.title

    def audit_subject(self) -> models.Model | None:
        return self.visit

    @property
    def is_overdue(self) -> bool:
        """Still open after its due date."""
        if self.done_on is not None or self.due_on is None:
            return False
        return self.due_on < timezone.localdate()

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        try:
            owner = self.owner if self.owner_id is not None else None
        except ObjectDoesNotExist:
            owner = None  # the field's own check reports an unknown owner
        if owner is not None and not owner.is_home:
            errors["owner"] = _("Follow-up actions are owned by staff of the home university.")
        if errors:
            raise ValidationError(errors)
