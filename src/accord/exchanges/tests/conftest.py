"""Exchange fixtures: an active protocol with each partner, with quotas, and helpers to make
people and nominations."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Direction,
    Flow,
    MobilityType,
    Quota,
)
from accord.exchanges import actions
from accord.exchanges.models import Mobility, Person, PersonKind
from accord.institutions.models import Institution, Unit, UnitKind
from conftest import World

YEAR = "2026/2027"
START, END = datetime.date(2026, 9, 15), datetime.date(2027, 1, 31)


@dataclass
class Exchanges:
    world: World
    home_unit: Unit
    protocol_a: Agreement
    protocol_b: Agreement
    direction_a: Direction
    direction_b: Direction

    def person(self, institution: Institution, **fields: Any) -> Person:
        data: dict[str, Any] = {
            "first_name": "Leyla",
            "last_name": "Aliyeva",
            "kind": PersonKind.STUDENT,
            "citizenship": institution.country,
            "institution": institution,
        } | fields
        return actions.create_person(self.world.officer, Person(**data))

    def mobility(self, partner: str = "a", flow: str = Flow.INCOMING, **fields: Any) -> Mobility:
        """An unsaved mobility under the protocol with partner ``a`` or ``b``."""
        institution = getattr(self.world, f"partner_{partner}")
        sending, receiving = (
            (institution, self.world.home)
            if flow == Flow.INCOMING
            else (self.world.home, institution)
        )
        data: dict[str, Any] = {
            "mobility_type": MobilityType.STUDENT_STUDIES,
            "flow": flow,
            "sending_institution": sending,
            "receiving_institution": receiving,
            "agreement": getattr(self, f"protocol_{partner}"),
            "direction": getattr(self, f"direction_{partner}"),
            "academic_year": YEAR,
            "planned_start": START,
            "planned_end": END,
        } | fields
        if "person" not in data:
            data["person"] = self.person(sending)
        return Mobility(**data)

    def nominate(
        self, actor: Any = None, partner: str = "a", override: str = "", **fields: Any
    ) -> Mobility:
        mobility = self.mobility(partner, **fields)
        return actions.nominate(actor or self.world.officer, mobility, override)


def active_protocol(world: World, partner: Institution, direction: Direction) -> Agreement:
    """An active protocol with ``partner``: 2 places (10 months) each way for student studies
    in 2026/2027, 1 teaching place each way."""
    memo = Agreement.objects.create(
        kind=AgreementKind.MEMORANDUM,
        title=f"Memorandum with {partner.name}",
        status=AgreementStatus.ACTIVE,
    )
    protocol = Agreement.objects.create(
        kind=AgreementKind.PROTOCOL,
        title=f"Protocol with {partner.name}",
        status=AgreementStatus.ACTIVE,
        parent=memo,
        valid_from=datetime.date(2026, 9, 1),
        valid_until=datetime.date(2029, 8, 31),
    )
    for agreement in (memo, protocol):
        for institution in (world.home, partner):
            AgreementParty.objects.create(agreement=agreement, institution=institution)
    protocol.directions.add(direction)
    for flow in Flow.values:
        Quota.objects.create(
            agreement=protocol,
            direction=direction,
            mobility_type=MobilityType.STUDENT_STUDIES,
            flow=flow,
            academic_year=YEAR,
            people=2,
            months=10,
        )
        Quota.objects.create(
            agreement=protocol,
            direction=direction,
            mobility_type=MobilityType.TEACHING_STAFF,
            flow=flow,
            academic_year=YEAR,
            people=1,
        )
    return protocol


@pytest.fixture
def ex(world: World) -> Exchanges:
    direction_a = Direction.objects.create(name="Information technology")
    direction_b = Direction.objects.create(name="Oil and gas production")
    return Exchanges(
        world=world,
        home_unit=Unit.objects.create(
            institution=world.home, kind=UnitKind.FACULTY, name="Faculty of Computer Science"
        ),
        protocol_a=active_protocol(world, world.partner_a, direction_a),
        protocol_b=active_protocol(world, world.partner_b, direction_b),
        direction_a=direction_a,
        direction_b=direction_b,
    )
