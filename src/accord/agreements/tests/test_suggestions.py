"""Suggested directions: fields where the home university and a partner teach alike, ranked,
and the endpoint that offers them to officers only."""

from __future__ import annotations

import pytest

from accord.agreements import actions
from accord.agreements.models import Direction, ProposalPackage
from accord.agreements.suggestions import Suggestion, suggest_directions
from accord.institutions.models import Institution, Offering, Specialty
from conftest import World, client_for


def teach(institution: Institution, code: str, levels: tuple[int, ...], title: str = "") -> None:
    """``institution`` teaches the programme ``title`` in ``code`` at each of ``levels``."""
    for level in levels:
        Offering.objects.create(
            institution=institution, field_id=code, level=level, title=title or f"Programme {code}"
        )


def ranked(world: World) -> list[tuple[str, str]]:
    return [(s.field.code, s.match) for s in suggest_directions(world.home, world.partner_a)]


def by_code(suggestions: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.field.code: s for s in suggestions}


def test_same_detailed_field_ranks_before_a_narrow_match(world: World) -> None:
    # A weak detailed match: one programme, one common level.
    teach(world.home, "0724", (6,), "Oil and gas")
    teach(world.partner_a, "0724", (6,), "Petroleum")
    # A strong narrow match: three programmes each side, all three levels in common.
    for number in range(3):
        teach(world.home, "0713", (6, 7, 8), f"Power {number}")
        teach(world.partner_a, "0714", (6, 7, 8), f"Automation {number}")
    suggestions = suggest_directions(world.home, world.partner_a)
    assert [(s.field.code, s.match) for s in suggestions] == [
        ("0724", "detailed"),
        ("071", "narrow"),
    ]
    assert suggestions[0].score < suggestions[1].score


def test_more_common_levels_rank_higher(world: World) -> None:
    teach(world.home, "0724", (6,), "Oil and gas")
    teach(world.partner_a, "0724", (6, 7), "Oil and gas")
    teach(world.home, "0613", (6, 7, 8), "Computer science")
    teach(world.partner_a, "0613", (6, 7, 8), "Informatics")
    suggestions = suggest_directions(world.home, world.partner_a)
    assert [s.field.code for s in suggestions] == ["0613", "0724"]
    found = by_code(suggestions)
    assert found["0613"].common_levels == [6, 7, 8]
    assert found["0724"].common_levels == [6]
    assert found["0613"].score > found["0724"].score


def test_more_programmes_on_both_sides_rank_higher(world: World) -> None:
    # Same common levels; 0613 has two programmes each side, 0724 one.
    teach(world.home, "0724", (6,), "Oil and gas")
    teach(world.partner_a, "0724", (6,), "Oil and gas")
    teach(world.home, "0613", (6,), "Computer science")
    teach(world.home, "0613", (6,), "Software engineering")
    teach(world.partner_a, "0613", (6,), "Informatics")
    teach(world.partner_a, "0613", (6,), "Data science")
    found = by_code(suggest_directions(world.home, world.partner_a))
    assert (found["0613"].home_programmes, found["0613"].partner_programmes) == (2, 2)
    assert ranked(world) == [("0613", "detailed"), ("0724", "detailed")]


def test_one_programme_taught_at_several_levels_counts_once(world: World) -> None:
    teach(world.home, "0724", (6, 7, 8), "Oil and gas")
    teach(world.partner_a, "0724", (7,), "Oil and gas")
    [suggestion] = suggest_directions(world.home, world.partner_a)
    assert (suggestion.home_programmes, suggestion.partner_programmes) == (1, 1)
    assert suggestion.common_levels == [7]
    assert suggestion.score == 1 + 2


def test_a_field_only_one_side_teaches_is_absent(world: World) -> None:
    teach(world.home, "0231", (6,), "English philology")
    teach(world.partner_a, "0912", (7,), "Medicine")
    teach(world.home, "0724", (6,), "Oil and gas")
    teach(world.partner_a, "0724", (6,), "Oil and gas")
    codes = [code for code, _match in ranked(world)]
    assert codes == ["0724"]


def test_nothing_in_common_suggests_nothing(world: World) -> None:
    teach(world.home, "0231", (6,), "English philology")
    teach(world.partner_a, "0912", (7,), "Medicine")
    assert suggest_directions(world.home, world.partner_a) == []
    assert suggest_directions(world.home, world.partner_b) == []


