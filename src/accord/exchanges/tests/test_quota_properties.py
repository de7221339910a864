"""Quota arithmetic under any sequence of nominations, withdrawals, rejections and overrides:
places taken without an override never exceed what the quota allows, and every place beyond it
carries an audited override."""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.errors import Conflict
from accord.core.models import AuditEntry
from accord.exchanges import actions, rules
from accord.exchanges.models import COUNTED_STATUSES, Mobility

from .conftest import END, START, Exchanges

# One step: ("nominate", by officer?, override reason or "", days of the stay)
# or ("withdraw" | "reject", which of the mobilities so far).
STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("nominate"),
            st.booleans(),
            st.sampled_from(["", "Rector's order"]),
            st.integers(min_value=30, max_value=(END - START).days),
        ),
        st.tuples(st.sampled_from(["withdraw", "reject"]), st.integers(min_value=0, max_value=9)),
    ),
    max_size=12,
)


def _apply(ex: Exchanges, step: tuple[Any, ...], made: list[Mobility]) -> None:
    world = ex.world
    if step[0] == "nominate":
        _kind, by_officer, reason, days = step
        actor = world.officer if by_officer else world.partner_a_coordinator
        mobility = ex.mobility(planned_end=START + datetime.timedelta(days=days))
        # Refused when the quota is full: without a reason, or with one from a partner.
        with contextlib.suppress(actions.QuotaExceeded, PermissionDenied):
            made.append(actions.nominate(actor, mobility, reason))
        return
    kind, index = step
    if not made:
        return
    mobility = made[index % len(made)]
    actor = world.partner_a_coordinator if kind == "withdraw" else world.officer
    # An illegal step (the mobility already withdrawn or rejected) changes nothing.
    with contextlib.suppress(Conflict):
        actions.take_step(actor, mobility, kind)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_no_sequence_takes_more_places_than_allowed_without_an_audited_override(
    ex: Exchanges, steps: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic():
        made: list[Mobility] = []
        for step in steps:
            _apply(ex, step, made)
        [use] = [
            use
            for key, use in rules.quota_use([ex.protocol_a.pk]).items()
            if key.flow == "incoming" and key.mobility_type == "student_studies"
        ]
        counted = Mobility.objects.filter(
            agreement=ex.protocol_a, status__in=[str(s) for s in COUNTED_STATUSES]
        )
        plain = counted.filter(quota_override="")
        assert plain.count() <= use.people
        assert sum(m.months for m in plain) <= (use.months or 0)
        if use.used_people > use.people:
            assert counted.exclude(quota_override="").exists()
        for mobility in counted.exclude(quota_override=""):
            created = AuditEntry.objects.get(
                object_type="exchanges.mobility", object_id=str(mobility.pk), action="create"
            )
            assert created.after is not None
            assert created.after["quota_override"] == "Rector's order"
            assert created.actor == ex.world.officer
        transaction.set_rollback(True)
