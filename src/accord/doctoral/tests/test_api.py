"""The doctoral API: who gets what for each persona on every endpoint, and the audit entries a
change writes. The other test_api_*.py modules test what each endpoint returns and refuses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accord.core.models import AuditEntry
from accord.doctoral import actions
from accord.doctoral.models import (
    Adviser,
    Candidate,
    PairRule,
    Publication,
    Round,
    RoundPair,
    Topic,
    Visibility,
)
from conftest import PERSONAS, World, client_for, send_json, user_of

from .conftest import PDF, Doctoral, make_candidate, make_topic


@dataclass
class Scene:
    """The doctoral fixture, and besides: a topic of the adviser persona's with no candidate,
    an adviser with no topic, a publication of the adviser persona's, a third candidate of
    partner A recommended to nobody, and a draft round with one pair rule."""

    d: Doctoral
    spare_topic: Topic
    spare_adviser: Adviser
    publication: Publication
    spare_candidate: Candidate
    round: Round
    rule: RoundPair

    @property
    def world(self) -> World:
        return self.d.world


def make_scene(doctoral: Doctoral) -> Scene:
    world = doctoral.world
    spare_topic = make_topic(
        world,
        doctoral.own_adviser,
        "Well integrity of abandoned wells",
        visibility=Visibility.PARTNERS,
    )
    spare_adviser = actions.create_adviser(
        world.officer,
        Adviser(first_name="Iryna", last_name="Shevchenko", institution=world.home, capacity=1),
    )
    round_ = actions.create_round(world.officer, Round(name="Spring 2026"))
    rule = actions.add_rule(
        world.officer,
        RoundPair(
            round=round_,
            candidate=doctoral.candidate_b,
            adviser=doctoral.own_adviser,
            rule=PairRule.CONFLICT,
        ),
    )
    return Scene(
        d=doctoral,
        spare_topic=spare_topic,
        spare_adviser=spare_adviser,
        publication=doctoral.own_adviser.publications.order_by("id").first(),  # type: ignore[arg-type]
        spare_candidate=make_candidate(world, "partner_a", first_name="Kamran", last_name="Aliyev"),
        round=round_,
        rule=rule,
    )


@pytest.fixture
def scene(doctoral: Doctoral) -> Scene:
    return make_scene(doctoral)


@pytest.fixture(autouse=True)
def _private_files(settings: Any, tmp_path: Any) -> None:
    """CVs go to a folder of the test's own."""
    settings.ACCORD_PRIVATE_DIR = tmp_path / "private"


def send(user: Any, method: str, url: str, body: Any = None) -> Any:
    """``body`` as JSON, or as a multipart form when it holds an uploaded file."""
    client = client_for(user)
    if method == "get":
        return client.get(url)
    if isinstance(body, dict) and any(isinstance(v, SimpleUploadedFile) for v in body.values()):
        return client.post(url, body)
    return send_json(client, method, url, body)


