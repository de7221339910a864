"""The report figures: quota use, balances with partners, open places, the chart's geometry.

The scenario (:func:`fill`) is shared by the page and API tests of the reports.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.agreements.models import Agreement, AgreementStatus, Flow, MobilityType, Quota
from accord.exchanges import actions, reports
from accord.exchanges.models import Mobility, MobilityStatus

from .conftest import YEAR, Exchanges

NEXT_YEAR = "2027/2028"
# 15 September to 14 December: 91 days, 3.0 months (a full stay of the fixtures is 4.6).
SHORT_END = datetime.date(2026, 12, 14)
D = Decimal


@dataclass
class Filled:
    """Partner A: three people counted in its incoming student quota of two (the third let in
    by an override), one withdrawn and one rejected; two of ours going to it (one accepted),
    one person let in for 2027/2028 where there is no quota. Partner B: one each way."""

    ex: Exchanges
    sent_by_a: list[Mobility]
    over: Mobility
    withdrawn: Mobility
    rejected: Mobility
    unquoted: Mobility
    to_a: Mobility
    accepted_by_a: Mobility
    sent_by_b: Mobility
    to_b: Mobility


def fill(ex: Exchanges) -> Filled:
    world = ex.world
    officer = world.officer
    first = ex.nominate(world.partner_a_coordinator)
    second = ex.nominate(world.partner_a_coordinator, planned_end=SHORT_END)
    over = ex.nominate(officer, override="Rector's decision")
    withdrawn = ex.nominate(officer, override="Exchange of letters")
    actions.take_step(world.partner_a_coordinator, withdrawn, "withdraw")
    rejected = ex.nominate(officer, override="Exchange of letters")
    actions.take_step(officer, rejected, "reject")
    unquoted = ex.nominate(
        officer,
        override="Agreed at the visit",
        academic_year=NEXT_YEAR,
        planned_start=datetime.date(2027, 9, 15),
        planned_end=datetime.date(2027, 10, 14),
    )
    to_a = ex.nominate(officer, flow=Flow.OUTGOING)
    accepted_by_a = ex.nominate(officer, flow=Flow.OUTGOING, planned_end=SHORT_END)
    actions.take_step(world.partner_a_coordinator, accepted_by_a, "accept")
    return Filled(
        ex=ex,
        sent_by_a=[first, second, over, withdrawn, rejected, unquoted],
        over=over,
        withdrawn=withdrawn,
        rejected=rejected,
        unquoted=unquoted,
        to_a=to_a,
        accepted_by_a=accepted_by_a,
        sent_by_b=ex.nominate(world.partner_b_coordinator, partner="b"),
        to_b=ex.nominate(officer, partner="b", flow=Flow.OUTGOING),
    )


def grow(ex: Exchanges) -> None:
    """More of everything: a student quota each way with each partner in two more years, and a
    person nominated under each of them."""
    for start in (2027, 2028):
        year = f"{start}/{start + 1}"
        for partner in ("a", "b"):
            for flow in Flow.values:
                Quota.objects.create(
                    agreement=getattr(ex, f"protocol_{partner}"),
                    direction=getattr(ex, f"direction_{partner}"),
                    mobility_type=MobilityType.STUDENT_STUDIES,
                    flow=flow,
                    academic_year=year,
                    people=3,
                    months=15,
                )
                ex.nominate(
                    partner=partner,
                    flow=flow,
                    academic_year=year,
                    planned_start=datetime.date(start, 10, 1),
                    planned_end=datetime.date(start, 11, 29),
                )


@pytest.fixture
def filled(ex: Exchanges) -> Filled:
    return fill(ex)


def _figures(row: reports.QuotaRow) -> tuple[object, ...]:
    return (
        row.key.academic_year,
        row.key.mobility_type,
        row.key.flow,
        row.quota_id is None,
        f"{row.used_people}/{row.people}",
        f"{row.used_months}/{row.months}",
        row.free_people,
        row.free_months,
        row.over_quota,
        row.overrides,
    )


# Quota use


def test_quota_use_counts_people_and_months_of_counted_mobilities(filled: Filled) -> None:
    rows = reports.quota_use_rows(Agreement.objects.filter(pk=filled.ex.protocol_a.pk))
    studies, teaching = MobilityType.STUDENT_STUDIES, MobilityType.TEACHING_STAFF
    assert [_figures(row) for row in rows] == [
        # Withdrawn and rejected people are not counted; the override is.
        (YEAR, studies, Flow.INCOMING, False, "3/2", "12.2/10", 0, D(0), True, 1),
        (YEAR, studies, Flow.OUTGOING, False, "2/2", "7.6/10", 0, D("2.4"), False, 0),
        (YEAR, teaching, Flow.INCOMING, False, "0/1", "0/None", 1, None, False, 0),
        (YEAR, teaching, Flow.OUTGOING, False, "0/1", "0/None", 1, None, False, 0),
        # Let in where there is no quota at all.
        (NEXT_YEAR, studies, Flow.INCOMING, True, "1/0", "1.0/None", 0, None, True, 1),
    ]
    assert {row.agreement_title for row in rows} == {filled.ex.protocol_a.title}
    assert {row.direction_name for row in rows} == {filled.ex.direction_a.name}


def test_quota_use_of_several_agreements_keeps_them_apart(filled: Filled) -> None:
    ex = filled.ex
    agreements = Agreement.objects.filter(pk__in=[ex.protocol_a.pk, ex.protocol_b.pk])
    used = {
        (row.key.agreement_id, row.key.flow): row.used_people
        for row in reports.quota_use_rows(agreements)
        if row.key.mobility_type == MobilityType.STUDENT_STUDIES and row.key.academic_year == YEAR
    }
    assert used == {
        (ex.protocol_a.pk, Flow.INCOMING): 3,
        (ex.protocol_a.pk, Flow.OUTGOING): 2,
        (ex.protocol_b.pk, Flow.INCOMING): 1,
        (ex.protocol_b.pk, Flow.OUTGOING): 1,
    }


def test_a_withdrawal_gives_the_place_back(filled: Filled) -> None:
    ex = filled.ex
    actions.take_step(ex.world.officer, filled.over, "withdraw")
    [row] = [
        row
        for row in reports.quota_use_rows(Agreement.objects.filter(pk=ex.protocol_a.pk))
        if row.key.flow == Flow.INCOMING and row.quota_id is not None and row.people == 2
    ]
    assert (row.used_people, row.used_months, row.overrides, row.over_quota) == (
        2,
        D("7.6"),
        0,
        False,
    )


@pytest.mark.parametrize(("grown", "expected_rows"), [(False, 9), (True, 16)])
def test_quota_use_takes_two_queries_however_many_rows(
    ex: Exchanges, grown: bool, expected_rows: int
) -> None:
    fill(ex)
    if grown:
        grow(ex)
    chosen = Agreement.objects.filter(pk__in=[ex.protocol_a.pk, ex.protocol_b.pk])
    with CaptureQueriesContext(connection) as queries:
        rows = reports.quota_use_rows(chosen)
    assert len(queries.captured_queries) == 2
    assert len(rows) == expected_rows


# Open places


def test_open_places_are_the_incoming_quotas_of_the_partners_agreements(filled: Filled) -> None:
    ex = filled.ex
    rows = {
        partner: [
            (row.key.agreement_id, row.key.mobility_type, row.used_people, row.has_place)
            for row in reports.open_places(getattr(ex.world, f"partner_{partner}").pk)
        ]
        for partner in ("a", "b")
    }
    assert rows == {
        "a": [
            (ex.protocol_a.pk, MobilityType.STUDENT_STUDIES, 3, False),
            (ex.protocol_a.pk, MobilityType.TEACHING_STAFF, 0, True),
        ],
        "b": [
            (ex.protocol_b.pk, MobilityType.STUDENT_STUDIES, 1, True),
            (ex.protocol_b.pk, MobilityType.TEACHING_STAFF, 0, True),
        ],
    }


def test_no_open_places_under_an_agreement_not_in_effect(filled: Filled) -> None:
    Agreement.objects.filter(pk=filled.ex.protocol_a.pk).update(status=AgreementStatus.EXPIRED)
    assert reports.open_places(filled.ex.world.partner_a.pk) == []
    assert len(reports.open_places(filled.ex.world.partner_b.pk)) == 2


def test_a_quota_whose_months_are_spent_has_no_place(ex: Exchanges) -> None:
    # 10.6 months of 10, one person of 2
    ex.nominate(override="A long stay", planned_end=datetime.date(2027, 7, 31))
    [studies, _teaching] = reports.open_places(ex.world.partner_a.pk)
    assert (studies.free_people, studies.free_months, studies.has_place) == (1, D(0), False)


# Balances


def _balances(rows: list[reports.Balance]) -> list[tuple[object, ...]]:
    return [
        (
            row.partner_name,
            row.academic_year,
            row.incoming_people,
            row.incoming_months,
            row.outgoing_people,
            row.outgoing_months,
            row.people_difference,
            row.months_difference,
        )
        for row in rows
    ]


A_ROWS = [
    ("Partner A University", YEAR, 3, D("12.2"), 2, D("7.6"), 1, D("4.6")),
    ("Partner A University", NEXT_YEAR, 1, D("1.0"), 0, D(0), 1, D("1.0")),
]
B_ROWS = [("Partner B University", YEAR, 1, D("4.6"), 1, D("4.6"), 0, D(0))]
# Partner B's stay at partner A, in test_balances_a_user_may_see.
STRAY = ("Partner B University", NEXT_YEAR, 1, D("1.0"), 0, D(0), 1, D("1.0"))


def test_balances_per_partner_and_year(filled: Filled) -> None:
    assert _balances(reports.balances(Mobility.objects.all())) == A_ROWS + B_ROWS
    assert _balances(reports.balances(Mobility.objects.all(), NEXT_YEAR)) == A_ROWS[1:]


@pytest.mark.parametrize("status", [MobilityStatus.WITHDRAWN, MobilityStatus.REJECTED])
def test_balances_leave_out_freed_places(filled: Filled, status: str) -> None:
    Mobility.objects.filter(pk=filled.sent_by_b.pk).update(status=status)
    assert _balances(reports.balances(Mobility.objects.all(), YEAR))[1] == (
        "Partner B University",
        YEAR,
        0,
        D(0),
        1,
        D("4.6"),
        -1,
        D("-4.6"),
    )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("officer", [*A_ROWS, *B_ROWS, STRAY]),
        ("faculty_coordinator", [*A_ROWS, *B_ROWS, STRAY]),
        ("partner_a_coordinator", A_ROWS),
        ("partner_b_coordinator", [*B_ROWS, STRAY]),
        ("adviser", []),
    ],
)
def test_balances_a_user_may_see(filled: Filled, persona: str, expected: list[object]) -> None:
    ex = filled.ex
    # A stray record between the two partners (from before the rules, or the back office):
    # partner A's coordinator sees the mobility, but it is partner B's figure, not theirs.
    Mobility.objects.create(
        person=ex.person(ex.world.partner_b),
        mobility_type=MobilityType.STUDENT_STUDIES,
        flow=Flow.INCOMING,
        sending_institution=ex.world.partner_b,
        receiving_institution=ex.world.partner_a,
        agreement=ex.protocol_b,
        direction=ex.direction_b,
        academic_year=NEXT_YEAR,
        planned_start=datetime.date(2027, 9, 15),
        planned_end=datetime.date(2027, 10, 14),
    )
    user = getattr(ex.world, persona)
    assert _balances(reports.balances(reports.balance_mobilities(user))) == expected


def test_balances_take_one_query_however_many_rows(ex: Exchanges) -> None:
    fill(ex)
    grow(ex)
    with CaptureQueriesContext(connection) as queries:
        rows = reports.balances(Mobility.objects.all())
    assert len(queries.captured_queries) == 1
    assert len(rows) == 6


# The chart


def test_chart_scales_bars_to_the_largest_value(filled: Filled) -> None:
    chart = reports.balance_chart(reports.balances(Mobility.objects.all()))
    full = reports.CHART_WIDTH - reports.LABEL_WIDTH - reports.VALUE_WIDTH
    assert [(group.partner_name, group.incoming, group.outgoing) for group in chart.groups] == [
        ("Partner A University", 4, 2),
        ("Partner B University", 1, 1),
    ]
    assert [[bar.width for bar in group.bars] for group in chart.groups] == [
        [full, full / 2],
        [full / 4, full / 4],
    ]
    a_bars, b_bars = (group.bars for group in chart.groups)
    assert a_bars[0].y < a_bars[1].y < b_bars[0].y < b_bars[1].y < chart.height


def test_chart_of_months(filled: Filled) -> None:
    chart = reports.balance_chart(reports.balances(Mobility.objects.all(), YEAR), "months")
    assert [(group.incoming, group.outgoing) for group in chart.groups] == [
        (D("12.2"), D("7.6")),
        (D("4.6"), D("4.6")),
    ]
    assert chart.groups[0].bars[0].width == reports.CHART_WIDTH - reports.LABEL_WIDTH - 56


def test_chart_of_nothing_draws_no_bars(ex: Exchanges) -> None:
    chart = reports.balance_chart([])
    assert (chart.groups, chart.height) == ([], reports.LEGEND_HEIGHT)
