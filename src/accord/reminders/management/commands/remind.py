"""``accord remind``: send the reminders due today; run it once a day."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.reminders import service
from accord.reminders.tasks import send_reminders_task


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today: {value!r} is not a date written as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Send the reminders due today: agreements nearing their end and follow-up actions due "
        "or overdue, as notifications in Accord and one e-mail per person. Safe to run again: "
        "a reminder already sent is not sent twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", metavar="YYYY-MM-DD", help="Act as if today were this date (for tests)."
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Leave the work to the background worker instead of doing it now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["today"]) if options["today"] else timezone.localdate()
        if options["queue"]:
            result = send_reminders_task.enqueue(today.isoformat())
            self.stdout.write(f"Queued as task {result.id} for {today.isoformat()}.")
            return
        counts = service.send_reminders(today)
        self.stdout.write(
            self.style.SUCCESS(
                f"{today.isoformat()}: new notifications {counts['notifications']}, "
                f"people notified {counts['recipients']}, e-mails sent {counts['emails']}, "
                f"e-mails failed {counts['email_failures']}"
            )
        )
