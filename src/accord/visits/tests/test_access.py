"""Every page and endpoint of visits, for every persona: who gets in, who is refused, how.

Visits are the home office's own record: home staff read them, home officers change them,
partner coordinators find nothing (404) and anonymous visitors are sent to log in (401 in the
API). A follow-up's owner may mark it done or open it again; officers may for anyone.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.visits.models import FollowUp, Visit
from accord.visits.tests.conftest import Trip, days
from conftest import HOME_STAFF, LOGIN, PARTNERS, PERSONAS, World, client_for, user_of


def read_outcome(persona: str, *, api: bool = False) -> Any:
    if persona == "anonymous":
        return 401 if api else LOGIN
    return 404 if persona in PARTNERS else 200


def change_outcome(persona: str, success: int, *, api: bool = False) -> Any:
    if persona == "anonymous":
        return 401 if api else LOGIN
    if persona in PARTNERS:
        return 404
    return success if persona == "officer" else 403


def mark_outcome(persona: str, success: int, *, api: bool = False) -> Any:
    """Marking the adviser's follow-up done: the adviser and the officer may."""
    if persona in ("adviser", "officer"):
        return success
    return change_outcome(persona, success, api=api)


def assert_outcome(response: Any, expected: Any) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, getattr(response, "content", b"")[:500]


# Pages


