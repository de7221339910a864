"""A protocol made from a proposal package, the audit entries every change leaves (parts naming
the record they belong to), answers' finer rules, version arithmetic, and query counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accord.agreements import actions
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    AnswerKind,
    CooperationArea,
    Direction,
    Flow,
    MobilityType,
    ProposalPackage,
    Quota,
)
from accord.core.models import AuditAction, AuditEntry
from accord.institutions.models import Institution, Unit, UnitKind
from conftest import World, client_for, error_fields, send_json


def memorandum(
    world: World, *partners: Institution, kind: str = AgreementKind.MEMORANDUM
) -> Agreement:
    return actions.create_agreement(
        world.officer,
        Agreement(
            kind=kind,
            title="Memorandum",
            areas=[CooperationArea.STUDENT_EXCHANGE, CooperationArea.JOINT_RESEARCH],
        ),
        [world.home.pk, *[p.pk for p in (partners or (world.partner_a,))]],
    )


def package_with_answers(world: World) -> tuple[ProposalPackage, list[Direction]]:
    """A package to A and B with three directions: A accepts the first, declines the second,
    counters the third; B accepts the second only."""
    package = actions.create_package(
        world.officer,
        ProposalPackage(title="Cooperation 2026"),
        [world.partner_a.pk, world.partner_b.pk],
    )
    directions = [
        actions.add_direction(world.officer, Direction(package=package, name=name), [code])
        for name, code in (("Oil", "0724"), ("Computing", "0613"), ("Power", "0713"))
    ]
    actions.send_package(world.officer, package)
    a, b = world.partner_a.pk, world.partner_b.pk
    actions.answer_direction(world.partner_a_coordinator, directions[0], a, AnswerKind.ACCEPT)
    actions.answer_direction(
        world.partner_a_coordinator, directions[1], a, AnswerKind.DECLINE, "No staff"
    )
    actions.answer_direction(
        world.partner_a_coordinator, directions[2], a, AnswerKind.COUNTER, "Masters only"
    )
    actions.answer_direction(world.partner_b_coordinator, directions[1], b, AnswerKind.ACCEPT)
    return package, directions


def make_protocol(
    client: Client, package: ProposalPackage, institution: Institution, parent: Agreement | int
) -> Any:
    return send_json(
        client,
        "post",
        f"/api/packages/{package.pk}/protocols",
        {
            "institution": institution.pk,
            "parent": parent if isinstance(parent, int) else parent.pk,
            "title": "Protocol on oil and gas",
            "titles": {"uk": "Протокол"},
        },
    )


# A protocol from a package


def test_protocol_carries_only_the_accepted_directions(world: World) -> None:
    package, (oil, computing, power) = package_with_answers(world)
    parent = memorandum(world)
    response = make_protocol(client_for(world.officer), package, world.partner_a, parent)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["parent"]) == ("protocol", "draft", parent.pk)
    assert body["directions"] == [oil.pk]
    assert [p["institution"] for p in body["parties"]] == [world.home.pk, world.partner_a.pk]
    assert body["titles"] == {"uk": "Протокол"}
    assert body["areas"] == ["student_exchange", "joint_research"]
    protocol = Agreement.objects.get(pk=body["id"])
    assert computing not in protocol.directions.all()
    assert power not in protocol.directions.all()


def test_protocol_for_the_other_partner_carries_its_own_acceptances(world: World) -> None:
    package, (_oil, computing, _power) = package_with_answers(world)
    parent = memorandum(world, world.partner_b)
    response = make_protocol(client_for(world.officer), package, world.partner_b, parent)
    assert response.status_code == 201, response.content
    assert response.json()["directions"] == [computing.pk]
    assert [p["institution"] for p in response.json()["parties"]] == [
        world.home.pk,
        world.partner_b.pk,
    ]


def test_protocol_is_audited_with_its_parts(world: World) -> None:
    package, _directions = package_with_answers(world)
    parent = memorandum(world)
    before = AuditEntry.objects.count()
    response = make_protocol(client_for(world.officer), package, world.partner_a, parent)
    pk = response.json()["id"]
    new = AuditEntry.objects.order_by("id")[before:]
    assert [(e.object_type, e.action) for e in new if e.object_id == str(pk)] == [
        ("agreements.agreement", "create"),
        ("agreements.agreement", "update"),  # its directions linked
    ]
    parties = [e for e in new if e.object_type == "agreements.agreementparty"]
    assert len(parties) == 2
    assert {e.subject for e in parties} == {f"agreements.agreement:{pk}"}
    assert all(e.actor == world.officer for e in new)


def test_parent_without_the_partner_is_refused(world: World) -> None:
    package, _directions = package_with_answers(world)
    with_b = memorandum(world, world.partner_b)
    response = make_protocol(client_for(world.officer), package, world.partner_a, with_b)
    assert "parent" in error_fields(response)
    assert not Agreement.objects.filter(kind=AgreementKind.PROTOCOL).exists()


def test_parent_that_is_not_a_memorandum_is_refused(world: World) -> None:
    package, _directions = package_with_answers(world)
    first = make_protocol(client_for(world.officer), package, world.partner_a, memorandum(world))
    assert first.status_code == 201
    response = make_protocol(
        client_for(world.officer), package, world.partner_a, first.json()["id"]
    )
    assert "parent" in error_fields(response)
    assert Agreement.objects.filter(kind=AgreementKind.PROTOCOL).count() == 1


def test_partner_that_accepted_nothing_gets_no_protocol(world: World) -> None:
    package, directions = package_with_answers(world)
    # A changes its mind about the one it accepted.
    actions.answer_direction(
        world.partner_a_coordinator, directions[0], world.partner_a.pk, "decline", "Budget cuts"
    )
    response = make_protocol(client_for(world.officer), package, world.partner_a, memorandum(world))
    assert "institution" in error_fields(response)
    assert not Agreement.objects.filter(kind=AgreementKind.PROTOCOL).exists()


def test_institution_not_a_recipient_gets_no_protocol(world: World) -> None:
    package = actions.create_package(
        world.officer, ProposalPackage(title="Only A"), [world.partner_a.pk]
    )
    direction = actions.add_direction(
        world.officer, Direction(package=package, name="Oil"), ["0724"]
    )
    actions.send_package(world.officer, package)
    actions.answer_direction(world.officer, direction, world.partner_a.pk, "accept")
    parent = memorandum(world, world.partner_a, world.partner_b)
    response = make_protocol(client_for(world.officer), package, world.partner_b, parent)
    assert "institution" in error_fields(response)
    assert not Agreement.objects.filter(kind=AgreementKind.PROTOCOL).exists()


def test_unknown_parent_is_404(world: World) -> None:
    package, _directions = package_with_answers(world)
    response = make_protocol(client_for(world.officer), package, world.partner_a, 999_999)
    assert response.status_code == 404
    assert not Agreement.objects.filter(kind=AgreementKind.PROTOCOL).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("partner_a_coordinator", 403),
        ("partner_b_coordinator", 403),
        ("leadership", 403),
        ("adviser", 403),
        (None, 401),
    ],
)
def test_only_officers_make_protocols(world: World, persona: str | None, status: int) -> None:
    package, _directions = package_with_answers(world)
    parent = memorandum(world)
    client = client_for(getattr(world, persona) if persona else None)
    response = make_protocol(client, package, world.partner_a, parent)
    assert response.status_code == status
    assert not Agreement.objects.filter(kind=AgreementKind.PROTOCOL).exists()


def test_partner_cannot_make_a_protocol_from_a_package_not_sent_to_it(world: World) -> None:
    package = actions.create_package(
        world.officer, ProposalPackage(title="Only A"), [world.partner_a.pk]
    )
    actions.add_direction(world.officer, Direction(package=package, name="Oil"), ["0724"])
    actions.send_package(world.officer, package)
    response = make_protocol(
        client_for(world.partner_b_coordinator), package, world.partner_b, memorandum(world)
    )
    assert response.status_code == 404


def test_protocol_input_is_strict(world: World) -> None:
    package, _directions = package_with_answers(world)
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/packages/{package.pk}/protocols",
        {
            "institution": world.partner_a.pk,
            "parent": memorandum(world).pk,
            "title": "P",
            "status": "active",
        },
    )
    assert "status" in error_fields(response)
    assert not Agreement.objects.filter(kind=AgreementKind.PROTOCOL).exists()


# Answers: finer rules


def test_answer_with_a_unit_of_another_institution_is_refused(world: World) -> None:
    _package, directions = package_with_answers(world)
    unit_of_b = Unit.objects.create(
        institution=world.partner_b, kind=UnitKind.FACULTY, name="Faculty of B"
    )
    unit_of_a = Unit.objects.create(
        institution=world.partner_a, kind=UnitKind.FACULTY, name="Faculty of A"
    )
    client = client_for(world.partner_a_coordinator)
    url = f"/api/directions/{directions[0].pk}/answer"
    refused = send_json(client, "put", url, {"answer": "accept", "partner_unit": unit_of_b.pk})
    assert "partner_unit" in error_fields(refused)
    accepted = send_json(client, "put", url, {"answer": "accept", "partner_unit": unit_of_a.pk})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["partner_unit"] == unit_of_a.pk


def test_direction_of_an_agreement_is_not_answered(world: World) -> None:
    agreement = memorandum(world)
    direction = actions.add_direction(
        world.officer, Direction(name="Joint research"), ["0724"], agreement=agreement
    )
    response = send_json(
        client_for(world.partner_a_coordinator),
        "put",
        f"/api/directions/{direction.pk}/answer",
        {"answer": "accept"},
    )
    assert response.status_code == 409
    assert not direction.answers.exists()


def test_unknown_answer_kind_is_refused(world: World) -> None:
    _package, directions = package_with_answers(world)
    response = send_json(
        client_for(world.partner_b_coordinator),
        "put",
        f"/api/directions/{directions[0].pk}/answer",
        {"answer": "maybe"},
    )
    assert "answer" in error_fields(response)


# Directions added to an agreement directly


def test_officer_adds_a_direction_to_a_draft_agreement(world: World) -> None:
    agreement = memorandum(world)
    revision = agreement.revision
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/agreements/{agreement.pk}/directions",
        {"name": "Joint research", "fields": ["0724"]},
    )
    assert response.status_code == 201, response.content
    direction = Direction.objects.get(pk=response.json()["id"])
    assert direction.package is None
    assert list(agreement.directions.all()) == [direction]
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.revision == revision + 1
    link = AuditEntry.objects.filter(
        object_type="agreements.agreement", object_id=str(agreement.pk), action="update"
    ).latest("id")
    assert (link.after or {})["directions"] == [direction.pk]


def test_direction_is_not_added_to_a_signed_agreement(world: World) -> None:
    agreement = memorandum(world)
    for step in ("propose", "submit_for_approval", "sign"):
        actions.transition(world.officer, agreement, step)
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/agreements/{agreement.pk}/directions",
        {"name": "Late", "fields": ["0724"]},
    )
    assert response.status_code == 409
    assert not Direction.objects.exists()


def test_direction_added_to_an_agreement_names_the_agreement(world: World) -> None:
    agreement = memorandum(world)
    direction = actions.add_direction(
        world.officer, Direction(name="Joint research"), ["0724"], agreement=agreement
    )
    entry = AuditEntry.objects.get(
        object_type="agreements.direction", object_id=str(direction.pk), action="create"
    )
    assert entry.subject == f"agreements.agreement:{agreement.pk}"


# Audit: every change, parts naming their record


def test_every_step_of_a_negotiation_is_audited(world: World) -> None:
    officer = client_for(world.officer)
    partner = client_for(world.partner_a_coordinator)
    parent = memorandum(world)
    steps: list[tuple[str, int]] = []
    start = AuditEntry.objects.count()

    def did(label: str, response: Any) -> Any:
        assert response.status_code in {200, 201, 204}, (label, response.content)
        steps.append((label, AuditEntry.objects.count()))
        return response

    package = did(
        "create package",
        send_json(
            officer, "post", "/api/packages", {"title": "P", "recipients": [world.partner_a.pk]}
        ),
    ).json()
    direction = did(
        "propose",
        send_json(
            officer,
            "post",
            f"/api/packages/{package['id']}/directions",
            {"name": "Oil", "fields": ["0724"]},
        ),
    ).json()
    did(
        "rename package",
        send_json(officer, "patch", f"/api/packages/{package['id']}", {"title": "Renamed"}),
    )
    did("send", officer.post(f"/api/packages/{package['id']}/send"))
    did(
        "answer",
        send_json(
            partner, "put", f"/api/directions/{direction['id']}/answer", {"answer": "accept"}
        ),
    )
    protocol = did(
        "protocol",
        send_json(
            officer,
            "post",
            f"/api/packages/{package['id']}/protocols",
            {"institution": world.partner_a.pk, "parent": parent.pk, "title": "Protocol"},
        ),
    ).json()
    quota = did(
        "quota",
        send_json(
            officer,
            "post",
            f"/api/agreements/{protocol['id']}/quotas",
            {
                "direction": direction["id"],
                "mobility_type": "student_studies",
                "flow": "incoming",
                "academic_year": "2026/2027",
                "people": 2,
            },
        ),
    ).json()
    did("change quota", send_json(officer, "patch", f"/api/quotas/{quota['id']}", {"people": 3}))
    revision = officer.get(f"/api/agreements/{protocol['id']}").json()["revision"]
    did(
        "edit protocol",
        send_json(
            officer,
            "patch",
            f"/api/agreements/{protocol['id']}",
            {"revision": revision, "text": "Article 1"},
        ),
    )
    did("close", officer.post(f"/api/packages/{package['id']}/close"))

    counts = [start, *[count for _label, count in steps]]
    grew = {
        label: after - before for (label, after), before in zip(steps, counts[:-1], strict=True)
    }
    assert all(change >= 1 for change in grew.values()), grew

    package_key = f"agreements.proposalpackage:{package['id']}"
    protocol_key = f"agreements.agreement:{protocol['id']}"
    parts = {
        "agreements.direction": package_key,
        "agreements.directionanswer": package_key,
        "agreements.quota": protocol_key,
    }
    for object_type, subject in parts.items():
        entries = AuditEntry.objects.filter(object_type=object_type)
        assert entries.exists(), object_type
        assert set(entries.values_list("subject", flat=True)) == {subject}, object_type
    protocol_parties = AuditEntry.objects.filter(
        object_type="agreements.agreementparty",
        object_id__in=[
            str(pk)
            for pk in AgreementParty.objects.filter(agreement_id=protocol["id"]).values_list(
                "pk", flat=True
            )
        ],
    )
    assert protocol_parties.count() == 2
    assert set(protocol_parties.values_list("subject", flat=True)) == {protocol_key}
    # Whole records name no subject.
    for object_type in ("agreements.agreement", "agreements.proposalpackage"):
        assert set(
            AuditEntry.objects.filter(object_type=object_type).values_list("subject", flat=True)
        ) == {""}


def test_party_change_is_audited_under_the_agreement_and_raises_the_revision(world: World) -> None:
    agreement = memorandum(world)
    party = agreement.parties.get(institution=world.partner_a)
    revision = agreement.revision
    actions.update_party(world.officer, party, {"signatory_name": "Rector of A"})
    entry = AuditEntry.objects.filter(
        object_type="agreements.agreementparty", object_id=str(party.pk)
    ).latest("id")
    assert entry.action == AuditAction.UPDATE
    assert entry.subject == f"agreements.agreement:{agreement.pk}"
    assert (entry.after or {})["signatory_name"] == "Rector of A"
    assert Agreement.objects.get(pk=agreement.pk).revision == revision + 1


def test_party_of_a_signed_agreement_is_not_changed(world: World) -> None:
    agreement = memorandum(world)
    for step in ("propose", "submit_for_approval", "sign"):
        actions.transition(world.officer, agreement, step)
    party = agreement.parties.get(institution=world.partner_a)
    with pytest.raises(actions.Conflict):
        actions.update_party(world.officer, party, {"signatory_name": "Someone"})
    assert AgreementParty.objects.get(pk=party.pk).signatory_name == ""


# Versions: the arithmetic of renewals


def _signed_protocol(
    world: World, valid_from: datetime.date | None, valid_until: datetime.date | None
) -> Agreement:
    parent = memorandum(world)
    protocol = actions.create_agreement(
        world.officer,
        Agreement(
            kind=AgreementKind.PROTOCOL,
            title="Protocol",
            parent=parent,
            valid_from=valid_from,
            valid_until=valid_until,
        ),
        [world.home.pk, world.partner_a.pk],
    )
    direction = actions.add_direction(
        world.officer, Direction(name="Oil"), ["0724"], agreement=protocol
    )
    actions.add_quota(
        world.officer,
        Quota(
            agreement=protocol,
            direction=direction,
            mobility_type=MobilityType.TEACHING_STAFF,
            flow=Flow.OUTGOING,
            academic_year="2025/2026",
            people=1,
        ),
    )
    for step in ("propose", "submit_for_approval", "sign"):
        actions.transition(world.officer, protocol, step)
    return Agreement.objects.get(pk=protocol.pk)


def test_renewal_of_one_academic_year(world: World) -> None:
    old = _signed_protocol(world, datetime.date(2025, 9, 1), datetime.date(2026, 8, 31))
    new = actions.new_version(world.officer, old, "renewal")
    assert (new.valid_from, new.valid_until) == (
        datetime.date(2026, 9, 1),
        datetime.date(2027, 8, 31),
    )
    assert list(new.quotas.values_list("academic_year", flat=True)) == ["2026/2027"]
    assert (new.status, new.previous, new.version_number) == (AgreementStatus.DRAFT, old, 2)


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "year"),
    [
        ((2025, 9, 1), (2026, 8, 31), "2026/2027"),
        ((2025, 9, 1), (2028, 8, 31), "2028/2029"),
        ((2025, 9, 1), (2030, 8, 31), "2030/2031"),
        # Half a year still moves the quotas on by a year.
        ((2025, 9, 1), (2026, 2, 28), "2026/2027"),
    ],
)
def test_renewal_moves_quotas_on_by_the_term(
    world: World, valid_from: tuple[int, int, int], valid_until: tuple[int, int, int], year: str
) -> None:
    old = _signed_protocol(world, datetime.date(*valid_from), datetime.date(*valid_until))
    new = actions.new_version(world.officer, old, "renewal")
    assert new.valid_from == old.valid_until + datetime.timedelta(days=1)  # type: ignore[operator]
    # Whole years are renewed by calendar years, so a leap day may make one day's difference.
    difference = (new.valid_until - new.valid_from) - (old.valid_until - old.valid_from)  # type: ignore[operator]
    assert abs(difference.days) <= 1
    assert list(new.quotas.values_list("academic_year", flat=True)) == [year]


def test_renewal_of_whole_years_ends_on_the_same_day_of_the_year(world: World) -> None:
    old = _signed_protocol(world, datetime.date(2025, 9, 1), datetime.date(2028, 8, 31))
    new = actions.new_version(world.officer, old, "renewal")
    assert (new.valid_from, new.valid_until) == (
        datetime.date(2028, 9, 1),
        datetime.date(2031, 8, 31),
    )


def test_renewal_without_an_end_date_keeps_the_dates(world: World) -> None:
    old = _signed_protocol(world, datetime.date(2025, 9, 1), None)
    new = actions.new_version(world.officer, old, "renewal")
    assert (new.valid_from, new.valid_until) == (datetime.date(2025, 9, 1), None)


def test_amendment_keeps_dates_and_quota_years(world: World) -> None:
    old = _signed_protocol(world, datetime.date(2025, 9, 1), datetime.date(2026, 8, 31))
    new = actions.new_version(world.officer, old, "amendment")
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    assert list(new.quotas.values_list("academic_year", flat=True)) == ["2025/2026"]


def test_terminated_agreement_gets_no_version(world: World) -> None:
    old = _signed_protocol(world, datetime.date(2025, 9, 1), datetime.date(2026, 8, 31))
    actions.transition(world.officer, old, "terminate")
    for reason in ("renewal", "amendment"):
        with pytest.raises(actions.Conflict):
            actions.new_version(world.officer, old, reason)
    assert not Agreement.objects.filter(previous=old).exists()


def test_a_signed_new_version_expires_a_signed_old_one_on_activation(world: World) -> None:
    old = _signed_protocol(world, datetime.date(2025, 9, 1), datetime.date(2026, 8, 31))
    new = actions.new_version(world.officer, old, "renewal")
    for step in ("propose", "submit_for_approval", "sign", "activate"):
        actions.transition(world.officer, new, step)
    assert Agreement.objects.get(pk=old.pk).status == AgreementStatus.EXPIRED


# Query counts


def _list_queries(client: Client, expected: int) -> int:
    client.get("/api/agreements")  # warm up the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/agreements")
    assert response.status_code == 200
    assert response.json()["count"] == expected
    return len(queries)


@pytest.mark.parametrize("persona", ["officer", "partner_a_coordinator"])
def test_agreement_list_query_count_does_not_grow(world: World, persona: str) -> None:
    client = client_for(getattr(world, persona))

    def add(count: int) -> None:
        for _ in range(count):
            agreement = memorandum(world, world.partner_a, world.partner_b)
            actions.add_direction(
                world.officer, Direction(name="Oil"), ["0724"], agreement=agreement
            )

    add(2)
    two = _list_queries(client, 2)
    add(8)
    ten = _list_queries(client, 10)
    assert ten == two


def test_package_detail_for_a_partner_query_count_does_not_grow(world: World) -> None:
    client = client_for(world.partner_a_coordinator)

    def package_with(count: int) -> ProposalPackage:
        package = actions.create_package(
            world.officer, ProposalPackage(title="P"), [world.partner_a.pk, world.partner_b.pk]
        )
        directions = [
            actions.add_direction(
                world.officer, Direction(package=package, name=f"D{number}"), ["0724", "0613"]
            )
            for number in range(count)
        ]
        actions.send_package(world.officer, package)
        for direction in directions:
            actions.answer_direction(world.officer, direction, world.partner_a.pk, "accept")
            actions.answer_direction(world.officer, direction, world.partner_b.pk, "accept")
        return package

    counts = []
    for package in (package_with(1), package_with(5)):
        client.get(f"/api/packages/{package.pk}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/packages/{package.pk}")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
