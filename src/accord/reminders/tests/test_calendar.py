"""The calendar feed: what each user's feed holds, its stable UIDs, and its secret address."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from accord.accounts.models import User
from accord.agreements.models import AgreementStatus
from accord.reminders.actions import reset_calendar_key
from accord.reminders.tests.helpers import agreement_with, days, follow_up
from conftest import SIGNED_IN, World, client_for


def _feed(user: User) -> Calendar:
    key = User.objects.get(pk=user.pk).calendar_key or reset_calendar_key(user)
    response = Client().get(reverse("calendar_feed", args=[key]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def _events(user: User) -> dict[str, tuple[str, object, str]]:
    """UID -> (summary, start, url)."""
    return {
        str(event["UID"]): (str(event["SUMMARY"]), event.decoded("DTSTART"), str(event["URL"]))
        for event in _feed(user).walk("VEVENT")
    }


@pytest.fixture
def agreements(world: World) -> dict[str, int]:
    return {
        "a": agreement_with(world, world.partner_a, valid_until=days(100)).pk,
        "b": agreement_with(world, world.partner_b, valid_until=days(200)).pk,
        "a_signed": agreement_with(
            world, world.partner_a, valid_until=days(10), status=AgreementStatus.SIGNED
        ).pk,
        "a_draft": agreement_with(
            world, world.partner_a, valid_until=days(50), status=AgreementStatus.DRAFT
        ).pk,
        "b_expired": agreement_with(
            world, world.partner_b, valid_until=days(-5), status=AgreementStatus.EXPIRED
        ).pk,
        "a_open_ended": agreement_with(world, world.partner_a, valid_until=None).pk,
    }


def _agreement_uids(events: dict[str, tuple[str, object, str]]) -> set[str]:
    return {uid for uid in events if uid.startswith("agreement-")}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("officer", {"a", "b", "a_signed"}),
        ("leadership", {"a", "b", "a_signed"}),
        ("faculty_coordinator", {"a", "b", "a_signed"}),
        ("adviser", {"a", "b", "a_signed"}),
        ("partner_a_coordinator", {"a", "a_signed"}),
        ("partner_b_coordinator", {"b"}),
    ],
)
def test_agreement_ends_in_each_personas_feed(
    world: World, agreements: dict[str, int], persona: str, expected: set[str]
) -> None:
    events = _events(getattr(world, persona))
    assert _agreement_uids(events) == {
        f"agreement-{agreements[name]}-ends@testserver" for name in expected
    }


def test_agreement_event_is_all_day_with_a_link(world: World, agreements: dict[str, int]) -> None:
    events = _events(world.partner_a_coordinator)
    summary, start, url = events[f"agreement-{agreements['a']}-ends@testserver"]
    assert summary == "Agreement ends: Memorandum with Partner A University"
    assert start == days(100)
    assert type(start) is datetime.date
    assert url == f"http://testserver/agreements/{agreements['a']}/"
    event = next(e for e in _feed(world.partner_a_coordinator).walk("VEVENT"))
    assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(days=1)


def test_own_open_follow_ups_only(world: World) -> None:
    mine = follow_up(world.officer, days(3), title="Send the PhD topics")
    follow_up(world.officer, days(4), title="Already done", done_on=days(1))
    follow_up(world.faculty_coordinator, days(5), title="Someone else's")
    events = _events(world.officer)
    assert {uid for uid in events if uid.startswith("follow-up-")} == {
        f"follow-up-{mine.pk}@testserver"
    }
    summary, start, _url = events[f"follow-up-{mine.pk}@testserver"]
    assert (summary, start) == ("Follow-up due: Send the PhD topics", days(3))
    assert not any(uid.startswith("follow-up-") for uid in _events(world.partner_a_coordinator))


def test_uids_are_stable_across_requests(world: World, agreements: dict[str, int]) -> None:
    follow_up(world.officer, days(3))
    first = _events(world.officer)
    second = _events(world.officer)
    assert set(first) == set(second)
    assert len(first) == 4


def test_the_feed_follows_the_users_language(world: World) -> None:
    agreement_with(
        world,
        world.partner_a,
        valid_until=days(30),
        title="Memorandum of Understanding",
        titles={"uk": "Меморандум про взаєморозуміння"},
    )
    User.objects.filter(pk=world.partner_a_coordinator.pk).update(language="uk")
    (summary, _start, _url) = next(iter(_events(world.partner_a_coordinator).values()))
    assert "Меморандум про взаєморозуміння" in summary


def test_unknown_key_is_404(world: World) -> None:
    assert Client().get(reverse("calendar_feed", args=["no-such-key"])).status_code == 404


def test_inactive_users_key_is_404(world: World) -> None:
    key = reset_calendar_key(world.adviser)
    User.objects.filter(pk=world.adviser.pk).update(is_active=False)
    assert Client().get(reverse("calendar_feed", args=[key])).status_code == 404


def test_reset_changes_the_address(world: World) -> None:
    client = client_for(world.partner_b_coordinator)
    client.post(reverse("reset_calendar_key"))
    old = User.objects.get(pk=world.partner_b_coordinator.pk).calendar_key
    assert old
    assert Client().get(reverse("calendar_feed", args=[old])).status_code == 200
    client.post(reverse("reset_calendar_key"))
    new = User.objects.get(pk=world.partner_b_coordinator.pk).calendar_key
    assert new
    assert new != old
    assert Client().get(reverse("calendar_feed", args=[old])).status_code == 404
    assert Client().get(reverse("calendar_feed", args=[new])).status_code == 200


def test_keys_are_unique_per_user(world: World) -> None:
    keys = {reset_calendar_key(getattr(world, name)) for name in SIGNED_IN}
    assert len(keys) == len(SIGNED_IN)
    assert all(len(key) >= 40 for key in keys)
