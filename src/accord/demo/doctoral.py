"""The story's doctoral chapter: KhPI's base of academic advisers and PhD topics in oil and gas,
fuel processing and IT, shared with the Azerbaijani partners, a master's place in software
engineering, and the candidates AzTU recommends. Names, works and dates are illustrative."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from accord.accounts.models import User
from accord.doctoral import actions
from accord.doctoral.models import (
    Adviser,
    Candidate,
    Level,
    MatchingModel,
    Publication,
    Round,
    Topic,
    TopicFunding,
    Visibility,
)
from accord.institutions.models import Field, Institution, Unit

# username (or None), first name, last name, unit key, degrees, ORCID, keywords, capacity,
# current students, works as (title, abstract, year)
AdviserSpec = tuple[Any, ...]
ADVISERS: list[AdviserSpec] = [
    (
        "adviser",
        "Mykola",
        "Bondarenko",
        "oil",
        "Doctor of Technical Sciences, Professor",
        "0000-0003-1234-5674",
        "enhanced oil recovery, gas condensate fields, well drilling, reservoir engineering",
        4,
        2,
        [
            (
                "Intensifying gas condensate production from depleted fields",
                "Cyclic injection of dry gas into depleted gas condensate reservoirs raises the "
                "condensate recovery factor; field data from eastern Ukraine.",
                2024,
            ),
            (
                "Polymer flooding of mature oil fields",
                "Laboratory and simulation study of polymer flooding to improve oil recovery in "
                "heterogeneous sandstone reservoirs.",
                2023,
            ),
            (
                "Drilling fluids for high-temperature wells",
                "Rheology of water-based drilling fluids at high temperature and pressure, and "
                "their effect on wellbore stability.",
                2022,
            ),
        ],
    ),
    (
        None,
        "Serhii",
        "Tkachenko",
        "fuel",
        "Doctor of Technical Sciences, Professor",
        "0000-0003-1234-5682",
        "oil refining, catalytic cracking, solid fuel gasification, coal tar processing",
        3,
        1,
        [
            (
                "Catalytic cracking of heavy oil residues",
                "Zeolite catalysts for cracking heavy vacuum residues into light fuel "
                "fractions; yields and coke formation.",
                2024,
            ),
            (
                "Gasification of brown coal and biomass blends",
                "Steam gasification of solid fuel blends; synthesis gas composition and tar "
                "content in a fluidised bed.",
                2023,
            ),
        ],
    ),
    (
        None,
        "Oksana",
        "Kravets",
        "soft",
        "PhD, Associate Professor",
        "",
        "software engineering, machine learning, natural language processing, data systems",
        3,
        1,
        [
            (
                "Machine learning for defect prediction in software projects",
                "Gradient boosting and neural models predict defective modules from code "
                "metrics and change history in open-source projects.",
                2025,
            ),
            (
                "Text classification for Ukrainian technical documents",
                "Transformer models fine-tuned for topic classification of Ukrainian technical "
                "documents with little labelled data.",
                2024,
            ),
        ],
    ),
]

# adviser's last name, level, title, Ukrainian title, description, ISCED-F, languages,
# funding, places, visibility, partner keys shared with
TOPICS: list[tuple[Any, ...]] = [
    (
        "Bondarenko",
        Level.DOCTORATE,
        "Gas injection for condensate recovery in depleted fields",
        "Закачування газу для вилучення конденсату з виснажених родовищ",
        "Modelling and field tests of cyclic gas injection in gas condensate reservoirs of "
        "Ukraine and Azerbaijan.",
        "0724",
        ["uk", "en"],
        TopicFunding.STATE,
        1,
        Visibility.CHOSEN,
        ["aztu", "asoiu"],
    ),
    (
        "Bondarenko",
        Level.DOCTORATE,
        "Polymer flooding in offshore oil fields of the Caspian",
        "Полімерне заводнення морських нафтових родовищ Каспію",
        "Enhanced oil recovery by polymer flooding under high salinity and temperature.",
        "0724",
        ["en"],
        TopicFunding.SCHOLARSHIP,
        1,
        Visibility.PARTNERS,
        [],
    ),
    (
        "Tkachenko",
        Level.DOCTORATE,
        "Processing of heavy oil residues into motor fuels",
        "Переробка важких нафтових залишків на моторні палива",
        "Catalytic cracking and hydroprocessing of heavy residues; catalysts and process design.",
        "0711",
        ["uk", "en"],
        TopicFunding.STATE,
        2,
        Visibility.PUBLIC,
        [],
    ),
    (
        "Kravets",
        Level.DOCTORATE,
        "Machine learning for the maintenance of industrial software",
        "Машинне навчання для супроводу промислового програмного забезпечення",
        "Predicting defects and effort in large software systems from their code and history.",
        "0613",
        ["en", "uk"],
        TopicFunding.GRANT,
        1,
        Visibility.PARTNERS,
        [],
    ),
    (
        "Kravets",
        Level.MASTER,
        "Master's programme in software engineering",
        "Магістерська програма з інженерії програмного забезпечення",
        "Places for partner students in the master's programme 121 Software engineering.",
        "0613",
        ["en"],
        TopicFunding.INSTITUTIONAL,
        3,
        Visibility.PARTNERS,
        [],
    ),
]

# first name, last name, e-mail, education, research interests, topic title, steps
CANDIDATES: list[tuple[Any, ...]] = [
    (
        "Farid",
        "Ismayilov",
        "farid.ismayilov@example.az",
        "MSc in petroleum engineering, Azerbaijan Technical University, 2025",
        "Gas condensate reservoirs, gas injection and recovery of condensate in depleted fields",
        "Gas injection for condensate recovery in depleted fields",
        ["schedule"],
    ),
    (
        "Gunel",
        "Rzayeva",
        "gunel.rzayeva@example.az",
        "MSc in chemical engineering, Azerbaijan Technical University, 2024",
        "Catalytic cracking of heavy oil and refining catalysts",
        "Processing of heavy oil residues into motor fuels",
        [],
    ),
    (
        "Tural",
        "Mammadov",
        "tural.mammadov@example.az",
        "BSc in computer engineering, Azerbaijan Technical University, 2026",
        "Software engineering and machine learning for code quality",
        "Master's programme in software engineering",
        [],
    ),
]


def _adviser(spec: AdviserSpec, home: Institution, units: dict[str, Unit]) -> Adviser:
    username, first, last, unit_key, degrees, orcid, keywords, capacity, current, works = spec
    adviser = Adviser.objects.filter(first_name=first, last_name=last, institution=home).first()
    if adviser is not None:
        return adviser
    user = User.objects.filter(username=username).first() if username else None
    adviser = actions.create_adviser(
        None,
        Adviser(
            first_name=first,
            last_name=last,
            institution=home,
            unit=units[unit_key],
            user=user,
            degrees=degrees,
            orcid=orcid,
            keywords=keywords,
            capacity=capacity,
            current_students=current,
        ),
    )
    for title, abstract, year in works:
        actions.add_publication(
            None, Publication(adviser=adviser, title=title, abstract=abstract, year=year)
        )
    return adviser


def _topic(spec: tuple[Any, ...], partners: dict[str, Institution]) -> Topic:
    last, level, title, title_uk, description, field, languages, funding, places, seen, keys = spec
    topic = Topic.objects.filter(title=title).first()
    if topic is not None:
        return topic
    return actions.save_topic(
        None,
        Topic(
            adviser=Adviser.objects.get(last_name=last),
            level=level,
            title=title,
            titles={"uk": title_uk},
            description=description,
            field=Field.objects.filter(code=field).first(),
            languages=languages,
            funding=funding,
            places=places,
            deadline=datetime.date(2027, 3, 1),
            visibility=seen,
        ),
        [partners[key] for key in keys],
    )


def load(home: Institution, units: dict[str, Unit], partners: dict[str, Institution]) -> None:
    """Advisers, topics and AzTU's candidates, and a round of PhD candidates ready to assign."""
    for spec in ADVISERS:
        _adviser(spec, home, units)
    for spec in TOPICS:
        _topic(spec, partners)
    if Candidate.objects.filter(institution=partners["aztu"]).exists():
        return
    coordinator = User.objects.get(username="aztu")
    adviser_user = User.objects.get(username="adviser")
    for first, last, email, education, interests, topic_title, steps in CANDIDATES:
        candidate = actions.create_candidate(
            coordinator,
            Candidate(
                institution=partners["aztu"],
                first_name=first,
                last_name=last,
                citizenship="AZ",
                email=email,
                education=education,
                research_interests=interests,
            ),
        )
        recommendation = actions.recommend(
            coordinator,
            candidate,
            topic=Topic.objects.get(title=topic_title),
            motivation="Top of the graduating class; published in the department's journal.",
        )
        for step in steps:
            actions.take_step(
                adviser_user,
                recommendation,
                step,
                interview_at=timezone.now() + datetime.timedelta(days=10),
                interview_place="Video call",
            )
    actions.create_round(
        User.objects.get(username="officer"),
        Round(name="PhD candidates 2027", model=MatchingModel.LEXICAL, partner_quota=2),
    )
