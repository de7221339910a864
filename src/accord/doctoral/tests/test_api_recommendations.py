"""The recommendations API: recommending for topics and to advisers, the review's steps and who
takes them, messages, validation and audit entries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from accord.core.models import AuditEntry
from accord.doctoral import actions
from accord.doctoral.models import Adviser, Message, Recommendation, RecommendationStatus, Topic
from conftest import PERSONAS, client_for, count_queries, entries_of, error_fields, user_of

from .conftest import make_candidate
from .test_api import Scene, items, make_scene, send


@pytest.fixture
def scene(doctoral: Any) -> Scene:
    return make_scene(doctoral)


def steps_url(scene: Scene, recommendation: Recommendation | None = None) -> str:
    return f"/api/recommendations/{(recommendation or scene.d.recommendation_a).pk}/steps"


@pytest.mark.parametrize(
    ("persona", "seen"),
    [
        ("officer", {"a", "b"}),
        ("leadership", {"a", "b"}),
        ("adviser", {"a", "b"}),
        ("partner_a_coordinator", {"a"}),
        ("partner_b_coordinator", {"b"}),
    ],
)
def test_who_sees_which_recommendations(scene: Scene, persona: str, seen: set[str]) -> None:
    names = {scene.d.recommendation_a.pk: "a", scene.d.recommendation_b.pk: "b"}
    listed = items(send(user_of(scene.world, persona), "get", "/api/recommendations"))
    assert {names[item["id"]] for item in listed} == seen


@pytest.mark.parametrize(
    ("persona", "steps"),
    [
        ("officer", ["schedule", "admit", "decline", "withdraw"]),
        ("leadership", []),
        ("faculty_coordinator", []),
        ("adviser", ["schedule", "admit", "decline"]),
        ("partner_a_coordinator", ["withdraw"]),
    ],
)
def test_the_steps_open_to_each_persona(scene: Scene, persona: str, steps: list[str]) -> None:
    user = user_of(scene.world, persona)
    rec = scene.d.recommendation_a
    [listed] = [
        item for item in items(send(user, "get", "/api/recommendations")) if item["id"] == rec.pk
    ]
    detail = send(user, "get", f"/api/recommendations/{rec.pk}").json()
    assert listed["steps"] == detail["steps"] == steps
    # The API's steps are those the actions allow.
    assert steps == [str(step) for step in actions.allowed_steps(user, rec)]


def test_the_adviser_may_step_only_their_own_recommendations(scene: Scene) -> None:
    candidate = make_candidate(scene.world, "partner_a", first_name="Nigar", last_name="Karimova")
    others = actions.recommend(
        scene.world.partner_a_coordinator, candidate, topic=scene.d.partners_topic
    )
    adviser = scene.world.adviser
    detail = send(adviser, "get", f"/api/recommendations/{others.pk}").json()
    assert detail["steps"] == []
    body = {"step": "schedule", "interview_at": "2026-05-04T10:00:00+03:00"}
    response = send(adviser, "post", steps_url(scene, others), body)
    assert response.status_code == 403
    assert Recommendation.objects.get(pk=others.pk).status == RecommendationStatus.RECOMMENDED


def test_a_recommendation_shows_its_candidate_topic_and_adviser(scene: Scene) -> None:
    rec = scene.d.recommendation_a
    body = send(scene.world.officer, "get", f"/api/recommendations/{rec.pk}").json()
    assert (body["candidate"], body["candidate_name"]) == (
        scene.d.candidate_a.pk,
        "Leyla Mammadova",
    )
    assert (body["institution"], body["institution_name"]) == (
        scene.world.partner_a.pk,
        "Partner A University",
    )
    assert (body["adviser"], body["adviser_name"]) == (scene.d.own_adviser.pk, "Mykola Bondarenko")
    assert (body["topic"], body["topic_title"]) == (
        scene.d.topic_for_a.pk,
        "Drilling fluids for deep wells",
    )
    assert (body["status"], body["level"]) == ("recommended", 8)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("candidate={candidate_a}", {"a"}),
        ("topic={public}", {"b"}),
        ("adviser={own}", {"a", "b"}),
        ("adviser={other}", set()),
        ("status=recommended", {"a", "b"}),
        ("status=admitted", set()),
        ("level=7", set()),
    ],
)
def test_recommendation_filters(scene: Scene, query: str, expected: set[str]) -> None:
    d = scene.d
    names = {d.recommendation_a.pk: "a", d.recommendation_b.pk: "b"}
    url = "/api/recommendations?" + query.format(
        candidate_a=d.candidate_a.pk,
        public=d.public_topic.pk,
        own=d.own_adviser.pk,
        other=d.other_adviser.pk,
    )
    listed = items(send(scene.world.officer, "get", url))
    assert {names[item["id"]] for item in listed} == expected


def test_a_partner_recommends_its_candidate_for_a_topic(scene: Scene) -> None:
    body = {
        "candidate": scene.d.candidate_a.pk,
        "topic": scene.d.partners_topic.pk,
        "motivation": "Top of her class.",
    }
    response = send(scene.world.partner_a_coordinator, "post", "/api/recommendations", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["adviser"], created["level"]) == (scene.d.other_adviser.pk, 8)
    assert (created["motivation"], created["steps"]) == ("Top of her class.", ["withdraw"])
    [entry] = entries_of(Recommendation.objects.get(pk=created["id"]))
    assert entry.actor == scene.world.partner_a_coordinator
    assert entry.subject == f"doctoral.candidate:{scene.d.candidate_a.pk}"


def test_a_candidate_is_recommended_to_an_adviser_directly(scene: Scene) -> None:
    body = {"candidate": scene.d.candidate_b.pk, "adviser": scene.d.other_adviser.pk, "level": 7}
    response = send(scene.world.partner_b_coordinator, "post", "/api/recommendations", body)
    assert response.status_code == 201, response.content
    assert (response.json()["topic"], response.json()["level"]) == (None, 7)
    again = send(scene.world.partner_b_coordinator, "post", "/api/recommendations", body)
    assert again.status_code == 422
    assert "already recommended to this adviser" in str(again.json())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"candidate": 1_000_000}, "candidate"),
        ({"candidate": "candidate_b"}, "candidate"),
        ({"topic": "topic_for_a"}, "topic"),
        ({"topic": 1_000_000}, "topic"),
        ({"topic": None}, "topic"),
        ({"topic": "closed"}, "topic"),
        ({"topic": "past_deadline"}, "topic"),
        ({"adviser": "own_adviser"}, "adviser"),
        ({"topic": None, "adviser": "foreign"}, "adviser"),
        ({"level": 7}, "level"),
        ({"level": 6}, "level"),
        ({"motivation": "x" * 5001}, "motivation"),
        ({"status": "admitted"}, "status"),
    ],
)
def test_a_bad_recommendation_names_the_field_and_writes_nothing(
    scene: Scene, change: dict[str, Any], field: str
) -> None:
    """Partner B recommends its candidate; partner A's records are unknown to it."""
    world, d = scene.world, scene.d
    Topic.objects.filter(pk=scene.spare_topic.pk).update(is_open=False)
    Topic.objects.filter(pk=d.master_place.pk).update(deadline=datetime.date(2020, 1, 1))
    foreign = Adviser.objects.create(
        first_name="Anar", last_name="Mammadov", institution=world.partner_b
    )
    named = {
        "candidate_b": d.candidate_a.pk,  # partner A's, unknown to B
        "topic_for_a": d.topic_for_a.pk,
        "closed": scene.spare_topic.pk,
        "past_deadline": d.master_place.pk,
        "own_adviser": d.own_adviser.pk,  # not the adviser of the topic for all partners
        "foreign": foreign.pk,  # an adviser of a partner university
    }
    change = {name: named.get(value, value) for name, value in change.items()}
    body = {"candidate": d.candidate_b.pk, "topic": d.partners_topic.pk} | change
    before = (AuditEntry.objects.count(), Recommendation.objects.count())
    response = send(world.partner_b_coordinator, "post", "/api/recommendations", body)
    assert field in error_fields(response)
    assert (AuditEntry.objects.count(), Recommendation.objects.count()) == before


