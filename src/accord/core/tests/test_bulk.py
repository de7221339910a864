"""The fast insert stores what bulk_create would: every kind of value, keys set."""

from __future__ import annotations

import datetime
from typing import Any

from accord.core import audit, bulk
from accord.core.models import AuditAction, AuditEntry
from accord.exchanges.models import Person, PersonKind


def test_insert_stores_dates_numbers_json_and_timestamps_and_sets_keys(world: Any) -> None:
    people = [
        Person(
            first_name=f"Name {n}",
            last_name="Aliyeva",
            kind=PersonKind.STUDENT,
            citizenship="AZ",
            institution=world.partner_a,
            birth_date=datetime.date(2001, 2, n + 1),
        )
        for n in range(3)
    ]
    bulk.insert(people)
    stored = Person.objects.get(pk=people[2].pk)
    assert (stored.first_name, stored.birth_date) == ("Name 2", datetime.date(2001, 2, 3))
    assert stored.created is not None
    entries = [
        audit.entry(None, AuditAction.CREATE, person, None, {"n": "1.5", "p": [1]})
        for person in people
    ]
    bulk.insert(entries)
    entry = AuditEntry.objects.get(pk=entries[0].pk)
    assert entry.after == {"n": "1.5", "p": [1]}
    assert entry.object_id == str(people[0].pk)
