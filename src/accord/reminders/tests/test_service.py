"""Which reminders are due, to whom, exactly once; the e-mails; the command and the task."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from accord.accounts.models import User
from accord.agreements.models import AgreementStatus
from accord.core.models import AuditAction, AuditEntry
from accord.reminders.models import Notification, NotificationKind
from accord.reminders.service import due_reminders, send_reminders, window_for
from accord.reminders.tasks import send_reminders_task
from accord.reminders.tests.helpers import TODAY, agreement_with, days, follow_up
from conftest import World


def _windows(user: User) -> list[int]:
    notifications = Notification.objects.filter(user=user, kind=NotificationKind.AGREEMENT_EXPIRY)
    return sorted((n.params["window"] for n in notifications), reverse=True)


@pytest.mark.parametrize(
    ("days_left", "window"),
    [(200, None), (181, None), (180, 180), (91, 180), (90, 90), (31, 90), (30, 30), (0, 30)],
)
def test_window_for(days_left: int, window: int | None) -> None:
    assert window_for(days_left, [180, 90, 30]) == window
    assert window_for(-1, [180, 90, 30]) is None


@pytest.mark.parametrize("threshold", [180, 90, 30])
def test_each_threshold_reminds_on_the_day_it_is_reached(world: World, threshold: int) -> None:
    agreement_with(world, world.partner_a, valid_until=days(threshold))
    assert send_reminders(days(-1))["notifications"] == (0 if threshold == 180 else 2)
    Notification.objects.all().delete()
    counts = send_reminders(TODAY)
    assert counts["notifications"] == 2
    notification = Notification.objects.get(user=world.officer)
    assert notification.params["window"] == threshold
    assert notification.params["days"] == threshold


def test_daily_runs_give_one_reminder_per_threshold(world: World) -> None:
    agreement_with(world, world.partner_a, valid_until=days(200))
    for day in range(230):
        send_reminders(days(day))
    assert _windows(world.officer) == [180, 90, 30]
    assert _windows(world.partner_a_coordinator) == [180, 90, 30]
    assert Notification.objects.count() == 6


def test_running_twice_creates_nothing(world: World) -> None:
    agreement_with(world, world.partner_a, valid_until=days(90))
    follow_up(world.officer, days(3))
    first = send_reminders(TODAY)
    assert first["notifications"] == 3
    second = send_reminders(TODAY)
    assert second == {"notifications": 0, "recipients": 0, "emails": 0, "email_failures": 0}
    assert Notification.objects.count() == 3


def test_a_threshold_crossed_on_skipped_days_is_reminded_once(world: World) -> None:
    agreement_with(world, world.partner_a, valid_until=days(100))
    send_reminders(TODAY)  # 100 days left: the 180-day reminder
    assert _windows(world.officer) == [180]
    send_reminders(days(15))  # the runs of the days when 90 were left did not happen
    assert _windows(world.officer) == [180, 90]
    send_reminders(days(16))
    send_reminders(days(20))
    assert _windows(world.officer) == [180, 90]


def test_an_agreement_first_seen_inside_a_narrow_window_gets_that_reminder_only(
    world: World,
) -> None:
    agreement_with(world, world.partner_a, valid_until=days(20))
    send_reminders(TODAY)
    assert _windows(world.officer) == [30]


def test_agreements_past_their_end_get_none(world: World) -> None:
    agreement_with(world, world.partner_a, valid_until=days(-1))
    agreement_with(world, world.partner_a, valid_until=None)
    assert due_reminders(TODAY) == []
    ends_today = agreement_with(world, world.partner_a, valid_until=TODAY)
    send_reminders(TODAY)
    assert Notification.objects.filter(agreement=ends_today).count() == 2
    assert send_reminders(days(1))["notifications"] == 0


@pytest.mark.parametrize(
    "status",
    [
        AgreementStatus.DRAFT,
        AgreementStatus.NEGOTIATION,
        AgreementStatus.INTERNAL_APPROVAL,
        AgreementStatus.EXPIRED,
        AgreementStatus.TERMINATED,
    ],
)
def test_agreements_not_in_effect_get_none(world: World, status: AgreementStatus) -> None:
    agreement_with(world, world.partner_a, valid_until=days(30), status=status)
    assert due_reminders(TODAY) == []


def test_signed_agreements_get_them_too(world: World) -> None:
    agreement_with(world, world.partner_a, valid_until=days(30), status=AgreementStatus.SIGNED)
    assert len(due_reminders(TODAY)) == 2


def test_windows_come_from_the_setting(world: World, settings: Any) -> None:
    settings.ACCORD_EXPIRY_REMINDER_DAYS = "60, 7"
    agreement_with(world, world.partner_a, valid_until=days(90))
    agreement_with(world, world.partner_a, valid_until=days(60))
    send_reminders(TODAY)
    assert _windows(world.officer) == [60]
    settings.ACCORD_EXPIRY_REMINDER_DAYS = []
    assert due_reminders(TODAY) == []


def test_automatic_renewal_is_said(world: World) -> None:
    agreement_with(world, world.partner_a, valid_until=days(30), automatic_renewal=True)
    agreement_with(world, world.partner_b, valid_until=days(30))
    send_reminders(TODAY)
    messages = {
        n.params["title"]: n.message for n in Notification.objects.filter(user=world.officer)
    }
    assert "renews automatically" in messages["Memorandum with Partner A University"]
    assert "renews automatically" not in messages["Memorandum with Partner B University"]
    assert "in 30 days" in messages["Memorandum with Partner B University"]


def test_recipients_are_officers_and_the_parties_coordinators(world: World) -> None:
    with_a = agreement_with(world, world.partner_a, valid_until=days(30))
    with_b = agreement_with(world, world.partner_b, valid_until=days(30))
    with_both = agreement_with(world, world.partner_a, world.partner_b, valid_until=days(30))
    send_reminders(TODAY)

    def recipients(agreement: Any) -> set[str]:
        return set(
            Notification.objects.filter(agreement=agreement).values_list(
                "user__username", flat=True
            )
        )

    assert recipients(with_a) == {"officer", "partner_a"}
    assert recipients(with_b) == {"officer", "partner_b"}
    assert recipients(with_both) == {"officer", "partner_a", "partner_b"}
    for persona in ("leadership", "faculty_coordinator", "adviser"):
        assert not Notification.objects.filter(user=getattr(world, persona)).exists()


def test_inactive_users_get_none(world: World) -> None:
    User.objects.filter(pk=world.partner_a_coordinator.pk).update(is_active=False)
    agreement_with(world, world.partner_a, valid_until=days(30))
    send_reminders(TODAY)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"officer"}


def test_follow_up_due_soon_then_overdue_once_each(world: World) -> None:
    action = follow_up(world.faculty_coordinator, days(7))
    follow_up(world.officer, days(8), title="Later")
    follow_up(world.officer, days(-3), title="Done", done_on=days(-4))
    send_reminders(TODAY)
    due = Notification.objects.get()
    assert (due.user, due.follow_up, due.kind) == (
        world.faculty_coordinator,
        action,
        NotificationKind.FOLLOW_UP_DUE,
    )
    assert "Send the PhD topics" in due.message
    for day in range(1, 8):
        send_reminders(days(day))
    assert Notification.objects.filter(follow_up=action).count() == 1
    send_reminders(days(8))
    send_reminders(days(9))
    overdue = Notification.objects.filter(follow_up=action).exclude(pk=due.pk).get()
    assert overdue.kind == NotificationKind.FOLLOW_UP_OVERDUE
    assert overdue.user == world.faculty_coordinator
    assert "is not done" in overdue.message


def test_a_follow_up_already_overdue_is_reminded_as_overdue_only(world: World) -> None:
    follow_up(world.officer, days(-10))
    send_reminders(TODAY)
    assert list(Notification.objects.values_list("kind", flat=True)) == [
        NotificationKind.FOLLOW_UP_OVERDUE
    ]


def test_notifications_are_audited_as_the_system(world: World) -> None:
    agreement_with(world, world.partner_a, valid_until=days(30))
    send_reminders(TODAY)
    entries = AuditEntry.objects.filter(object_type="reminders.notification")
    assert entries.count() == 2
    assert {(entry.action, entry.actor_id, entry.actor_name) for entry in entries} == {
        (AuditAction.CREATE, None, "system")
    }


def test_one_email_per_recipient_in_their_language(world: World) -> None:
    User.objects.filter(pk=world.officer.pk).update(email="officer@example.edu", language="uk")
    User.objects.filter(pk=world.partner_a_coordinator.pk).update(email="a@example.az")
    agreement_with(
        world,
        world.partner_a,
        valid_until=datetime.date(2026, 4, 1),
        title="Memorandum of Understanding",
        titles={"uk": "Меморандум про взаєморозуміння"},
    )
    follow_up(world.officer, days(2))
    follow_up(world.leadership, days(2))  # no address: in Accord only
    counts = send_reminders(TODAY)
    assert counts == {"notifications": 4, "recipients": 3, "emails": 2, "email_failures": 0}
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"officer@example.edu", "a@example.az"}
    ukrainian = by_address["officer@example.edu"].body
    assert "Меморандум про взаєморозуміння" in ukrainian
    assert "квітня" in ukrainian  # April, in Ukrainian
    assert "Send the PhD topics" in ukrainian
    english = by_address["a@example.az"].body
    assert "Memorandum of Understanding" in english
    assert "April" in english
    assert "Send the PhD topics" not in english
    assert (translation.get_language() or "").startswith("en")  # the override was undone
    send_reminders(TODAY)
    assert len(mail.outbox) == 2


def test_a_failing_mail_server_keeps_the_notifications(world: World, monkeypatch: Any) -> None:
    User.objects.filter(pk=world.officer.pk).update(email="officer@example.edu")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr("accord.reminders.service.send_mail", refuse)
    follow_up(world.officer, days(1))
    counts = send_reminders(TODAY)
    assert counts["emails"] == 0
    assert counts["email_failures"] == 1
    assert Notification.objects.count() == 1


def test_command(world: World) -> None:
    agreement_with(world, world.partner_a, valid_until=days(30))
    out = StringIO()
    call_command("remind", "--today", TODAY.isoformat(), stdout=out)
    assert "new notifications 2, people notified 2" in out.getvalue()
    assert Notification.objects.count() == 2
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("remind", "--today", "02.03.2026")


def test_command_queues_the_task(world: World, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    agreement_with(world, world.partner_a, valid_until=days(30))
    out = StringIO()
    call_command("remind", "--today", TODAY.isoformat(), "--queue", stdout=out)
    assert "Queued" in out.getvalue()
    assert Notification.objects.count() == 2


def test_task(world: World, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    follow_up(world.officer, days(1))
    result = send_reminders_task.enqueue(TODAY.isoformat())
    assert result.return_value is not None
    assert result.return_value["notifications"] == 1
