"""The story's exchanges under the KhPI-AzTU protocol: AzTU nominates its students and a PhD
candidate, KhPI sends a student and a teacher, and a fourth AzTU student is refused because the
quota of incoming students is full. The people and dates are illustrative."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from accord.accounts.models import User
from accord.agreements.models import Agreement, Flow, MobilityType
from accord.exchanges import actions
from accord.exchanges.models import Funding, Mobility, Person, PersonKind
from accord.institutions.models import Institution, Unit

D = datetime.date
AUTUMN = (D(2026, 9, 15), D(2027, 1, 31))
SPRING = (D(2027, 2, 1), D(2027, 6, 30))

# first name, last name, kind, citizenship, e-mail, flow, mobility type, dates, steps taken
Exchange = tuple[str, str, PersonKind, str, str, Flow, MobilityType, Any, list[str]]
EXCHANGES: list[Exchange] = [
    (
        "Aysel",
        "Mammadli",
        PersonKind.STUDENT,
        "AZ",
        "aysel.mammadli@example.az",
        Flow.INCOMING,
        MobilityType.STUDENT_STUDIES,
        AUTUMN,
        ["accept", "start"],
    ),
    (
        "Orkhan",
        "Guliyev",
        PersonKind.STUDENT,
        "AZ",
        "orkhan.guliyev@example.az",
        Flow.INCOMING,
        MobilityType.STUDENT_STUDIES,
        SPRING,
        ["accept"],
    ),
    (
        "Nigar",
        "Hasanova",
        PersonKind.STUDENT,
        "AZ",
        "nigar.hasanova@example.az",
        Flow.INCOMING,
        MobilityType.STUDENT_STUDIES,
        SPRING,
        [],
    ),
    (
        "Elvin",
        "Babayev",
        PersonKind.GRADUATE_STUDENT,
        "AZ",
        "elvin.babayev@example.az",
        Flow.INCOMING,
        MobilityType.PHD_RESEARCH,
        (D(2027, 3, 1), D(2027, 5, 31)),
        [],
    ),
    (
        "Taras",
        "Melnyk",
        PersonKind.STUDENT,
        "UA",
        "taras.melnyk@example.ua",
        Flow.OUTGOING,
        MobilityType.STUDENT_STUDIES,
        SPRING,
        ["accept"],
    ),
    (
        "Dmytro",
        "Ivanenko",
        PersonKind.TEACHER,
        "UA",
        "dmytro.ivanenko@example.ua",
        Flow.OUTGOING,
        MobilityType.TEACHING_STAFF,
        (D(2026, 10, 12), D(2026, 10, 16)),
        ["accept", "start", "complete"],
    ),
]
# The nomination the full quota refuses.
REFUSED: Exchange = (
    "Murad",
    "Aliyev",
    PersonKind.STUDENT,
    "AZ",
    "murad.aliyev@example.az",
    Flow.INCOMING,
    MobilityType.STUDENT_STUDIES,
    SPRING,
    [],
)


def _nomination(
    spec: Exchange,
    protocol: Agreement,
    khpi: Institution,
    aztu: Institution,
    it_unit: Unit,
) -> tuple[User, Mobility]:
    first, last, kind, citizenship, email, flow, mobility_type, (start, end), _steps = spec
    sending, receiving = (aztu, khpi) if flow == Flow.INCOMING else (khpi, aztu)
    nominator = User.objects.get(username="aztu" if flow == Flow.INCOMING else "officer")
    person = Person.objects.filter(institution=sending, email=email).first()
    if person is None:
        person = actions.create_person(
            nominator,
            Person(
                first_name=first,
                last_name=last,
                kind=kind,
                citizenship=citizenship,
                institution=sending,
                unit=it_unit if sending == khpi else None,
                email=email,
            ),
        )
    mobility = Mobility(
        person=person,
        mobility_type=mobility_type,
        flow=flow,
        sending_institution=sending,
        sending_unit=it_unit if sending == khpi else None,
        receiving_institution=receiving,
        receiving_unit=it_unit if receiving == khpi else None,
        agreement=protocol,
        direction=protocol.directions.get(name="Information technology"),
        academic_year="2026/2027",
        planned_start=start,
        planned_end=end,
        ects_planned=Decimal(30) if mobility_type == MobilityType.STUDENT_STUDIES else None,
        language="en",
        funding=Funding.PARTNER if flow == Flow.INCOMING else Funding.INSTITUTIONAL,
    )
    return nominator, mobility


def load(protocol: Agreement, khpi: Institution, aztu: Institution, it_unit: Unit) -> str:
    """Nominate the story's exchanges and take their steps; returns why the fourth AzTU student
    was refused ('' when the exchanges were loaded before)."""
    if Mobility.objects.filter(agreement=protocol).exists():
        return ""
    for spec in EXCHANGES:
        nominator, mobility = _nomination(spec, protocol, khpi, aztu, it_unit)
        actions.nominate(nominator, mobility)
        receiving_side = User.objects.get(
            username="officer" if mobility.flow == Flow.INCOMING else "aztu"
        )
        for step in spec[-1]:
            actions.take_step(receiving_side, mobility, step)
    nominator, refused = _nomination(REFUSED, protocol, khpi, aztu, it_unit)
    try:
        actions.nominate(nominator, refused)
    except actions.QuotaExceeded as error:
        return f"{refused.person}: {error}"
    raise AssertionError("The story's quota should have refused the fourth AzTU student.")
