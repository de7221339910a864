"""Account changes, audited."""

from __future__ import annotations

from django.db import transaction

from accord.accounts.models import ApiToken, User
from accord.core import actions, audit
from accord.core.models import AuditAction


def issue_token(actor: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``actor``; the raw value is returned once and never stored."""
    with transaction.atomic():
        token, raw = ApiToken.issue(actor, name)
        audit.record(actor, AuditAction.CREATE, token, None, audit.snapshot(token))
    return token, raw


def revoke_token(actor: User, token: ApiToken) -> None:
    actions.delete(actor, token)