# Steps


def test_the_review_goes_step_by_step_with_an_audit_entry_each(scene: Scene) -> None:
    world = scene.world
    url = steps_url(scene)
    body = {
        "step": "schedule",
        "interview_at": "2026-05-04T10:00:00+03:00",
        "interview_place": "https://meet.example.org/leyla",
        "note": "Please prepare a ten-minute talk.",
    }
    scheduled = send(world.adviser, "post", url, body)
    assert scheduled.status_code == 200, scheduled.content
    assert scheduled.json()["status"] == "interview"
    assert scheduled.json()["interview_at"].startswith("2026-05-04T07:00:00")
    assert scheduled.json()["interview_place"] == "https://meet.example.org/leyla"
    assert scheduled.json()["steps"] == ["schedule", "interviewed", "admit", "decline"]
    # The note of a step other than a decision goes to the messages.
    messages = items(send(world.partner_a_coordinator, "get", url.replace("steps", "messages")))
    assert [message["text"] for message in messages] == ["Please prepare a ten-minute talk."]
    assert (
        send(world.adviser, "post", url, {"step": "interviewed"}).json()["status"] == "interviewed"
    )
    admitted = send(world.adviser, "post", url, {"step": "admit", "note": "Strong background."})
    assert (admitted.json()["status"], admitted.json()["decision_note"]) == (
        "admitted",
        "Strong background.",
    )
    assert admitted.json()["decided"] is not None
    assert admitted.json()["steps"] == []
    statuses = [
        (entry.after or {}).get("status")
        for entry in entries_of(scene.d.recommendation_a)
        if entry.action == "update"
    ]
    assert statuses == ["interview", "interviewed", "admitted"]


