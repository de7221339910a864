"""Changes to people and mobilities: one transaction each, with its audit entries.

A nomination is checked against its agreement (in effect for the stay, both institutions party
to it, the direction one of its) and against its quota, whose row is locked while the places are
counted, so two nominations for the last place cannot both take it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from accord.agreements.models import Quota
from accord.core import actions
from accord.core.errors import Conflict
from accord.exchanges import access, lifecycle, rules
from accord.exchanges.lifecycle import MobilityStep
from accord.exchanges.models import COUNTED_STATUSES, Mobility, MobilityStatus, Person

# A change to one of these checks the mobility against its agreement and quota again.
RULED_FIELDS = frozenset(
    {
        "agreement_id",
        "direction_id",
        "mobility_type",
        "flow",
        "academic_year",
        "sending_institution_id",
        "receiving_institution_id",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
    }
)


class QuotaExceeded(Conflict):
    """A nomination the quota has no place for, made without an officer's override."""


def create_person(actor: Any, person: Person) -> Person:
    return actions.create(actor, person)


def update_person(actor: Any, person: Person, changes: dict[str, Any]) -> Person:
    return actions.update(actor, person, changes)


def delete_person(actor: Any, person: Person) -> None:
    try:
        actions.delete(actor, person)
    except ProtectedError:
        raise Conflict(
            _("%(person)s has mobilities; withdraw or delete them first.") % {"person": person}
        ) from None


def check(actor: Any, mobility: Mobility, override: str = "", exclude: int | None = None) -> str:
    """Refuse ``mobility`` unless its agreement allows it and its quota has a place; returns the
    override reason that lets it exceed the quota ('' when it fits).

    Call inside the transaction that saves it: the quota row stays locked until then.
    """
    facts = rules.agreement_facts([mobility.agreement_id]).get(mobility.agreement_id)
    problems = rules.agreement_problems(mobility, facts, access.home_id())
    if problems:
        raise ValidationError(problems)
    if mobility.status not in COUNTED_STATUSES:
        return ""
    key = rules.key_of(mobility)
    # Lock the quota so a concurrent nomination waits for this one to commit.
    list(Quota.objects.select_for_update().filter(**key._asdict()).values_list("pk"))
    use = rules.quota_use([key.agreement_id], [key], exclude)[key]
    if not use.shortfall(mobility.stay_months()):
        return ""
    reason = override.strip()
    if not reason:
        raise QuotaExceeded(
            rules.shortfall_message(key, use, mobility.direction.display_name)
            + " "
            + _("A home officer may let it exceed the quota, giving the reason.")
        )
    if not access.may_override_quota(actor):
        raise PermissionDenied(_("Only officers of the home university override a quota."))
    return reason


def nominate(actor: Any, mobility: Mobility, override: str = "") -> Mobility:
    """Record a nomination; ``override`` is a home officer's reason to exceed the quota."""
    mobility.status = MobilityStatus.NOMINATED
    mobility.nominated_by = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        mobility.full_clean()
        mobility.quota_override = check(actor, mobility, override)
        actions.create(actor, mobility)
    return mobility


def update_mobility(
    actor: Any, mobility: Mobility, changes: dict[str, Any], override: str = ""
) -> Mobility:
    """Change a mobility's facts (attribute names: ``agreement_id``); a change touching its
    agreement, quota or dates is checked again, leaving the mobility itself out of the count."""
    with transaction.atomic():
        stored = Mobility.objects.select_for_update().get(pk=mobility.pk)
        if stored.status != MobilityStatus.NOMINATED and not access.may_override_quota(actor):
            raise Conflict(
                _("Only a nomination is changed; this mobility is %(status)s.")
                % {"status": stored.get_status_display()}
            )
        changed = {name for name, value in changes.items() if getattr(stored, name) != value}
        if changed & RULED_FIELDS:
            for name, value in changes.items():
                setattr(stored, name, value)
            stored.full_clean()
            reason = check(actor, stored, override or stored.quota_override, exclude=stored.pk)
            changes = {**changes, "quota_override": reason}
        actions.update(actor, mobility, changes)
    return mobility


def take_step(
    actor: Any,
    mobility: Mobility,
    step: str,
    on: datetime.date | None = None,
    ects_achieved: Decimal | None = None,
) -> Mobility:
    """Move a mobility along (accept, reject, start, complete, withdraw) for the side that takes
    that step; ``on`` is the arrival or departure date, ``ects_achieved`` the credits earned."""
    with transaction.atomic():
        stored = Mobility.objects.select_for_update().get(pk=mobility.pk)
        side = lifecycle.side_of(step)
        if side not in access.sides(actor, stored):
            raise PermissionDenied(
                _("Only the receiving side accepts, rejects and records the stay.")
                if side == lifecycle.Side.RECEIVING
                else _("Only the sending side withdraws a nomination.")
            )
        target = lifecycle.next_status(stored.status, step)
        changes: dict[str, Any] = {"status": target}
        if step == MobilityStep.START:
            changes["actual_start"] = on or stored.actual_start or stored.planned_start
        elif step == MobilityStep.COMPLETE:
            changes["actual_end"] = on or stored.actual_end or stored.planned_end
            if ects_achieved is not None:
                changes["ects_achieved"] = ects_achieved
        actions.update(actor, mobility, changes)
    return mobility


def delete_mobility(actor: Any, mobility: Mobility) -> None:
    actions.delete(actor, mobility)
