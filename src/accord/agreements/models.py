"""Agreements between institutions and the lifecycle every agreement follows."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.agreements.storage import private_storage
from accord.institutions.models import Field, Institution, Specialty, Unit, localised


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


class MobilityType(models.TextChoices):
    STUDENT_STUDIES = "student_studies", _("Student studies")
    STUDENT_TRAINEESHIP = "student_traineeship", _("Student traineeship")
    TEACHING_STAFF = "teaching_staff", _("Teaching staff")
    TRAINING_STAFF = "training_staff", _("Training staff")
    PHD_RESEARCH = "phd_research", _("PhD research stay")


class Flow(models.TextChoices):
    """Seen from the home university."""

    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")


class VersionReason(models.TextChoices):
    ORIGINAL = "original", _("Original")
    RENEWAL = "renewal", _("Renewal")
    AMENDMENT = "amendment", _("Amendment")


# Kinds a protocol may be made under.
PARENT_KINDS = {AgreementKind.MEMORANDUM, AgreementKind.FRAMEWORK}
# Kinds that carry quotas.
QUOTA_KINDS = {AgreementKind.PROTOCOL, AgreementKind.ERASMUS_IIA}
ACADEMIC_YEAR = re.compile(r"^(\d{4})/(\d{4})$")


def validate_academic_year(value: str) -> None:
    match = ACADEMIC_YEAR.match(value or "")
    if not match or int(match[2]) != int(match[1]) + 1:
        raise ValidationError(
            _("Write an academic year as two consecutive years, e.g. 2026/2027."), code="year"
        )


class PackageStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to partners")
    CLOSED = "closed", _("Closed")


class ProposalPackage(models.Model):
    """Directions the home university proposes to one or more partners, who answer each."""

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    recipients = models.ManyToManyField(
        Institution, verbose_name=_("sent to"), related_name="proposal_packages", blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PackageStatus.choices,
        default=PackageStatus.DRAFT,
        editable=False,
    )
    sent_on = models.DateField(_("sent on"), null=True, blank=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("proposal package")
        verbose_name_plural = _("proposal packages")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.title


class Direction(models.Model):
    """An area of cooperation tied to fields or specialties, e.g. oil and gas production."""

    package = models.ForeignKey(
        ProposalPackage,
        verbose_name=_("proposal package"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="directions",
    )
    name = models.CharField(_("name"), max_length=300, help_text=_("Name in English."))
    names = models.JSONField(
        _("names in other languages"), default=dict, blank=True, help_text=_('e.g. {"uk": "..."}')
    )
    description = models.TextField(_("description"), blank=True)
    fields = models.ManyToManyField(
        Field, verbose_name=_("fields (ISCED-F)"), blank=True, related_name="directions"
    )
    specialties = models.ManyToManyField(
        Specialty, verbose_name=_("national specialties"), blank=True, related_name="directions"
    )
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("direction")
        verbose_name_plural = _("directions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localised(self.names, self.name)

    def audit_subject(self) -> models.Model | None:
        """Its package, or the agreement it was added to directly."""
        return self.package or self.agreements.order_by("pk").first()


class AnswerKind(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    DECLINE = "decline", _("Decline")
    COUNTER = "counter", _("Counter-propose")


class DirectionAnswer(models.Model):
    """One partner's answer to one proposed direction; answering again replaces it."""

    direction = models.ForeignKey(Direction, on_delete=models.CASCADE, related_name="answers")
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(_("answer"), max_length=10, choices=AnswerKind.choices)
    comment = models.TextField(
        _("reason or counter-proposal"), blank=True, help_text=_("Needed to decline or counter.")
    )
    partner_unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit at the partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    modified = models.DateTimeField(_("answered"), auto_now=True)

    class Meta:
        verbose_name = _("answer to a direction")
        verbose_name_plural = _("answers to directions")
        ordering = ["direction_id", "institution_id"]
        constraints = [
            models.UniqueConstraint(fields=["direction", "institution"], name="one_answer"),
        ]

    def __str__(self) -> str:
        # The history shows this, so a reason or counter-proposal is read there too.
        answer = f"{self.institution}: {self.get_answer_display()} {self.direction}"
        return f"{answer} — {self.comment}" if self.comment else answer

    def audit_subject(self) -> models.Model | None:
        return self.direction.package

    def clean(self) -> None:
        if self.answer in {AnswerKind.DECLINE, AnswerKind.COUNTER} and not self.comment.strip():
            raise ValidationError(
                {"comment": _("Say why you decline, or what you propose instead.")}
            )
        unit = self.partner_unit
        if unit is not None and unit.institution_id != self.institution_id:
            raise ValidationError({"partner_unit": _("The unit belongs to another institution.")})


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
    text = models.TextField(_("text"), blank=True, help_text=_("Text in English."))
    texts = models.JSONField(
        _("texts in other languages"), default=dict, blank=True, help_text=_('e.g. {"uk": "..."}')
    )
    directions = models.ManyToManyField(
        Direction, verbose_name=_("directions"), blank=True, related_name="agreements"
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    automatic_renewal = models.BooleanField(_("renewed automatically"), default=False)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="next_versions",
    )
    version_number = models.PositiveIntegerField(_("version"), default=1, editable=False)
    version_reason = models.CharField(
        _("version made by"),
        max_length=10,
        choices=VersionReason.choices,
        default=VersionReason.ORIGINAL,
        editable=False,
    )
    # Raised by every change; an edit made from an older revision is refused (optimistic lock).
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["status", "kind"]),
            # The lists' order: without it every page sorts all agreements (bench/agreements.py).
            models.Index(fields=["created", "id"], name="agreement_list_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language, else in English."""
        return localised(self.titles, self.title)

    @property
    def display_text(self) -> str:
        return localised(self.texts, self.text)

    @property
    def languages(self) -> list[str]:
        """English first, then the languages of the other titles and texts."""
        return ["en", *sorted((set(self.titles) | set(self.texts)) - {"en"})]

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

    def audit_subject(self) -> models.Model | None:
        return self.agreement


class Quota(models.Model):
    """Places (people, optionally months) per direction, mobility type, flow and academic year."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="quotas")
    direction = models.ForeignKey(
        Direction, verbose_name=_("direction"), on_delete=models.PROTECT, related_name="quotas"
    )
    mobility_type = models.CharField(
        _("mobility type"), max_length=20, choices=MobilityType.choices
    )
    flow = models.CharField(_("flow"), max_length=10, choices=Flow.choices)
    academic_year = models.CharField(
        _("academic year"), max_length=9, validators=[validate_academic_year]
    )
    people = models.PositiveIntegerField(_("places (people)"))
    months = models.PositiveIntegerField(_("months in all"), null=True, blank=True)

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["academic_year", "direction_id", "mobility_type", "flow"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "direction", "mobility_type", "flow", "academic_year"],
                name="unique_quota",
                violation_error_message=_(
                    "This agreement already has a quota for this direction, mobility type, "
                    "flow and academic year."
                ),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.direction} · {self.get_mobility_type_display()} · "
            f"{self.get_flow_display()} · {self.academic_year}: {self.people}"
        )

    def audit_subject(self) -> models.Model | None:
        return self.agreement

    def clean(self) -> None:
        if self.agreement_id is None:
            return
        if self.agreement.kind not in QUOTA_KINDS:
            raise ValidationError(
                {"agreement": _("Quotas belong to a protocol or an Erasmus+ agreement.")}
            )
        if (
            self.direction_id is not None
            and not self.agreement.directions.filter(pk=self.direction_id).exists()
        ):
            raise ValidationError({"direction": _("The direction is not one of the agreement's.")})


def document_path(document: AgreementDocument, filename: str) -> str:
    return f"agreements/{document.agreement_id}/{filename}"


class AgreementDocument(models.Model):
    """A signed scan of an agreement: a PDF, with its checksum kept."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=document_path, storage=private_storage)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("signed scan")
        verbose_name_plural = _("signed scans")
        ordering = ["-uploaded", "-id"]

    def __str__(self) -> str:
        return self.name

    def audit_subject(self) -> models.Model | None:
        return self.agreement
