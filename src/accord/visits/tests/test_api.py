"""The visits API: what it returns, what it refuses and why, filters, and its query count."""

from __future__ import annotations

from typing import Any

import pytest

from accord.core.models import AuditEntry
from accord.visits.models import FollowUp, Visit
from accord.visits.tests.conftest import Trip, add_follow_up, days, record_visit
from conftest import World, client_for


def _post(user: Any, url: str, payload: dict[str, Any]) -> Any:
    return client_for(user).post(url, payload, content_type="application/json")


def _patch(user: Any, url: str, payload: dict[str, Any]) -> Any:
    return client_for(user).patch(url, payload, content_type="application/json")


def _fields(response: Any) -> set[str]:
    return {str(part) for error in response.json()["detail"] for part in error["loc"]}


def test_officer_records_a_visit_with_the_institutions_met(world: World) -> None:
    payload = {
        "title": "Rector's visit to Baku",
        "kind": "outgoing",
        "starts_on": "2018-04-23",
        "ends_on": "2018-04-26",
        "city": "Baku",
        "country": "az",
        "delegation": "Yevgen Sokol",
        "institutions": [world.partner_a.pk, world.partner_b.pk],
        "discussion": "Exchanges",
        "outcomes": "A memorandum",
    }
    response = _post(world.officer, "/api/visits", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["institutions"] == sorted([world.partner_a.pk, world.partner_b.pk])
    assert body["country"] == "AZ"
    assert body["follow_ups"] == []
    visit = Visit.objects.get(pk=body["id"])
    assert set(visit.institutions.all()) == {world.partner_a, world.partner_b}
    entries = AuditEntry.objects.filter(object_type="visits.visit", object_id=str(visit.pk))
    assert {entry.action for entry in entries} == {"create", "update"}
    linked = entries.get(action="update")
    assert linked.changes == [("institutions", [], body["institutions"])]
    assert linked.actor == world.officer


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"starts_on": "2018-04-26", "ends_on": "2018-04-23"}, "ends_on"),
        ({"institutions": [1_000_000]}, "institutions"),
        ({"colour": "blue"}, "colour"),
        ({"title": ""}, "title"),
        ({"kind": "holiday"}, "kind"),
        ({"starts_on": "someday"}, "starts_on"),
    ],
)
def test_bad_visit_names_the_field_and_writes_nothing(
    world: World, payload: dict[str, Any], field: str
) -> None:
    base = {"title": "Visit", "starts_on": "2018-04-23"}
    response = _post(world.officer, "/api/visits", base | payload)
    assert response.status_code == 422, response.json()
    assert field in _fields(response)
    assert not Visit.objects.exists()
    assert not AuditEntry.objects.filter(object_type="visits.visit").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"ends_on": "2018-01-01"}, "ends_on"),
        ({"institutions": [1_000_000]}, "institutions"),
        ({"title": None}, "title"),
        ({"starts_on": None}, "starts_on"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_patch_names_the_field_and_changes_nothing(
    world: World, trip: Trip, payload: dict[str, Any], field: str
) -> None:
    before = AuditEntry.objects.count()
    response = _patch(world.officer, f"/api/visits/{trip.visit.pk}", payload | {"city": "Ganja"})
    assert response.status_code == 422, response.json()
    assert field in _fields(response)
    assert Visit.objects.get().city == "Baku"
    assert AuditEntry.objects.count() == before


def test_patch_changes_only_what_it_names_and_audits_it(world: World, trip: Trip) -> None:
    response = _patch(
        world.officer,
        f"/api/visits/{trip.visit.pk}",
        {"outcomes": "Memorandum signed", "institutions": [world.partner_b.pk]},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["outcomes"] == "Memorandum signed"
    assert body["discussion"] == "Exchange of students and teachers"
    assert body["institutions"] == [world.partner_b.pk]
    updates = AuditEntry.objects.filter(object_type="visits.visit", action="update").order_by("id")
    changes = [change for entry in updates for change in entry.changes]
    assert ("outcomes", "A memorandum to sign", "Memorandum signed") in changes
    assert ("institutions", [world.partner_a.pk], [world.partner_b.pk]) in changes


def test_the_visit_shows_its_follow_ups_open_first(world: World, trip: Trip) -> None:
    body = client_for(world.leadership).get(f"/api/visits/{trip.visit.pk}").json()
    assert [item["id"] for item in body["follow_ups"]] == [
        trip.overdue.pk,
        trip.open.pk,
        trip.done.pk,
    ]
    overdue = body["follow_ups"][0]
    assert overdue["overdue"] is True
    assert overdue["owner"] == world.adviser.pk
    assert overdue["owner_name"] == world.adviser.username
    assert body["follow_ups"][1]["overdue"] is False
    assert body["follow_ups"][2]["overdue"] is False


def test_list_filters_by_institution_met(world: World, trip: Trip) -> None:
    other = record_visit(world, "Visit to Krakow", starts_on=days(-400), ends_on=None)
    other.institutions.set([world.partner_b])
    client = client_for(world.leadership)
    assert client.get("/api/visits").json()["count"] == 2
    found = client.get(f"/api/visits?institution={world.partner_b.pk}").json()["items"]
    assert [item["id"] for item in found] == [other.pk]


def test_newest_visit_first(world: World, trip: Trip) -> None:
    newer = record_visit(world, "Later visit", starts_on=days(-10), ends_on=None)
    items = client_for(world.officer).get("/api/visits").json()["items"]
    assert [item["id"] for item in items] == [newer.pk, trip.visit.pk]


def test_history_holds_the_visit_and_its_follow_ups(world: World, trip: Trip) -> None:
    _post(world.officer, f"/api/follow-ups/{trip.open.pk}/done", {})
    body = client_for(world.leadership).get(f"/api/visits/{trip.visit.pk}/history").json()
    kinds = {(item["object_type"], item["action"]) for item in body["items"]}
    assert ("visits.visit", "create") in kinds
    assert ("visits.followup", "create") in kinds
    assert ("visits.followup", "update") in kinds
    assert body["items"][0]["object_id"] == str(trip.open.pk)


# Follow-up actions


def test_officer_adds_a_follow_up(world: World, trip: Trip) -> None:
    payload = {
        "title": "Send the base of academic advisers to AzTU",
        "owner": world.faculty_coordinator.pk,
        "due_on": str(days(14)),
        "concerns": world.partner_a.pk,
        "notes": "With the PhD topics",
    }
    response = _post(world.officer, f"/api/visits/{trip.visit.pk}/follow-ups", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["visit"] == trip.visit.pk
    assert body["concerns"] == world.partner_a.pk
    assert body["done_on"] is None
    entry = AuditEntry.objects.get(object_type="visits.followup", object_id=str(body["id"]))
    assert entry.action == "create"
    assert entry.subject == f"visits.visit:{trip.visit.pk}"
    assert (entry.after or {})["owner"] == world.faculty_coordinator.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"owner": "partner_a_coordinator"}, "owner"),
        ({"owner": 1_000_000}, "owner"),
        ({"concerns": 1_000_000}, "concerns"),
        ({"due_on": None}, "due_on"),
        ({"done_on": "2020-01-01"}, "done_on"),
        ({"visit": 3}, "visit"),
    ],
)
def test_bad_follow_up_names_the_field(
    world: World, trip: Trip, change: dict[str, Any], field: str
) -> None:
    if change.get("owner") == "partner_a_coordinator":
        change = {"owner": world.partner_a_coordinator.pk}
    payload = {"title": "Call", "owner": world.adviser.pk, "due_on": str(days(3))} | change
    response = _post(world.officer, f"/api/visits/{trip.visit.pk}/follow-ups", payload)
    assert response.status_code == 422, response.json()
    assert field in _fields(response)
    assert not FollowUp.objects.filter(title="Call").exists()


