"""The notifications page, marking read, the header badge and the account page's calendar
section: access and denial per persona, and query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from accord.accounts.models import User
from accord.core.models import AuditAction, AuditEntry
from accord.reminders.models import FOLLOW_UP_FALLBACK_URL, Notification, NotificationKind
from accord.reminders.service import send_reminders
from accord.reminders.tests.helpers import TODAY, agreement_with, days, follow_up
from conftest import SIGNED_IN, World, client_for


def _notify(user: User, number: int = 1, **fields: Any) -> Notification:
    fields.setdefault("kind", NotificationKind.FOLLOW_UP_DUE)
    fields.setdefault("params", {"title": f"Task {number}", "due_on": "2026-03-09", "days": 7})
    return Notification.objects.create(user=user, key=f"test:{user.pk}:{number}", **fields)


def _notification_queries(queries: list[dict[str, Any]]) -> list[str]:
    return [query["sql"] for query in queries if "reminders_notification" in query["sql"]]


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_each_persona_sees_only_their_own(world: World, persona: str) -> None:
    for number, name in enumerate(SIGNED_IN):
        _notify(
            getattr(world, name), number, params={"title": f"For {name}", "due_on": "2026-03-09"}
        )
    page = client_for(getattr(world, persona)).get(reverse("notification_list"))
    assert page.status_code == 200
    shown = {name for name in SIGNED_IN if f"“For {name}”" in page.content.decode()}
    assert shown == {persona}


def test_anonymous_is_sent_to_log_in(world: World) -> None:
    for url in (reverse("notification_list"),):
        response = client_for(None).get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
    for url in (
        reverse("notification_read", args=[_notify(world.officer).pk]),
        reverse("notifications_read_all"),
        reverse("reset_calendar_key"),
        reverse("set_mail_language"),
    ):
        response = client_for(None).post(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
    assert Notification.objects.get().read_at is None


def test_list_links_to_the_object_newest_first_unread_highlighted(world: World) -> None:
    agreement = agreement_with(world, world.partner_a, valid_until=days(30))
    action = follow_up(world.officer, days(2))
    send_reminders(TODAY)
    page = client_for(world.officer).get(reverse("notification_list")).content.decode()
    agreement_link = reverse("agreement_detail", args=[agreement.pk])
    assert f'href="{agreement_link}"' in page
    assert action.visit is not None
    try:
        visit_link = reverse("visit_detail", kwargs={"pk": action.visit.pk})
    except NoReverseMatch:
        visit_link = FOLLOW_UP_FALLBACK_URL
    assert f'href="{visit_link}"' in page
    # The follow-up reminder was made after the agreement's: it comes first.
    assert page.index("Send the PhD topics") < page.index("Memorandum with Partner A")
    assert page.count('class="unread"') == 2
    Notification.objects.filter(agreement=agreement).update(read_at="2026-03-02T10:00Z")
    page = client_for(world.officer).get(reverse("notification_list")).content.decode()
    assert page.count('class="unread"') == 1


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_mark_one_read_only_ones_own(world: World, persona: str) -> None:
    user = getattr(world, persona)
    own, other = (
        _notify(user, 1),
        _notify(
            world.partner_a_coordinator if persona != "partner_a_coordinator" else world.officer, 2
        ),
    )
    client = client_for(user)
    assert client.post(reverse("notification_read", args=[other.pk])).status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None
    response = client.post(reverse("notification_read", args=[own.pk]))
    assert response.status_code == 302
    assert Notification.objects.get(pk=own.pk).read_at is not None
    entry = AuditEntry.objects.get(object_type="reminders.notification", object_id=str(own.pk))
    assert (entry.action, entry.actor) == (AuditAction.UPDATE, user)


def test_mark_read_is_post_only(world: World) -> None:
    notification = _notify(world.officer)
    client = client_for(world.officer)
    assert client.get(reverse("notification_read", args=[notification.pk])).status_code == 405
    assert client.get(reverse("notifications_read_all")).status_code == 405


def test_mark_read_with_htmx_answers_the_row_and_the_badge(world: World) -> None:
    first, _second = _notify(world.officer, 1), _notify(world.officer, 2)
    response = client_for(world.officer).post(
        reverse("notification_read", args=[first.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="notification-{first.pk}"' in body
    assert 'class="unread"' not in body
    assert 'id="notification-badge" hx-swap-oob="true"' in body
    assert ">1</span>" in body


def test_mark_all_read_marks_only_ones_own(world: World) -> None:
    mine = [_notify(world.partner_b_coordinator, number) for number in range(3)]
    theirs = _notify(world.partner_a_coordinator, 9)
    response = client_for(world.partner_b_coordinator).post(
        reverse("notifications_read_all"), follow=True
    )
    assert "3 notifications marked read." in response.content.decode()
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    htmx = client_for(world.partner_b_coordinator).post(
        reverse("notifications_read_all"), HTTP_HX_REQUEST="true"
    )
    assert 'id="notification-list"' in htmx.content.decode()


def test_header_badge(world: World) -> None:
    _notify(world.officer, 1)
    _notify(world.officer, 2)
    _notify(world.adviser, 3)
    page = client_for(world.officer).get(reverse("agreement_list")).content.decode()
    assert reverse("notification_list") in page
    assert '<span class="visually-hidden">unread: </span>2</span>' in page
    client_for(world.officer).post(reverse("notifications_read_all"))
    page = client_for(world.officer).get(reverse("agreement_list")).content.decode()
    assert "unread: " not in page
    anonymous = client_for(None).get(reverse("public_directory")).content.decode()
    assert reverse("notification_list") not in anonymous


def test_header_badge_costs_one_query_and_none_for_anonymous(world: World) -> None:
    _notify(world.officer)
    with CaptureQueriesContext(connection) as queries:
        assert client_for(world.officer).get(reverse("agreement_list")).status_code == 200
    assert len(_notification_queries(queries.captured_queries)) == 1
    with CaptureQueriesContext(connection) as queries:
        assert client_for(None).get(reverse("public_directory")).status_code == 200
    assert _notification_queries(queries.captured_queries) == []


def test_list_query_count_does_not_grow(world: World) -> None:
    agreement = agreement_with(world, world.partner_a, valid_until=days(30))
    action = follow_up(world.officer, days(2))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client_for(world.officer).get(reverse("notification_list"))
            assert response.status_code == 200
        return len(queries.captured_queries)

    _notify(
        world.officer,
        0,
        kind=NotificationKind.AGREEMENT_EXPIRY,
        agreement=agreement,
        params={"title": "x", "valid_until": "2026-04-01", "days": 30},
    )
    few = count()
    for number in range(1, 30):
        if number % 2:
            _notify(world.officer, number, follow_up=action)
        else:
            _notify(
                world.officer,
                number,
                kind=NotificationKind.AGREEMENT_EXPIRY,
                agreement=agreement,
                params={"title": "x", "valid_until": "2026-04-01", "days": 30},
            )
    assert count() == few
    # The page, the paginator's count and the badge's count.
    with CaptureQueriesContext(connection) as queries:
        client_for(world.officer).get(reverse("notification_list"))
    assert len(_notification_queries(queries.captured_queries)) == 3


def test_messages_follow_the_readers_language(world: World) -> None:
    agreement_with(
        world,
        world.partner_a,
        valid_until=days(30),
        title="Memorandum of Understanding",
        titles={"uk": "Меморандум про взаєморозуміння"},
    )
    send_reminders(TODAY)
    client = client_for(world.partner_a_coordinator)
    client.cookies["django_language"] = "uk"
    assert (
        "Меморандум про взаєморозуміння"
        in client.get(reverse("notification_list")).content.decode()
    )
    client.cookies["django_language"] = "en"
    assert (
        "Memorandum of Understanding" in client.get(reverse("notification_list")).content.decode()
    )


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_account_page_makes_and_resets_the_calendar_address(world: World, persona: str) -> None:
    user = getattr(world, persona)
    client = client_for(user)
    page = client.get(reverse("account")).content.decode()
    assert "You have no calendar address yet." in page
    response = client.post(reverse("reset_calendar_key"), follow=True)
    key = User.objects.get(pk=user.pk).calendar_key
    assert key
    assert reverse("calendar_feed", args=[key]) in response.content.decode()
    client.post(reverse("reset_calendar_key"))
    new_key = User.objects.get(pk=user.pk).calendar_key
    assert new_key
    assert new_key != key
    page = client.get(reverse("account")).content.decode()
    assert reverse("calendar_feed", args=[new_key]) in page
    assert reverse("calendar_feed", args=[key]) not in page
    entries = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk))
    assert entries.count() == 2
    for entry in entries:
        assert entry.after is not None
        assert entry.after["calendar_key"] == "********"
        assert key not in str(entry.before) + str(entry.after)


def test_reset_is_post_only(world: World) -> None:
    assert client_for(world.officer).get(reverse("reset_calendar_key")).status_code == 405
    assert User.objects.get(pk=world.officer.pk).calendar_key is None


def test_mail_language_is_chosen_on_the_account_page(world: World) -> None:
    client = client_for(world.adviser)
    response = client.post(reverse("set_mail_language"), {"language": "az"}, follow=True)
    assert response.status_code == 200
    assert User.objects.get(pk=world.adviser.pk).language == "az"
    assert AuditEntry.objects.filter(
        object_type="accounts.user", action=AuditAction.UPDATE
    ).exists()
    client.post(reverse("set_mail_language"), {"language": "xx"})
    assert User.objects.get(pk=world.adviser.pk).language == "az"