@pytest.mark.parametrize("persona", PERSONAS)
def test_visit_list(world: World, trip: Trip, persona: str) -> None:
    response = client_for(user_of(world, persona)).get(reverse("visit_list"))
    if persona == "anonymous":
        assert_outcome(response, LOGIN)
        return
    assert response.status_code == 200
    shown = trip.visit.title in response.content.decode()
    assert shown == (persona not in PARTNERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_visit_detail(world: World, trip: Trip, persona: str) -> None:
    response = client_for(user_of(world, persona)).get(
        reverse("visit_detail", args=[trip.visit.pk])
    )
    assert_outcome(response, read_outcome(persona))


@pytest.mark.parametrize("persona", PERSONAS)
def test_visit_create_page(world: World, persona: str) -> None:
    client = client_for(user_of(world, persona))
    expected: Any = {"officer": 200, "anonymous": LOGIN}.get(persona, 403)
    assert_outcome(client.get(reverse("visit_create")), expected)
    data = {"title": "Visit to Krakow", "kind": "outgoing", "starts_on": "2024-05-06"}
    posted = client.post(reverse("visit_create"), data)
    assert_outcome(posted, 302 if persona == "officer" else expected)
    assert Visit.objects.filter(title="Visit to Krakow").exists() == (persona == "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_visit_edit_page(world: World, trip: Trip, persona: str) -> None:
    client = client_for(user_of(world, persona))
    url = reverse("visit_edit", args=[trip.visit.pk])
    assert_outcome(client.get(url), change_outcome(persona, 200))
    data = {"title": "Renamed", "kind": "outgoing", "starts_on": "2018-04-23"}
    assert_outcome(client.post(url, data), change_outcome(persona, 302))
    assert (Visit.objects.get().title == "Renamed") == (persona == "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_visit_delete(world: World, trip: Trip, persona: str) -> None:
    client = client_for(user_of(world, persona))
    url = reverse("visit_delete", args=[trip.visit.pk])
    assert client.get(url).status_code in (302, 405)
    assert_outcome(client.post(url), change_outcome(persona, 302))
    assert Visit.objects.exists() == (persona != "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_follow_up_create_page(world: World, trip: Trip, persona: str) -> None:
    client = client_for(user_of(world, persona))
    url = reverse("follow_up_create", args=[trip.visit.pk])
    assert_outcome(client.get(url), change_outcome(persona, 200))
    data = {"title": "Call AzTU", "owner": world.leadership.pk, "due_on": "2030-01-01"}
    assert_outcome(client.post(url, data), change_outcome(persona, 302))
    assert FollowUp.objects.filter(title="Call AzTU").exists() == (persona == "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_follow_up_edit_page(world: World, trip: Trip, persona: str) -> None:
    client = client_for(user_of(world, persona))
    url = reverse("follow_up_edit", args=[trip.open.pk])
    assert_outcome(client.get(url), change_outcome(persona, 200))
    data = {"title": "Renamed", "owner": world.adviser.pk, "due_on": "2030-01-01"}
    assert_outcome(client.post(url, data), change_outcome(persona, 302))
    assert (FollowUp.objects.get(pk=trip.open.pk).title == "Renamed") == (persona == "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_follow_up_delete(world: World, trip: Trip, persona: str) -> None:
    client = client_for(user_of(world, persona))
    response = client.post(reverse("follow_up_delete", args=[trip.open.pk]))
    assert_outcome(response, change_outcome(persona, 302))
    assert FollowUp.objects.filter(pk=trip.open.pk).exists() == (persona != "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_follow_up_done_and_reopen_pages(world: World, trip: Trip, persona: str) -> None:
    client = client_for(user_of(world, persona))
    done = client.post(reverse("follow_up_done", args=[trip.open.pk]))
    assert_outcome(done, mark_outcome(persona, 302))
    marked = persona in ("adviser", "officer")
    assert (FollowUp.objects.get(pk=trip.open.pk).done_on is not None) == marked
    reopened = client.post(reverse("follow_up_reopen", args=[trip.done.pk]))
    assert_outcome(reopened, mark_outcome(persona, 302))
    assert (FollowUp.objects.get(pk=trip.done.pk).done_on is None) == marked


@pytest.mark.parametrize("persona", PERSONAS)
def test_task_list(world: World, trip: Trip, persona: str) -> None:
    response = client_for(user_of(world, persona)).get(reverse("task_list"))
    if persona == "anonymous":
        assert_outcome(response, LOGIN)
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert (trip.open.title in page) == (persona == "adviser")


@pytest.mark.parametrize("persona", PERSONAS)
def test_navigation_links(world: World, persona: str) -> None:
    page = client_for(user_of(world, persona)).get(reverse("home")).content.decode()
    home_staff = persona in ("officer", *HOME_STAFF)
    assert (reverse("visit_list") in page) == home_staff
    assert (reverse("task_list") in page) == home_staff


# API


def _api(world: World, persona: str, method: str, url: str, payload: Any = None) -> Any:
    client = client_for(user_of(world, persona))
    call = getattr(client, method)
    if payload is None:
        return call(url)
    return call(url, payload, content_type="application/json")


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_list_visits(world: World, trip: Trip, persona: str) -> None:
    response = _api(world, persona, "get", "/api/visits")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    expected = [] if persona in PARTNERS else [trip.visit.pk]
    assert [item["id"] for item in response.json()["items"]] == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_get_visit_and_history(world: World, trip: Trip, persona: str) -> None:
    expected = read_outcome(persona, api=True)
    assert _api(world, persona, "get", f"/api/visits/{trip.visit.pk}").status_code == expected
    history = _api(world, persona, "get", f"/api/visits/{trip.visit.pk}/history")
    assert history.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_create_visit(world: World, persona: str) -> None:
    payload = {"title": "Visit to Krakow", "starts_on": "2024-05-06"}
    response = _api(world, persona, "post", "/api/visits", payload)
    expected = {"officer": 201, "anonymous": 401}.get(persona, 403)
    assert response.status_code == expected
    assert Visit.objects.exists() == (persona == "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_change_and_delete_visit(world: World, trip: Trip, persona: str) -> None:
    url = f"/api/visits/{trip.visit.pk}"
    patched = _api(world, persona, "patch", url, {"title": "Renamed"})
    assert patched.status_code == change_outcome(persona, 200, api=True)
    assert (Visit.objects.get().title == "Renamed") == (persona == "officer")
    deleted = _api(world, persona, "delete", url)
    assert deleted.status_code == change_outcome(persona, 204, api=True)
    assert Visit.objects.exists() == (persona != "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_list_follow_ups(world: World, trip: Trip, persona: str) -> None:
    response = _api(world, persona, "get", "/api/follow-ups?mine=false")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response.json()["count"] == (0 if persona in PARTNERS else 3)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_get_follow_up(world: World, trip: Trip, persona: str) -> None:
    response = _api(world, persona, "get", f"/api/follow-ups/{trip.open.pk}")
    assert response.status_code == read_outcome(persona, api=True)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_create_follow_up(world: World, trip: Trip, persona: str) -> None:
    payload = {"title": "Call AzTU", "owner": world.leadership.pk, "due_on": str(days(5))}
    response = _api(world, persona, "post", f"/api/visits/{trip.visit.pk}/follow-ups", payload)
    assert response.status_code == change_outcome(persona, 201, api=True)
    assert FollowUp.objects.filter(title="Call AzTU").exists() == (persona == "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_change_and_delete_follow_up(world: World, trip: Trip, persona: str) -> None:
    url = f"/api/follow-ups/{trip.open.pk}"
    patched = _api(world, persona, "patch", url, {"title": "Renamed"})
    assert patched.status_code == change_outcome(persona, 200, api=True)
    assert (FollowUp.objects.get(pk=trip.open.pk).title == "Renamed") == (persona == "officer")
    deleted = _api(world, persona, "delete", url)
    assert deleted.status_code == change_outcome(persona, 204, api=True)
    assert FollowUp.objects.filter(pk=trip.open.pk).exists() == (persona != "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_done_and_reopen(world: World, trip: Trip, persona: str) -> None:
    done = _api(world, persona, "post", f"/api/follow-ups/{trip.open.pk}/done")
    assert done.status_code == mark_outcome(persona, 200, api=True)
    reopened = _api(world, persona, "post", f"/api/follow-ups/{trip.done.pk}/reopen")
    assert reopened.status_code == mark_outcome(persona, 200, api=True)
    marked = persona in ("adviser", "officer")
    assert (FollowUp.objects.get(pk=trip.open.pk).done_on is not None) == marked
    assert (FollowUp.objects.get(pk=trip.done.pk).done_on is None) == marked


def test_an_inactive_officer_changes_nothing(world: World, trip: Trip) -> None:
    world.officer.is_active = False
    world.officer.save()
    client = client_for(world.officer)
    assert client.get("/api/visits").status_code == 401
    assert client.get(reverse("visit_list")).status_code == 302
