"""Quotas, optimistic locking of agreement edits, and versions (renewals and amendments) over
the REST API: who may do what, what is refused, and the audit entries left behind."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accord.agreements import actions
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Direction,
    Flow,
    MobilityType,
    ProposalPackage,
    Quota,
)
from accord.core.models import AuditAction, AuditEntry
from accord.institutions.models import Institution
from conftest import World, client_for, entries_of, error_fields, error_text, send_json

TO_ACTIVE = ("propose", "submit_for_approval", "sign", "activate")
TO_SIGNED = TO_ACTIVE[:3]


def memorandum(world: World, partner: Institution | None = None, **fields: Any) -> Agreement:
    partner = partner or world.partner_a
    return actions.create_agreement(
        world.officer,
        Agreement(kind=AgreementKind.MEMORANDUM, title="Memorandum", **fields),
        [world.home.pk, partner.pk],
    )


def add_direction(world: World, agreement: Agreement, name: str = "Oil and gas") -> Direction:
    return actions.add_direction(world.officer, Direction(name=name), ["0724"], agreement=agreement)


def protocol(world: World, partner: Institution | None = None, **fields: Any) -> Agreement:
    """A draft protocol with ``partner`` (A by default) under a memorandum, with one direction."""
    partner = partner or world.partner_a
    parent = memorandum(world, partner)
    agreement = actions.create_agreement(
        world.officer,
        Agreement(
            kind=AgreementKind.PROTOCOL,
            title=fields.pop("title", "Protocol on oil and gas"),
            parent=parent,
            **fields,
        ),
        [world.home.pk, partner.pk],
    )
    add_direction(world, agreement)
    return Agreement.objects.get(pk=agreement.pk)


def quota(
    world: World, agreement: Agreement, year: str = "2026/2027", people: int = 2, **fields: Any
) -> Quota:
    direction = agreement.directions.order_by("pk").first()
    assert direction is not None
    values = {
        "mobility_type": MobilityType.STUDENT_STUDIES,
        "flow": Flow.OUTGOING,
        "months": 10,
    } | fields
    return actions.add_quota(
        world.officer,
        Quota(
            agreement=agreement, direction=direction, academic_year=year, people=people, **values
        ),
    )


def advance(world: World, agreement: Agreement, steps: tuple[str, ...]) -> Agreement:
    for step in steps:
        actions.transition(world.officer, agreement, step)
    return Agreement.objects.get(pk=agreement.pk)


def quota_payload(direction: Direction | int, **change: Any) -> dict[str, Any]:
    return {
        "direction": direction if isinstance(direction, int) else direction.pk,
        "mobility_type": "student_studies",
        "flow": "outgoing",
        "academic_year": "2026/2027",
        "people": 3,
        "months": 15,
    } | change


def stored_revision(agreement: Agreement) -> int:
    return Agreement.objects.get(pk=agreement.pk).revision


# Quotas


def test_officer_adds_a_quota_to_a_protocol(world: World) -> None:
    agreement = protocol(world)
    direction = agreement.directions.get()
    revision = agreement.revision
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/agreements/{agreement.pk}/quotas",
        quota_payload(direction),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["agreement"], body["direction"], body["people"], body["academic_year"]) == (
        agreement.pk,
        direction.pk,
        3,
        "2026/2027",
    )
    created = Quota.objects.get()
    [entry] = entries_of(created)
    assert entry.action == AuditAction.CREATE
    assert entry.subject == f"agreements.agreement:{agreement.pk}"
    assert stored_revision(agreement) == revision + 1


def test_duplicate_quota_is_refused_with_a_clear_message(world: World) -> None:
    agreement = protocol(world)
    quota(world, agreement, "2026/2027")
    revision = stored_revision(agreement)
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/agreements/{agreement.pk}/quotas",
        quota_payload(agreement.directions.get(), people=9),
    )
    assert response.status_code == 422
    assert "already has a quota" in error_text(response)
    assert Quota.objects.get().people == 2
    assert stored_revision(agreement) == revision
    # Another flow of the same direction and year is a different quota.
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/agreements/{agreement.pk}/quotas",
        quota_payload(agreement.directions.get(), flow="incoming"),
    )
    assert response.status_code == 201


# The direction a quota names, for its agreement.
def own_direction(world: World, agreement: Agreement) -> Direction:
    return agreement.directions.get()


def another_agreements_direction(world: World, agreement: Agreement) -> Direction:
    return protocol(world).directions.get()


def unknown_direction(world: World, agreement: Agreement) -> int:
    return 999_999


BAD_YEARS = ["2026/2028", "2026", "2026-2027", "2027/2026", "abcd/abce", ""]
BAD_VALUES: list[dict[str, Any]] = [
    *({"academic_year": year} for year in BAD_YEARS),
    {"people": -1},
    {"months": -3},
    {"mobility_type": "tourism"},
    {"flow": "sideways"},
    {"agreement": 1},  # not a field one sets
]


@pytest.mark.parametrize(
    ("make", "direction", "change", "field"),
    [
        pytest.param(memorandum, add_direction, {}, "agreement", id="memorandum"),
        pytest.param(protocol, another_agreements_direction, {}, "direction", id="other direction"),
        pytest.param(protocol, unknown_direction, {}, "direction", id="unknown direction"),
        *(
            pytest.param(protocol, own_direction, change, field, id=f"{field}={value!r}")
            for change in BAD_VALUES
            for field, value in change.items()
        ),
    ],
)
def test_bad_quota_is_refused_naming_the_field(
    world: World,
    make: Callable[[World], Agreement],
    direction: Callable[[World, Agreement], Direction | int],
    change: dict[str, Any],
    field: str,
) -> None:
    agreement = make(world)
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/agreements/{agreement.pk}/quotas",
        quota_payload(direction(world, agreement), **change),
    )
    assert field in error_fields(response)
    assert not Quota.objects.exists()


def test_quotas_of_a_signed_agreement_are_not_changed(world: World) -> None:
    agreement = protocol(world)
    existing = quota(world, agreement)
    agreement = advance(world, agreement, TO_SIGNED)
    client = client_for(world.officer)
    count = AuditEntry.objects.count()

    added = send_json(
        client,
        "post",
        f"/api/agreements/{agreement.pk}/quotas",
        quota_payload(agreement.directions.get(), academic_year="2027/2028"),
    )
    assert added.status_code == 409
    assert "amend" in added.json()["detail"]
    assert (
        send_json(client, "patch", f"/api/quotas/{existing.pk}", {"people": 7}).status_code == 409
    )
    assert client.delete(f"/api/quotas/{existing.pk}").status_code == 409

    assert list(Quota.objects.values_list("pk", "people")) == [(existing.pk, 2)]
    assert AuditEntry.objects.count() == count


def test_officer_changes_and_deletes_a_quota_with_audit(world: World) -> None:
    agreement = protocol(world)
    existing = quota(world, agreement)
    client = client_for(world.officer)
    revision = stored_revision(agreement)

    response = send_json(client, "patch", f"/api/quotas/{existing.pk}", {"people": 5})
    assert response.status_code == 200, response.content
    assert response.json()["people"] == 5
    update = entries_of(existing)[-1]
    assert (update.action, (update.before or {})["people"], (update.after or {})["people"]) == (
        "update",
        2,
        5,
    )
    assert update.subject == f"agreements.agreement:{agreement.pk}"
    assert stored_revision(agreement) == revision + 1

    assert client.delete(f"/api/quotas/{existing.pk}").status_code == 204
    assert not Quota.objects.exists()
    delete = entries_of(existing)[-1]
    assert delete.action == AuditAction.DELETE
    assert delete.subject == f"agreements.agreement:{agreement.pk}"
    assert stored_revision(agreement) == revision + 2


def test_quota_patch_refuses_other_keys(world: World) -> None:
    agreement = protocol(world)
    existing = quota(world, agreement)
    response = send_json(
        client_for(world.officer),
        "patch",
        f"/api/quotas/{existing.pk}",
        {"academic_year": "2030/2031"},
    )
    assert "academic_year" in error_fields(response)
    assert Quota.objects.get().academic_year == "2026/2027"


def test_quota_list_is_visible_to_the_parties_only(world: World) -> None:
    agreement = protocol(world)
    quota(world, agreement, "2026/2027")
    quota(world, agreement, "2027/2028")
    url = f"/api/agreements/{agreement.pk}/quotas"
    for persona in ("officer", "leadership", "adviser", "partner_a_coordinator"):
        response = client_for(getattr(world, persona)).get(url)
        assert response.status_code == 200, persona
        assert [q["academic_year"] for q in response.json()] == ["2026/2027", "2027/2028"]
    assert client_for(world.partner_b_coordinator).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 401


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("partner_a_coordinator", 403),
        ("partner_b_coordinator", 404),
        ("leadership", 403),
        ("faculty_coordinator", 403),
        (None, 401),
    ],
)
def test_only_officers_change_quotas(world: World, persona: str | None, status: int) -> None:
    agreement = protocol(world)
    existing = quota(world, agreement)
    client = client_for(getattr(world, persona) if persona else None)
    count = AuditEntry.objects.count()
    assert (
        send_json(client, "patch", f"/api/quotas/{existing.pk}", {"people": 9}).status_code
        == status
    )
    assert client.delete(f"/api/quotas/{existing.pk}").status_code == status
    added = send_json(
        client,
        "post",
        f"/api/agreements/{agreement.pk}/quotas",
        quota_payload(agreement.directions.get(), academic_year="2030/2031"),
    )
    assert added.status_code == status
    assert list(Quota.objects.values_list("pk", "people")) == [(existing.pk, 2)]
    assert AuditEntry.objects.count() == count


# Optimistic locking


def test_patch_from_the_current_revision_raises_it(world: World) -> None:
    agreement = memorandum(world)
    client = client_for(world.officer)
    revision = client.get(f"/api/agreements/{agreement.pk}").json()["revision"]
    response = send_json(
        client,
        "patch",
        f"/api/agreements/{agreement.pk}",
        {"revision": revision, "title": "Memorandum, revised"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Memorandum, revised"
    assert response.json()["revision"] == revision + 1
    assert stored_revision(agreement) == revision + 1
    update = entries_of(agreement)[-1]
    assert (update.action, (update.before or {})["title"], (update.after or {})["title"]) == (
        "update",
        "Memorandum",
        "Memorandum, revised",
    )


def test_stale_patch_is_409_and_changes_nothing(world: World) -> None:
    agreement = memorandum(world)
    client = client_for(world.officer)
    revision = stored_revision(agreement)
    first = send_json(
        client, "patch", f"/api/agreements/{agreement.pk}", {"revision": revision, "title": "First"}
    )
    assert first.status_code == 200
    count = AuditEntry.objects.count()

    stale = send_json(
        client,
        "patch",
        f"/api/agreements/{agreement.pk}",
        {"revision": revision, "title": "Second", "text": "Overwrites"},
    )
    assert stale.status_code == 409
    assert "Reload" in stale.json()["detail"]
    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.title, stored.text, stored.revision) == ("First", "", revision + 1)
    assert AuditEntry.objects.count() == count


def test_patch_needs_the_revision(world: World) -> None:
    agreement = memorandum(world)
    response = send_json(
        client_for(world.officer), "patch", f"/api/agreements/{agreement.pk}", {"title": "X"}
    )
    assert "revision" in error_fields(response)
    assert Agreement.objects.get(pk=agreement.pk).title == "Memorandum"


def test_other_changes_raise_the_revision_too(world: World) -> None:
    agreement = protocol(world)
    revision = stored_revision(agreement)
    quota(world, agreement)
    response = send_json(
        client_for(world.officer),
        "patch",
        f"/api/agreements/{agreement.pk}",
        {"revision": revision, "title": "Made from an old page"},
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("steps", "ahead", "detail"),
    [
        pytest.param((), 5, "Reload", id="from a future revision"),
        pytest.param(TO_SIGNED, 0, "amend it", id="of a signed agreement"),
    ],
)
def test_refused_patch_is_409_and_changes_nothing(
    world: World, steps: tuple[str, ...], ahead: int, detail: str
) -> None:
    agreement = advance(world, memorandum(world), steps)
    response = send_json(
        client_for(world.officer),
        "patch",
        f"/api/agreements/{agreement.pk}",
        {"revision": agreement.revision + ahead, "title": "Changed"},
    )
    assert response.status_code == 409
    assert detail in response.json()["detail"]
    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.title, stored.revision) == ("Memorandum", agreement.revision)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("partner_a_coordinator", 403), ("partner_b_coordinator", 404), ("leadership", 403)],
)
def test_only_officers_patch_agreements(world: World, persona: str, status: int) -> None:
    agreement = memorandum(world)
    response = send_json(
        client_for(getattr(world, persona)),
        "patch",
        f"/api/agreements/{agreement.pk}",
        {"revision": agreement.revision, "title": "Mine"},
    )
    assert response.status_code == status
    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.title, stored.revision) == ("Memorandum", agreement.revision)


def test_unchanged_patch_keeps_the_revision(world: World) -> None:
    agreement = memorandum(world)
    count = AuditEntry.objects.count()
    response = send_json(
        client_for(world.officer),
        "patch",
        f"/api/agreements/{agreement.pk}",
        {"revision": agreement.revision, "title": "Memorandum"},
    )
    assert response.status_code == 200
    assert response.json()["revision"] == agreement.revision
    assert stored_revision(agreement) == agreement.revision
    assert AuditEntry.objects.count() == count


def test_patch_with_invalid_dates_is_422_and_keeps_the_revision(world: World) -> None:
    agreement = memorandum(world)
    response = send_json(
        client_for(world.officer),
        "patch",
        f"/api/agreements/{agreement.pk}",
        {"revision": agreement.revision, "valid_from": "2024-01-01", "valid_until": "2020-01-01"},
    )
    assert "valid_until" in error_fields(response)
    assert stored_revision(agreement) == agreement.revision


# Versions


def _active_protocol(world: World, partner: Institution | None = None) -> Agreement:
    agreement = protocol(
        world,
        partner,
        valid_from=datetime.date(2021, 9, 1),
        valid_until=datetime.date(2026, 8, 31),
        text="Line one\nLine two",
    )
    quota(world, agreement, "2021/2022", 2)
    quota(world, agreement, "2022/2023", 3, flow=Flow.INCOMING)
    actions.update_party(
        world.officer,
        agreement.parties.get(institution=world.home),
        {"signatory_name": "Rector", "signatory_position": "Rector"},
    )
    return advance(world, agreement, TO_ACTIVE)


def _quota_rows(agreement: Agreement) -> list[tuple[Any, ...]]:
    return list(
        agreement.quotas.order_by("academic_year", "flow").values_list(
            "direction_id", "mobility_type", "flow", "academic_year", "people", "months"
        )
    )


def _party_rows(agreement: Agreement) -> list[tuple[Any, ...]]:
    return list(
        agreement.parties.order_by("institution_id").values_list(
            "institution_id", "signatory_name", "signatory_position"
        )
    )


def test_amendment_makes_a_draft_second_version(world: World) -> None:
    old = _active_protocol(world)
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/agreements/{old.pk}/versions",
        {"reason": "amendment"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["version_number"], body["status"], body["previous"], body["version_reason"]) == (
        2,
        "draft",
        old.pk,
        "amendment",
    )
    new = Agreement.objects.get(pk=body["id"])
    assert (new.kind, new.title, new.text, new.parent_id) == (
        old.kind,
        old.title,
        old.text,
        old.parent_id,
    )
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    assert _party_rows(new) == _party_rows(old)
    assert set(new.directions.all()) == set(old.directions.all())
    assert _quota_rows(new) == _quota_rows(old)
    # The old version is untouched and still in effect.
    assert Agreement.objects.get(pk=old.pk).status == AgreementStatus.ACTIVE
    assert old.quotas.count() == 2
    # Everything made for the new version is audited.
    assert entries_of(new)[0].action == AuditAction.CREATE
    subjects = AuditEntry.objects.filter(subject=f"agreements.agreement:{new.pk}")
    assert subjects.filter(object_type="agreements.agreementparty").count() == 2
    assert subjects.filter(object_type="agreements.quota").count() == 2


def test_renewal_follows_the_old_term_and_moves_the_quotas_on(world: World) -> None:
    old = _active_protocol(world)
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/agreements/{old.pk}/versions",
        {"reason": "renewal"},
    )
    assert response.status_code == 201, response.content
    new = Agreement.objects.get(pk=response.json()["id"])
    assert new.version_reason == "renewal"
    assert new.valid_from == datetime.date(2026, 9, 1)
    assert new.valid_until - new.valid_from == old.valid_until - old.valid_from  # type: ignore[operator]
    assert new.valid_until == datetime.date(2031, 8, 31)
    assert [row[3] for row in _quota_rows(new)] == ["2026/2027", "2027/2028"]
    assert [row[4] for row in _quota_rows(new)] == [2, 3]
    assert [row[3] for row in _quota_rows(old)] == ["2021/2022", "2022/2023"]


def test_an_expired_agreement_is_renewed_but_not_amended(world: World) -> None:
    old = advance(world, _active_protocol(world), ("expire",))
    client = client_for(world.officer)
    amended = send_json(
        client, "post", f"/api/agreements/{old.pk}/versions", {"reason": "amendment"}
    )
    assert amended.status_code == 409
    renewed = send_json(client, "post", f"/api/agreements/{old.pk}/versions", {"reason": "renewal"})
    assert renewed.status_code == 201


def test_a_second_pending_version_is_refused(world: World) -> None:
    old = _active_protocol(world)
    client = client_for(world.officer)
    url = f"/api/agreements/{old.pk}/versions"
    assert send_json(client, "post", url, {"reason": "amendment"}).status_code == 201
    count = Agreement.objects.count()
    for reason in ("amendment", "renewal"):
        response = send_json(client, "post", url, {"reason": reason})
        assert response.status_code == 409
        assert "2" in response.json()["detail"]
    assert Agreement.objects.count() == count


@pytest.mark.parametrize("steps", [(), ("propose",), ("propose", "submit_for_approval")])
@pytest.mark.parametrize("reason", ["amendment", "renewal"])
def test_an_agreement_not_yet_signed_gets_no_version(
    world: World, steps: tuple[str, ...], reason: str
) -> None:
    agreement = advance(world, memorandum(world), steps)
    count = Agreement.objects.count()
    response = send_json(
        client_for(world.officer),
        "post",
        f"/api/agreements/{agreement.pk}/versions",
        {"reason": reason},
    )
    assert response.status_code == 409
    assert Agreement.objects.count() == count


def test_version_reason_must_be_known(world: World) -> None:
    old = _active_protocol(world)
    for reason in ("original", "whim"):
        response = send_json(
            client_for(world.officer),
            "post",
            f"/api/agreements/{old.pk}/versions",
            {"reason": reason},
        )
        assert response.status_code in {409, 422}
    assert not Agreement.objects.filter(previous=old).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("partner_a_coordinator", 403), ("partner_b_coordinator", 404), ("leadership", 403)],
)
def test_only_officers_make_versions(world: World, persona: str, status: int) -> None:
    old = _active_protocol(world)
    response = send_json(
        client_for(getattr(world, persona)),
        "post",
        f"/api/agreements/{old.pk}/versions",
        {"reason": "amendment"},
    )
    assert response.status_code == status
    assert not Agreement.objects.filter(previous=old).exists()


def test_activating_the_new_version_expires_the_old_one(world: World) -> None:
    old = _active_protocol(world)
    new = actions.new_version(world.officer, old, "amendment")
    client = client_for(world.officer)
    for step in TO_ACTIVE:
        response = client.post(f"/api/agreements/{new.pk}/transitions/{step}")
        assert response.status_code == 200, response.content
        if step != "activate":
            assert Agreement.objects.get(pk=old.pk).status == AgreementStatus.ACTIVE
    assert Agreement.objects.get(pk=new.pk).status == AgreementStatus.ACTIVE
    assert Agreement.objects.get(pk=old.pk).status == AgreementStatus.EXPIRED
    retired = entries_of(old)[-1]
    assert retired.action == AuditAction.UPDATE
    assert retired.actor == world.officer
    assert ((retired.before or {})["status"], (retired.after or {})["status"]) == (
        "active",
        "expired",
    )


def test_versions_are_listed_in_order(world: World) -> None:
    first = _active_protocol(world)
    second = actions.new_version(world.officer, first, "amendment")
    advance(world, second, TO_ACTIVE)
    third = actions.new_version(world.officer, second, "renewal")
    client = client_for(world.officer)
    for agreement in (first, second, third):
        response = client.get(f"/api/agreements/{agreement.pk}/versions")
        assert response.status_code == 200
        assert [(v["id"], v["version_number"]) for v in response.json()] == [
            (first.pk, 1),
            (second.pk, 2),
            (third.pk, 3),
        ]


def test_compare_lists_what_changed(world: World) -> None:
    old = _active_protocol(world)
    new = actions.new_version(world.officer, old, "amendment")
    actions.update_agreement(
        world.officer,
        new,
        {"title": "Protocol on oil and gas, amended", "text": "Line one\nLine 2\nLine three"},
        new.revision,
    )
    actions.delete_quota(world.officer, new.quotas.get(academic_year="2021/2022"))
    quota(world, new, "2023/2024", 4)

    response = client_for(world.officer).get(f"/api/agreements/{old.pk}/compare/{new.pk}")
    assert response.status_code == 200, response.content
    differences = {d["label"]: d for d in response.json()}

    title = differences["Title (en)"]
    assert (title["before"], title["after"]) == (
        "Protocol on oil and gas",
        "Protocol on oil and gas, amended",
    )
    lines = [tuple(line) for line in differences["Text (en)"]["lines"]]
    assert ("-", "Line two") in lines
    assert ("+", "Line 2") in lines
    assert ("+", "Line three") in lines
    assert (" ", "Line one") in lines
    assert ("-", "Line one") not in lines

    quotas = differences["Quotas"]
    assert len(quotas["added"]) == 1
    assert "2023/2024" in quotas["added"][0]
    assert len(quotas["removed"]) == 1
    assert "2021/2022" in quotas["removed"][0]
    # What did not change is not listed.
    assert "Parties" not in differences
    assert "Directions" not in differences
    assert "Kind" not in differences


def test_compare_of_identical_versions_is_empty(world: World) -> None:
    old = _active_protocol(world)
    new = actions.new_version(world.officer, old, "amendment")
    response = client_for(world.officer).get(f"/api/agreements/{old.pk}/compare/{new.pk}")
    assert response.status_code == 200
    assert response.json() == []


def _history(client: Client, agreement: Agreement) -> list[dict[str, Any]]:
    response = client.get(f"/api/agreements/{agreement.pk}/history", {"page_size": 500})
    assert response.status_code == 200, response.content
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_history_covers_versions_parts_and_package_answers(world: World) -> None:
    package = actions.create_package(
        world.officer, ProposalPackage(title="Oil and gas 2026"), [world.partner_a.pk]
    )
    direction = actions.add_direction(
        world.officer, Direction(package=package, name="Oil"), ["0724"]
    )
    actions.send_package(world.officer, package)
    actions.answer_direction(world.partner_a_coordinator, direction, world.partner_a.pk, "accept")
    parent = memorandum(world)
    made = actions.protocol_from_package(
        world.officer, package, world.partner_a.pk, parent, "Protocol on oil and gas"
    )
    quota(world, made, "2026/2027")
    old = advance(world, made, TO_ACTIVE)
    new = actions.new_version(world.officer, old, "amendment")

    for agreement in (old, new):
        history = _history(client_for(world.officer), agreement)
        kinds = {(entry["object_type"], entry["subject"]) for entry in history}
        assert ("agreements.agreementparty", f"agreements.agreement:{old.pk}") in kinds
        assert ("agreements.agreementparty", f"agreements.agreement:{new.pk}") in kinds
        assert ("agreements.quota", f"agreements.agreement:{old.pk}") in kinds
        assert ("agreements.quota", f"agreements.agreement:{new.pk}") in kinds
        assert ("agreements.directionanswer", f"agreements.proposalpackage:{package.pk}") in kinds
        assert ("agreements.proposalpackage", "") in kinds
        objects = {(entry["object_type"], entry["object_id"]) for entry in history}
        assert ("agreements.agreement", str(old.pk)) in objects
        assert ("agreements.agreement", str(new.pk)) in objects
        # Nothing about the memorandum's own parties.
        assert f"agreements.agreement:{parent.pk}" not in {e["subject"] for e in history}


def test_partner_sees_versions_of_its_own_agreements_only(world: World) -> None:
    old = _active_protocol(world, world.partner_a)
    new = actions.new_version(world.officer, old, "amendment")
    other = _active_protocol(world, world.partner_b)
    client_a = client_for(world.partner_a_coordinator)
    client_b = client_for(world.partner_b_coordinator)

    response = client_a.get(f"/api/agreements/{new.pk}/versions")
    assert [v["id"] for v in response.json()] == [old.pk, new.pk]
    assert client_a.get(f"/api/agreements/{old.pk}/compare/{new.pk}").status_code == 200
    assert client_a.get(f"/api/agreements/{old.pk}/history").status_code == 200

    for url in (
        f"/api/agreements/{new.pk}/versions",
        f"/api/agreements/{old.pk}/compare/{new.pk}",
        f"/api/agreements/{old.pk}/history",
    ):
        assert client_b.get(url).status_code == 404, url
    # Nor may one of its own agreements be compared with another partner's.
    assert client_a.get(f"/api/agreements/{old.pk}/compare/{other.pk}").status_code == 404
    assert client_b.get(f"/api/agreements/{other.pk}/compare/{old.pk}").status_code == 404


def _package_to_both_partners_and_protocol_with_a(world: World) -> Agreement:
    package = actions.create_package(
        world.officer,
        ProposalPackage(title="Oil and gas 2026"),
        [world.partner_a.pk, world.partner_b.pk],
    )
    direction = actions.add_direction(
        world.officer, Direction(package=package, name="Oil"), ["0724"]
    )
    actions.send_package(world.officer, package)
    actions.answer_direction(world.partner_a_coordinator, direction, world.partner_a.pk, "accept")
    actions.answer_direction(
        world.partner_b_coordinator,
        direction,
        world.partner_b.pk,
        "decline",
        "Confidential reason of partner B",
    )
    return actions.protocol_from_package(
        world.officer, package, world.partner_a.pk, memorandum(world), "Protocol"
    )


def test_partner_history_leaves_out_other_partners_answers(world: World) -> None:
    made = _package_to_both_partners_and_protocol_with_a(world)
    history = _history(client_for(world.partner_a_coordinator), made)
    answers = [e for e in history if e["object_type"] == "agreements.directionanswer"]
    assert [e["after"]["institution"] for e in answers] == [world.partner_a.pk]
    assert "Confidential reason of partner B" not in json.dumps(history)
    assert "Partner B University" not in json.dumps(history)
    # Home staff see both answers.
    officer_history = _history(client_for(world.officer), made)
    assert "Confidential reason of partner B" in json.dumps(officer_history)


def test_partner_history_does_not_name_other_recipients(world: World) -> None:
    made = _package_to_both_partners_and_protocol_with_a(world)
    history = _history(client_for(world.partner_a_coordinator), made)
    recipients = {
        pk
        for entry in history
        if entry["object_type"] == "agreements.proposalpackage"
        for state in (entry["before"], entry["after"])
        if state
        for pk in state.get("recipients", [])
    }
    assert world.partner_b.pk not in recipients


def test_signatories_are_recorded_through_the_api(world: World) -> None:
    agreement = memorandum(world, world.partner_a)
    party = agreement.parties.get(institution=world.partner_a)
    url = f"/api/agreements/{agreement.pk}/parties/{party.pk}"
    payload = {"signatory_name": "Leyla Mammadova", "signatory_position": "Rector"}
    for persona in (world.leadership, world.partner_a_coordinator):
        assert send_json(client_for(persona), "patch", url, payload).status_code == 403
    assert (
        send_json(client_for(world.partner_b_coordinator), "patch", url, payload).status_code == 404
    )
    response = send_json(client_for(world.officer), "patch", url, payload)
    assert response.status_code == 200
    parties = {p["id"]: p for p in response.json()["parties"]}
    assert parties[party.pk]["signatory_name"] == "Leyla Mammadova"
    assert response.json()["revision"] == agreement.revision + 1
    assert AuditEntry.objects.filter(
        object_type="agreements.agreementparty", object_id=str(party.pk), action="update"
    ).exists()
    bad = send_json(client_for(world.officer), "patch", url, {"signature": "x"})
    assert bad.status_code == 422
    for action in ("propose", "submit_for_approval", "sign"):
        actions.transition(world.officer, agreement, action)
    assert send_json(client_for(world.officer), "patch", url, payload).status_code == 409