def test_follow_up_patch_refuses_a_partner_owner(world: World, trip: Trip) -> None:
    url = f"/api/follow-ups/{trip.open.pk}"
    response = _patch(world.officer, url, {"owner": world.partner_b_coordinator.pk})
    assert response.status_code == 422
    assert "owner" in _fields(response)
    assert "home university" in str(response.json())
    assert FollowUp.objects.get(pk=trip.open.pk).owner == world.adviser


def test_follow_up_patch(world: World, trip: Trip) -> None:
    url = f"/api/follow-ups/{trip.open.pk}"
    response = _patch(world.officer, url, {"owner": world.leadership.pk, "due_on": str(days(1))})
    assert response.status_code == 200, response.json()
    assert response.json()["owner"] == world.leadership.pk
    entry = AuditEntry.objects.get(object_type="visits.followup", action="update")
    assert {field: new for field, _old, new in entry.changes} == {
        "owner": world.leadership.pk,
        "due_on": str(days(1)),
    }


def test_done_and_reopen_are_audited_and_repeatable(world: World, trip: Trip) -> None:
    url = f"/api/follow-ups/{trip.open.pk}"
    done = _post(world.adviser, f"{url}/done", {})
    assert done.json()["done_on"] == str(days(0))
    assert _post(world.adviser, f"{url}/done", {}).json()["done_on"] == str(days(0))
    entries = AuditEntry.objects.filter(object_type="visits.followup", action="update")
    assert [entry.changes for entry in entries] == [[("done_on", None, str(days(0)))]]
    assert entries.get().actor == world.adviser
    reopened = _post(world.adviser, f"{url}/reopen", {})
    assert reopened.json()["done_on"] is None
    assert reopened.json()["overdue"] is False
    assert entries.all().count() == 2


