"""Audited create, update and delete: one transaction each, the audit entry inside it.

Every app's ``actions.py`` builds on these, so the UI, the API, the admin and the commands
change data the same way.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from django.db import models, router, transaction
from django.db.models.deletion import Collector

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


def _editable(instance: models.Model) -> list[Any]:
    return [f for f in instance._meta.concrete_fields if f.editable and not f.primary_key]


def _auto_now(model: type[models.Model]) -> list[str]:
    """The timestamps a save sets by itself, to be named among its ``update_fields``."""
    return [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def _copy_stored(stored: M, instance: M) -> None:
    for field in type(stored)._meta.concrete_fields:
        setattr(instance, field.attname, getattr(stored, field.attname))


def snapshot_for_edit(instance: models.Model) -> dict[str, Any]:
    """The object's state before a form changes it, for :func:`edits`."""
    return audit.snapshot(instance, mask=False)


def edits(original: dict[str, Any], instance: models.Model) -> dict[str, Any]:
    """The fields changed on ``instance`` since ``original`` (its unmasked snapshot)."""
    current = audit.snapshot(instance, mask=False)
    return {
        field.attname: getattr(instance, field.attname)
        for field in _editable(instance)
        if current[field.name] != original.get(field.name)
    }


def form_changes(form: Any) -> dict[str, Any]:
    """The model fields a ModelForm changed, with their new values, for :func:`update`."""
    obj = form.instance
    names = {field.name for field in obj._meta.concrete_fields}
    attnames = [obj._meta.get_field(name).attname for name in form.changed_data if name in names]
    return {attname: getattr(obj, attname) for attname in attnames}


def update(actor: Any, instance: M, changes: dict[str, Any] | None = None) -> M:
    """Apply ``changes`` to the row as stored now, validate, save and audit.

    Only the fields named in ``changes`` are taken, so a field another user saved meanwhile
    keeps its value; without ``changes`` every editable field of ``instance`` is written.
    The row is locked while this runs; ``instance`` ends up as stored. Nothing is written when
    nothing differs.
    """
    model = type(instance)
    if changes is None:
        changes = {field.attname: getattr(instance, field.attname) for field in _editable(instance)}
    with transaction.atomic():
        stored = model._default_manager.select_for_update().get(pk=instance.pk)
        original = audit.snapshot(stored, mask=False)
        before = audit.snapshot(stored)
        for name, value in changes.items():
            setattr(stored, name, value)
        stored.full_clean()
        # Compared unmasked, so a changed password counts as a change.
        changed = edits(original, stored)
        if changed:
            stored.save(update_fields=[*changed, *_auto_now(model)])
            audit.record(actor, AuditAction.UPDATE, stored, before, audit.snapshot(stored))
        _copy_stored(stored, instance)
    return instance


def set_state(
    actor: Any, instance: M, status: str, *, shown: Collection[str] = (), **fields: Any
) -> M:
    """Move ``instance`` to ``status``, a field no form edits, with one audit entry.

    ``fields`` are other derived fields that go with the move (the day a package was sent, a
    revision counter raised with an ``F()`` expression); like every derived field they stay out
    of the entry, which shows the editable fields and the status, and those named in ``shown``. The row is locked while this
    runs; ``instance`` ends up as stored.
    """
    model = type(instance)
    changes = {"status": status, **fields}
    with transaction.atomic():
        stored = model._default_manager.select_for_update().get(pk=instance.pk)
        include = ["status", *shown]
        before = audit.snapshot(stored, include=include)
        for name, value in changes.items():
            setattr(stored, name, value)
        stored.save(update_fields=[*changes, *_auto_now(model)])
        computed = [name for name, value in fields.items() if hasattr(value, "resolve_expression")]
        if computed:
            stored.refresh_from_db(fields=computed)
        after = audit.snapshot(stored, include=include)
        audit.record(actor, AuditAction.UPDATE, stored, before, after)
        _copy_stored(stored, instance)
    return instance


def delete(actor: Any, instance: models.Model) -> None:
    """Delete an object and what cascades with it; each gets an entry keeping its last state."""
    with transaction.atomic():
        collector = Collector(using=router.db_for_write(type(instance)))
        collector.collect([instance])
        doomed = [obj for objects in collector.data.values() for obj in objects]
        doomed += [obj for queryset in collector.fast_deletes for obj in queryset]
        audit.record_many(
            audit.entry(actor, AuditAction.DELETE, obj, audit.snapshot(obj), None) for obj in doomed
        )
        instance.delete()
