"""Changes to visits and their follow-up actions: one transaction each, with its audit entries.

Views, the API and the admin all call these; who may call them is decided in :mod:`.access`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import actions, audit
from accord.core.models import AuditAction
from accord.institutions.models import Institution
from accord.visits.models import FollowUp, Visit


def _checked_institutions(institution_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(institution_ids))
    found = set(Institution.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = [str(pk) for pk in ids if pk not in found]
    if unknown:
        raise ValidationError(
            {"institutions": _("Unknown institutions: %(ids)s.") % {"ids": ", ".join(unknown)}}
        )
    return ids


def _set_institutions(actor: Any, visit: Visit, institution_ids: list[int]) -> None:
    """Link the visit to the institutions met; a changed set is audited as a change of the visit."""
    before = audit.snapshot(visit)
    visit.institutions.set(institution_ids)
    after = audit.snapshot(visit)
    if before["institutions"] != after["institutions"]:
        audit.record(actor, AuditAction.UPDATE, visit, before, after)


def create_visit(actor: Any, visit: Visit, institution_ids: Iterable[int] = ()) -> Visit:
    """Record a visit and the institutions met."""
    ids = _checked_institutions(institution_ids)
    with transaction.atomic():
        actions.create(actor, visit)
        _set_institutions(actor, visit, ids)
    return visit


def update_visit(
    actor: Any,
    visit: Visit,
    changes: dict[str, Any],
    institution_ids: Iterable[int] | None = None,
) -> Visit:
    """Change a visit's facts; ``institution_ids``, when given, replace the institutions met."""
    ids = None if institution_ids is None else _checked_institutions(institution_ids)
    with transaction.atomic():
        actions.update(actor, visit, changes)
        if ids is not None:
            _set_institutions(actor, visit, ids)
    return visit


def delete_visit(actor: Any, visit: Visit) -> None:
    """Delete a visit and its follow-up actions; each keeps an audit entry with its last state."""
    actions.delete(actor, visit)


def create_follow_up(actor: Any, follow_up: FollowUp) -> FollowUp:
    """Add a follow-up action (to a visit, when it has one)."""
    return actions.create(actor, follow_up)


def update_follow_up(actor: Any, follow_up: FollowUp, changes: dict[str, Any]) -> FollowUp:
    """Change a follow-up action's fields named in ``changes`` (attribute names: ``owner_id``)."""
    return actions.update(actor, follow_up, changes)


def delete_follow_up(actor: Any, follow_up: FollowUp) -> None:
    actions.delete(actor, follow_up)


def mark_done(actor: Any, follow_up: FollowUp, done: bool = True) -> FollowUp:
    """Mark a follow-up action done today, or open it again; a repeated mark changes nothing."""
    with transaction.atomic():
        stored = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if done and stored.done_on is None:
            actions.update(actor, follow_up, {"done_on": timezone.localdate()})
        elif not done and stored.done_on is not None:
            actions.update(actor, follow_up, {"done_on": None})
        else:
            follow_up.done_on = stored.done_on
    return follow_up
