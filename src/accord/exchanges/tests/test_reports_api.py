"""The report endpoints: quota use, balances, a partner's open places; the same access as the
pages (their queries are counted with the pages')."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PARTNERS, PERSONAS, World, client_for, user_of, view_outcome

from .conftest import YEAR, Exchanges
from .test_reports import NEXT_YEAR, Filled, fill


@pytest.fixture
def filled(ex: Exchanges) -> Filled:
    return fill(ex)


def _get(world: World, persona: str, url: str, **params: Any) -> Any:
    return client_for(user_of(world, persona)).get(url, params)


# Quota use


@pytest.mark.parametrize("persona", PERSONAS)
def test_quota_use_for_whoever_sees_the_agreement(filled: Filled, persona: str) -> None:
    response = _get(
        filled.ex.world, persona, f"/api/agreements/{filled.ex.protocol_a.pk}/quota-use"
    )
    expected = view_outcome(persona, api=True)
    if expected != "ok":
        assert response.status_code == expected
        assert "used_people" not in response.content.decode()
        return
    assert response.status_code == 200
    assert [row["used_people"] for row in response.json()] == [3, 2, 0, 0, 1]


def test_quota_use_fields(filled: Filled) -> None:
    ex = filled.ex
    rows = _get(ex.world, "officer", f"/api/agreements/{ex.protocol_a.pk}/quota-use").json()
    assert rows[0] == {
        "quota": rows[0]["quota"],
        "agreement": ex.protocol_a.pk,
        "agreement_title": ex.protocol_a.title,
        "direction": ex.direction_a.pk,
        "direction_name": ex.direction_a.name,
        "mobility_type": "student_studies",
        "flow": "incoming",
        "academic_year": YEAR,
        "people": 2,
        "months": 10,
        "used_people": 3,
        "used_months": 12.2,
        "free_people": 0,
        "free_months": 0.0,
        "over_quota": True,
        "overrides": 1,
    }
    assert isinstance(rows[0]["quota"], int)
    unquoted = {
        "quota": None,
        "academic_year": NEXT_YEAR,
        "people": 0,
        "months": None,
        "used_people": 1,
        "used_months": 1.0,
        "free_people": 0,
        "free_months": None,
        "over_quota": True,
        "overrides": 1,
    }
    assert {name: rows[-1][name] for name in unquoted} == unquoted


def test_quota_use_of_an_unknown_agreement_is_404(filled: Filled) -> None:
    assert _get(filled.ex.world, "officer", "/api/agreements/999999/quota-use").status_code == 404


# Balances


BALANCES = {
    "a": [
        ("Partner A University", YEAR, 3, 12.2, 2, 7.6, 1, 4.6),
        ("Partner A University", NEXT_YEAR, 1, 1.0, 0, 0.0, 1, 1.0),
    ],
    "b": [("Partner B University", YEAR, 1, 4.6, 1, 4.6, 0, 0.0)],
}
BALANCE_OUTCOMES: dict[str, Any] = {
    "officer": "ab",
    "leadership": "ab",
    "faculty_coordinator": "ab",
    "partner_a_coordinator": "a",
    "partner_b_coordinator": "b",
    "adviser": 403,
    "anonymous": 401,
}


def _balances(response: Any) -> list[tuple[object, ...]]:
    assert response.status_code == 200, response.content
    return [
        (
            row["partner_name"],
            row["academic_year"],
            row["incoming_people"],
            row["incoming_months"],
            row["outgoing_people"],
            row["outgoing_months"],
            row["people_difference"],
            row["months_difference"],
        )
        for row in response.json()
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_balances_per_persona(filled: Filled, persona: str) -> None:
    response = _get(filled.ex.world, persona, "/api/balances")
    expected = BALANCE_OUTCOMES[persona]
    if isinstance(expected, int):
        assert response.status_code == expected
        return
    assert _balances(response) == [row for partner in expected for row in BALANCES[partner]]
    partner_ids = {row["partner"] for row in response.json()}
    world = filled.ex.world
    assert partner_ids == {getattr(world, f"partner_{partner}").pk for partner in expected}


@pytest.mark.parametrize(
    ("persona", "year", "expected"),
    [
        ("officer", NEXT_YEAR, BALANCES["a"][1:]),
        ("officer", YEAR, [BALANCES["a"][0], *BALANCES["b"]]),
        ("partner_b_coordinator", YEAR, BALANCES["b"]),
        ("partner_b_coordinator", NEXT_YEAR, []),
    ],
)
def test_balances_filter_by_year(
    filled: Filled, persona: str, year: str, expected: list[tuple[object, ...]]
) -> None:
    response = _get(filled.ex.world, persona, "/api/balances", academic_year=year)
    assert _balances(response) == expected


def test_balances_refuse_a_malformed_year(filled: Filled) -> None:
    response = _get(filled.ex.world, "officer", "/api/balances", academic_year="2026")
    assert response.status_code == 422


# Open places


@pytest.mark.parametrize("persona", PERSONAS)
def test_open_places_for_partner_coordinators_only(filled: Filled, persona: str) -> None:
    response = _get(filled.ex.world, persona, "/api/portal/places")
    if persona not in PARTNERS:
        assert response.status_code == (401 if persona == "anonymous" else 403)
        return
    assert response.status_code == 200
    ex = filled.ex
    own = ex.protocol_a if persona == "partner_a_coordinator" else ex.protocol_b
    rows = response.json()
    assert {row["agreement"] for row in rows} == {own.pk}
    assert {row["flow"] for row in rows} == {"incoming"}
    free = {row["mobility_type"]: row["free_people"] for row in rows}
    if own == ex.protocol_a:
        assert free == {"student_studies": 0, "teaching_staff": 1}
    else:
        assert free == {"student_studies": 1, "teaching_staff": 1}
