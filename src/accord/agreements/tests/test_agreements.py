"""Agreements: the lifecycle table, access and denial, and the API's errors."""

import datetime
import itertools
from typing import Any

import pytest

from accord.agreements import actions
from accord.agreements.lifecycle import (
    TRANSITIONS,
    AgreementAction,
    IllegalTransition,
    next_status,
)
from accord.agreements.models import Agreement, AgreementKind, AgreementStatus
from accord.core.models import AuditEntry
from conftest import World, client_for

S = AgreementStatus
A = AgreementAction
# The lifecycle the issue names, written out once more by hand: (from, action) -> to.
ALLOWED = {
    (S.DRAFT, A.PROPOSE): S.NEGOTIATION,
    (S.NEGOTIATION, A.SUBMIT_FOR_APPROVAL): S.INTERNAL_APPROVAL,
    (S.INTERNAL_APPROVAL, A.RETURN_TO_NEGOTIATION): S.NEGOTIATION,
    (S.INTERNAL_APPROVAL, A.SIGN): S.SIGNED,
    (S.SIGNED, A.ACTIVATE): S.ACTIVE,
    (S.ACTIVE, A.EXPIRE): S.EXPIRED,
    (S.SIGNED, A.TERMINATE): S.TERMINATED,
    (S.ACTIVE, A.TERMINATE): S.TERMINATED,
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(S, A)))
def test_every_state_and_action(status: S, action: A) -> None:
    if (status, action) in ALLOWED:
        assert next_status(status, action) == ALLOWED[(status, action)]
    else:
        with pytest.raises(IllegalTransition):
            next_status(status, action)


def test_the_table_in_code_is_the_table_above() -> None:
    from_code = {
        (source, action): target
        for action, (sources, target) in TRANSITIONS.items()
        for source in sources
    }
    assert from_code == ALLOWED


def _memorandum(world: World, *parties: Any) -> Agreement:
    agreement = Agreement(kind=AgreementKind.MEMORANDUM, title="Memorandum of Understanding")
    ids = [p.pk for p in parties] or [world.home.pk, world.partner_a.pk]
    return actions.create_agreement(world.officer, agreement, ids)


def test_partner_sees_only_agreements_it_is_party_to(world: World) -> None:
    with_a = _memorandum(world, world.home, world.partner_a)
    with_b = _memorandum(world, world.home, world.partner_b)
    seen = client_for(world.partner_a_coordinator).get("/api/agreements").json()
    assert [item["id"] for item in seen["items"]] == [with_a.pk]
    assert (
        client_for(world.partner_a_coordinator).get(f"/api/agreements/{with_b.pk}").status_code
        == 404
    )
    assert client_for(world.leadership).get("/api/agreements").json()["count"] == 2
    assert client_for(None).get("/api/agreements").status_code == 401


@pytest.mark.parametrize("persona", ["leadership", "adviser", "partner_a_coordinator"])
def test_only_home_officers_create_and_move_agreements(world: World, persona: str) -> None:
    agreement = _memorandum(world)
    client = client_for(getattr(world, persona))
    payload = {"kind": "memorandum", "title": "X", "parties": [world.home.pk, world.partner_a.pk]}
    assert (
        client.post("/api/agreements", payload, content_type="application/json").status_code == 403
    )
    response = client.post(f"/api/agreements/{agreement.pk}/transitions/propose")
    assert response.status_code == 403
    assert Agreement.objects.get(pk=agreement.pk).status == S.DRAFT


def test_partner_b_cannot_touch_partner_a_agreements(world: World) -> None:
    agreement = _memorandum(world)
    client = client_for(world.partner_b_coordinator)
    assert client.post(f"/api/agreements/{agreement.pk}/transitions/propose").status_code == 404


def test_officer_creates_and_signs_with_audit(world: World) -> None:
    client = client_for(world.officer)
    payload = {
        "kind": "memorandum",
        "title": "Memorandum of Understanding in the scientific and educational sphere",
        "titles": {"uk": "Меморандум про взаєморозуміння"},
        "areas": ["student_exchange", "joint_research"],
        "valid_from": "2019-01-01",
        "valid_until": "2024-12-31",
        "parties": [world.home.pk, world.partner_a.pk],
    }
    created = client.post("/api/agreements", payload, content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft"
    assert body["allowed_actions"] == ["propose"]
    assert [party["institution"] for party in body["parties"]] == [
        world.home.pk,
        world.partner_a.pk,
    ]
    pk = body["id"]
    for action in ("propose", "submit_for_approval", "sign", "activate"):
        response = client.post(f"/api/agreements/{pk}/transitions/{action}")
        assert response.status_code == 200, response.json()
    assert Agreement.objects.get(pk=pk).status == S.ACTIVE
    statuses = [
        (entry.before or {}).get("status")
        for entry in AuditEntry.objects.filter(
            object_type="agreements.agreement", action="update"
        ).order_by("id")
    ]
    assert statuses == ["draft", "negotiation", "internal_approval", "signed"]


def test_illegal_transition_is_409(world: World) -> None:
    agreement = _memorandum(world)
    response = client_for(world.officer).post(f"/api/agreements/{agreement.pk}/transitions/sign")
    assert response.status_code == 409
    assert "Draft" in response.json()["detail"]
    assert Agreement.objects.get(pk=agreement.pk).status == S.DRAFT


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"valid_from": "2024-01-01", "valid_until": "2020-01-01"}, "valid_until"),
        ({"parties": [1_000_000, 1_000_001]}, "parties"),
        ({"kind": "protocol"}, "parent"),
        ({"areas": ["tourism"]}, "areas"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    world: World, change: dict[str, Any], field: str
) -> None:
    payload = {"kind": "memorandum", "title": "X", "parties": [world.home.pk, world.partner_a.pk]}
    response = client_for(world.officer).post(
        "/api/agreements", payload | change, content_type="application/json"
    )
    assert response.status_code == 422
    assert any(field in error["loc"] for error in response.json()["detail"])
    assert not Agreement.objects.exists()


def test_protocol_under_a_memorandum(world: World) -> None:
    memorandum = _memorandum(world)
    protocol = Agreement(
        kind=AgreementKind.PROTOCOL,
        title="Protocol on oil and gas production",
        parent=memorandum,
        valid_from=datetime.date(2019, 9, 1),
    )
    actions.create_agreement(world.officer, protocol, [world.home.pk, world.partner_a.pk])
    assert list(memorandum.protocols.all()) == [protocol]


def test_list_query_count_does_not_grow(world: World, django_assert_max_num_queries: Any) -> None:
    client = client_for(world.officer)
    _memorandum(world)
    with django_assert_max_num_queries(8):
        client.get("/api/agreements")
    for _ in range(10):
        _memorandum(world)
    with django_assert_max_num_queries(8):
        assert client.get("/api/agreements").json()["count"] == 11
