"""Writing the audit log. Call :func:`record` inside the transaction that makes the change."""

from __future__ import annotations

import contextvars
import datetime
import decimal
import uuid
from collections.abc import Collection, Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile

from accord.core.models import AuditAction, AuditEntry

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "accord_request_id", default=""
)

MASKED = "********"
# A field whose name has one of these words is masked: password, api_key, client_secret... (whole
# words between underscores, so that "keywords" is not a key).
SECRET_WORDS = frozenset({"password", "secret", "token", "key"})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def snapshot(
    obj: models.Model, *, mask: bool = True, include: Collection[str] = ()
) -> dict[str, Any]:
    """The object's editable fields as JSON-ready values, secrets masked unless ``mask`` is off.

    Derived fields (``editable=False``: timestamps, search text) are left out, so saving an
    unchanged object compares equal; ``include`` names those to show all the same (a status
    only the lifecycle changes).
    """
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if not field.editable and not field.primary_key and field.name not in include:
            continue
        name = field.attname
        value = getattr(obj, name)
        secret = mask and value and not SECRET_WORDS.isdisjoint(field.name.split("_"))
        data[field.name] = MASKED if secret else _plain(value)
    if obj.pk is not None:
        # Many-to-many links as sorted ids: a changed link set is a change of the object.
        for m2m in obj._meta.many_to_many:
            data[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
    return data


def _institution_of(obj: models.Model) -> int | None:
    """The institution whose history shows this change (people's accounts stay out of it)."""
    if obj._meta.label == "institutions.Institution":
        return obj.pk
    if obj._meta.label == settings.AUTH_USER_MODEL or obj._meta.auto_created:
        # People's accounts, and the link rows of many-to-many fields (their record's own
        # entry shows the links).
        return None
    own = getattr(obj, "audit_institution", None)
    if own is not None:
        return own()
    institution_id = getattr(obj, "institution_id", None)
    return institution_id if isinstance(institution_id, int) else None


def subject_key(obj: models.Model) -> str:
    """How entries name ``obj`` as the record they are part of (see :func:`history`)."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def _subject_of(obj: models.Model) -> str:
    """The record a part belongs to: models name it with an ``audit_subject()`` method."""
    subject = getattr(obj, "audit_subject", None)
    parent = subject() if subject is not None else None
    return subject_key(parent) if parent is not None else ""


def history(*objects: models.Model) -> QuerySet[AuditEntry]:
    """Every entry about ``objects`` and about their parts, newest first."""
    condition = Q(pk__in=[])
    for obj in objects:
        condition |= Q(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        condition |= Q(subject=subject_key(obj))
    return AuditEntry.objects.filter(condition)


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": "system"}
    return {"actor": actor, "actor_name": actor.get_username()}


def entry(
    actor: Any,
    action: AuditAction | str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """An unsaved audit entry for ``obj`` (see :func:`record` and :func:`record_many`)."""
    return AuditEntry(
        **_actor_fields(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        institution_id=_institution_of(obj),
        subject=_subject_of(obj),
        before=before,
        after=after,
        request_id=request_id_var.get(),
    )


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit entries must be written inside the transaction that makes the change"
        )


def record(
    actor: Any,
    action: AuditAction | str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry; must run inside the transaction that changes ``obj``."""
    _require_transaction()
    audit_entry = entry(actor, action, obj, before, after)
    audit_entry.save()
    return audit_entry


def record_many(entries: Iterable[AuditEntry]) -> None:
    """Write many entries at once (imports); must run inside the transaction too."""
    _require_transaction()
    AuditEntry.objects.bulk_create(list(entries), batch_size=1000)
