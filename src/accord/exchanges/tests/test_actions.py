"""Nominations against agreements and quotas, steps, and who may take them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.agreements.models import AgreementStatus, Flow
from accord.exchanges import actions
from accord.exchanges.lifecycle import IllegalStep
from accord.exchanges.models import MobilityStatus
from conftest import entries_of

from .conftest import Exchanges


def test_a_nomination_within_the_quota_is_recorded_and_audited(ex: Exchanges) -> None:
    mobility = ex.nominate(ex.world.partner_a_coordinator)
    assert mobility.status == MobilityStatus.NOMINATED
    assert mobility.months == Decimal("4.6")
    assert mobility.nominated_by == ex.world.partner_a_coordinator
    [entry] = entries_of(mobility)
    assert entry.after is not None
    assert entry.after["status"] == "nominated"


def test_the_third_nomination_exceeds_the_quota_and_names_it(ex: Exchanges) -> None:
    ex.nominate()
    ex.nominate()
    with pytest.raises(actions.QuotaExceeded, match=r"allows 2 people; 2 are already"):
        ex.nominate(ex.world.partner_a_coordinator)


def test_an_officer_overrides_the_quota_with_a_reason(ex: Exchanges) -> None:
    ex.nominate()
    ex.nominate()
    mobility = ex.nominate(ex.world.officer, override="Rector's decision of 3 March")
    [entry] = entries_of(mobility)
    assert entry.after is not None
    assert entry.after["quota_override"] == "Rector's decision of 3 March"


def test_a_partner_cannot_override(ex: Exchanges) -> None:
    ex.nominate()
    ex.nominate()
    with pytest.raises(PermissionDenied):
        actions.nominate(ex.world.partner_a_coordinator, ex.mobility(), override="please")


def test_a_withdrawal_frees_the_place(ex: Exchanges) -> None:
    first = ex.nominate()
    ex.nominate()
    actions.take_step(ex.world.partner_a_coordinator, first, "withdraw")
    assert ex.nominate().status == MobilityStatus.NOMINATED


def test_the_months_are_counted_too(ex: Exchanges) -> None:
    ex.nominate(planned_end=datetime.date(2027, 5, 31))  # 8.6 months of 10
    with pytest.raises(actions.QuotaExceeded, match=r"allows 10 months; 8\.6 are already taken"):
        ex.nominate()


def test_an_agreement_not_in_effect_is_refused(ex: Exchanges) -> None:
    ex.protocol_a.status = AgreementStatus.EXPIRED
    ex.protocol_a.save()
    with pytest.raises(ValidationError) as error:
        ex.nominate()
    assert "agreement" in error.value.message_dict


def test_a_stay_beyond_the_validity_is_refused(ex: Exchanges) -> None:
    with pytest.raises(ValidationError) as error:
        ex.nominate(planned_start=datetime.date(2026, 8, 1))
    assert "agreement" in error.value.message_dict


def test_a_mobility_under_another_partners_agreement_is_refused(ex: Exchanges) -> None:
    mobility = ex.mobility("a", agreement=ex.protocol_b, direction=ex.direction_b)
    with pytest.raises(ValidationError) as error:
        actions.nominate(ex.world.officer, mobility)
    assert set(error.value.message_dict) >= {"sending_institution"}


def test_the_receiving_side_accepts_and_the_sending_side_withdraws(ex: Exchanges) -> None:
    incoming = ex.nominate(ex.world.partner_a_coordinator)
    with pytest.raises(PermissionDenied):
        actions.take_step(ex.world.partner_a_coordinator, incoming, "accept")
    actions.take_step(ex.world.officer, incoming, "accept")
    outgoing = ex.nominate(flow=Flow.OUTGOING)
    with pytest.raises(PermissionDenied):
        actions.take_step(ex.world.partner_b_coordinator, outgoing, "accept")
    actions.take_step(ex.world.partner_a_coordinator, outgoing, "accept")
    assert outgoing.status == MobilityStatus.ACCEPTED
    with pytest.raises(IllegalStep):
        actions.take_step(ex.world.officer, outgoing, "complete")
