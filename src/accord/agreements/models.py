"""Agreements between institutions and the lifecycle every agreement follows."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.institutions.models import Institution, localised


class AgreementKind(models.TextChoices):
    MEMORANDUM = "memorandum", _("Memorandum of understanding")
    FRAMEWORK = "framework", _("Framework or cooperation agreement")
    PROTOCOL = "protocol", _("Protocol")
    ERASMUS_IIA = "erasmus_iia", _("Erasmus+ inter-institutional agreement")
    JOINT_PROGRAMME = "joint_programme", _("Joint programme agreement")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NEGOTIATION = "negotiation", _("Negotiation")
    INTERNAL_APPROVAL = "internal_approval", _("Internal approval")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class CooperationArea(models.TextChoices):
    STUDENT_EXCHANGE = "student_exchange", _("Exchange of students")
    STAFF_EXCHANGE = "staff_exchange", _("Exchange of teachers, graduate students and staff")
    JOINT_RESEARCH = "joint_research", _("Joint research")
    ACADEMIC_MATERIALS = (
        "academic_materials",
        _("Exchange of academic materials, publications and library resources"),
    )
    JOINT_PROGRAMMES = "joint_programmes", _("Joint bachelor and master programmes")
    PHD_TRAINING = "phd_training", _("PhD training")


# Kinds a protocol may be made under.
PARENT_KINDS = {AgreementKind.MEMORANDUM, AgreementKind.FRAMEWORK}


class Agreement(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=300, help_text=_("Title in English."))
    titles = models.JSONField(
        _("titles in other languages"), default=dict, blank=True, help_text=_('e.g. {"uk": "..."}')
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AgreementStatus.choices,
        default=AgreementStatus.DRAFT,
        editable=False,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("made under"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="protocols",
    )
    areas = models.JSONField(_("areas of cooperation"), default=list, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    automatic_renewal = models.BooleanField(_("renewed automatically"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language, else in English."""
        return localised(self.titles, self.title)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The agreement cannot end before it starts.")
        unknown = set(self.areas or []) - set(CooperationArea.values)
        if unknown:
            errors["areas"] = _("Unknown areas of cooperation: %(areas)s.") % {
                "areas": ", ".join(sorted(map(str, unknown)))
            }
        parent_kind = (
            Agreement.objects.filter(pk=self.parent_id).values_list("kind", flat=True).first()
            if self.parent_id
            else None
        )
        if self.kind == AgreementKind.PROTOCOL and parent_kind not in PARENT_KINDS:
            errors["parent"] = _("A protocol is made under a memorandum or framework agreement.")
        if self.parent_id is not None and self.parent_id == self.pk:
            errors["parent"] = _("An agreement cannot be made under itself.")
        if errors:
            raise ValidationError(errors)


class AgreementParty(models.Model):
    """An institution that is party to an agreement, with who signs for it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_position = models.CharField(_("signatory's position"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "institution"], name="unique_party"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} - {self.agreement}"
