"""Rules the actions keep whoever calls them: sharing, places, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.core.errors import Conflict
from accord.core.models import AuditEntry
from accord.doctoral import actions
from accord.doctoral.models import Adviser, RecommendationStatus
from accord.doctoral.tests.conftest import Doctoral, make_candidate, make_topic


def test_the_office_cannot_recommend_a_partner_for_a_topic_not_shared_with_it(
    doctoral: Doctoral,
) -> None:
    d = doctoral
    with pytest.raises(ValidationError) as refused:
        actions.recommend(d.world.officer, d.candidate_b, topic=d.topic_for_a)
    assert "not shared with the candidate's institution" in str(refused.value)
    assert not d.candidate_b.recommendations.filter(topic=d.topic_for_a).exists()


def test_an_admission_beyond_the_topic_s_places_is_refused(doctoral: Doctoral) -> None:
    d = doctoral
    actions.take_step(d.world.adviser, d.recommendation_a, "admit")
    second = actions.recommend(
        d.world.partner_a_coordinator,
        make_candidate(d.world, "partner_a", first_name="Second", email="second@example.org"),
        topic=d.topic_for_a,
    )
    with pytest.raises(Conflict, match="Every place of"):
        actions.take_step(d.world.adviser, second, "admit")
    second.refresh_from_db()
    assert second.status == RecommendationStatus.RECOMMENDED


def test_an_admission_beyond_the_adviser_s_capacity_is_refused(doctoral: Doctoral) -> None:
    d = doctoral
    Adviser.objects.filter(pk=d.own_adviser.pk).update(capacity=2, current_students=1)
    actions.take_step(d.world.adviser, d.recommendation_b, "admit")
    with pytest.raises(Conflict, match="no free place"):
        actions.take_step(d.world.adviser, d.recommendation_a, "admit")


def test_a_step_s_details_are_in_its_audit_entry(doctoral: Doctoral) -> None:
    d = doctoral
    actions.take_step(
        d.world.adviser,
        d.recommendation_a,
        "schedule",
        interview_at=timezone.now(),
        interview_place="Room 101",
    )
    entry = AuditEntry.objects.filter(object_type="doctoral.recommendation").latest("id")
    assert entry.after is not None
    assert entry.after["interview_place"] == "Room 101"
    assert entry.after["status"] == RecommendationStatus.INTERVIEW


def test_deleting_a_topic_shared_with_a_partner_stays_out_of_the_partner_s_history(
    doctoral: Doctoral,
) -> None:
    d = doctoral
    topic = make_topic(
        d.world, d.own_adviser, "Short-lived", visibility="chosen", partners=[d.world.partner_a]
    )
    actions.delete_topic(d.world.officer, topic)
    assert not AuditEntry.objects.filter(
        institution_id=d.world.partner_a.pk, action="delete"
    ).exists()
