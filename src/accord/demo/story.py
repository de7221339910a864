"""The founding story as data: NTU "KhPI" and its three Azerbaijani partners.

The rector of KhPI visits Baku State University, Azerbaijan Technical University and Azerbaijan
State Oil and Industry University; the figures below are the ones the story gives. Later parts of
Accord add their chapters (visits, the memorandum, proposals, exchanges, PhD topics) here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Role, RoleGrant, User
from accord.agreements import actions as agreement_actions
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AnswerKind,
    CooperationArea,
    Direction,
    Flow,
    MobilityType,
    ProposalPackage,
    Quota,
)
from accord.core import actions as core_actions
from accord.demo import doctoral as demo_doctoral
from accord.demo import exchanges as demo_exchanges
from accord.institutions import actions
from accord.institutions.models import (
    Contact,
    ContactRole,
    Institution,
    InstitutionKind,
    InternationalStudents,
    NameKind,
    Offering,
    PartnerStatus,
    Specialty,
    SpecialtyScheme,
    StudyLevel,
    Unit,
    UnitKind,
)
from accord.visits import actions as visit_actions
from accord.visits.models import FollowUp, Visit, VisitKind

DEMO_PASSWORD = "accord-demo"

BACHELOR, MASTER, PHD = StudyLevel.BACHELOR, StudyLevel.MASTER, StudyLevel.DOCTORATE
ALL_LEVELS = (BACHELOR, MASTER, PHD)

INSTITUTIONS: list[dict[str, Any]] = [
    {
        "key": "khpi",
        "profile": {
            "name": 'National Technical University "Kharkiv Polytechnic Institute"',
            "country": "UA",
            "city": "Kharkiv",
            "partner_status": PartnerStatus.HOME,
            "founded_year": 1885,
            "website": "https://www.kpi.kharkov.ua/",
            "ror_id": "00yp5c433",
        },
        "names": [
            (
                "uk",
                NameKind.OFFICIAL,
                "Національний технічний університет «Харківський політехнічний інститут»",
            ),
            ("az", NameKind.OFFICIAL, "«Xarkov Politexnik İnstitutu» Milli Texniki Universiteti"),
            ("en", NameKind.ACRONYM, "NTU KhPI"),
            ("uk", NameKind.ACRONYM, "НТУ «ХПІ»"),
        ],
        "domains": ["khpi.edu.ua", "kpi.kharkov.ua"],
        "units": [
            (
                "iro",
                None,
                UnitKind.OFFICE,
                "International Relations Office",
                {"uk": "Відділ міжнародних зв'язків"},
            ),
            (
                "chem",
                None,
                UnitKind.INSTITUTE,
                "Educational and Scientific Institute of Chemical Technologies and Engineering",
                {"uk": "Навчально-науковий інститут хімічних технологій та інженерії"},
            ),
            (
                "oil",
                "chem",
                UnitKind.DEPARTMENT,
                "Department of Oil, Gas and Condensate Production",
                {"uk": "Кафедра видобування нафти, газу та конденсату"},
            ),
            (
                "fuel",
                "chem",
                UnitKind.DEPARTMENT,
                "Department of Oil, Gas and Solid Fuel Processing Technologies",
                {"uk": "Кафедра технології переробки нафти, газу і твердого палива"},
            ),
            (
                "it",
                None,
                UnitKind.INSTITUTE,
                "Educational and Scientific Institute of Computer Science and Information Technologies",
                {"uk": "Навчально-науковий інститут комп'ютерних наук та інформаційних технологій"},
            ),
            (
                "soft",
                "it",
                UnitKind.DEPARTMENT,
                "Department of Software Engineering and Management Information Technologies",
                {"uk": "Кафедра програмної інженерії та інтелектуальних технологій управління"},
            ),
            (
                "library",
                None,
                UnitKind.LIBRARY,
                "Scientific and Technical Library",
                {"uk": "Науково-технічна бібліотека"},
            ),
        ],
        "offerings": [
            ("185", None, ALL_LEVELS, "oil", "Oil and gas engineering and technologies"),
            ("161", "0711", ALL_LEVELS, "fuel", "Chemical technology of fuel and carbon materials"),
            ("121", None, ALL_LEVELS, "soft", "Software engineering"),
            ("122", None, (BACHELOR, MASTER), "it", "Computer science"),
            ("126", None, (BACHELOR, MASTER), "it", "Information systems and technologies"),
        ],
        "contacts": [
            (ContactRole.RECTOR, "Yevgen Sokol", "Rector", ""),
            (
                ContactRole.IRO_HEAD,
                "International Relations Office",
                "Head of office",
                "iro@khpi.edu.ua",
            ),
        ],
    },
    {
        "key": "bsu",
        "profile": {
            "name": "Baku State University",
            "country": "AZ",
            "city": "Baku",
            "partner_status": PartnerStatus.PARTNER,
            "founded_year": 1919,
            "student_count": 20000,
            "faculty_count": 17,
            "description": "More than 20,000 students study at the university.",
            "website": "https://bsu.edu.az/",
            "ror_id": "054gw3b40",
        },
        "names": [
            ("az", NameKind.OFFICIAL, "Bakı Dövlət Universiteti"),
            ("uk", NameKind.OFFICIAL, "Бакинський державний університет"),
            ("en", NameKind.ACRONYM, "BSU"),
            ("az", NameKind.ACRONYM, "BDU"),
        ],
        "domains": ["bsu.edu.az"],
        "units": [
            (
                "nano",
                None,
                UnitKind.CENTRE,
                "Center for Nano Research",
                {"az": "Nanoaraşdırmalar Mərkəzi", "uk": "Центр нанодосліджень"},
            ),
            (
                "itc",
                None,
                UnitKind.CENTRE,
                "Center for Information Technologies",
                {
                    "az": "İnformasiya Texnologiyaları Mərkəzi",
                    "uk": "Центр інформаційних технологій",
                },
            ),
            (
                "irc",
                None,
                UnitKind.CENTRE,
                "International Research Center",
                {"az": "Beynəlxalq Araşdırmalar Mərkəzi", "uk": "Міжнародний дослідницький центр"},
            ),
            (
                "career",
                None,
                UnitKind.CENTRE,
                "Career Center",
                {"az": "Karyera Mərkəzi", "uk": "Центр кар'єри"},
            ),
            (
                "korean",
                None,
                UnitKind.CENTRE,
                "Korean Center",
                {"az": "Koreya Mərkəzi", "uk": "Корейський центр"},
            ),
            (
                "russian",
                None,
                UnitKind.CENTRE,
                "Russian Center",
                {"az": "Rus Mərkəzi", "uk": "Російський центр"},
            ),
            ("museum", None, UnitKind.MUSEUM, "Museum", {"az": "Muzey", "uk": "Музей"}),
            ("library", None, UnitKind.LIBRARY, "Library", {"az": "Kitabxana", "uk": "Бібліотека"}),
            (
                "press",
                None,
                UnitKind.PUBLISHING_HOUSE,
                "Publishing House",
                {"az": "Nəşriyyat", "uk": "Видавництво"},
            ),
            (
                "amc",
                None,
                UnitKind.FACULTY,
                "Faculty of Applied Mathematics and Cybernetics",
                {
                    "az": "Tətbiqi riyaziyyat və kibernetika fakültəsi",
                    "uk": "Факультет прикладної математики та кібернетики",
                },
            ),
            (
                "chemistry",
                None,
                UnitKind.FACULTY,
                "Faculty of Chemistry",
                {"az": "Kimya fakültəsi", "uk": "Хімічний факультет"},
            ),
        ],
        "offerings": [
            (None, "0613", (BACHELOR, MASTER), "amc", "Computer science"),
            (None, "0541", ALL_LEVELS, "amc", "Applied mathematics"),
            (None, "0531", ALL_LEVELS, "chemistry", "Chemistry"),
        ],
        "contacts": [
            (ContactRole.IRO_HEAD, "International Relations Department", "Head of department", "")
        ],
    },
    {
        "key": "aztu",
        "profile": {
            "name": "Azerbaijan Technical University",
            "country": "AZ",
            "city": "Baku",
            "partner_status": PartnerStatus.PARTNER,
            "founded_year": 1950,
            "specialty_count": 70,
            "description": (
                "The highest technical state educational institution of the Republic of Azerbaijan; "
                "trains specialists in 28 other areas and 70 specialties. Citizens of more than 40 "
                "countries have studied here."
            ),
            "website": "https://aztu.edu.az/",
        },
        "names": [
            ("az", NameKind.OFFICIAL, "Azərbaycan Texniki Universiteti"),
            ("uk", NameKind.OFFICIAL, "Азербайджанський технічний університет"),
            ("en", NameKind.ACRONYM, "AzTU"),
            ("az", NameKind.ACRONYM, "AzTU"),
        ],
        "domains": ["aztu.edu.az"],
        "units": [
            (
                "iro",
                None,
                UnitKind.OFFICE,
                "International Relations Office",
                {"az": "Beynəlxalq əlaqələr şöbəsi", "uk": "Відділ міжнародних зв'язків"},
            ),
        ],
        "offerings": [
            (None, "0715", ALL_LEVELS, None, "Mechanical engineering"),
            (None, "0715", (BACHELOR, MASTER), None, "Metallurgy"),
            (None, "0613", ALL_LEVELS, None, "Computer science and computer technology"),
            (None, "0713", ALL_LEVELS, None, "Electrical engineering"),
            (None, "0714", (BACHELOR, MASTER), None, "Telecommunications"),
            (None, "0716", (BACHELOR, MASTER), None, "Motor transport"),
            (None, "0413", (BACHELOR, MASTER), None, "Engineering business"),
        ],
        "contacts": [
            (ContactRole.IRO_HEAD, "International Relations Office", "Head of office", "")
        ],
    },
    {
        "key": "asoiu",
        "profile": {
            "name": "Azerbaijan State Oil and Industry University",
            "country": "AZ",
            "city": "Baku",
            "partner_status": PartnerStatus.PARTNER,
            "founded_year": 1920,
            "faculty_count": 7,
            "department_count": 28,
            "laboratory_count": 6,
            "international_student_count": 300,
            "description": (
                "Trains at all three levels of higher education. Over 300 foreign students from "
                "Turkey, Russia, China, Greece, Iran, Syria, the United States, Great Britain and "
                "other countries."
            ),
            "website": "https://asoiu.edu.az/",
            "ror_id": "05mmnns11",
        },
        "names": [
            ("az", NameKind.OFFICIAL, "Azərbaycan Dövlət Neft və Sənaye Universiteti"),
            (
                "uk",
                NameKind.OFFICIAL,
                "Азербайджанський державний університет нафти і промисловості",
            ),
            ("en", NameKind.ACRONYM, "ASOIU"),
            ("az", NameKind.ACRONYM, "ADNSU"),
        ],
        "domains": ["asoiu.edu.az"],
        "international_students": ["TR", "RU", "CN", "GR", "IR", "SY", "US", "GB"],
        "units": [
            (
                "oilgas",
                None,
                UnitKind.FACULTY,
                "Faculty of Oil and Gas Production",
                {"az": "Neft-qazçıxarma fakültəsi", "uk": "Факультет видобування нафти і газу"},
            ),
            (
                "chemtech",
                None,
                UnitKind.FACULTY,
                "Faculty of Chemical Technology",
                {"az": "Kimya-texnologiya fakültəsi", "uk": "Хіміко-технологічний факультет"},
            ),
            (
                "it",
                None,
                UnitKind.FACULTY,
                "Faculty of Information Technologies and Control",
                {
                    "az": "İnformasiya texnologiyaları və idarəetmə fakültəsi",
                    "uk": "Факультет інформаційних технологій та управління",
                },
            ),
        ],
        "offerings": [
            (None, "0724", ALL_LEVELS, "oilgas", "Oil and gas production"),
            (None, "0711", ALL_LEVELS, "chemtech", "Gas and solid fuel processing"),
            (None, "0613", (BACHELOR, MASTER), "it", "Information technology"),
        ],
        "contacts": [
            (ContactRole.IRO_HEAD, "International Relations Office", "Head of office", "")
        ],
    },
]

# One account per persona (product.md); all share DEMO_PASSWORD.
ACCOUNTS: list[tuple[str, str, str, str, Role, str | None]] = [
    ("officer", "Olena", "Kovalenko", "khpi", Role.IRO_OFFICER, "iro"),
    ("rector", "Yevgen", "Sokol", "khpi", Role.LEADERSHIP, None),
    ("coordinator", "Iryna", "Shevchenko", "khpi", Role.FACULTY_COORDINATOR, "chem"),
    ("adviser", "Mykola", "Bondarenko", "khpi", Role.ADVISER, "oil"),
    ("aztu", "Leyla", "Mammadova", "aztu", Role.PARTNER_COORDINATOR, "iro"),
    ("bsu", "Rashad", "Aliyev", "bsu", Role.PARTNER_COORDINATOR, None),
    ("asoiu", "Nigar", "Huseynova", "asoiu", Role.PARTNER_COORDINATOR, None),
]


def _institution(spec: dict[str, Any]) -> Institution:
    profile = spec["profile"]
    existing = Institution.objects.filter(name=profile["name"]).first()
    if existing is None and profile.get("ror_id"):
        existing = Institution.objects.filter(ror_id=profile["ror_id"]).first()
    names = [{"language": lang, "kind": kind, "name": name} for lang, kind, name in spec["names"]]
    if existing is None:
        institution = Institution(kind=InstitutionKind.UNIVERSITY, **profile)
        return actions.create_institution(None, institution, names=names, domains=spec["domains"])
    return actions.update_institution(None, existing, profile, names=names, domains=spec["domains"])


def _units(institution: Institution, spec: dict[str, Any]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for key, parent_key, kind, name, names in spec["units"]:
        unit = institution.units.filter(name=name).first()
        if unit is None:
            parent = units[parent_key] if parent_key else None
            unit = actions.save(
                None,
                Unit(institution=institution, parent=parent, kind=kind, name=name, names=names),
            )
        units[key] = unit
    return units


def _offerings(institution: Institution, spec: dict[str, Any], units: dict[str, Unit]) -> None:
    for specialty_code, field_code, levels, unit_key, title in spec["offerings"]:
        specialty = (
            Specialty.objects.get(scheme=SpecialtyScheme.UA_2015, code=specialty_code)
            if specialty_code
            else None
        )
        for level in levels:
            if Offering.objects.filter(institution=institution, level=level, title=title).exists():
                continue
            actions.offer(
                None,
                institution,
                level=level,
                field_code=field_code,
                specialty_id=specialty.pk if specialty else None,
                unit=units.get(unit_key) if unit_key else None,
                title=title,
            )


def _contacts(institution: Institution, spec: dict[str, Any]) -> None:
    for role, person_name, position, email in spec["contacts"]:
        if not institution.contacts.filter(role=role, person_name=person_name).exists():
            actions.save(
                None,
                Contact(
                    institution=institution,
                    role=role,
                    person_name=person_name,
                    position=position,
                    email=email,
                ),
            )
    for country in spec.get("international_students", []):
        if not institution.international_students.filter(country=country).exists():
            actions.save(None, InternationalStudents(institution=institution, country=country))


def _account(
    username: str, first: str, last: str, institution: Institution, role: Role, unit: Unit | None
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username, first_name=first, last_name=last, email=f"{username}@example.org"
        )
        user.set_password(DEMO_PASSWORD)
        user.institution, user.unit = institution, unit
        core_actions.create(None, user)
    if not user.role_grants.filter(role=role).exists():
        core_actions.create(None, RoleGrant(user=user, role=role, unit=unit))
    return user


def foreign_users() -> list[str]:
    """Users of a database the story was never loaded into: their presence means a real one."""
    ours = {username for username, *_rest in ACCOUNTS} | {"admin"}
    if User.objects.filter(username__in=ours).exists():
        return []
    return sorted(User.objects.values_list("username", flat=True)[:5])


@dataclass
class Loaded:
    # The demo accounts as (username, role, institution).
    accounts: list[tuple[str, str, str]]
    # Why the story's nomination beyond the quota was refused ('' when loaded before).
    refused_nomination: str


def load() -> Loaded:
    """Load (or refresh) the story."""
    with transaction.atomic():
        institutions: dict[str, Institution] = {}
        all_units: dict[str, dict[str, Unit]] = {}
        for spec in INSTITUTIONS:
            institution = _institution(spec)
            institutions[spec["key"]] = institution
            all_units[spec["key"]] = _units(institution, spec)
            _offerings(institution, spec, all_units[spec["key"]])
            _contacts(institution, spec)
        accounts = []
        for username, first, last, key, role, unit_key in ACCOUNTS:
            unit = all_units[key].get(unit_key) if unit_key else None
            _account(username, first, last, institutions[key], role, unit)
            accounts.append((username, str(role.label), institutions[key].name))
        if not User.objects.filter(username="admin").exists():
            admin = User(
                username="admin", is_staff=True, is_superuser=True, institution=institutions["khpi"]
            )
            admin.set_password(DEMO_PASSWORD)
            core_actions.create(None, admin)
        accounts.append(("admin", "Administrator (Django admin)", institutions["khpi"].name))
        memorandum = _memorandum(institutions["khpi"], institutions["aztu"])
        _visit_to_azerbaijan(institutions)
        _proposals(institutions, all_units, memorandum)
        refused = demo_exchanges.load(
            Agreement.objects.get(title=PROTOCOL_TITLE),
            institutions["khpi"],
            institutions["aztu"],
            all_units["khpi"]["it"],
        )
        demo_doctoral.load(institutions["khpi"], all_units["khpi"], institutions)
    return Loaded(accounts, refused)


MEMORANDUM_TITLE = (
    "Memorandum of Understanding in the scientific and educational sphere between "
    'NTU "Kharkiv Polytechnic Institute" and Azerbaijan Technical University'
)


def _memorandum(khpi: Institution, aztu: Institution) -> Agreement:
    """The memorandum the rector signed with AzTU, with the areas the story lists.

    The story gives no dates; the ones here are illustrative.
    """
    existing = Agreement.objects.filter(title=MEMORANDUM_TITLE).first()
    if existing is not None:
        return existing
    memorandum = Agreement(
        kind=AgreementKind.MEMORANDUM,
        title=MEMORANDUM_TITLE,
        titles={
            "uk": "Меморандум про взаєморозуміння в науковій та освітній сфері між НТУ «ХПІ» "
            "та Азербайджанським технічним університетом",
            "az": "«Xarkov Politexnik İnstitutu» Milli Texniki Universiteti ilə Azərbaycan Texniki "
            "Universiteti arasında elmi və təhsil sahəsində anlaşma memorandumu",
        },
        areas=[area.value for area in CooperationArea],
        text=MEMORANDUM_TEXT["en"],
        texts={"uk": MEMORANDUM_TEXT["uk"]},
        signed_on=datetime.date(2019, 9, 20),
        valid_from=datetime.date(2019, 9, 20),
        valid_until=datetime.date(2024, 9, 19),
        automatic_renewal=True,
    )
    agreement_actions.create_agreement(None, memorandum, [khpi.pk, aztu.pk])
    for action in ("propose", "submit_for_approval", "sign", "activate"):
        agreement_actions.transition(None, memorandum, action)
    return memorandum


# The purpose and areas as the story tells them.
MEMORANDUM_TEXT = {
    "en": (
        "The purpose of this memorandum is the development of academic, scientific and "
        'educational cooperation between NTU "KhPI" and the Azerbaijan Technical University.\n'
        "The parties exchange students, teachers, graduate students and other university "
        "employees, and cooperate in research.\n"
        "The parties exchange academic materials, publications, library resources and other "
        "information, and cooperate in the creation of joint bachelor and master programmes."
    ),
    "uk": (
        "Метою цього меморандуму є розвиток академічної, наукової та освітньої співпраці між "
        "НТУ «ХПІ» та Азербайджанським технічним університетом.\n"
        "Сторони здійснюють обмін студентами, викладачами, аспірантами та іншими працівниками "
        "університетів і співпрацюють у наукових дослідженнях.\n"
        "Сторони обмінюються навчальними матеріалами, публікаціями, бібліотечними ресурсами та "
        "іншою інформацією і співпрацюють у створенні спільних програм бакалаврату й магістратури."
    ),
}


VISIT_TITLE = "Rector's visit to Azerbaijan: Baku State University, AzTU and ASOIU"


def _visit_to_azerbaijan(institutions: dict[str, Institution]) -> None:
    """The rector's visit to the three Baku universities, and what it left to do.

    The story places the visit in the spring of 2018 and names no other traveller; the days are
    illustrative. Follow-up due dates are set from today, so the demo shows open, overdue and
    done ones whenever it is loaded.
    """
    if Visit.objects.filter(title=VISIT_TITLE).exists():
        return
    bsu, aztu, asoiu = institutions["bsu"], institutions["aztu"], institutions["asoiu"]
    visit = Visit(
        title=VISIT_TITLE,
        kind=VisitKind.OUTGOING,
        starts_on=datetime.date(2018, 4, 23),
        ends_on=datetime.date(2018, 4, 26),
        city="Baku",
        country="AZ",
        delegation='Yevgen Sokol, Rector of NTU "KhPI"',
        people_met="\n".join(
            f"The administration of {institution.name}" for institution in (bsu, aztu, asoiu)
        ),
        discussion=(
            "New stages of cooperation: the exchange of students and teachers, technologies and "
            "joint research. Many of our specialties coincide.\n"
            "AzTU is interested in preparing PhD students at KhPI: the personnel reserve.\n"
            "ASOIU: two areas where our specialties coincide, oil and gas production and gas and "
            "solid fuel processing; also cooperation in information technology."
        ),
        outcomes=(
            "A Memorandum of Understanding in the scientific and educational sphere with AzTU, "
            "signed after the visit.\n"
            "KhPI sends AzTU the base of its academic advisers and PhD topics, so that AzTU can "
            "recommend citizens of Azerbaijan for training.\n"
            "AzTU students are offered places in KhPI's master's programmes.\n"
            "A package of proposals goes to BSU, AzTU and ASOIU to determine the main directions; "
            "specific protocols then fix the time frame, the number of directions and joint "
            "projects."
        ),
    )
    visit_actions.create_visit(None, visit, [bsu.pk, aztu.pk, asoiu.pk])
    officer = User.objects.get(username="officer")
    coordinator = User.objects.get(username="coordinator")
    today = timezone.localdate()

    def days(count: int) -> datetime.date:
        return today + datetime.timedelta(days=count)

    follow_ups = [
        ("Prepare the package of proposals on the main directions", officer, None, -20, -10),
        ("Send the proposal package to BSU, AzTU and ASOIU", officer, None, -5, None),
        ("Send the base of academic advisers and PhD topics to AzTU", officer, aztu, 14, None),
        ("Offer AzTU students places in our master's programmes", coordinator, aztu, 30, None),
        (
            "Propose directions to ASOIU: oil and gas production, gas and solid fuel processing, "
            "information technology",
            coordinator,
            asoiu,
            21,
            None,
        ),
    ]
    for title, owner, concerns, due_in, done_in in follow_ups:
        visit_actions.create_follow_up(
            None,
            FollowUp(
                visit=visit,
                title=title,
                owner=owner,
                concerns=concerns,
                due_on=days(due_in),
                done_on=days(done_in) if done_in is not None else None,
            ),
        )


PACKAGE_TITLE = "Main directions of cooperation with the universities of Azerbaijan"

# Directions of the package: name, Ukrainian name, ISCED-F field, KhPI specialties, KhPI unit.
DIRECTIONS = [
    ("Oil and gas production", "Видобування нафти і газу", "0724", ["185"], "oil"),
    (
        "Gas and solid fuel processing",
        "Переробка газу і твердого палива",
        "0711",
        ["161"],
        "fuel",
    ),
    ("Information technology", "Інформаційні технології", "0613", ["121", "122", "126"], "it"),
]

# Each partner's answers: direction, answer, comment, the partner's responsible unit. The story
# says ASOIU wants the first two and both AzTU and ASOIU information technology; the rest of
# the answers are illustrative.
ANSWERS: dict[str, list[tuple[str, AnswerKind, str, str | None]]] = {
    "asoiu": [
        ("Oil and gas production", AnswerKind.ACCEPT, "", "oilgas"),
        ("Gas and solid fuel processing", AnswerKind.ACCEPT, "", "chemtech"),
        ("Information technology", AnswerKind.ACCEPT, "", "it"),
    ],
    "aztu": [
        ("Information technology", AnswerKind.ACCEPT, "", "iro"),
        (
            "Oil and gas production",
            AnswerKind.COUNTER,
            "We do not teach oil and gas production; we propose mechanical engineering for the "
            "oil and gas industry instead.",
            None,
        ),
        (
            "Gas and solid fuel processing",
            AnswerKind.DECLINE,
            "Not among our specialties.",
            None,
        ),
    ],
    "bsu": [
        ("Information technology", AnswerKind.ACCEPT, "", None),
        (
            "Oil and gas production",
            AnswerKind.DECLINE,
            "Petroleum engineering is not taught at BSU.",
            None,
        ),
    ],
}

PROTOCOL_TITLE = (
    'Protocol on cooperation in information technology between NTU "KhPI" and Azerbaijan '
    "Technical University"
)
PROTOCOL_TEXT = {
    "en": (
        "This protocol is made under the Memorandum of Understanding between the parties and "
        "sets the time frame, the directions and the number of places of their cooperation.\n"
        "The parties exchange students and teaching staff in information technology within the "
        "places set out in the table of quotas, for each academic year.\n"
        "The parties carry out a joint project on software engineering for industrial control "
        'systems and admit candidates from Azerbaijan to PhD training at NTU "KhPI".'
    ),
    "az": (
        "Bu protokol tərəflər arasında bağlanmış anlaşma memorandumu çərçivəsində tərtib edilir "
        "və əməkdaşlığın müddətini, istiqamətlərini və yerlərin sayını müəyyən edir.\n"
        "Tərəflər hər tədris ili üçün kvota cədvəlində göstərilən yerlər daxilində informasiya "
        "texnologiyaları üzrə tələbə və müəllim mübadiləsi həyata keçirirlər.\n"
        "Tərəflər sənaye idarəetmə sistemləri üçün proqram mühəndisliyi üzrə birgə layihə "
        "həyata keçirir və Azərbaycandan olan namizədləri «XPİ» MTU-da doktorantura təhsilinə "
        "qəbul edirlər."
    ),
}
# Places per academic year: mobility type, flow, people, months in all (illustrative figures).
PROTOCOL_QUOTAS = [
    (MobilityType.STUDENT_STUDIES, Flow.OUTGOING, 2, 10),
    (MobilityType.STUDENT_STUDIES, Flow.INCOMING, 3, 15),
    (MobilityType.TEACHING_STAFF, Flow.OUTGOING, 1, 1),
    (MobilityType.TEACHING_STAFF, Flow.INCOMING, 1, 1),
    (MobilityType.PHD_RESEARCH, Flow.INCOMING, 2, 6),
]


def _proposals(
    institutions: dict[str, Institution],
    units: dict[str, dict[str, Unit]],
    memorandum: Agreement,
) -> None:
    """The package of proposals sent to the three universities, their answers, and the protocol
    with AzTU that carries the directions it accepted, with a time frame and quotas."""
    if ProposalPackage.objects.filter(title=PACKAGE_TITLE).exists():
        return
    officer = User.objects.get(username="officer")
    partners = {key: institutions[key] for key in ("bsu", "aztu", "asoiu")}
    package = agreement_actions.create_package(
        officer,
        ProposalPackage(
            title=PACKAGE_TITLE,
            description="To determine the main directions before specific protocols are signed.",
        ),
        [partner.pk for partner in partners.values()],
    )
    directions: dict[str, Direction] = {}
    for name, name_uk, field, specialties, unit in DIRECTIONS:
        directions[name] = agreement_actions.add_direction(
            officer,
            Direction(
                package=package,
                name=name,
                names={"uk": name_uk},
                responsible_unit=units["khpi"][unit],
            ),
            fields=[field],
            specialties=Specialty.objects.filter(
                scheme=SpecialtyScheme.UA_2015, code__in=specialties
            ),
        )
    agreement_actions.send_package(officer, package)
    for key, answers in ANSWERS.items():
        coordinator = User.objects.get(username=key)
        for name, answer, comment, partner_unit in answers:
            agreement_actions.answer_direction(
                coordinator,
                directions[name],
                partners[key].pk,
                answer,
                comment,
                units[key][partner_unit].pk if partner_unit else None,
            )
    protocol = agreement_actions.protocol_from_package(
        officer,
        package,
        partners["aztu"].pk,
        memorandum,
        PROTOCOL_TITLE,
        {
            "az": "«XPİ» MTU ilə Azərbaycan Texniki Universiteti arasında informasiya "
            "texnologiyaları sahəsində əməkdaşlıq haqqında protokol",
            "uk": "Протокол про співпрацю в галузі інформаційних технологій між НТУ «ХПІ» та "
            "Азербайджанським технічним університетом",
        },
    )
    agreement_actions.update_agreement(
        officer,
        protocol,
        {
            "text": PROTOCOL_TEXT["en"],
            "texts": {"az": PROTOCOL_TEXT["az"]},
            "areas": [
                CooperationArea.STUDENT_EXCHANGE.value,
                CooperationArea.STAFF_EXCHANGE.value,
                CooperationArea.JOINT_RESEARCH.value,
                CooperationArea.PHD_TRAINING.value,
            ],
            "signed_on": datetime.date(2026, 6, 15),
            "valid_from": datetime.date(2026, 9, 1),
            "valid_until": datetime.date(2029, 8, 31),
        },
        protocol.revision,
    )
    rector = protocol.parties.get(institution=institutions["khpi"])
    agreement_actions.update_party(
        officer, rector, {"signatory_name": "Yevgen Sokol", "signatory_position": "Rector"}
    )
    for year in ("2026/2027", "2027/2028", "2028/2029"):
        for mobility_type, flow, people, months in PROTOCOL_QUOTAS:
            agreement_actions.add_quota(
                officer,
                Quota(
                    agreement=protocol,
                    direction=directions["Information technology"],
                    mobility_type=mobility_type,
                    flow=flow,
                    academic_year=year,
                    people=people,
                    months=months,
                ),
            )
    for action in ("propose", "submit_for_approval", "sign", "activate"):
        agreement_actions.transition(officer, protocol, action)
