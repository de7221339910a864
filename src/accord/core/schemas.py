"""API shapes shared by every app."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from ninja import ModelSchema

from accord.core.models import AuditEntry

State = dict[str, Any] | None


class AuditEntryOut(ModelSchema):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "timestamp",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "subject",
            "before",
            "after",
            "request_id",
        ]


def masked(state: State, names: Collection[str], shown: bool) -> State:
    """``state`` with the values of ``names`` null unless ``shown``."""
    if state is None or shown:
        return state
    return {name: None if name in names else value for name, value in state.items()}


def masking(
    mask: Callable[[AuditEntry, State], State],
) -> tuple[staticmethod[[AuditEntry], State], staticmethod[[AuditEntry], State]]:
    """The resolvers of an :class:`AuditEntryOut`'s states before and after that give them
    through ``mask``: ``resolve_before, resolve_after = masking(mask)``."""

    def before(obj: AuditEntry) -> State:
        return mask(obj, obj.before)

    def after(obj: AuditEntry) -> State:
        return mask(obj, obj.after)

    return staticmethod(before), staticmethod(after)
