"""Every doctoral page and every POST, for every persona: who gets in, who is refused, and how.

Topics: anyone sees the public ones, partner A (not B) the one shared with it by name, home
staff all; the officer and the topic's own adviser change them. Advisers: home staff and
partners see the base; the officer and the adviser themself change a profile and its
publications. Candidates and recommendations: partner A's are partner A's and the home
university's to see, never partner B's (404); the adviser reviews, partner A withdraws.
Rounds: home staff see them, only the officer creates and runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from accord.core.models import AuditEntry
from accord.doctoral import actions
from accord.doctoral.models import (
    Adviser,
    Candidate,
    Level,
    PairRule,
    Publication,
    Recommendation,
    Round,
    RoundPair,
    Visibility,
)
from conftest import (
    LOGIN,
    OK,
    PERSONAS,
    SIGNED_IN,
    World,
    assert_login_redirect,
    client_for,
    html,
    user_of,
)

from .conftest import PDF, Doctoral, make_candidate

# A refusal shown on the form: the page answers 200 and nothing is saved.
FORM = "form"
HOME = ("officer", "leadership", "faculty_coordinator", "adviser")


@pytest.fixture(autouse=True)
def _private_files(settings: Any, tmp_path: Path) -> None:
    """CVs go to a folder of the test's own."""
    settings.ACCORD_PRIVATE_DIR = tmp_path / "private"


@dataclass
class Records:
    """The doctoral fixture and, besides: partner A's candidate with a CV and another not yet
    recommended, an adviser with no topic, a publication of the adviser persona's, and a draft
    round with a pair rule."""

    d: Doctoral
    with_cv: Candidate
    spare_candidate: Candidate
    spare_adviser: Adviser
    publication: Publication
    round: Round
    rule: RoundPair

    @property
    def world(self) -> World:
        return self.d.world


def records(d: Doctoral) -> Records:
    world = d.world
    with_cv = make_candidate(
        world,
        "partner_a",
        first_name="Rashad",
        last_name="Guliyev",
        cv=SimpleUploadedFile("rashad-cv.pdf", PDF, content_type="application/pdf"),
    )
    spare_candidate = make_candidate(world, "partner_a", first_name="Aysel", last_name="Karimova")
    spare_adviser = actions.create_adviser(
        world.officer,
        Adviser(first_name="Iryna", last_name="Shevchenko", institution=world.home, capacity=1),
    )
    publication = Publication.objects.create(
        adviser=d.own_adviser, title="Drilling in shale", year=2023
    )
    round_ = actions.create_round(world.officer, Round(name="Autumn 2026"))
    rule = actions.add_rule(
        world.officer,
        RoundPair(round=round_, candidate=d.candidate_a, adviser=d.other_adviser, rule="conflict"),
    )
    return Records(d, with_cv, spare_candidate, spare_adviser, publication, round_, rule)


def topic_data(r: Records, **changes: Any) -> dict[str, Any]:
    return {
        "adviser": r.d.own_adviser.pk,
        "level": Level.DOCTORATE,
        "title": "Hydraulic fracturing of tight reservoirs",
        "description": "Modelling fracture growth.",
        "places": 1,
        "visibility": Visibility.CHOSEN,
        "shared_with": [r.world.partner_a.pk],
        "is_open": "on",
        "languages": ["en"],
    } | changes


def adviser_data(r: Records, **changes: Any) -> dict[str, Any]:
    return {
        "first_name": "Petro",
        "last_name": "Melnyk",
        "institution": r.world.home.pk,
        "capacity": 2,
        "current_students": 0,
    } | changes


def candidate_data(r: Records, **changes: Any) -> dict[str, Any]:
    return {
        "institution": r.world.partner_a.pk,
        "first_name": "Nigar",
        "last_name": "Huseynova",
        "citizenship": "AZ",
        "education": "MSc in chemical engineering, 2024",
        "research_interests": "Catalysis in gas processing",
    } | changes


def csv_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "works.csv", b"title,year\nCementing of deep wells,2022\n", content_type="text/csv"
    )


def state() -> int:
    """Every change writes audit entries: a refused request leaves their number as it was."""
    return AuditEntry.objects.count()


Case = Callable[[Records], tuple[str, str, dict[str, Any]]]


def only(**outcomes: Any) -> dict[str, Any]:
    return outcomes


