"""The story's exchanges under the KhPI-AzTU protocol, and the nomination its quota refuses."""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command

from accord.agreements.models import Agreement
from accord.demo.story import PROTOCOL_TITLE
from accord.exchanges import rules
from accord.exchanges.models import Mobility, MobilityStatus, Person


def _demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_the_story_records_its_exchanges_and_refuses_the_fourth_student(db: Any) -> None:
    output = _demo()
    protocol = Agreement.objects.get(title=PROTOCOL_TITLE)
    statuses = dict(
        Mobility.objects.filter(agreement=protocol).values_list("person__last_name", "status")
    )
    assert statuses == {
        "Mammadli": MobilityStatus.ONGOING,
        "Guliyev": MobilityStatus.ACCEPTED,
        "Hasanova": MobilityStatus.NOMINATED,
        "Babayev": MobilityStatus.NOMINATED,
        "Melnyk": MobilityStatus.ACCEPTED,
        "Ivanenko": MobilityStatus.COMPLETED,
    }
    assert "Murad Aliyev: The quota Information technology" in output
    assert "allows 3 people; 3 are already nominated" in output
    assert not Mobility.objects.filter(person__last_name="Aliyev").exists()
    incoming = [
        use
        for key, use in rules.quota_use([protocol.pk]).items()
        if key.flow == "incoming"
        and key.mobility_type == "student_studies"
        and key.academic_year == "2026/2027"
    ]
    assert [(use.people, use.used_people) for use in incoming] == [(3, 3)]


def test_loading_the_story_again_adds_no_exchange(db: Any) -> None:
    _demo()
    counts = (Mobility.objects.count(), Person.objects.count())
    assert "refused" not in _demo()
    assert (Mobility.objects.count(), Person.objects.count()) == counts
