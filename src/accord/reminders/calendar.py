"""A user's calendar feed (iCalendar): the ends of the agreements in effect they may see and
the deadlines of their own open follow-up actions, as all-day events."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Calendar, Event

from accord.accounts.models import User
from accord.agreements.access import agreements_for
from accord.reminders.models import follow_up_url
from accord.reminders.service import IN_EFFECT
from accord.visits.models import FollowUp

PRODUCT_ID = "-//Accord//Reminders//EN"
_ONE_DAY = datetime.timedelta(days=1)


def _all_day(
    uid: str, day: datetime.date, summary: str, url: str, stamp: datetime.datetime
) -> Event:
    event = Event()
    event.add("uid", uid)
    # The last change of the record, so an unchanged event reads the same on every download.
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + _ONE_DAY)
    event.add("summary", summary)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


def feed(user: User, absolute: Callable[[str], str], domain: str) -> bytes:
    """The calendar of ``user``, in the active language; ``absolute`` makes a path a full URL
    and ``domain`` ends every event's UID."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", gettext("Accord: %(name)s") % {"name": user.get_username()})
    agreements = (
        agreements_for(user)
        .filter(status__in=IN_EFFECT, valid_until__isnull=False)
        .order_by("valid_until", "pk")
    )
    for agreement in agreements:
        assert agreement.valid_until is not None
        summary = gettext("Agreement ends: %(title)s") % {"title": agreement.display_title}
        event = _all_day(
            f"agreement-{agreement.pk}-ends@{domain}",
            agreement.valid_until,
            summary,
            absolute(reverse("agreement_detail", args=[agreement.pk])),
            agreement.modified,
        )
        if agreement.automatic_renewal:
            event.add(
                "description", gettext("It renews automatically unless a party gives notice.")
            )
        calendar.add_component(event)
    # Follow-up actions keep no time of change: the download's time stands for it.
    now = timezone.now()
    follow_ups = FollowUp.objects.filter(owner=user, done_on__isnull=True)
    for follow_up in follow_ups.order_by("due_on", "pk"):
        event = _all_day(
            f"follow-up-{follow_up.pk}@{domain}",
            follow_up.due_on,
            gettext("Follow-up due: %(title)s") % {"title": follow_up.title},
            absolute(follow_up_url(follow_up.visit_id)),
            now,
        )
        if follow_up.notes:
            event.add("description", follow_up.notes)
        calendar.add_component(event)
    return calendar.to_ical()
