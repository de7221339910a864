"""Background work of the reminders."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from accord.reminders import service


@task()
def send_reminders_task(today: str | None = None) -> dict[str, int]:
    """Send the reminders due on ``today`` (ISO date; default: today where Accord runs)."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    return service.send_reminders(day)
