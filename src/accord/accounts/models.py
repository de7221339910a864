"""Users belong to an institution and hold roles; API tokens let scripts act as them."""

from __future__ import annotations

import hashlib
import secrets
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    IRO_OFFICER = "iro_officer", _("IRO officer")
    LEADERSHIP = "leadership", _("Leadership")
    FACULTY_COORDINATOR = "faculty_coordinator", _("Faculty coordinator")
    ADVISER = "adviser", _("Academic adviser")
    PARTNER_COORDINATOR = "partner_coordinator", _("Partner coordinator")


HOME_ROLES = frozenset({Role.IRO_OFFICER, Role.LEADERSHIP, Role.FACULTY_COORDINATOR, Role.ADVISER})


class User(AbstractUser):
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    unit = models.ForeignKey(
        "institutions.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    language = models.CharField(
        _("language of e-mails"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Reminders are written in this language; empty: the site's language."),
    )
    # The secret in the address of the user's calendar feed; empty until the user makes one.
    calendar_key = models.CharField(
        _("calendar key"), max_length=64, unique=True, null=True, blank=True, default=None
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @cached_property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, role: Role | str) -> bool:
        return self.is_active and str(role) in self.role_set

    @property
    def is_home(self) -> bool:
        """Staff of the home university (the one running this Accord) holding a home role."""
        if self.institution is None or not self.institution.is_home:
            return False
        return bool(self.role_set & HOME_ROLES)

    @property
    def is_home_officer(self) -> bool:
        return self.is_superuser or (self.is_home and self.has_role(Role.IRO_OFFICER))

    @property
    def partner_institution_id(self) -> int | None:
        """The partner institution a partner coordinator acts for, else None."""
        if self.is_home or not self.has_role(Role.PARTNER_COORDINATOR):
            return None
        return self.institution_id


class RoleGrant(models.Model):
    """A role held by a user, optionally limited to one unit of their institution."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        "institutions.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_role_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()}"

    def clean(self) -> None:
        if self.unit is not None and self.unit.institution_id != self.user.institution_id:
            raise ValidationError({"unit": _("The unit belongs to another institution.")})


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def find_user(self, raw: str) -> User | None:
        """The active user owning the raw token, or None."""
        token = self.select_related("user").filter(key_hash=_hash_token(raw)).first()
        if token is None or not token.user.is_active:
            return None
        return token.user


class ApiToken(models.Model):
    """A bearer token for the REST API; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token; the raw value is returned once and never stored."""
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=_hash_token(raw), prefix=raw[:8])
        return token, raw
