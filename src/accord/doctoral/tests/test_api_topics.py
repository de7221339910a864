"""The topics API: what each persona and anonymous visitors see, sharing with chosen partners,
filters, validation, audit entries, history and the ranking of candidates for a topic."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import ApiToken
from accord.core.models import AuditEntry
from accord.doctoral.models import Level, Topic, Visibility
from accord.institutions.models import Field
from conftest import client_for, count_queries, entries_of, error_fields, user_of

from .conftest import make_topic
from .test_api import Scene, ids, items, make_scene, send


@pytest.fixture
def scene(doctoral: Any) -> Scene:
    return make_scene(doctoral)


def topic_keys(scene: Scene, response: Any) -> set[str]:
    names = {
        scene.d.public_topic.pk: "public",
        scene.d.partners_topic.pk: "partners",
        scene.d.topic_for_a.pk: "for_a",
        scene.d.master_place.pk: "master",
        scene.spare_topic.pk: "spare",
    }
    return {names.get(pk, str(pk)) for pk in ids(response)}


EVERY_TOPIC = {"public", "partners", "for_a", "master", "spare"}


@pytest.mark.parametrize(
    ("persona", "seen"),
    [
        ("officer", EVERY_TOPIC),
        ("leadership", EVERY_TOPIC),
        ("faculty_coordinator", EVERY_TOPIC),
        ("adviser", EVERY_TOPIC),
        ("partner_a_coordinator", EVERY_TOPIC),
        ("partner_b_coordinator", EVERY_TOPIC - {"for_a"}),
        ("anonymous", {"public"}),
    ],
)
def test_who_sees_which_topics(scene: Scene, persona: str, seen: set[str]) -> None:
    assert topic_keys(scene, send(user_of(scene.world, persona), "get", "/api/topics")) == seen


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("officer", True),
        ("adviser", True),
        ("leadership", True),
        ("partner_a_coordinator", False),
        ("anonymous", False),
    ],
)
def test_the_partners_a_topic_is_shared_with_are_shown_to_home_staff_only(
    scene: Scene, persona: str, shown: bool
) -> None:
    user = user_of(scene.world, persona)
    topic = scene.d.topic_for_a if persona != "anonymous" else scene.d.public_topic
    detail = send(user, "get", f"/api/topics/{topic.pk}").json()
    listed = next(
        item for item in items(send(user, "get", "/api/topics")) if item["id"] == topic.pk
    )
    expected = (
        ([scene.world.partner_a.pk] if topic == scene.d.topic_for_a else []) if shown else None
    )
    assert detail["shared_with"] == listed["shared_with"] == expected


def test_a_topic_shows_its_adviser_field_and_titles(scene: Scene) -> None:
    field = Field.objects.get(code="0724")
    Topic.objects.filter(pk=scene.d.topic_for_a.pk).update(field=field)
    client = client_for(scene.world.partner_a_coordinator)
    body = client.get(f"/api/topics/{scene.d.topic_for_a.pk}").json()
    assert (body["adviser"], body["adviser_name"]) == (scene.d.own_adviser.pk, "Mykola Bondarenko")
    assert (body["field"], body["field_name"]) == ("0724", "Mining and extraction")
    assert body["title"] == "Drilling fluids for deep wells"
    assert body["localised_title"] == "Drilling fluids for deep wells"
    assert (body["level"], body["visibility"], body["is_open"]) == (8, "chosen", True)
    ukrainian = client.get(f"/api/topics/{scene.d.topic_for_a.pk}", HTTP_ACCEPT_LANGUAGE="uk")
    assert ukrainian.json()["localised_title"] == "Бурові розчини для глибоких свердловин"
    assert ukrainian.json()["field_name"] == "Гірничо-видобувна промисловість"


def test_anonymous_visitors_read_public_topics_and_nothing_else(scene: Scene) -> None:
    visitor = Client()
    assert visitor.get(f"/api/topics/{scene.d.public_topic.pk}").status_code == 200
    assert visitor.get(f"/api/topics/{scene.d.partners_topic.pk}").status_code == 404
    assert visitor.get(f"/api/topics/{scene.d.public_topic.pk}/history").status_code == 401
    assert visitor.get(f"/api/topics/{scene.d.public_topic.pk}/candidates").status_code == 401
    assert visitor.get("/api/advisers").status_code == 401


def test_a_bearer_token_reads_the_topics_its_user_sees(scene: Scene) -> None:
    _token, raw = ApiToken.issue(scene.world.partner_a_coordinator, "script")
    client = Client(headers={"authorization": f"Bearer {raw}"})
    assert topic_keys(scene, client.get("/api/topics")) == EVERY_TOPIC
    # A token naming no one is refused rather than read as an anonymous visitor.
    wrong = Client(headers={"authorization": f"Bearer {raw}x"})
    assert wrong.get("/api/topics").status_code == 401
    assert wrong.get(f"/api/topics/{scene.d.public_topic.pk}").status_code == 401


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=7", {"master"}),
        ("level=8&adviser={other}", {"partners"}),
        ("adviser={own}", {"public", "for_a", "spare"}),
        ("language=uk", {"public"}),
        ("language=UK", {"public"}),
        ("language=u", set()),
        ("open=true", EVERY_TOPIC),
        ("open=false", set()),
        ("q=drilling", {"for_a"}),
        ("q=kovalenko", {"partners", "master"}),
        ("q=oil mature", {"public"}),
        ("q=oil software", set()),
        ("field=07", {"for_a"}),
        ("field=0724", {"for_a"}),
        ("field=0613", set()),
    ],
)
def test_topic_filters(scene: Scene, query: str, expected: set[str]) -> None:
    field = Field.objects.get(code="0724")
    Topic.objects.filter(pk=scene.d.topic_for_a.pk).update(field=field)
    d = scene.d
    url = "/api/topics?" + query.format(own=d.own_adviser.pk, other=d.other_adviser.pk)
    assert topic_keys(scene, send(scene.world.officer, "get", url)) == expected


def test_the_open_filter_leaves_out_closed_topics_and_passed_deadlines(scene: Scene) -> None:
    Topic.objects.filter(pk=scene.spare_topic.pk).update(is_open=False)
    Topic.objects.filter(pk=scene.d.master_place.pk).update(deadline=datetime.date(2020, 1, 1))
    officer = scene.world.officer
    assert topic_keys(scene, send(officer, "get", "/api/topics?open=true")) == {
        "public",
        "partners",
        "for_a",
    }
    assert topic_keys(scene, send(officer, "get", "/api/topics?open=false")) == {"spare", "master"}


def test_the_topic_filter_refuses_an_unknown_level(scene: Scene) -> None:
    assert "level" in error_fields(send(scene.world.officer, "get", "/api/topics?level=9"))


def test_an_adviser_publishes_a_topic_for_themself_by_default(scene: Scene) -> None:
    body = {
        "title": "Hydraulic fracturing of shale",
        "titles": {"uk": "Гідророзрив сланців"},
        "languages": ["en", "uk"],
        "funding": "grant",
        "deadline": "2099-06-30",
    }
    response = send(scene.world.adviser, "post", "/api/topics", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["adviser"] == scene.d.own_adviser.pk
    assert (created["visibility"], created["shared_with"]) == ("partners", [])
    [entry] = entries_of(Topic.objects.get(pk=created["id"]))
    assert entry.actor == scene.world.adviser
    assert (entry.after or {})["titles"] == {"uk": "Гідророзрив сланців"}


def test_an_officer_must_name_the_adviser(scene: Scene) -> None:
    response = send(scene.world.officer, "post", "/api/topics", {"title": "Corrosion"})
    assert error_fields(response) == {"body", "adviser"}
    assert not Topic.objects.filter(title="Corrosion").exists()


def test_an_adviser_does_not_publish_for_another_adviser(scene: Scene) -> None:
    body = {"title": "Corrosion", "adviser": scene.d.other_adviser.pk}
    assert send(scene.world.adviser, "post", "/api/topics", body).status_code == 403
    url = f"/api/topics/{scene.spare_topic.pk}"
    assert (
        send(scene.world.adviser, "patch", url, {"adviser": scene.d.other_adviser.pk}).status_code
        == 403
    )
    assert Topic.objects.get(pk=scene.spare_topic.pk).adviser == scene.d.own_adviser
    assert not Topic.objects.filter(title="Corrosion").exists()


def test_sharing_with_chosen_partners_is_set_shown_and_audited(scene: Scene) -> None:
    world = scene.world
    body = {
        "adviser": scene.d.other_adviser.pk,
        "title": "Formal verification of smart contracts",
        "visibility": "chosen",
        "shared_with": [world.partner_b.pk],
    }
    response = send(world.officer, "post", "/api/topics", body)
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["shared_with"] == [world.partner_b.pk]
    assert send(world.partner_a_coordinator, "get", f"/api/topics/{pk}").status_code == 404
    assert send(world.partner_b_coordinator, "get", f"/api/topics/{pk}").status_code == 200
    # Handed over to partner A: B no longer sees it.
    moved = send(world.officer, "patch", f"/api/topics/{pk}", {"shared_with": [world.partner_a.pk]})
    assert moved.json()["shared_with"] == [world.partner_a.pk]
    assert send(world.partner_b_coordinator, "get", f"/api/topics/{pk}").status_code == 404
    assert send(world.partner_a_coordinator, "get", f"/api/topics/{pk}").status_code == 200
    entry = entries_of(Topic.objects.get(pk=pk))[-1]
    assert ("shared_with", [world.partner_b.pk], [world.partner_a.pk]) in entry.changes


def test_a_patch_keeps_the_partners_unless_it_names_them(scene: Scene) -> None:
    url = f"/api/topics/{scene.d.topic_for_a.pk}"
    response = send(scene.world.adviser, "patch", url, {"places": 3, "description": None})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["places"], body["description"], body["shared_with"]) == (
        3,
        "",
        [scene.world.partner_a.pk],
    )
    entry = entries_of(scene.d.topic_for_a)[-1]
    assert {name for name, _old, _new in entry.changes} == {"places"}
    # Shared with all partners: the list of chosen ones empties.
    opened = send(scene.world.adviser, "patch", url, {"visibility": "partners"}).json()
    assert opened["shared_with"] == []
    assert send(scene.world.partner_b_coordinator, "get", url).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"level": 5}, "level"),
        ({"field": "1234"}, "field"),
        ({"field": "07"}, "field"),
        ({"languages": ["English"]}, "languages"),
        ({"titles": {"Ukrainian": "Назва"}}, "titles"),
        ({"titles": ["uk"]}, "titles"),
        ({"places": 0}, "places"),
        ({"visibility": "secret"}, "visibility"),
        ({"visibility": "chosen", "shared_with": []}, "shared_with"),
        ({"visibility": "chosen", "shared_with": ["home"]}, "shared_with"),
        ({"visibility": "chosen", "shared_with": [1_000_000]}, "shared_with"),
        ({"adviser": 1_000_000}, "adviser"),
        ({"deadline": "soon"}, "deadline"),
        ({"funding": "lottery"}, "funding"),
        ({"colour": "blue"}, "colour"),
    ],
)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_bad_topic_names_the_field_and_writes_nothing(
    scene: Scene, method: str, change: dict[str, Any], field: str
) -> None:
    if change.get("shared_with") == ["home"]:
        change = {**change, "shared_with": [scene.world.home.pk]}
    before = (AuditEntry.objects.count(), Topic.objects.count())
    if method == "post":
        body = {"adviser": scene.d.own_adviser.pk, "title": "Corrosion"} | change
        response = send(scene.world.officer, "post", "/api/topics", body)
    else:
        response = send(scene.world.officer, "patch", f"/api/topics/{scene.spare_topic.pk}", change)
    assert field in error_fields(response)
    assert (AuditEntry.objects.count(), Topic.objects.count()) == before


@pytest.mark.parametrize("name", ["title", "is_open", "places", "visibility", "adviser"])
def test_a_required_field_is_not_emptied(scene: Scene, name: str) -> None:
    url = f"/api/topics/{scene.spare_topic.pk}"
    before = AuditEntry.objects.count()
    assert name in error_fields(send(scene.world.officer, "patch", url, {name: None}))
    assert AuditEntry.objects.count() == before


def test_a_topic_with_candidates_cannot_be_deleted(scene: Scene) -> None:
    response = send(scene.world.officer, "delete", f"/api/topics/{scene.d.topic_for_a.pk}")
    assert response.status_code == 409
    assert "Drilling fluids for deep wells" in response.json()["detail"]
    assert Topic.objects.filter(pk=scene.d.topic_for_a.pk).exists()


def test_deleting_a_topic_is_audited(scene: Scene) -> None:
    pk = scene.spare_topic.pk
    assert send(scene.world.adviser, "delete", f"/api/topics/{pk}").status_code == 204
    assert not Topic.objects.filter(pk=pk).exists()
    entry = entries_of(scene.spare_topic)[-1]
    assert (entry.action, entry.actor) == ("delete", scene.world.adviser)


@pytest.mark.parametrize(
    ("persona", "partners"), [("officer", "shown"), ("partner_a_coordinator", None)]
)
def test_topic_history_hides_the_partners_from_partners(
    scene: Scene, persona: str, partners: str | None
) -> None:
    url = f"/api/topics/{scene.d.topic_for_a.pk}/history"
    [created] = items(send(user_of(scene.world, persona), "get", url))
    assert created["action"] == "create"
    assert created["after"]["title"] == "Drilling fluids for deep wells"
    expected = [scene.world.partner_a.pk] if partners else None
    assert created["after"]["shared_with"] == expected


def test_candidates_are_ranked_for_a_topic_with_the_words_they_share(scene: Scene) -> None:
    url = f"/api/topics/{scene.d.partners_topic.pk}/candidates"
    response = send(scene.world.adviser, "get", url)
    assert response.status_code == 200, response.content
    ranked = response.json()
    # Partner B's candidate works on machine learning for software testing; A's on oil.
    assert ranked[0]["candidate"] == scene.d.candidate_b.pk
    assert ranked[0]["name"] == "Jan Nowak"
    assert ranked[0]["institution_name"] == "Partner B University"
    assert {"machine", "learning"} <= {term.lower() for term in ranked[0]["terms"]}
    assert all(0 <= fit["score"] <= 1 for fit in ranked)
    assert [fit["score"] for fit in ranked] == sorted(
        (fit["score"] for fit in ranked), reverse=True
    )
    # The spare candidate of A is recommended nowhere: not ranked.
    assert scene.spare_candidate.pk not in {fit["candidate"] for fit in ranked}
    assert len(send(scene.world.adviser, "get", url + "?limit=1").json()) == 1


def test_master_places_rank_candidates_recommended_for_master_places(scene: Scene) -> None:
    url = f"/api/topics/{scene.d.master_place.pk}/candidates"
    assert send(scene.world.officer, "get", url).json() == []
    assert scene.d.master_place.level == Level.MASTER


@pytest.mark.parametrize(
    ("query", "field"), [("limit=0", "limit"), ("limit=101", "limit"), ("model=magic", "model")]
)
def test_a_bad_ranking_query_names_the_field(scene: Scene, query: str, field: str) -> None:
    url = f"/api/topics/{scene.d.public_topic.pk}/candidates?{query}"
    assert field in error_fields(send(scene.world.officer, "get", url))


def test_topics_list_queries_do_not_grow_with_rows(scene: Scene) -> None:
    world = scene.world
    clients = {
        persona: client_for(user_of(world, persona))
        for persona in ("officer", "partner_a_coordinator", "anonymous")
    }
    few = {persona: count_queries(client, "/api/topics") for persona, client in clients.items()}
    for number in range(5):
        make_topic(
            world,
            scene.d.other_adviser,
            f"Topic {number}",
            visibility=Visibility.CHOSEN if number % 2 else Visibility.PUBLIC,
            partners=[world.partner_a, world.partner_b],
        )
    for persona, client in clients.items():
        assert count_queries(client, "/api/topics") == few[persona], persona
    assert clients["anonymous"].get("/api/topics").json()["count"] == 4
