"""What Accord keeps to take part in Erasmus Without Paper.

- :class:`IiaLink`: our Erasmus+ agreement's identity in EWP (its ``iia-id``) and what the
  partner's approval API last said about our copy.
- :class:`MobilityTerms`: the Erasmus+ terms of one kind and direction of mobility on an
  agreement (languages, EQF levels, blended, days), which quotas do not carry.
- :class:`PartnerIia`: the partner's copy of an IIA as last received, mapped to our agreement,
  with our approval of it.
- :class:`EwpPartner`: how to reach a partner's EWP endpoints and the key its requests are
  signed with.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.agreements.models import Agreement, Flow, MobilityType
from accord.institutions.models import Institution

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
# A language tag as xs:language takes it, e.g. en, uk, az-Latn.
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def new_iia_id() -> str:
    return str(uuid.uuid4())


class IiaLink(models.Model):
    agreement = models.OneToOneField(
        Agreement, on_delete=models.CASCADE, related_name="ewp", verbose_name=_("agreement")
    )
    # Surrogate ids are immutable in EWP: never changed, never reused.
    iia_id = models.CharField(
        _("iia-id"), max_length=64, unique=True, default=new_iia_id, editable=False
    )
    partner_approved_hash = models.CharField(
        _("hash the partner approved"), max_length=64, blank=True, editable=False
    )
    partner_checked = models.DateTimeField(
        _("partner's approval checked"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("EWP identity of an agreement")
        verbose_name_plural = _("EWP identities of agreements")

    def __str__(self) -> str:
        return self.iia_id

    def audit_subject(self) -> models.Model | None:
        return self.agreement


class MobilityTerms(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="mobility_terms"
    )
    mobility_type = models.CharField(
        _("mobility type"), max_length=20, choices=MobilityType.choices
    )
    flow = models.CharField(_("flow"), max_length=10, choices=Flow.choices)
    languages = models.JSONField(
        _("recommended languages"),
        default=list,
        blank=True,
        help_text=_('Language codes with a CEFR level, e.g. ["en B2", "uk"].'),
    )
    eqf_levels = models.JSONField(
        _("EQF levels"), default=list, blank=True, help_text=_("e.g. [6, 7]")
    )
    blended = models.BooleanField(_("blended mobility"), default=False)
    days_per_year = models.DecimalField(
        _("days per year (staff)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    other_info = models.TextField(_("other information"), blank=True)

    class Meta:
        verbose_name = _("Erasmus+ terms")
        verbose_name_plural = _("Erasmus+ terms")
        ordering = ["mobility_type", "flow"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "mobility_type", "flow"],
                name="one_terms_per_mobility",
                violation_error_message=_(
                    "These terms are already set for this mobility type and flow."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mobility_type_display()} · {self.get_flow_display()}"

    def audit_subject(self) -> models.Model | None:
        return self.agreement

    def language_skills(self) -> list[tuple[str, str]]:
        """(language, CEFR level or "") pairs."""
        pairs = []
        for item in self.languages:
            language, _space, level = str(item).strip().partition(" ")
            pairs.append((language, level.strip().upper()))
        return pairs

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if not isinstance(self.languages, list) or any(
            not LANGUAGE_TAG.match(language) or (level and level not in CEFR_LEVELS)
            for language, level in (
                self.language_skills() if isinstance(self.languages, list) else []
            )
        ):
            errors["languages"] = _(
                'Write each language as its code, optionally with a CEFR level (A1 to C2): "en B2".'
            )
        if not isinstance(self.eqf_levels, list) or any(
            not isinstance(level, int) or not 1 <= level <= 8 for level in self.eqf_levels
        ):
            errors["eqf_levels"] = _("EQF levels are whole numbers from 1 to 8.")
        if errors:
            raise ValidationError(errors)


class PartnerIia(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="ewp_iias", verbose_name=_("partner")
    )
    iia_id = models.CharField(_("partner's iia-id"), max_length=64)
    iia_code = models.CharField(_("partner's iia-code"), max_length=200, blank=True)
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_copies",
        verbose_name=_("our agreement"),
    )
    in_effect = models.BooleanField(_("in effect"), default=False)
    published_hash = models.CharField(_("hash the partner published"), max_length=64)
    hash = models.CharField(_("hash we compute"), max_length=64)
    valid_for_approval = models.BooleanField(_("valid for approval"), default=True)
    conditions = models.JSONField(_("cooperation conditions"), default=list)
    # The partner's response for this IIA as received: the evidence an approval rests on.
    # Kept out of the audit log, whose entries show the conditions and hashes it carries.
    xml = models.TextField(_("XML as received"), editable=False)
    approved_hash = models.CharField(_("hash we approved"), max_length=64, blank=True)
    approved_on = models.DateTimeField(_("approved on"), null=True, blank=True)
    received = models.DateTimeField(_("received"), auto_now=True)

    class Meta:
        verbose_name = _("partner's copy of an IIA")
        verbose_name_plural = _("partners' copies of IIAs")
        ordering = ["institution_id", "iia_id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "iia_id"], name="one_copy_per_iia_id"),
        ]

    def __str__(self) -> str:
        return f"{self.institution}: {self.iia_code or self.iia_id}"

    def audit_subject(self) -> models.Model | None:
        # Named by its id alone: an import writes thousands of entries without reading them.
        return Agreement(pk=self.agreement_id) if self.agreement_id else None

    @property
    def approved(self) -> bool:
        """We approved the copy as it stands now."""
        return bool(self.approved_hash) and self.approved_hash == self.hash


class EwpPartner(models.Model):
    institution = models.OneToOneField(
        Institution, on_delete=models.CASCADE, related_name="ewp", verbose_name=_("partner")
    )
    api_url = models.URLField(
        _("EWP endpoints"),
        blank=True,
        help_text=_(
            "The base address of the partner's EWP endpoints, e.g. https://ewp.example.eu/ewp/"
        ),
    )
    public_key = models.TextField(
        _("public key"),
        blank=True,
        help_text=_("The partner's RSA public key (PEM) its requests are signed with."),
    )
    key_id = models.CharField(_("key id"), max_length=64, blank=True, editable=False, db_index=True)

    class Meta:
        verbose_name = _("EWP partner")
        verbose_name_plural = _("EWP partners")

    def __str__(self) -> str:
        return str(self.institution)

    def audit_subject(self) -> models.Model | None:
        return self.institution

    def clean(self) -> None:
        from accord.ewp import httpsig

        if not self.institution.ewp_hei_id:
            raise ValidationError(
                {"institution": _("Give the partner its EWP hei-id (its SCHAC code) first.")}
            )
        if self.public_key.strip():
            try:
                self.key_id = httpsig.key_id(self.public_key)
            except ValueError as error:
                raise ValidationError(
                    {"public_key": _("This is not an RSA public key in PEM form.")}
                ) from error
        else:
            self.key_id = ""
