"""Inserting many new rows fast: what ``bulk_create`` does, without preparing each value through
the ORM's compiler, which costs more than the insert itself at a hundred thousand rows.

Values are converted by a function chosen once per field (dates by the database's own
adapters, numbers and JSON by their field), timestamps set once per call; primary keys come back with RETURNING (SQLite
3.35+, PostgreSQL). Used by imports; model ``save()`` methods and signals are not run, so the
caller sets every derived field itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, models, router
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

# Bound parameters per statement, below SQLite's limit of 32,766.
MAX_PARAMETERS = 30_000


def _converter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    kind = field.get_internal_type()
    if kind == "DateField":
        return connection.ops.adapt_datefield_value
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if kind in {"DecimalField", "JSONField"}:
        return lambda value: field.get_db_prep_save(value, connection)
    return lambda value: value


def insert(objects: Sequence[M]) -> Sequence[M]:
    """Insert ``objects`` (all of one model, none saved yet) and set their primary keys."""
    if not objects:
        return objects
    model = type(objects[0])
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                setattr(obj, field.attname, now)
    converters = [(field.attname, _converter(field, connection)) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    batch = max(1, MAX_PARAMETERS // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch):
            chunk = objects[start : start + batch]
            params = [convert(getattr(obj, name)) for obj in chunk for name, convert in converters]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
                + ", ".join([row_sql] * len(chunk))
                + f" RETURNING {quote(meta.pk.column)}",
                params,
            )
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
    return objects
