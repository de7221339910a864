"""The notifications API: each persona sees and changes only their own."""

from __future__ import annotations

import pytest
from django.test import Client

from accord.accounts.actions import issue_token
from accord.accounts.models import User
from accord.reminders.models import Notification, NotificationKind
from accord.reminders.service import send_reminders
from accord.reminders.tests.helpers import TODAY, agreement_with, days
from conftest import SIGNED_IN, World, client_for


def _notify(user: User, number: int) -> Notification:
    return Notification.objects.create(
        user=user,
        key=f"test:{number}",
        kind=NotificationKind.FOLLOW_UP_DUE,
        params={"title": f"Task {number}", "due_on": "2026-03-09", "days": 7},
    )


def _everyone(world: World) -> dict[str, Notification]:
    return {name: _notify(getattr(world, name), number) for number, name in enumerate(SIGNED_IN)}


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_list_shows_only_ones_own(world: World, persona: str) -> None:
    notifications = _everyone(world)
    response = client_for(getattr(world, persona)).get("/api/notifications")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [item["id"] for item in body["items"]] == [notifications[persona].pk]
    assert body["items"][0]["message"] == (
        f"The follow-up action “Task {SIGNED_IN.index(persona)}” is due on March 9, 2026."
    )


def test_anonymous_gets_401(world: World) -> None:
    notification = _notify(world.officer, 1)
    anonymous = Client()
    assert anonymous.get("/api/notifications").status_code == 401
    assert anonymous.post(f"/api/notifications/{notification.pk}/read").status_code == 401
    assert anonymous.post("/api/notifications/read-all").status_code == 401
    assert Notification.objects.get().read_at is None


def test_bearer_token(world: World) -> None:
    _everyone(world)
    _token, raw = issue_token(world.partner_b_coordinator, "script")
    response = Client().get("/api/notifications", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [item["params"]["title"] for item in response.json()["items"]] == ["Task 5"]


def test_unread_filter_and_pagination(world: World) -> None:
    for number in range(5):
        _notify(world.officer, number)
    Notification.objects.filter(key__in=["test:0", "test:1"]).update(read_at="2026-03-02T10:00Z")
    client = client_for(world.officer)
    assert client.get("/api/notifications?unread=true").json()["count"] == 3
    assert client.get("/api/notifications?unread=false").json()["count"] == 2
    page = client.get("/api/notifications?page_size=2&page=1").json()
    assert page["count"] == 5
    assert [item["params"]["title"] for item in page["items"]] == ["Task 4", "Task 3"]


def test_links_and_targets(world: World) -> None:
    agreement = agreement_with(world, world.partner_a, valid_until=days(30))
    send_reminders(TODAY)
    item = client_for(world.partner_a_coordinator).get("/api/notifications").json()["items"][0]
    assert item["agreement_id"] == agreement.pk
    assert item["url"] == f"/agreements/{agreement.pk}/"
    assert item["kind"] == "agreement_expiry"


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_read_one_only_ones_own(world: World, persona: str) -> None:
    notifications = _everyone(world)
    client = client_for(getattr(world, persona))
    for name, notification in notifications.items():
        response = client.post(f"/api/notifications/{notification.pk}/read")
        if name == persona:
            assert response.status_code == 200
            assert response.json()["read_at"] is not None
        else:
            assert response.status_code == 404
    read = set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True))
    assert read == {notifications[persona].pk}


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_read_all_only_ones_own(world: World, persona: str) -> None:
    notifications = _everyone(world)
    _notify(getattr(world, persona), 99)
    response = client_for(getattr(world, persona)).post("/api/notifications/read-all")
    assert response.json() == {"marked": 2}
    unread = set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True))
    assert unread == {n.pk for name, n in notifications.items() if name != persona}
    again = client_for(getattr(world, persona)).post("/api/notifications/read-all")
    assert again.json() == {"marked": 0}


def test_unknown_notification_is_404(world: World) -> None:
    assert client_for(world.officer).post("/api/notifications/999999/read").status_code == 404