# Outcomes for those listed; the others get the case's default (see DEFAULTS).
CASES: dict[str, tuple[Case, dict[str, Any]]] = {
    # Topics
    "topic list": (lambda r: ("get", reverse("topic_list"), {}), dict.fromkeys(PERSONAS, OK)),
    "public topic": (
        lambda r: ("get", reverse("topic_detail", args=[r.d.public_topic.pk]), {}),
        dict.fromkeys(PERSONAS, OK),
    ),
    "topic shared with partner A": (
        lambda r: ("get", reverse("topic_detail", args=[r.d.topic_for_a.pk]), {}),
        {**dict.fromkeys(HOME, OK), "partner_a_coordinator": OK},
    ),
    "topic new page": (
        lambda r: ("get", reverse("topic_create"), {}),
        {"officer": OK, "adviser": OK, "partner_b_coordinator": 403},
    ),
    "topic create": (
        lambda r: ("post", reverse("topic_create"), topic_data(r)),
        {"officer": OK, "adviser": OK, "partner_b_coordinator": 403},
    ),
    "topic edit page": (
        lambda r: ("get", reverse("topic_edit", args=[r.d.topic_for_a.pk]), {}),
        {"officer": OK, "adviser": OK},
    ),
    "topic edit": (
        lambda r: (
            "post",
            reverse("topic_edit", args=[r.d.topic_for_a.pk]),
            topic_data(r, title="Drilling fluids for ultra-deep wells"),
        ),
        {"officer": OK, "adviser": OK},
    ),
    # Another adviser's topic, shared with every partner: partner B sees it too.
    "other adviser's topic delete": (
        lambda r: ("post", reverse("topic_delete", args=[r.d.master_place.pk]), {}),
        {"officer": OK, "partner_b_coordinator": 403},
    ),
    "recommend for a topic page": (
        lambda r: ("get", reverse("topic_recommend", args=[r.d.topic_for_a.pk]), {}),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "recommend for a topic": (
        lambda r: (
            "post",
            reverse("topic_recommend", args=[r.d.topic_for_a.pk]),
            {"candidate": r.spare_candidate.pk, "motivation": "Top of her year."},
        ),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    # Advisers
    "adviser list": (
        lambda r: ("get", reverse("adviser_list"), {}),
        dict.fromkeys(SIGNED_IN, OK),
    ),
    "adviser detail": (
        lambda r: ("get", reverse("adviser_detail", args=[r.d.own_adviser.pk]), {}),
        dict.fromkeys(SIGNED_IN, OK),
    ),
    "adviser new page": (
        lambda r: ("get", reverse("adviser_create"), {}),
        {"officer": OK, "partner_b_coordinator": 403},
    ),
    "adviser create": (
        lambda r: ("post", reverse("adviser_create"), adviser_data(r)),
        {"officer": OK, "partner_b_coordinator": 403},
    ),
    "adviser edit page": (
        lambda r: ("get", reverse("adviser_edit", args=[r.d.own_adviser.pk]), {}),
        {"officer": OK, "adviser": OK, "partner_b_coordinator": 403},
    ),
    "adviser edit": (
        lambda r: (
            "post",
            reverse("adviser_edit", args=[r.d.own_adviser.pk]),
            adviser_data(r, first_name="Mykola", last_name="Bondarenko", capacity=4),
        ),
        {"officer": OK, "adviser": OK, "partner_b_coordinator": 403},
    ),
    "another adviser's edit": (
        lambda r: (
            "post",
            reverse("adviser_edit", args=[r.spare_adviser.pk]),
            adviser_data(r, first_name="Iryna", last_name="Shevchenko", capacity=2),
        ),
        {"officer": OK, "partner_b_coordinator": 403},
    ),
    "adviser delete": (
        lambda r: ("post", reverse("adviser_delete", args=[r.spare_adviser.pk]), {}),
        {"officer": OK, "partner_b_coordinator": 403},
    ),
    "publication add": (
        lambda r: (
            "post",
            reverse("publication_add", args=[r.d.own_adviser.pk]),
            {"publication-title": "Mud loss in fractured formations", "publication-year": 2021},
        ),
        {"officer": OK, "adviser": OK, "partner_b_coordinator": 403},
    ),
    "publication delete": (
        lambda r: (
            "post",
            reverse("publication_delete", args=[r.d.own_adviser.pk, r.publication.pk]),
            {},
        ),
        {"officer": OK, "adviser": OK, "partner_b_coordinator": 403},
    ),
    "publication upload": (
        lambda r: (
            "post",
            reverse("publication_upload", args=[r.d.own_adviser.pk]),
            {"publications-upload": csv_upload()},
        ),
        {"officer": OK, "adviser": OK, "partner_b_coordinator": 403},
    ),
    # Candidates
    "candidate list": (
        lambda r: ("get", reverse("candidate_list"), {}),
        dict.fromkeys(SIGNED_IN, OK),
    ),
    "candidate detail": (
        lambda r: ("get", reverse("candidate_detail", args=[r.with_cv.pk]), {}),
        {**dict.fromkeys(HOME, OK), "partner_a_coordinator": OK},
    ),
    # Personal data: the recommending partner and the office (and the advisers it is
    # recommended to: none here).
    "candidate CV": (
        lambda r: ("get", reverse("candidate_cv", args=[r.with_cv.pk]), {}),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "candidate new page": (
        lambda r: ("get", reverse("candidate_create"), {}),
        {"officer": OK, "partner_a_coordinator": OK, "partner_b_coordinator": OK},
    ),
    # Partner B's institution is fixed to its own: the candidate is partner B's.
    "candidate create": (
        lambda r: ("post", reverse("candidate_create"), candidate_data(r)),
        {"officer": OK, "partner_a_coordinator": OK, "partner_b_coordinator": OK},
    ),
    "candidate edit page": (
        lambda r: ("get", reverse("candidate_edit", args=[r.with_cv.pk]), {}),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "candidate edit": (
        lambda r: (
            "post",
            reverse("candidate_edit", args=[r.spare_candidate.pk]),
            candidate_data(r, first_name="Aysel", last_name="Karimova-Aliyeva"),
        ),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "candidate delete": (
        lambda r: ("post", reverse("candidate_delete", args=[r.spare_candidate.pk]), {}),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "recommend a candidate page": (
        lambda r: ("get", reverse("candidate_recommend", args=[r.spare_candidate.pk]), {}),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "recommend a candidate": (
        lambda r: (
            "post",
            reverse("candidate_recommend", args=[r.spare_candidate.pk]),
            {"topic": r.d.partners_topic.pk, "level": Level.DOCTORATE},
        ),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    # Recommendations: partner A's candidate, recommended to the adviser persona
    "recommendation list": (
        lambda r: ("get", reverse("recommendation_list"), {}),
        dict.fromkeys(SIGNED_IN, OK),
    ),
    "recommendation detail": (
        lambda r: ("get", reverse("recommendation_detail", args=[r.d.recommendation_a.pk]), {}),
        {**dict.fromkeys(HOME, OK), "partner_a_coordinator": OK},
    ),
    "schedule an interview": (
        lambda r: (
            "post",
            reverse("recommendation_step", args=[r.d.recommendation_a.pk, "schedule"]),
            {"schedule-interview_at": "2026-10-05T10:00", "schedule-interview_place": "Room 5"},
        ),
        {"officer": OK, "adviser": OK},
    ),
    "withdraw": (
        lambda r: (
            "post",
            reverse("recommendation_step", args=[r.d.recommendation_a.pk, "withdraw"]),
            {},
        ),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "message": (
        lambda r: (
            "post",
            reverse("recommendation_message", args=[r.d.recommendation_a.pk]),
            {"text": "Could the interview be online?"},
        ),
        {"officer": OK, "adviser": OK, "partner_a_coordinator": OK},
    ),
    # Rounds
    "round list": (
        lambda r: ("get", reverse("round_list"), {}),
        {**dict.fromkeys(HOME, OK), "partner_a_coordinator": 403, "partner_b_coordinator": 403},
    ),
    "round new page": (
        lambda r: ("get", reverse("round_create"), {}),
        {"officer": OK, "partner_a_coordinator": 403, "partner_b_coordinator": 403},
    ),
    "round create": (
        lambda r: (
            "post",
            reverse("round_create"),
            {"name": "Spring 2027", "level": Level.DOCTORATE, "model": "lexical"},
        ),
        {"officer": OK, "partner_a_coordinator": 403, "partner_b_coordinator": 403},
    ),
    "round detail": (
        lambda r: ("get", reverse("round_detail", args=[r.round.pk]), {}),
        dict.fromkeys(HOME, OK),
    ),
    "round export": (
        lambda r: ("get", reverse("round_export", args=[r.round.pk]), {}),
        dict.fromkeys(HOME, OK),
    ),
    "round rule add": (
        lambda r: (
            "post",
            reverse("round_rule_add", args=[r.round.pk]),
            {
                "rule-candidate": r.d.candidate_b.pk,
                "rule-adviser": r.d.own_adviser.pk,
                "rule-rule": PairRule.FORCED,
            },
        ),
        {"officer": OK},
    ),
    "round rule delete": (
        lambda r: ("post", reverse("round_rule_delete", args=[r.round.pk, r.rule.pk]), {}),
        {"officer": OK},
    ),
    "round run": (
        lambda r: ("post", reverse("round_run", args=[r.round.pk]), {}),
        {"officer": OK},
    ),
    "round delete": (
        lambda r: ("post", reverse("round_delete", args=[r.round.pk]), {}),
        {"officer": OK},
    ),
}


def default_outcome(case: str, persona: str) -> Any:
    """Those not listed: anonymous logs in; whoever cannot see the record finds nothing (404):
    partner B anything of partner A's and any round, partner A any round; the rest are refused
    (403)."""
    if persona == "anonymous":
        return LOGIN
    if persona == "partner_b_coordinator" or (
        persona == "partner_a_coordinator" and case.startswith("round")
    ):
        return 404
    return 403


class _Undo(Exception):
    """Raised to roll back what one persona's request changed before the next one's."""


def outcome(response: Any, method: str, changed: bool) -> Any:
    """What the persona got: LOGIN, OK (a page, or a change made and redirected to its
    result), or the status code; "unchanged" for a redirect that changed nothing."""
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    if method == "post":
        if response.status_code == 302:
            return OK if changed else "unchanged"
        return response.status_code if not changed else ("changed", response.status_code)
    if response.status_code == 200:
        return OK if not changed else "changed"
    return response.status_code


@pytest.mark.parametrize("case", sorted(CASES))
def test_pages_per_persona(doctoral: Doctoral, case: str) -> None:
    """Each persona's request runs in a savepoint rolled back afterwards, so that all of them
    meet the same records; a refused request changes nothing."""
    request, outcomes = CASES[case]
    method, url, data = request(records(doctoral))
    got, expected = {}, {}
    for persona in PERSONAS:
        expected[persona] = outcomes.get(persona, default_outcome(case, persona))
        for value in data.values():
            if hasattr(value, "seek"):
                value.seek(0)  # an upload is read anew for each persona
        before = state()
        try:
            with transaction.atomic():
                client = client_for(user_of(doctoral.world, persona))
                response = getattr(client, method)(url, data)
                got[persona] = outcome(response, method, state() != before)
                raise _Undo
        except _Undo:
            pass
    assert got == expected


POSTED_ONLY: dict[str, Callable[[Records], list[Any]]] = {
    "topic_delete": lambda r: [r.d.master_place.pk],
    "adviser_delete": lambda r: [r.spare_adviser.pk],
    "publication_add": lambda r: [r.d.own_adviser.pk],
    "publication_delete": lambda r: [r.d.own_adviser.pk, r.publication.pk],
    "publication_upload": lambda r: [r.d.own_adviser.pk],
    "candidate_delete": lambda r: [r.spare_candidate.pk],
    "recommendation_step": lambda r: [r.d.recommendation_a.pk, "withdraw"],
    "recommendation_message": lambda r: [r.d.recommendation_a.pk],
    "round_delete": lambda r: [r.round.pk],
    "round_rule_add": lambda r: [r.round.pk],
    "round_rule_delete": lambda r: [r.round.pk, r.rule.pk],
    "round_run": lambda r: [r.round.pk],
}


@pytest.mark.parametrize("url_name", sorted(POSTED_ONLY))
def test_changes_are_posted(doctoral: Doctoral, url_name: str) -> None:
    url = reverse(url_name, args=POSTED_ONLY[url_name](records(doctoral)))
    before = state()
    assert client_for(doctoral.world.officer).get(url).status_code == 405
    assert state() == before


# What each list shows each persona


def listed(response: Any) -> set[int]:
    return {row.pk for row in response.context["page"]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_topic_list_shows_each_persona_what_is_shared_with_them(
    doctoral: Doctoral, persona: str
) -> None:
    d = doctoral
    response = client_for(user_of(d.world, persona)).get(reverse("topic_list"))
    topics = {
        "public": d.public_topic.pk,
        "partners": d.partners_topic.pk,
        "for_a": d.topic_for_a.pk,
        "master": d.master_place.pk,
    }
    everything = set(topics)
    expected = {
        "anonymous": {"public"},
        "partner_a_coordinator": everything,
        "partner_b_coordinator": {"public", "partners", "master"},
    }.get(persona, everything)
    shown = {name for name, pk in topics.items() if pk in listed(response)}
    assert shown == expected
    page = html(response)
    assert ("Drilling fluids for deep wells" in page) == ("for_a" in expected)


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_the_candidate_and_recommendation_lists_keep_partners_apart(
    doctoral: Doctoral, persona: str
) -> None:
    d = doctoral
    client = client_for(user_of(d.world, persona))
    candidates = listed(client.get(reverse("candidate_list")))
    recommendations = listed(client.get(reverse("recommendation_list"), {"whose": "all"}))
    expected = {
        "partner_a_coordinator": {"a"},
        "partner_b_coordinator": {"b"},
    }.get(persona, {"a", "b"})
    assert {
        party
        for party, candidate in (("a", d.candidate_a), ("b", d.candidate_b))
        if candidate.pk in candidates
    } == expected
    assert {
        party
        for party, recommendation in (("a", d.recommendation_a), ("b", d.recommendation_b))
        if recommendation.pk in recommendations
    } == expected


@pytest.mark.parametrize("persona", ["partner_b_coordinator", "anonymous"])
def test_partner_b_and_visitors_never_read_partner_a_s_topic(
    doctoral: Doctoral, persona: str
) -> None:
    """Neither the page, nor the list's rows, nor the filter's choices name it."""
    d = doctoral
    client = client_for(user_of(d.world, persona))
    detail = client.get(reverse("topic_detail", args=[d.topic_for_a.pk]))
    if persona == "anonymous":
        assert_login_redirect(detail)
    else:
        assert detail.status_code == 404
    for params in ({}, {"q": "drilling"}, {"language": "uk"}):
        page = client.get(reverse("topic_list"), params, HTTP_HX_REQUEST="true").content.decode()
        assert "Drilling fluids" not in page
        assert "Бурові" not in page


def test_a_visitor_is_sent_to_log_in_even_for_a_topic_that_does_not_exist(
    doctoral: Doctoral,
) -> None:
    assert_login_redirect(client_for(None).get(reverse("topic_detail", args=[99999])))


def test_only_home_staff_see_whom_a_topic_is_shared_with(doctoral: Doctoral) -> None:
    d = doctoral
    url = reverse("topic_detail", args=[d.topic_for_a.pk])
    officer_page = html(client_for(d.world.officer).get(url))
    partner_page = html(client_for(d.world.partner_a_coordinator).get(url))
    assert "Partner A University" in officer_page
    assert "Chosen partners" in officer_page
    assert "Shared with" not in partner_page
    assert "Chosen partners" not in partner_page


# The navigation

NAV = {
    "topic_list": PERSONAS,
    "adviser_list": SIGNED_IN,
    "candidate_list": SIGNED_IN,
    "recommendation_list": SIGNED_IN,
    "round_list": HOME,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_navigation_links_what_the_persona_may_open(world: World, persona: str) -> None:
    page = html(client_for(user_of(world, persona)).get(reverse("topic_list")))
    nav = page[page.index("<nav") : page.index("</nav>")]
    for url_name, personas in NAV.items():
        assert (f'href="{reverse(url_name)}"' in nav) == (persona in personas), url_name


def test_a_recommendation_to_another_adviser_is_not_the_adviser_s_to_review(
    doctoral: Doctoral,
) -> None:
    """The adviser persona sees a recommendation to another adviser, with no step to take, and
    a posted step is refused (403)."""
    d = doctoral
    other = actions.recommend(d.world.partner_a_coordinator, d.candidate_a, topic=d.partners_topic)
    client = client_for(d.world.adviser)
    page = html(client.get(reverse("recommendation_detail", args=[other.pk])))
    assert "Schedule an interview" not in page
    for step in ("schedule", "admit", "decline"):
        data = {"schedule-interview_at": "2026-10-05T10:00"} if step == "schedule" else {}
        response = client.post(reverse("recommendation_step", args=[other.pk, step]), data)
        assert response.status_code == 403
    assert Recommendation.objects.get(pk=other.pk).status == "recommended"
    # Their own: the steps are there.
    own = html(client.get(reverse("recommendation_detail", args=[d.recommendation_a.pk])))
    assert "Schedule an interview" in own


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("officer", True), ("partner_a_coordinator", True), ("adviser", True), ("leadership", False)],
)
def test_a_candidate_s_e_mail_and_cv_only_for_those_handling_them(
    doctoral: Doctoral, persona: str, shown: bool
) -> None:
    """The adviser sees them for a candidate recommended to them; leadership never, not even
    in the history."""
    d = doctoral
    page = html(
        client_for(getattr(d.world, persona)).get(
            reverse("candidate_detail", args=[d.candidate_a.pk])
        )
    )
    assert ("leyla@example.org" in page) == shown