def test_narrow_match_when_detailed_codes_differ(world: World) -> None:
    teach(world.home, "0713", (6, 7), "Electrical engineering")
    teach(world.partner_a, "0714", (7,), "Automation")
    [suggestion] = suggest_directions(world.home, world.partner_a)
    assert (suggestion.field.code, suggestion.match) == ("071", "narrow")
    assert suggestion.common_levels == [7]
    assert (suggestion.home_programmes, suggestion.partner_programmes) == (1, 1)


def test_no_narrow_match_besides_a_detailed_one_in_the_same_narrow_field(world: World) -> None:
    teach(world.home, "0713", (6,), "Electrical engineering")
    teach(world.home, "0714", (6,), "Automation")
    teach(world.partner_a, "0713", (6,), "Power engineering")
    teach(world.partner_a, "0715", (6,), "Mechanics")
    assert ranked(world) == [("0713", "detailed")]


def test_home_specialties_are_named(world: World) -> None:
    oil = Specialty.objects.get(scheme="ua-2015", code="185")
    Offering.objects.create(
        institution=world.home, field_id="0724", specialty=oil, level=6, title="Oil and gas"
    )
    teach(world.partner_a, "0724", (6,), "Petroleum")
    [suggestion] = suggest_directions(world.home, world.partner_a)
    assert suggestion.home_specialties == [oil]


def test_suggestions_are_for_one_partner(world: World) -> None:
    teach(world.home, "0724", (6,), "Oil and gas")
    teach(world.partner_a, "0724", (6,), "Oil and gas")
    teach(world.home, "0613", (6,), "Computer science")
    teach(world.partner_b, "0613", (6,), "Informatics")
    assert ranked(world) == [("0724", "detailed")]
    assert [s.field.code for s in suggest_directions(world.home, world.partner_b)] == ["0613"]


# The endpoint


def _package(world: World, *, send: bool = True) -> ProposalPackage:
    package = actions.create_package(
        world.officer, ProposalPackage(title="Cooperation"), [world.partner_a.pk]
    )
    actions.add_direction(world.officer, Direction(package=package, name="Oil"), ["0724"])
    if send:
        actions.send_package(world.officer, package)
    return package


def test_officer_gets_suggestions_for_a_recipient(world: World) -> None:
    oil = Specialty.objects.get(scheme="ua-2015", code="185")
    Offering.objects.create(
        institution=world.home, field_id="0724", specialty=oil, level=6, title="Oil and gas"
    )
    teach(world.partner_a, "0724", (6, 7), "Petroleum")
    teach(world.home, "0713", (7,), "Power")
    teach(world.partner_a, "0714", (7,), "Automation")
    package = _package(world)
    response = client_for(world.officer).get(
        f"/api/packages/{package.pk}/suggestions", {"partner": world.partner_a.pk}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(s["field"], s["match"]) for s in body] == [("0724", "detailed"), ("071", "narrow")]
    assert body[0] == {
        "field": "0724",
        "field_name": body[0]["field_name"],
        "match": "detailed",
        "score": 1 + 2,
        "home_programmes": 1,
        "partner_programmes": 1,
        "common_levels": [6],
        "home_specialties": [oil.pk],
    }
    assert body[0]["field_name"]


def test_suggestions_for_an_institution_not_a_recipient_are_404(world: World) -> None:
    teach(world.home, "0724", (6,), "Oil and gas")
    teach(world.partner_b, "0724", (6,), "Oil and gas")
    package = _package(world)
    client = client_for(world.officer)
    url = f"/api/packages/{package.pk}/suggestions"
    assert client.get(url, {"partner": world.partner_b.pk}).status_code == 404
    assert client.get(url, {"partner": world.home.pk}).status_code == 404
    assert client.get(url, {"partner": 999_999}).status_code == 404
    assert client.get(url).status_code == 422


@pytest.mark.parametrize(
    ("persona", "send", "status"),
    [
        ("partner_a_coordinator", True, 403),
        ("partner_a_coordinator", False, 404),
        ("partner_b_coordinator", True, 404),
        ("leadership", True, 403),
        ("adviser", True, 403),
        (None, True, 401),
    ],
)
def test_only_officers_get_suggestions(
    world: World, persona: str | None, send: bool, status: int
) -> None:
    teach(world.home, "0724", (6,), "Oil and gas")
    teach(world.partner_a, "0724", (6,), "Oil and gas")
    package = _package(world, send=send)
    client = client_for(getattr(world, persona) if persona else None)
    response = client.get(
        f"/api/packages/{package.pk}/suggestions", {"partner": world.partner_a.pk}
    )
    assert response.status_code == status