def pdf(name: str = "cv.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    result: list[dict[str, Any]] = response.json()["items"]
    return result


def ids(response: Any) -> set[int]:
    return {item["id"] for item in items(response)}


def upload_cv(scene: Scene, candidate: Candidate | None = None) -> None:
    candidate = candidate or scene.d.candidate_a
    response = client_for(scene.world.officer).post(
        f"/api/candidates/{candidate.pk}/cv", {"file": pdf()}
    )
    assert response.status_code == 200, response.content


# Who gets what: one row an endpoint, one status a persona.


def statuses(
    officer: int,
    leadership: int,
    faculty: int,
    adviser: int,
    partner_a: int,
    partner_b: int,
    anonymous: int = 401,
) -> dict[str, int]:
    """The status each persona gets, in the order of PERSONAS."""
    return dict(
        zip(
            PERSONAS,
            (officer, leadership, faculty, adviser, partner_a, partner_b, anonymous),
            strict=True,
        )
    )


@dataclass
class Case:
    name: str
    method: str
    url: Callable[[Scene], str]
    expected: dict[str, int]
    body: Callable[[Scene], dict[str, Any]] = field(default=lambda scene: {})
    prepare: Callable[[Scene], None] = field(default=lambda scene: None)


ALL = statuses(200, 200, 200, 200, 200, 200)
SEE_A = statuses(200, 200, 200, 200, 200, 404)
HOME_ONLY = statuses(200, 200, 200, 200, 404, 404)
CHANGE_A = statuses(200, 403, 403, 403, 200, 404)
OFFICER_ONLY = statuses(201, 403, 403, 403, 403, 403)


def new_topic(scene: Scene) -> dict[str, Any]:
    return {"adviser": scene.d.own_adviser.pk, "title": "Hydraulic fracturing of shale"}


def new_candidate(scene: Scene) -> dict[str, Any]:
    return {
        "institution": scene.world.partner_a.pk,
        "first_name": "Aysel",
        "last_name": "Huseynova",
        "citizenship": "az",
        "education": "MSc in chemical engineering, 2024",
        "research_interests": "Catalysts for refining",
    }


def publications_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("works.csv", b"title,year\nFoam flooding in carbonates,2023\n")


CASES = [
    # Topics: public reads without signing in.
    Case(
        "list topics", "get", lambda s: "/api/topics", statuses(200, 200, 200, 200, 200, 200, 200)
    ),
    Case(
        "get the public topic",
        "get",
        lambda s: f"/api/topics/{s.d.public_topic.pk}",
        statuses(200, 200, 200, 200, 200, 200, 200),
    ),
    Case(
        "get the topic shared with A",
        "get",
        lambda s: f"/api/topics/{s.d.topic_for_a.pk}",
        statuses(200, 200, 200, 200, 200, 404, 404),
    ),
    Case(
        "get the topic for all partners",
        "get",
        lambda s: f"/api/topics/{s.d.partners_topic.pk}",
        statuses(200, 200, 200, 200, 200, 200, 404),
    ),
    Case(
        "history of the topic shared with A",
        "get",
        lambda s: f"/api/topics/{s.d.topic_for_a.pk}/history",
        SEE_A,
    ),
    Case(
        "publish a topic",
        "post",
        lambda s: "/api/topics",
        statuses(201, 403, 403, 201, 403, 403),
        new_topic,
    ),
    Case(
        "change the adviser's topic shared with A",
        "patch",
        lambda s: f"/api/topics/{s.d.topic_for_a.pk}",
        statuses(200, 403, 403, 200, 403, 404),
        lambda s: {"places": 2},
    ),
    Case(
        "change another adviser's topic",
        "patch",
        lambda s: f"/api/topics/{s.d.partners_topic.pk}",
        statuses(200, 403, 403, 403, 403, 403),
        lambda s: {"places": 2},
    ),
    Case(
        "delete the adviser's spare topic",
        "delete",
        lambda s: f"/api/topics/{s.spare_topic.pk}",
        statuses(204, 403, 403, 204, 403, 403),
    ),
    Case(
        "rank candidates for the public topic",
        "get",
        lambda s: f"/api/topics/{s.d.public_topic.pk}/candidates",
        statuses(200, 200, 200, 200, 403, 403),
    ),
    Case(
        "rank candidates for the topic shared with A",
        "get",
        lambda s: f"/api/topics/{s.d.topic_for_a.pk}/candidates",
        statuses(200, 200, 200, 200, 403, 404),
    ),
    # Advisers and publications.
    Case("list advisers", "get", lambda s: "/api/advisers", ALL),
    Case("get an adviser", "get", lambda s: f"/api/advisers/{s.d.own_adviser.pk}", ALL),
    Case(
        "history of an adviser", "get", lambda s: f"/api/advisers/{s.d.own_adviser.pk}/history", ALL
    ),
    Case(
        "register an adviser",
        "post",
        lambda s: "/api/advisers",
        OFFICER_ONLY,
        lambda s: {"first_name": "Petro", "last_name": "Melnyk", "institution": s.world.home.pk},
    ),
    Case(
        "change the adviser persona's profile",
        "patch",
        lambda s: f"/api/advisers/{s.d.own_adviser.pk}",
        statuses(200, 403, 403, 200, 403, 403),
        lambda s: {"keywords": "oil recovery, well integrity"},
    ),
    Case(
        "change another adviser's profile",
        "patch",
        lambda s: f"/api/advisers/{s.d.other_adviser.pk}",
        statuses(200, 403, 403, 403, 403, 403),
        lambda s: {"capacity": 4},
    ),
    Case(
        "delete an adviser",
        "delete",
        lambda s: f"/api/advisers/{s.spare_adviser.pk}",
        statuses(204, 403, 403, 403, 403, 403),
    ),
    Case(
        "list publications",
        "get",
        lambda s: f"/api/advisers/{s.d.own_adviser.pk}/publications",
        ALL,
    ),
    Case(
        "add a publication",
        "post",
        lambda s: f"/api/advisers/{s.d.own_adviser.pk}/publications",
        statuses(201, 403, 403, 201, 403, 403),
        lambda s: {"title": "Foam flooding", "year": 2025},
    ),
    Case(
        "import publications",
        "post",
        lambda s: f"/api/advisers/{s.d.own_adviser.pk}/publications/import",
        statuses(200, 403, 403, 200, 403, 403),
        lambda s: {"file": publications_file()},
    ),
    Case(
        "delete a publication",
        "delete",
        lambda s: f"/api/publications/{s.publication.pk}",
        statuses(204, 403, 403, 204, 403, 403),
    ),
    # Candidates.
    Case("list candidates", "get", lambda s: "/api/candidates", ALL),
    Case("get A's candidate", "get", lambda s: f"/api/candidates/{s.d.candidate_a.pk}", SEE_A),
    Case(
        "history of A's candidate",
        "get",
        lambda s: f"/api/candidates/{s.d.candidate_a.pk}/history",
        SEE_A,
    ),
    Case(
        "register a candidate of A",
        "post",
        lambda s: "/api/candidates",
        statuses(201, 403, 403, 403, 201, 403),
        new_candidate,
    ),
    Case(
        "change A's candidate",
        "patch",
        lambda s: f"/api/candidates/{s.d.candidate_a.pk}",
        CHANGE_A,
        lambda s: {"email": "leyla@a.az"},
    ),
    Case(
        "delete A's candidate",
        "delete",
        lambda s: f"/api/candidates/{s.spare_candidate.pk}",
        statuses(204, 403, 403, 403, 204, 404),
    ),
    Case(
        "upload the CV of A's candidate",
        "post",
        lambda s: f"/api/candidates/{s.d.candidate_a.pk}/cv",
        CHANGE_A,
        lambda s: {"file": pdf()},
    ),
    # The CV is personal data: the adviser reviewing the candidate reads it, other home staff not.
    Case(
        "download the CV of A's candidate",
        "get",
        lambda s: f"/api/candidates/{s.d.candidate_a.pk}/cv",
        statuses(200, 403, 403, 200, 200, 404),
        prepare=upload_cv,
    ),
    Case(
        "fits of A's candidate",
        "get",
        lambda s: f"/api/candidates/{s.d.candidate_a.pk}/fits",
        SEE_A,
    ),
    # Recommendations.
    Case("list recommendations", "get", lambda s: "/api/recommendations", ALL),
    Case(
        "get A's recommendation",
        "get",
        lambda s: f"/api/recommendations/{s.d.recommendation_a.pk}",
        SEE_A,
    ),
    # Partner B cannot name A's candidate: it is unknown to B (422), as any record B does not see.
    Case(
        "recommend A's candidate",
        "post",
        lambda s: "/api/recommendations",
        statuses(201, 403, 403, 403, 201, 422),
        lambda s: {"candidate": s.d.candidate_a.pk, "topic": s.d.partners_topic.pk},
    ),
    Case(
        "schedule an interview of A's candidate",
        "post",
        lambda s: f"/api/recommendations/{s.d.recommendation_a.pk}/steps",
        statuses(200, 403, 403, 200, 403, 404),
        lambda s: {"step": "schedule", "interview_at": "2026-05-04T10:00:00+03:00"},
    ),
    Case(
        "admit A's candidate",
        "post",
        lambda s: f"/api/recommendations/{s.d.recommendation_a.pk}/steps",
        statuses(200, 403, 403, 200, 403, 404),
        lambda s: {"step": "admit", "note": "Strong background in drilling."},
    ),
    Case(
        "withdraw A's recommendation",
        "post",
        lambda s: f"/api/recommendations/{s.d.recommendation_a.pk}/steps",
        statuses(200, 403, 403, 403, 200, 404),
        lambda s: {"step": "withdraw"},
    ),
    Case(
        "messages of A's recommendation",
        "get",
        lambda s: f"/api/recommendations/{s.d.recommendation_a.pk}/messages",
        SEE_A,
    ),
    Case(
        "write about A's recommendation",
        "post",
        lambda s: f"/api/recommendations/{s.d.recommendation_a.pk}/messages",
        statuses(201, 403, 403, 201, 201, 404),
        lambda s: {"text": "Could the interview be online?"},
    ),
    # Rounds: home staff read them, the office changes and runs them; partners see none.
    Case("list rounds", "get", lambda s: "/api/rounds", ALL),
    Case("get a round", "get", lambda s: f"/api/rounds/{s.round.pk}", HOME_ONLY),
    Case("history of a round", "get", lambda s: f"/api/rounds/{s.round.pk}/history", HOME_ONLY),
    Case(
        "create a round",
        "post",
        lambda s: "/api/rounds",
        OFFICER_ONLY,
        lambda s: {"name": "Autumn 2026", "partner_quota": 2},
    ),
    Case(
        "delete a round",
        "delete",
        lambda s: f"/api/rounds/{s.round.pk}",
        statuses(204, 403, 403, 403, 404, 404),
    ),
    Case(
        "add a pair rule",
        "post",
        lambda s: f"/api/rounds/{s.round.pk}/rules",
        statuses(201, 403, 403, 403, 404, 404),
        lambda s: {
            "candidate": s.d.candidate_a.pk,
            "adviser": s.d.own_adviser.pk,
            "rule": "forced",
        },
    ),
    Case(
        "delete a pair rule",
        "delete",
        lambda s: f"/api/rounds/{s.round.pk}/rules/{s.rule.pk}",
        statuses(204, 403, 403, 403, 404, 404),
    ),
    Case(
        "run a round",
        "post",
        lambda s: f"/api/rounds/{s.round.pk}/run",
        statuses(202, 403, 403, 403, 404, 404),
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_persona_gets_what_its_role_allows(scene: Scene, case: Case, persona: str) -> None:
    case.prepare(scene)
    before = AuditEntry.objects.count()
    response = send(user_of(scene.world, persona), case.method, case.url(scene), case.body(scene))
    assert response.status_code == case.expected[persona], response.content
    written = AuditEntry.objects.count() - before
    if response.status_code >= 400 or case.method == "get":
        assert written == 0
    else:
        assert written > 0


def test_every_change_needs_a_login(scene: Scene) -> None:
    """Anonymous writes are refused even on the topics that anonymous visitors read."""
    anonymous = Client()
    url = f"/api/topics/{scene.d.public_topic.pk}"
    assert send_json(anonymous, "patch", url, {"places": 3}).status_code == 401
    assert anonymous.delete(url).status_code == 401
    assert send_json(anonymous, "post", "/api/topics", new_topic(scene)).status_code == 401
    assert Topic.objects.get(pk=scene.d.public_topic.pk).places == 1


def test_openapi_lists_the_doctoral_endpoints(db: Any) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/topics",
        "/api/topics/{pk}/candidates",
        "/api/advisers/{pk}/publications/import",
        "/api/candidates/{pk}/cv",
        "/api/candidates/{pk}/fits",
        "/api/recommendations/{pk}/steps",
        "/api/recommendations/{pk}/messages",
        "/api/rounds/{pk}/run",
        "/api/rounds/{pk}/rules/{rule_pk}",
    ):
        assert path in paths, path
    assert "security" in paths["/api/topics"]["post"]