def test_deleting_a_visit_audits_its_follow_ups(world: World, trip: Trip) -> None:
    assert client_for(world.officer).delete(f"/api/visits/{trip.visit.pk}").status_code == 204
    deleted = AuditEntry.objects.filter(action="delete").exclude(
        object_type="visits.visit_institutions"
    )
    assert {(entry.object_type, entry.object_id) for entry in deleted} == {
        ("visits.visit", str(trip.visit.pk)),
        *{("visits.followup", str(item.pk)) for item in (trip.overdue, trip.open, trip.done)},
    }
    assert {entry.actor for entry in deleted} == {world.officer}
    assert not FollowUp.objects.exists()


def test_follow_ups_default_to_mine_except_for_officers(world: World, trip: Trip) -> None:
    add_follow_up(world, trip.visit, "Leadership's own", world.leadership, 5)
    own = client_for(world.leadership).get("/api/follow-ups").json()
    assert [item["title"] for item in own["items"]] == ["Leadership's own"]
    assert client_for(world.adviser).get("/api/follow-ups").json()["count"] == 3
    assert client_for(world.officer).get("/api/follow-ups").json()["count"] == 4
    assert client_for(world.officer).get("/api/follow-ups?mine=true").json()["count"] == 0
    everyone = client_for(world.leadership).get("/api/follow-ups?mine=false").json()
    assert everyone["count"] == 4
    by_owner = client_for(world.leadership).get(f"/api/follow-ups?owner={world.adviser.pk}")
    assert by_owner.json()["count"] == 3


def test_follow_up_filters(world: World, trip: Trip) -> None:
    client = client_for(world.adviser)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"/api/follow-ups?{query}").json()["items"]]

    assert ids("") == [trip.overdue.pk, trip.open.pk, trip.done.pk]
    assert ids("open=true") == [trip.overdue.pk, trip.open.pk]
    assert ids("open=false") == [trip.done.pk]
    assert ids(f"open=true&due_before={days(0)}") == [trip.overdue.pk]
    assert client.get("/api/follow-ups?due_before=soon").status_code == 422


def test_list_query_counts_do_not_grow(
    world: World, trip: Trip, django_assert_num_queries: Any
) -> None:
    client = client_for(world.officer)
    # Session, user, institution, roles, count, visits, institutions met, follow-ups.
    with django_assert_num_queries(8):
        assert client.get("/api/visits").json()["count"] == 1
    with django_assert_num_queries(6):
        assert client.get("/api/follow-ups").json()["count"] == 3
    for number in range(10):
        visit = record_visit(world, f"Visit {number}")
        add_follow_up(world, visit, f"Follow-up {number}", world.leadership, number)
    with django_assert_num_queries(8):
        assert client.get("/api/visits").json()["count"] == 11
    with django_assert_num_queries(6):
        assert client.get("/api/follow-ups").json()["count"] == 13