def test_a_naive_interview_time_is_the_sites_local_time(scene: Scene) -> None:
    body = {"step": "schedule", "interview_at": "2026-05-04T10:00:00"}
    response = send(scene.world.officer, "post", steps_url(scene), body)
    assert response.status_code == 200, response.content
    stored = Recommendation.objects.get(pk=scene.d.recommendation_a.pk).interview_at
    assert stored == datetime.datetime(2026, 5, 4, 7, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("earlier", "step"),
    [
        ([], "interviewed"),
        (["admit"], "decline"),
        (["withdraw"], "admit"),
        (["decline"], "withdraw"),
    ],
)
def test_a_step_the_state_does_not_allow_is_a_conflict(
    scene: Scene, earlier: list[str], step: str
) -> None:
    for taken in earlier:
        actions.take_step(scene.world.officer, scene.d.recommendation_a, taken)
    status = Recommendation.objects.get(pk=scene.d.recommendation_a.pk).status
    before = AuditEntry.objects.count()
    response = send(scene.world.officer, "post", steps_url(scene), {"step": step})
    assert response.status_code == 409
    assert "cannot be changed by" in response.json()["detail"]
    assert Recommendation.objects.get(pk=scene.d.recommendation_a.pk).status == status
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"step": "fly"}, "step"),
        ({}, "step"),
        ({"step": "schedule"}, "interview_at"),
        ({"step": "schedule", "interview_at": "tomorrow"}, "interview_at"),
        ({"step": "admit", "grade": "A"}, "grade"),
        ({"step": "admit", "note": "x" * 5001}, "note"),
    ],
)
def test_a_bad_step_names_the_field_and_writes_nothing(
    scene: Scene, body: dict[str, Any], field: str
) -> None:
    before = AuditEntry.objects.count()
    assert field in error_fields(send(scene.world.officer, "post", steps_url(scene), body))
    assert AuditEntry.objects.count() == before
    assert Recommendation.objects.get(pk=scene.d.recommendation_a.pk).status == "recommended"


def test_partner_b_does_not_learn_of_partner_as_recommendations(scene: Scene) -> None:
    user = scene.world.partner_b_coordinator
    for step in ("withdraw", "admit"):
        response = send(user, "post", steps_url(scene), {"step": step})
        assert response.status_code == 404
    assert (
        send(
            user, "get", f"/api/recommendations/{scene.d.recommendation_a.pk}/messages"
        ).status_code
        == 404
    )
    assert Recommendation.objects.get(pk=scene.d.recommendation_a.pk).status == "recommended"


# Messages


def test_the_partner_and_the_adviser_write_to_each_other(scene: Scene) -> None:
    world = scene.world
    url = f"/api/recommendations/{scene.d.recommendation_a.pk}/messages"
    first = send(world.partner_a_coordinator, "post", url, {"text": "Is an online interview fine?"})
    assert first.status_code == 201, first.content
    assert first.json()["author_name"] == "partner_a"
    send(world.adviser, "post", url, {"text": "Yes, on Monday."})
    listed = items(send(world.leadership, "get", url))
    assert [(m["author_name"], m["text"]) for m in listed] == [
        ("partner_a", "Is an online interview fine?"),
        ("adviser", "Yes, on Monday."),
    ]
    message = Message.objects.get(pk=first.json()["id"])
    [entry] = entries_of(message)
    assert entry.actor == world.partner_a_coordinator
    assert entry.subject == f"doctoral.candidate:{scene.d.candidate_a.pk}"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"text": "  "}, "text"), ({"text": "x" * 5001}, "text"), ({}, "text"), ({"to": 1}, "to")],
)
def test_a_bad_message_names_the_field(scene: Scene, body: dict[str, Any], field: str) -> None:
    url = f"/api/recommendations/{scene.d.recommendation_a.pk}/messages"
    before = AuditEntry.objects.count()
    assert field in error_fields(send(scene.world.partner_a_coordinator, "post", url, body))
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("persona", ["officer", "adviser", "partner_a_coordinator"])
def test_message_query_counts_do_not_grow_with_rows(scene: Scene, persona: str) -> None:
    url = f"/api/recommendations/{scene.d.recommendation_a.pk}/messages"
    writers = [scene.world.partner_a_coordinator, scene.world.adviser]
    actions.post_message(writers[0], scene.d.recommendation_a, "First.")
    client = client_for(user_of(scene.world, persona))
    few = count_queries(client, url)
    for number in range(6):
        actions.post_message(writers[number % 2], scene.d.recommendation_a, f"Note {number}.")
    assert client.get(url).json()["count"] == 7
    assert count_queries(client, url) == few


def test_every_persona_sees_the_same_messages_it_may_see(scene: Scene) -> None:
    actions.post_message(scene.world.adviser, scene.d.recommendation_a, "Welcome.")
    url = f"/api/recommendations/{scene.d.recommendation_a.pk}/messages"
    for persona in PERSONAS:
        response = send(user_of(scene.world, persona), "get", url)
        if persona in ("partner_b_coordinator", "anonymous"):
            assert response.status_code in (401, 404)
        else:
            assert [m["text"] for m in items(response)] == ["Welcome."]
