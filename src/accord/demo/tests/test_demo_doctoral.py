"""The story's doctoral chapter: KhPI's advisers and topics shared with the partners, AzTU's
candidates ranked against them, and a round assigning them."""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command

from accord.accounts.models import User
from accord.doctoral import access, matching
from accord.doctoral.models import (
    Adviser,
    Candidate,
    Level,
    RecommendationStatus,
    Round,
    Topic,
)
from accord.institutions.models import PartnerStatus


def _demo() -> None:
    call_command("demo", stdout=io.StringIO())


def test_the_story_shares_advisers_and_topics_and_aztu_recommends_candidates(db: Any) -> None:
    _demo()
    assert Adviser.objects.filter(institution__partner_status=PartnerStatus.HOME).count() == 3
    assert Adviser.objects.get(user__username="adviser").last_name == "Bondarenko"
    fields = set(Topic.objects.values_list("field__code", flat=True))
    assert fields == {"0724", "0711", "0613"}
    assert Topic.objects.filter(level=Level.MASTER).count() == 1
    statuses = dict(
        Candidate.objects.filter(institution__name="Azerbaijan Technical University").values_list(
            "last_name", "recommendations__status"
        )
    )
    assert statuses == {
        "Ismayilov": RecommendationStatus.INTERVIEW,
        "Rzayeva": RecommendationStatus.RECOMMENDED,
        "Mammadov": RecommendationStatus.RECOMMENDED,
    }


def test_the_topic_shared_with_aztu_and_asoiu_is_hidden_from_bsu(db: Any) -> None:
    _demo()
    chosen = Topic.objects.get(title__startswith="Gas injection")
    assert access.topics_for(User.objects.get(username="aztu")).filter(pk=chosen.pk).exists()
    assert access.topics_for(User.objects.get(username="asoiu")).filter(pk=chosen.pk).exists()
    assert not access.topics_for(User.objects.get(username="bsu")).filter(pk=chosen.pk).exists()


def test_candidates_rank_the_topic_of_their_field_first(db: Any) -> None:
    _demo()
    aztu = User.objects.get(username="aztu")
    best = {
        candidate.last_name: matching.rank_topics(aztu, candidate, limit=1)[0].obj.title
        for candidate in Candidate.objects.all()
    }
    assert best["Ismayilov"].startswith("Gas injection")
    assert best["Rzayeva"].startswith("Processing of heavy oil")
    assert best["Mammadov"] in {
        "Master's programme in software engineering",
        "Machine learning for the maintenance of industrial software",
    }


def test_the_round_places_each_phd_candidate_with_the_adviser_of_their_field(db: Any) -> None:
    _demo()
    round_ = Round.objects.get(name="PhD candidates 2027")
    matching.assign_round(User.objects.get(username="officer"), round_)
    placed = dict(round_.placements.values_list("candidate__last_name", "adviser__last_name"))
    assert placed == {"Ismayilov": "Bondarenko", "Rzayeva": "Tkachenko"}


def test_loading_the_story_again_adds_no_doctoral_record(db: Any) -> None:
    _demo()
    counts = (Adviser.objects.count(), Topic.objects.count(), Candidate.objects.count())
    _demo()
    assert (Adviser.objects.count(), Topic.objects.count(), Candidate.objects.count()) == counts
