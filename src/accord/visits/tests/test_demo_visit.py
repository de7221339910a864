"""The demo story's visit: the rector in Baku, and the follow-up actions it left."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accord.core.models import AuditEntry
from accord.demo import story
from accord.visits.models import FollowUp, Visit


@pytest.fixture
def demo(db: Any) -> None:
    call_command("demo", stdout=StringIO())


def test_the_rectors_visit_to_the_three_universities(demo: None) -> None:
    visit = Visit.objects.get()
    assert visit.starts_on.year == 2018
    assert (visit.city, visit.country) == ("Baku", "AZ")
    assert "Yevgen Sokol" in visit.delegation
    assert set(visit.institutions.values_list("name", flat=True)) == {
        "Baku State University",
        "Azerbaijan Technical University",
        "Azerbaijan State Oil and Industry University",
    }
    for words in ("PhD", "oil and gas production", "information technology"):
        assert words in visit.discussion
    assert "Memorandum of Understanding" in visit.outcomes
    assert AuditEntry.objects.filter(object_type="visits.visit", action="create").count() == 1


def test_follow_ups_open_overdue_and_done(demo: None) -> None:
    follow_ups = list(FollowUp.objects.select_related("owner"))
    assert all(item.owner.is_home for item in follow_ups)
    by_title = {item.title: item for item in follow_ups}
    advisers = by_title["Send the base of academic advisers and PhD topics to AzTU"]
    assert advisers.owner.username == "officer"
    assert advisers.done_on is None
    assert not advisers.is_overdue
    assert "Send the proposal package to BSU, AzTU and ASOIU" in by_title
    assert "Offer AzTU students places in our master's programmes" in by_title
    assert sum(item.is_overdue for item in follow_ups) == 1
    assert sum(item.done_on is not None for item in follow_ups) == 1
    assert AuditEntry.objects.filter(object_type="visits.followup").count() == len(follow_ups)


def test_loading_again_adds_nothing(demo: None) -> None:
    counts = (Visit.objects.count(), FollowUp.objects.count(), AuditEntry.objects.count())
    call_command("demo", stdout=StringIO())
    assert (Visit.objects.count(), FollowUp.objects.count(), AuditEntry.objects.count()) == counts


def test_the_officer_logs_in_and_sees_the_tasks(demo: None) -> None:
    client = Client()
    assert client.login(username="officer", password=story.DEMO_PASSWORD)
    response = client.get(reverse("task_list"))
    assert [item.title for item in response.context["open"]][:1] == [
        "Send the proposal package to BSU, AzTU and ASOIU"
    ]
    assert "Overdue" in response.content.decode()
    partner = Client()
    assert partner.login(username="aztu", password=story.DEMO_PASSWORD)
    assert partner.get("/api/visits").json()["count"] == 0
