"""Records the EWP tests share: hei-ids for the world's institutions and an Erasmus+ IIA."""

from __future__ import annotations

import copy
from decimal import Decimal

from accord.agreements import actions
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    Direction,
    Flow,
    MobilityType,
    Quota,
)
from accord.core import actions as core_actions
from accord.ewp import iia as ewp
from accord.ewp.exporting import our_iias
from accord.ewp.models import MobilityTerms
from accord.ewp.projection import erasmus_agreements
from accord.ewp.xml import serialize
from accord.institutions.models import Institution
from conftest import World

HOME_HEI = "home.example.ua"
PARTNER_A_HEI = "partner-a.example.az"
PARTNER_B_HEI = "partner-b.example.pl"


def name_hei_ids(world: World) -> None:
    for institution, hei in (
        (world.home, HOME_HEI),
        (world.partner_a, PARTNER_A_HEI),
        (world.partner_b, PARTNER_B_HEI),
    ):
        Institution.objects.filter(pk=institution.pk).update(ewp_hei_id=hei)
        institution.ewp_hei_id = hei


def erasmus_iia(
    world: World, partner: Institution | None = None, title: str = "Erasmus+ IIA"
) -> Agreement:
    """A signed Erasmus+ IIA: students out (2 a year, 2026–2028) and teachers in (1 a year)."""
    partner = partner or world.partner_a
    agreement = actions.create_agreement(
        world.officer,
        Agreement(kind=AgreementKind.ERASMUS_IIA, title=title),
        [world.home.pk, partner.pk],
    )
    direction = actions.add_direction(
        world.officer, Direction(name="Oil and gas"), ["0724"], agreement=agreement
    )
    for year in ("2026/2027", "2027/2028"):
        for mobility_type, flow, people in (
            (MobilityType.STUDENT_STUDIES, Flow.OUTGOING, 2),
            (MobilityType.TEACHING_STAFF, Flow.INCOMING, 1),
        ):
            actions.add_quota(
                world.officer,
                Quota(
                    agreement=agreement,
                    direction=direction,
                    academic_year=year,
                    people=people,
                    mobility_type=mobility_type,
                    flow=flow,
                    months=10 if mobility_type == MobilityType.STUDENT_STUDIES else None,
                ),
            )
    core_actions.create(
        world.officer,
        MobilityTerms(
            agreement=agreement,
            mobility_type=MobilityType.STUDENT_STUDIES,
            flow=Flow.OUTGOING,
            languages=["en B2"],
            eqf_levels=[6, 7],
        ),
    )
    core_actions.create(
        world.officer,
        MobilityTerms(
            agreement=agreement,
            mobility_type=MobilityType.TEACHING_STAFF,
            flow=Flow.INCOMING,
            languages=["en C1"],
            days_per_year=Decimal("5"),
        ),
    )
    return Agreement.objects.get(pk=agreement.pk)


def ours(agreement: Agreement) -> ewp.Iia:
    """Our copy of ``agreement`` as EWP sees it (its iia-id made if needed)."""
    projected, problems = our_iias(erasmus_agreements().filter(pk=agreement.pk))
    assert problems == []
    return projected[0].iia


def partners_copy(
    agreement: Agreement,
    iia_id: str = "partner-a-iia-1",
    *,
    names_ours: bool = True,
    owner: str = PARTNER_A_HEI,
    other: str = HOME_HEI,
) -> ewp.Iia:
    """The partner's copy of ``agreement``: our conditions, its own iia-id first, ours second
    (when it has learned it)."""
    mine = ours(agreement)
    return ewp.Iia(
        partners=[
            ewp.Partner(owner, iia_id=iia_id, iia_code="A/2026/1"),
            ewp.Partner(other, iia_id=mine.iia_id if names_ours else ""),
        ],
        conditions=copy.deepcopy(mine.conditions),
        in_effect=True,
    )


def xml_of(*iias: ewp.Iia) -> bytes:
    return serialize(ewp.get_response(list(iias)))
