"""Proposal packages over the REST API: who creates, sees, sends and closes them; directions
proposed and withdrawn; the partners' answers, each partner seeing only its own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accord.agreements import actions
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AnswerKind,
    Direction,
    DirectionAnswer,
    PackageStatus,
    ProposalPackage,
)
from accord.core.models import AuditAction, AuditEntry
from accord.institutions.models import Institution
from conftest import (
    HOME_STAFF,
    PARTNERS,
    World,
    client_for,
    entries_of,
    error_fields,
    error_text,
    send_json,
)


def make_package(
    world: World,
    recipients: tuple[Institution, ...] | None = None,
    directions: int = 1,
    *,
    send: bool = False,
) -> ProposalPackage:
    """A package of ``directions`` directions in oil and gas (ISCED-F 0724), sent if asked."""
    package = actions.create_package(
        world.officer,
        ProposalPackage(title="Cooperation in 2026"),
        [r.pk for r in (recipients if recipients is not None else (world.partner_a,))],
    )
    for number in range(directions):
        actions.add_direction(
            world.officer, Direction(package=package, name=f"Direction {number}"), ["0724"]
        )
    if send:
        actions.send_package(world.officer, package)
    return package


def first_direction(package: ProposalPackage) -> Direction:
    direction = package.directions.order_by("pk").first()
    assert direction is not None
    return direction


def answer(client: Client, direction: Direction, kind: str, comment: str = "", **extra: Any) -> Any:
    return send_json(
        client,
        "put",
        f"/api/directions/{direction.pk}/answer",
        {"answer": kind, "comment": comment, **extra},
    )


# Creating


def test_officer_creates_a_draft_package_with_audit(world: World) -> None:
    response = send_json(
        client_for(world.officer),
        "post",
        "/api/packages",
        {
            "title": "Oil and gas 2026",
            "description": "What we propose",
            "recipients": [world.partner_a.pk, world.partner_b.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["sent_on"] is None
    assert sorted(body["recipients"]) == sorted([world.partner_a.pk, world.partner_b.pk])
    assert body["directions"] == []
    assert body["answers"] == []
    package = ProposalPackage.objects.get(pk=body["id"])
    [entry] = entries_of(package)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == world.officer
    assert sorted((entry.after or {})["recipients"]) == sorted(
        [world.partner_a.pk, world.partner_b.pk]
    )


@pytest.mark.parametrize("persona", [*HOME_STAFF, *PARTNERS])
def test_only_officers_create_packages(world: World, persona: str) -> None:
    response = send_json(
        client_for(getattr(world, persona)),
        "post",
        "/api/packages",
        {"title": "X", "recipients": [world.partner_a.pk]},
    )
    assert response.status_code == 403
    assert not ProposalPackage.objects.exists()
    assert not AuditEntry.objects.exists()


def test_anonymous_is_401_everywhere(world: World) -> None:
    package = make_package(world, send=True)
    direction = first_direction(package)
    client = client_for(None)
    assert send_json(client, "post", "/api/packages", {"title": "X"}).status_code == 401
    assert client.get("/api/packages").status_code == 401
    assert client.get(f"/api/packages/{package.pk}").status_code == 401
    assert answer(client, direction, "accept").status_code == 401
    assert client.delete(f"/api/directions/{direction.pk}").status_code == 401
    assert not DirectionAnswer.objects.exists()


def test_home_university_as_recipient_is_refused(world: World) -> None:
    response = send_json(
        client_for(world.officer),
        "post",
        "/api/packages",
        {"title": "X", "recipients": [world.partner_a.pk, world.home.pk]},
    )
    assert "recipients" in error_fields(response)
    assert not ProposalPackage.objects.exists()


def test_unknown_recipient_is_refused(world: World) -> None:
    response = send_json(
        client_for(world.officer), "post", "/api/packages", {"title": "X", "recipients": [999999]}
    )
    assert "recipients" in error_fields(response)
    assert "999999" in error_text(response)
    assert not ProposalPackage.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "X", "colour": "blue"}, "colour"),
        ({"title": "X", "status": "sent"}, "status"),
        ({"title": ""}, "title"),
        ({}, "title"),
    ],
)
def test_bad_package_input_names_the_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    response = send_json(client_for(world.officer), "post", "/api/packages", payload)
    assert field in error_fields(response)
    assert not ProposalPackage.objects.exists()


# Seeing


def test_draft_package_is_invisible_to_partners_until_sent(world: World) -> None:
    package = make_package(world)
    partner = client_for(world.partner_a_coordinator)
    assert partner.get(f"/api/packages/{package.pk}").status_code == 404
    assert partner.get("/api/packages").json()["items"] == []
    # Home staff see drafts.
    leadership = client_for(world.leadership)
    assert leadership.get(f"/api/packages/{package.pk}").status_code == 200
    assert [p["id"] for p in leadership.get("/api/packages").json()["items"]] == [package.pk]

    response = client_for(world.officer).post(f"/api/packages/{package.pk}/send")
    assert response.status_code == 200, response.content

    assert partner.get(f"/api/packages/{package.pk}").status_code == 200
    listed = partner.get("/api/packages").json()["items"]
    assert [(p["id"], p["status"]) for p in listed] == [(package.pk, "sent")]


def test_partner_sees_only_itself_and_its_own_answers(world: World) -> None:
    package = make_package(world, (world.partner_a, world.partner_b), directions=2, send=True)
    one, two = package.directions.order_by("pk")
    client_a = client_for(world.partner_a_coordinator)
    client_b = client_for(world.partner_b_coordinator)
    assert answer(client_a, one, "accept").status_code == 200
    assert answer(client_a, two, "decline", "Not our field").status_code == 200
    assert answer(client_b, one, "counter", "Only for master students").status_code == 200

    seen_by_a = client_a.get(f"/api/packages/{package.pk}").json()
    assert seen_by_a["recipients"] == [world.partner_a.pk]
    assert {a["institution"] for a in seen_by_a["answers"]} == {world.partner_a.pk}
    assert len(seen_by_a["answers"]) == 2
    assert "Only for master students" not in json.dumps(seen_by_a)

    seen_by_b = client_b.get(f"/api/packages/{package.pk}").json()
    assert seen_by_b["recipients"] == [world.partner_b.pk]
    assert [(a["institution"], a["answer"]) for a in seen_by_b["answers"]] == [
        (world.partner_b.pk, "counter")
    ]
    assert "Not our field" not in json.dumps(seen_by_b)

    seen_by_officer = client_for(world.officer).get(f"/api/packages/{package.pk}").json()
    assert sorted(seen_by_officer["recipients"]) == sorted([world.partner_a.pk, world.partner_b.pk])
    assert len(seen_by_officer["answers"]) == 3


def test_partner_b_cannot_reach_a_package_sent_only_to_a(world: World) -> None:
    package = make_package(world, (world.partner_a,), send=True)
    direction = first_direction(package)
    client = client_for(world.partner_b_coordinator)
    assert client.get(f"/api/packages/{package.pk}").status_code == 404
    assert client.get("/api/packages").json()["items"] == []
    assert answer(client, direction, "accept").status_code == 404
    assert client.delete(f"/api/directions/{direction.pk}").status_code == 404
    assert client.post(f"/api/packages/{package.pk}/close").status_code == 404
    assert (
        send_json(client, "patch", f"/api/packages/{package.pk}", {"title": "Mine"}).status_code
        == 404
    )
    assert not DirectionAnswer.objects.exists()
    assert ProposalPackage.objects.get(pk=package.pk).title == "Cooperation in 2026"


@pytest.mark.parametrize("persona", [*HOME_STAFF, "partner_a_coordinator"])
def test_only_officers_change_send_and_close(world: World, persona: str) -> None:
    draft = make_package(world)
    sent = make_package(world, send=True)
    client = client_for(getattr(world, persona))
    for package in (draft, sent):
        response = send_json(client, "patch", f"/api/packages/{package.pk}", {"title": "Mine"})
        # A partner cannot see a draft at all.
        expected = 404 if persona == "partner_a_coordinator" and package is draft else 403
        assert response.status_code == expected
        assert client.post(f"/api/packages/{package.pk}/close").status_code == expected
        response = send_json(
            client,
            "post",
            f"/api/packages/{package.pk}/directions",
            {"name": "X", "fields": ["0613"]},
        )
        assert response.status_code == expected
    assert client.post(f"/api/packages/{draft.pk}/send").status_code in {403, 404}
    assert set(ProposalPackage.objects.values_list("status", flat=True)) == {"draft", "sent"}
    assert ProposalPackage.objects.filter(title="Mine").count() == 0
    assert Direction.objects.count() == 2


# Sending


def test_send_needs_recipients(world: World) -> None:
    package = make_package(world, recipients=())
    response = client_for(world.officer).post(f"/api/packages/{package.pk}/send")
    assert "recipients" in error_fields(response)
    assert ProposalPackage.objects.get(pk=package.pk).status == PackageStatus.DRAFT


def test_send_needs_directions(world: World) -> None:
    package = make_package(world, directions=0)
    response = client_for(world.officer).post(f"/api/packages/{package.pk}/send")
    assert "directions" in error_fields(response)
    assert ProposalPackage.objects.get(pk=package.pk).status == PackageStatus.DRAFT


def test_send_is_audited_and_a_second_send_is_409(world: World) -> None:
    package = make_package(world)
    client = client_for(world.officer)
    response = client.post(f"/api/packages/{package.pk}/send")
    assert response.status_code == 200
    assert response.json()["status"] == "sent"
    assert response.json()["sent_on"] is not None
    update = entries_of(package)[-1]
    assert update.action == AuditAction.UPDATE
    assert ((update.before or {})["status"], (update.after or {})["status"]) == ("draft", "sent")

    count = AuditEntry.objects.count()
    again = client.post(f"/api/packages/{package.pk}/send")
    assert again.status_code == 409
    assert "sent already" in again.json()["detail"]
    assert AuditEntry.objects.count() == count


# Answers


def test_answer_before_send_is_409_for_the_officer_and_404_for_the_partner(world: World) -> None:
    package = make_package(world)
    direction = first_direction(package)
    officer = answer(client_for(world.officer), direction, "accept", institution=world.partner_a.pk)
    assert officer.status_code == 409
    partner = answer(client_for(world.partner_a_coordinator), direction, "accept")
    assert partner.status_code == 404
    assert not DirectionAnswer.objects.exists()


@pytest.mark.parametrize("kind", ["decline", "counter"])
@pytest.mark.parametrize("comment", ["", "   \n"])
def test_decline_or_counter_needs_a_comment(world: World, kind: str, comment: str) -> None:
    package = make_package(world, send=True)
    response = answer(
        client_for(world.partner_a_coordinator), first_direction(package), kind, comment
    )
    assert "comment" in error_fields(response)
    assert not DirectionAnswer.objects.exists()


def test_accept_needs_no_comment_and_is_audited_under_the_package(world: World) -> None:
    package = make_package(world, send=True)
    direction = first_direction(package)
    response = answer(client_for(world.partner_a_coordinator), direction, "accept")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["institution"], body["answer"], body["direction"]) == (
        world.partner_a.pk,
        "accept",
        direction.pk,
    )
    stored = DirectionAnswer.objects.get()
    [entry] = entries_of(stored)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == world.partner_a_coordinator
    assert entry.subject == f"agreements.proposalpackage:{package.pk}"


def test_partner_cannot_answer_for_another_institution(world: World) -> None:
    package = make_package(world, (world.partner_a, world.partner_b), send=True)
    response = answer(
        client_for(world.partner_a_coordinator),
        first_direction(package),
        "accept",
        institution=world.partner_b.pk,
    )
    assert response.status_code == 403
    assert not DirectionAnswer.objects.exists()


@pytest.mark.parametrize("persona", HOME_STAFF)
def test_other_home_staff_do_not_answer(world: World, persona: str) -> None:
    package = make_package(world, send=True)
    response = answer(
        client_for(getattr(world, persona)),
        first_direction(package),
        "accept",
        institution=world.partner_a.pk,
    )
    assert response.status_code == 403
    assert not DirectionAnswer.objects.exists()


def test_officer_records_an_answer_on_behalf_of_a_partner(world: World) -> None:
    package = make_package(world, send=True)
    direction = first_direction(package)
    client = client_for(world.officer)

    missing = answer(client, direction, "accept")
    assert "institution" in error_fields(missing)
    assert not DirectionAnswer.objects.exists()

    not_a_recipient = answer(client, direction, "accept", institution=world.partner_b.pk)
    assert "institution" in error_fields(not_a_recipient)
    assert not DirectionAnswer.objects.exists()

    response = answer(client, direction, "accept", institution=world.partner_a.pk)
    assert response.status_code == 200, response.content
    stored = DirectionAnswer.objects.get()
    assert stored.institution == world.partner_a
    assert entries_of(stored)[0].actor == world.officer


def test_answering_again_replaces_the_answer(world: World) -> None:
    package = make_package(world, send=True)
    direction = first_direction(package)
    client = client_for(world.partner_a_coordinator)
    assert answer(client, direction, "accept").status_code == 200
    response = answer(client, direction, "counter", "Masters only")
    assert response.status_code == 200, response.content

    stored = DirectionAnswer.objects.get()
    assert (stored.answer, stored.comment) == (AnswerKind.COUNTER, "Masters only")
    entries = entries_of(stored)
    assert [entry.action for entry in entries] == [AuditAction.CREATE, AuditAction.UPDATE]
    update = entries[-1]
    assert ((update.before or {})["answer"], (update.after or {})["answer"]) == (
        "accept",
        "counter",
    )
    assert (update.after or {})["comment"] == "Masters only"
    assert update.subject == f"agreements.proposalpackage:{package.pk}"


def test_answering_the_same_again_writes_nothing(world: World) -> None:
    package = make_package(world, send=True)
    direction = first_direction(package)
    client = client_for(world.partner_a_coordinator)
    assert answer(client, direction, "accept").status_code == 200
    count = AuditEntry.objects.count()
    assert answer(client, direction, "accept").status_code == 200
    assert AuditEntry.objects.count() == count
    assert DirectionAnswer.objects.count() == 1


def test_closed_package_refuses_answers_directions_and_changes(world: World) -> None:
    package = make_package(world, send=True)
    direction = first_direction(package)
    officer = client_for(world.officer)
    closed = officer.post(f"/api/packages/{package.pk}/close")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    last = entries_of(package)[-1]
    assert ((last.before or {})["status"], (last.after or {})["status"]) == ("sent", "closed")
    count = AuditEntry.objects.count()

    assert answer(client_for(world.partner_a_coordinator), direction, "accept").status_code == 409
    assert answer(officer, direction, "accept", institution=world.partner_a.pk).status_code == 409
    proposed = send_json(
        officer,
        "post",
        f"/api/packages/{package.pk}/directions",
        {"name": "New", "fields": ["0613"]},
    )
    assert proposed.status_code == 409
    assert (
        send_json(officer, "patch", f"/api/packages/{package.pk}", {"title": "Y"}).status_code
        == 409
    )
    assert officer.delete(f"/api/directions/{direction.pk}").status_code == 409
    assert officer.post(f"/api/packages/{package.pk}/close").status_code == 409
    assert officer.post(f"/api/packages/{package.pk}/send").status_code == 409

    assert not DirectionAnswer.objects.exists()
    assert package.directions.count() == 1
    assert ProposalPackage.objects.get(pk=package.pk).title == "Cooperation in 2026"
    assert AuditEntry.objects.count() == count


# Directions


def test_officer_proposes_a_direction(world: World) -> None:
    package = make_package(world, directions=0)
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/packages/{package.pk}/directions",
        {"name": "Oil and gas production", "names": {"uk": "Нафтовидобуток"}, "fields": ["0724"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["package"] == package.pk
    assert body["fields"] == ["0724"]
    direction = Direction.objects.get(pk=body["id"])
    [entry] = entries_of(direction)
    assert entry.action == AuditAction.CREATE
    assert entry.subject == f"agreements.proposalpackage:{package.pk}"
    assert (entry.after or {})["fields"] == ["0724"]


def test_direction_may_be_tied_to_a_specialty_alone(world: World) -> None:
    from accord.institutions.models import Specialty

    specialty = Specialty.objects.get(scheme="ua-2015", code="185")
    package = make_package(world, directions=0)
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/packages/{package.pk}/directions",
        {"name": "Oil and gas", "specialties": [specialty.pk]},
    )
    assert response.status_code == 201, response.content
    assert response.json()["specialties"] == [specialty.pk]
    assert response.json()["fields"] == []


@pytest.mark.parametrize("payload", [{"name": "X"}, {"name": "X", "fields": [], "specialties": []}])
def test_direction_without_field_or_specialty_is_refused(
    world: World, payload: dict[str, Any]
) -> None:
    package = make_package(world, directions=0)
    response = send_json(
        client_for(world.officer), "post", f"/api/packages/{package.pk}/directions", payload
    )
    assert "fields" in error_fields(response)
    assert not Direction.objects.exists()


def test_officer_withdraws_a_direction(world: World) -> None:
    package = make_package(world, directions=2)
    direction = first_direction(package)
    response = client_for(world.officer).delete(f"/api/directions/{direction.pk}")
    assert response.status_code == 204
    assert not Direction.objects.filter(pk=direction.pk).exists()
    delete = entries_of(direction)[-1]
    assert delete.action == AuditAction.DELETE
    assert delete.subject == f"agreements.proposalpackage:{package.pk}"


def test_withdrawing_an_answered_direction_audits_the_answers_too(world: World) -> None:
    package = make_package(world, directions=2, send=True)
    direction = first_direction(package)
    assert answer(client_for(world.partner_a_coordinator), direction, "accept").status_code == 200
    answer_pk = DirectionAnswer.objects.get().pk
    assert client_for(world.officer).delete(f"/api/directions/{direction.pk}").status_code == 204
    entry = AuditEntry.objects.get(
        object_type="agreements.directionanswer", object_id=str(answer_pk), action="delete"
    )
    assert entry.subject == f"agreements.proposalpackage:{package.pk}"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("partner_a_coordinator", 403), ("partner_b_coordinator", 404), ("adviser", 403)],
)
def test_others_cannot_withdraw_a_direction(world: World, persona: str, status: int) -> None:
    package = make_package(world, (world.partner_a,), send=True)
    direction = first_direction(package)
    response = client_for(getattr(world, persona)).delete(f"/api/directions/{direction.pk}")
    assert response.status_code == status
    assert Direction.objects.filter(pk=direction.pk).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()


def test_direction_carried_by_an_agreement_is_not_withdrawn(world: World) -> None:
    package = make_package(world, send=True)
    direction = first_direction(package)
    agreement = actions.create_agreement(
        world.officer,
        Agreement(kind=AgreementKind.MEMORANDUM, title="Memorandum"),
        [world.home.pk, world.partner_a.pk],
        [direction],
    )
    response = client_for(world.officer).delete(f"/api/directions/{direction.pk}")
    assert response.status_code == 409
    assert "agreement" in response.json()["detail"]
    assert list(agreement.directions.all()) == [direction]


# Recipients


def test_recipients_are_changed_while_open(world: World) -> None:
    package = make_package(world, (world.partner_a,), send=True)
    response = send_json(
        client_for(world.officer),
        "patch",
        f"/api/packages/{package.pk}",
        {"recipients": [world.partner_a.pk, world.partner_b.pk]},
    )
    assert response.status_code == 200, response.content
    assert sorted(response.json()["recipients"]) == sorted([world.partner_a.pk, world.partner_b.pk])
    update = entries_of(package)[-1]
    assert update.action == AuditAction.UPDATE
    assert (update.before or {})["recipients"] == [world.partner_a.pk]
    # Partner B now sees the package.
    assert (
        client_for(world.partner_b_coordinator).get(f"/api/packages/{package.pk}").status_code
        == 200
    )


def test_removing_a_recipient_that_answered_is_refused(world: World) -> None:
    package = make_package(world, (world.partner_a, world.partner_b), send=True)
    assert (
        answer(
            client_for(world.partner_a_coordinator), first_direction(package), "accept"
        ).status_code
        == 200
    )
    count = AuditEntry.objects.count()
    response = send_json(
        client_for(world.officer),
        "patch",
        f"/api/packages/{package.pk}",
        {"title": "Renamed", "recipients": [world.partner_b.pk]},
    )
    assert "recipients" in error_fields(response)
    stored = ProposalPackage.objects.get(pk=package.pk)
    assert stored.title == "Cooperation in 2026"
    assert set(stored.recipients.all()) == {world.partner_a, world.partner_b}
    assert AuditEntry.objects.count() == count

    # A recipient that has not answered may go.
    response = send_json(
        client_for(world.officer),
        "patch",
        f"/api/packages/{package.pk}",
        {"recipients": [world.partner_a.pk]},
    )
    assert response.status_code == 200
    assert response.json()["recipients"] == [world.partner_a.pk]


def test_home_university_cannot_be_added_as_recipient_later(world: World) -> None:
    package = make_package(world, (world.partner_a,))
    response = send_json(
        client_for(world.officer),
        "patch",
        f"/api/packages/{package.pk}",
        {"recipients": [world.partner_a.pk, world.home.pk]},
    )
    assert response.status_code == 422
    assert "recipients" in error_fields(response)
    assert list(ProposalPackage.objects.get(pk=package.pk).recipients.all()) == [world.partner_a]


def test_unchanged_patch_writes_no_audit_entry(world: World) -> None:
    package = make_package(world, (world.partner_a,))
    count = AuditEntry.objects.count()
    response = send_json(
        client_for(world.officer),
        "patch",
        f"/api/packages/{package.pk}",
        {"title": "Cooperation in 2026", "recipients": [world.partner_a.pk]},
    )
    assert response.status_code == 200
    assert AuditEntry.objects.count() == count


# Query counts


def _package_detail_queries(world: World, package: ProposalPackage) -> int:
    client = client_for(world.officer)
    client.get(f"/api/packages/{package.pk}")  # warm up the session and content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/packages/{package.pk}")
    assert response.status_code == 200
    assert len(response.json()["directions"]) == package.directions.count()
    return len(queries)


def test_package_detail_query_count_does_not_grow_with_directions(world: World) -> None:
    small = make_package(world, (world.partner_a, world.partner_b), directions=1, send=True)
    large = make_package(world, (world.partner_a, world.partner_b), directions=5, send=True)
    for package in (small, large):
        for direction in package.directions.all():
            actions.answer_direction(world.officer, direction, world.partner_a.pk, "accept")
            actions.answer_direction(world.officer, direction, world.partner_b.pk, "accept")
    assert _package_detail_queries(world, large) == _package_detail_queries(world, small)


def test_package_list_query_count_does_not_grow(world: World) -> None:
    client = client_for(world.officer)
    make_package(world, directions=2)
    client.get("/api/packages")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/packages")
    for _ in range(6):
        make_package(world, directions=2)
    with CaptureQueriesContext(connection) as seven:
        assert client.get("/api/packages").json()["count"] == 7
    assert len(seven) == len(one)
