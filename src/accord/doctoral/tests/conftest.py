"""Doctoral fixtures: two home advisers (one of them the adviser persona's own profile), topics
with each visibility, and a candidate of each partner recommended for a topic."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from accord.doctoral import actions
from accord.doctoral.models import (
    Adviser,
    Candidate,
    Level,
    Publication,
    Recommendation,
    Topic,
    Visibility,
)
from conftest import World

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@dataclass
class Doctoral:
    world: World
    own_adviser: Adviser  # the adviser persona's profile
    other_adviser: Adviser
    public_topic: Topic
    partners_topic: Topic  # shared with all partners
    topic_for_a: Topic  # shared with partner A only
    master_place: Topic  # a master's place, shared with all partners
    candidate_a: Candidate
    candidate_b: Candidate
    recommendation_a: Recommendation  # partner A's candidate for topic_for_a
    recommendation_b: Recommendation  # partner B's candidate for the public topic


def make_topic(world: World, adviser: Adviser, title: str, **fields: object) -> Topic:
    partners = fields.pop("partners", ())
    topic = Topic(adviser=adviser, title=title, **fields)
    return actions.save_topic(world.officer, topic, partners)  # type: ignore[arg-type]


def make_candidate(world: World, institution_name: str, **fields: object) -> Candidate:
    institution = getattr(world, institution_name)
    coordinator = getattr(world, f"{institution_name}_coordinator")
    defaults: dict[str, object] = {
        "first_name": "Leyla",
        "last_name": "Mammadova",
        "citizenship": "AZ",
        "email": "leyla@example.org",
        "education": "MSc in petroleum engineering, 2025",
        "research_interests": "Enhanced oil recovery in mature oil fields, reservoir simulation",
    }
    return actions.create_candidate(
        coordinator, Candidate(institution=institution, **{**defaults, **fields})
    )


@pytest.fixture
def doctoral(world: World) -> Doctoral:
    own = actions.create_adviser(
        world.officer,
        Adviser(
            first_name="Mykola",
            last_name="Bondarenko",
            institution=world.home,
            user=world.adviser,
            degrees="Doctor of Technical Sciences, Professor",
            orcid="0000-0002-1825-0097",
            keywords="oil recovery, reservoir engineering, drilling",
            capacity=3,
        ),
    )
    other = actions.create_adviser(
        world.officer,
        Adviser(
            first_name="Olena",
            last_name="Kovalenko",
            institution=world.home,
            keywords="software engineering, machine learning",
            capacity=2,
        ),
    )
    for adviser, title, abstract in (
        (own, "Enhanced oil recovery by polymer flooding", "Polymer flooding in mature fields."),
        (own, "Reservoir simulation of fractured carbonates", "Simulation of oil reservoirs."),
        (other, "Neural networks for code review", "Machine learning for software quality."),
    ):
        Publication.objects.create(adviser=adviser, title=title, abstract=abstract, year=2024)
    public = make_topic(
        world,
        own,
        "Oil recovery in mature fields",
        description="Methods of enhanced oil recovery.",
        visibility=Visibility.PUBLIC,
        languages=["en", "uk"],
    )
    partners = make_topic(
        world,
        other,
        "Machine learning for software testing",
        visibility=Visibility.PARTNERS,
        deadline=datetime.date(2099, 1, 1),
    )
    for_a = make_topic(
        world,
        own,
        "Drilling fluids for deep wells",
        titles={"uk": "Бурові розчини для глибоких свердловин"},
        visibility=Visibility.CHOSEN,
        partners=[world.partner_a],
    )
    master = make_topic(
        world, other, "Master's in software engineering", level=Level.MASTER, places=5
    )
    candidate_a = make_candidate(world, "partner_a")
    candidate_b = make_candidate(
        world,
        "partner_b",
        first_name="Jan",
        last_name="Nowak",
        citizenship="PL",
        email="jan@example.org",
        research_interests="Machine learning for automated software testing",
    )
    recommendation_a = actions.recommend(world.partner_a_coordinator, candidate_a, topic=for_a)
    recommendation_b = actions.recommend(world.partner_b_coordinator, candidate_b, topic=public)
    return Doctoral(
        world=world,
        own_adviser=own,
        other_adviser=other,
        public_topic=public,
        partners_topic=partners,
        topic_for_a=for_a,
        master_place=master,
        candidate_a=candidate_a,
        candidate_b=candidate_b,
        recommendation_a=recommendation_a,
        recommendation_b=recommendation_b,
    )
