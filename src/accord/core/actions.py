"""Audited create, update and delete: one transaction each, the audit entry inside it.

Every app's ``actions.py`` builds on these, so the UI, the API, the admin and the commands
change data the same way.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from accord.core import audit
from accord.core.models import AuditAction

M = TypeVar("M", bound=models.Model)


def create(actor: Any, instance: M) -> M:
    """Validate and save a new object, with its audit entry."""
    with transaction.atomic():
        instance.full_clean()
        instance.save()
        audit.record(actor, AuditAction.CREATE, instance, None, audit.snapshot(instance))
    return instance


def update(actor: Any, instance: M, changes: dict[str, Any] | None = None) -> M:
    """Apply ``changes`` (or the changes already set on ``instance``), validate and save.

    The stored row is locked and read again, so the audit entry's "before" is what was
    really replaced. Nothing is written when nothing differs.
    """
    model = type(instance)
    with transaction.atomic():
        stored = model._default_manager.select_for_update().get(pk=instance.pk)
        for name, value in (changes or {}).items():
            setattr(instance, name, value)
        instance.full_clean()
        # Compare unmasked, so a changed password counts as a change.
        if audit.snapshot(instance, mask=False) == audit.snapshot(stored, mask=False):
            return instance
        before = audit.snapshot(stored)
        instance.save()
        audit.record(actor, AuditAction.UPDATE, instance, before, audit.snapshot(instance))
    return instance


def delete(actor: Any, instance: models.Model) -> None:
    """Delete an object; its audit entry keeps the last state."""
    with transaction.atomic():
        before = audit.snapshot(instance)
        audit.record(actor, AuditAction.DELETE, instance, before, None)
        instance.delete()
