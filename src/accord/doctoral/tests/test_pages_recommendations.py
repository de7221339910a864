"""Recommendation pages: an adviser's list of candidates recommended to them, the review's steps
with their forms, refused steps, the message thread, and the list's query count."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.core.models import AuditEntry
from accord.doctoral import actions
from accord.doctoral.models import Level, Message, Recommendation, RecommendationStatus
from conftest import client_for, count_queries, entries_of, html

from .conftest import Doctoral, make_candidate


def step(client: Any, recommendation: Recommendation, name: str, **data: Any) -> Any:
    url = reverse("recommendation_step", args=[recommendation.pk, name])
    return client.post(url, {f"{name}-{key}": value for key, value in data.items()}, follow=True)


def test_an_adviser_sees_the_candidates_recommended_to_them_unless_asking_for_all(
    doctoral: Doctoral,
) -> None:
    d = doctoral
    other = actions.recommend(d.world.partner_b_coordinator, d.candidate_b, topic=d.partners_topic)
    client = client_for(d.world.adviser)
    mine = {r.pk for r in client.get(reverse("recommendation_list")).context["page"]}
    assert mine == {d.recommendation_a.pk, d.recommendation_b.pk}
    everything = client.get(reverse("recommendation_list"), {"whose": "all"}).context["page"]
    assert {r.pk for r in everything} == {d.recommendation_a.pk, d.recommendation_b.pk, other.pk}
    # Those who are not advisers have no such filter and see all they may.
    officer = client_for(d.world.officer).get(reverse("recommendation_list"))
    assert "whose" not in officer.context["form"].fields
    assert len(officer.context["page"]) == 3


def test_the_list_filters_by_status_level_and_candidate(doctoral: Doctoral) -> None:
    d = doctoral
    actions.take_step(d.world.adviser, d.recommendation_b, "decline")
    spare = make_candidate(d.world, "partner_a", first_name="Aysel", last_name="Karimova")
    master = actions.recommend(d.world.officer, spare, adviser=d.own_adviser, level=Level.MASTER)
    client = client_for(d.world.officer)

    def listed(**params: Any) -> set[int]:
        return {r.pk for r in client.get(reverse("recommendation_list"), params).context["page"]}

    assert listed(status="declined") == {d.recommendation_b.pk}
    assert listed(level=Level.MASTER) == {master.pk}
    assert listed(q="nowak") == {d.recommendation_b.pk}


def test_the_adviser_schedules_an_interview_and_admits_the_candidate(doctoral: Doctoral) -> None:
    d = doctoral
    recommendation = d.recommendation_a
    client = client_for(d.world.adviser)
    page = html(
        step(
            client,
            recommendation,
            "schedule",
            interview_at="2026-10-05T10:30",
            interview_place="https://meet.example.org/phd",
        )
    )
    assert "Interview scheduled" in page
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.INTERVIEW
    assert timezone.localtime(recommendation.interview_at).replace(tzinfo=None) == (
        datetime.datetime(2026, 10, 5, 10, 30)
    )
    assert recommendation.interview_place == "https://meet.example.org/phd"
    # A note with the interview's record is sent as a message.
    step(client, recommendation, "interviewed", note="Strong on reservoir simulation.")
    assert Message.objects.get(recommendation=recommendation).text == (
        "Strong on reservoir simulation."
    )
    step(client, recommendation, "admit", note="Admitted from 1 October.")
    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.decision_note) == (
        RecommendationStatus.ADMITTED,
        "Admitted from 1 October.",
    )
    assert recommendation.decided is not None
    statuses = [(entry.after or {}).get("status") for entry in entries_of(recommendation)[1:]]
    assert statuses == ["interview", "interviewed", "admitted"]
    # Partner A reads the outcome and the note.
    partner_page = html(
        client_for(d.world.partner_a_coordinator).get(
            reverse("recommendation_detail", args=[recommendation.pk])
        )
    )
    assert "Admitted from 1 October." in partner_page
    assert "Strong on reservoir simulation." in partner_page


def test_scheduling_without_a_date_is_refused_and_changes_nothing(doctoral: Doctoral) -> None:
    d = doctoral
    before = AuditEntry.objects.count()
    page = html(step(client_for(d.world.adviser), d.recommendation_a, "schedule", interview_at=""))
    assert "This field is required." in page
    assert Recommendation.objects.get(pk=d.recommendation_a.pk).status == "recommended"
    assert AuditEntry.objects.count() == before


def test_a_step_the_state_does_not_allow_is_refused_with_the_reason(doctoral: Doctoral) -> None:
    d = doctoral
    client = client_for(d.world.adviser)
    step(client, d.recommendation_a, "decline", note="No place this year.")
    before = AuditEntry.objects.count()
    page = html(step(client, d.recommendation_a, "admit"))
    assert "cannot be changed by" in page
    assert Recommendation.objects.get(pk=d.recommendation_a.pk).status == "declined"
    assert AuditEntry.objects.count() == before


def test_the_steps_offered_are_the_user_s(doctoral: Doctoral) -> None:
    d = doctoral
    url = reverse("recommendation_detail", args=[d.recommendation_a.pk])
    adviser_page = html(client_for(d.world.adviser).get(url))
    partner_page = html(client_for(d.world.partner_a_coordinator).get(url))
    leadership_page = html(client_for(d.world.leadership).get(url))
    for label in ("Schedule an interview", "Admit", "Decline"):
        assert f">{label}</button>" in adviser_page
        assert f">{label}</button>" not in partner_page
    assert ">Withdraw</button>" in partner_page
    assert ">Withdraw</button>" not in adviser_page
    assert "</button>" not in leadership_page.split("<main", 1)[1].split("History", 1)[0]


def test_partner_a_withdraws_its_recommendation(doctoral: Doctoral) -> None:
    d = doctoral
    step(client_for(d.world.partner_a_coordinator), d.recommendation_a, "withdraw")
    assert Recommendation.objects.get(pk=d.recommendation_a.pk).status == "withdrawn"


# Messages


def test_the_partner_and_the_adviser_write_to_each_other(doctoral: Doctoral) -> None:
    d = doctoral
    url = reverse("recommendation_message", args=[d.recommendation_a.pk])
    response = client_for(d.world.partner_a_coordinator).post(url, {"text": "Is May possible?"})
    assert response["Location"].endswith("#messages")
    client_for(d.world.adviser).post(url, {"text": "Yes, 12 May."})
    thread = list(Message.objects.filter(recommendation=d.recommendation_a))
    assert [(m.author, m.text) for m in thread] == [
        (d.world.partner_a_coordinator, "Is May possible?"),
        (d.world.adviser, "Yes, 12 May."),
    ]
    assert [entry.action for entry in entries_of(thread[0])] == ["create"]
    page = html(
        client_for(d.world.leadership).get(
            reverse("recommendation_detail", args=[d.recommendation_a.pk])
        )
    )
    assert page.index("Is May possible?") < page.index("Yes, 12 May.")
    # Leadership reads the thread but has no form to write in it.
    assert reverse("recommendation_message", args=[d.recommendation_a.pk]) not in page


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_message_is_refused(doctoral: Doctoral, text: str) -> None:
    d = doctoral
    before = AuditEntry.objects.count()
    response = client_for(d.world.adviser).post(
        reverse("recommendation_message", args=[d.recommendation_a.pk]), {"text": text}, follow=True
    )
    assert "This field is required." in html(response) or "Write the message." in html(response)
    assert not Message.objects.exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("persona", ["adviser", "partner_a_coordinator"])
def test_the_list_makes_as_many_queries_for_ten_recommendations_as_for_two(
    doctoral: Doctoral, persona: str
) -> None:
    d = doctoral
    Recommendation.objects.filter(pk=d.recommendation_b.pk).delete()
    actions.recommend(d.world.partner_a_coordinator, d.candidate_a, topic=d.public_topic)
    client = client_for(getattr(d.world, persona))
    two = count_queries(client, reverse("recommendation_list"))
    for number in range(4):
        candidate = make_candidate(d.world, "partner_a", last_name=f"Candidate {number}")
        actions.recommend(d.world.partner_a_coordinator, candidate, topic=d.public_topic)
        actions.recommend(d.world.officer, candidate, adviser=d.own_adviser)
    assert len(client.get(reverse("recommendation_list")).context["page"]) == 10
    assert count_queries(client, reverse("recommendation_list")) == two
