"""The audit log: one entry per change, written in the change's own transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models, transaction

from accord.accounts.models import Role, RoleGrant, User
from accord.core import actions, audit
from accord.core.models import AuditAction, AuditEntry
from accord.institutions import actions as registry_actions
from accord.institutions.models import (
    Contact,
    ContactRole,
    Field,
    Institution,
    InstitutionDomain,
    InstitutionName,
    InternationalStudents,
    Offering,
    PartnerStatus,
    StudyLevel,
    Unit,
    UnitKind,
)
from conftest import World, client_for

# A transactional test empties the database afterwards; serialized_rollback puts back the
# reference data the migrations loaded, for the tests that run after it.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Boom(Exception):
    """Raised inside a transaction to roll it back."""


def _user(world: World) -> User:
    user = User(username="new-colleague", institution=world.partner_a, email="nc@example.org")
    user.set_password("a secret password")
    return user


BUILDERS: dict[str, Callable[[Any], models.Model]] = {
    "institution": lambda world: Institution(name="Georgian Technical University", country="GE"),
    "unit": lambda world: Unit(institution=world.partner_a, kind=UnitKind.MUSEUM, name="Museum"),
    "contact": lambda world: Contact(
        institution=world.partner_a, role=ContactRole.RECTOR, person_name="Elchin Babayev"
    ),
    "name": lambda world: InstitutionName(
        institution=world.partner_a, language="az", name="Bakı Dövlət Universiteti"
    ),
    "domain": lambda world: InstitutionDomain(institution=world.partner_a, domain="bsu.edu.az"),
    "students": lambda world: InternationalStudents(
        institution=world.partner_a, country="TR", count=40
    ),
    "offering": lambda world: Offering(
        institution=world.partner_a,
        field=Field.objects.get(code="0724"),
        level=StudyLevel.MASTER,
        title="Oil and gas production",
    ),
    "role_grant": lambda world: RoleGrant(user=world.adviser, role=Role.FACULTY_COORDINATOR),
    "user": _user,
}

# What each object's audit entries are filed under (the institution's history), if anything.
# Accounts stay out of institution histories, which partners can read.
FILED_UNDER = {"institution": "self", "role_grant": None, "user": None}


def expected_institution_id(world: World, kind: str, obj: models.Model) -> int | None:
    filed = FILED_UNDER.get(kind, "partner_a")
    if filed == "self":
        return obj.pk
    return None if filed is None else world.partner_a.pk


def stored_snapshot(obj: models.Model) -> dict[str, Any]:
    return audit.snapshot(type(obj)._default_manager.get(pk=obj.pk))


@pytest.mark.parametrize("kind", BUILDERS)
def test_create_writes_exactly_one_entry(world: World, kind: str) -> None:
    obj = actions.create(world.officer, BUILDERS[kind](world))

    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.CREATE
    assert (entry.actor, entry.actor_name) == (world.officer, "officer")
    assert entry.object_type == obj._meta.label_lower
    assert entry.object_id == str(obj.pk)
    assert entry.object_repr == str(obj)
    assert entry.institution_id == expected_institution_id(world, kind, obj)
    assert entry.before is None
    assert entry.after == stored_snapshot(obj)
    assert entry.after["id"] == obj.pk
    assert entry.request_id == ""
    # JSON-ready as stored.
    assert json.loads(json.dumps(entry.after)) == entry.after


@pytest.mark.parametrize("kind", BUILDERS)
def test_update_writes_exactly_one_entry_with_before_and_after(world: World, kind: str) -> None:
    obj = actions.create(world.officer, BUILDERS[kind](world))
    created = stored_snapshot(obj)
    changed_field = {
        "institution": ("city", "Tbilisi"),
        "unit": ("name", "Museum of History"),
        "contact": ("position", "Rector"),
        "name": ("name", "BDU"),
        "domain": ("domain", "bdu.edu.az"),
        "students": ("count", 41),
        "offering": ("title", "Oil and gas field development"),
        "role_grant": ("role", Role.ADVISER),
        "user": ("first_name", "Aysel"),
    }[kind]
    old_value = created[changed_field[0]]

    actions.update(world.leadership, obj, dict([changed_field]))

    entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert AuditEntry.objects.count() == 2
    assert (entry.actor, entry.object_id) == (world.leadership, str(obj.pk))
    assert entry.before == created
    assert entry.after == stored_snapshot(obj)
    assert entry.changes == [(changed_field[0], old_value, changed_field[1])]


@pytest.mark.parametrize("kind", BUILDERS)
def test_delete_writes_exactly_one_entry_with_the_last_state(world: World, kind: str) -> None:
    obj = actions.create(world.officer, BUILDERS[kind](world))
    last_state = stored_snapshot(obj)
    pk = obj.pk

    actions.delete(world.officer, obj)

    assert not type(obj)._default_manager.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.DELETE)
    assert AuditEntry.objects.count() == 2
    assert entry.object_id == str(pk)
    assert entry.before == last_state
    assert entry.after is None


def test_update_of_changes_set_on_the_instance(world: World) -> None:
    unit = actions.create(
        world.officer, Unit(institution=world.partner_a, kind=UnitKind.MUSEUM, name="Museum")
    )
    unit.names = {"az": "Muzey"}
    actions.update(world.officer, unit)
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert entry.changes == [("names", {}, {"az": "Muzey"})]


def test_before_is_the_stored_row_not_the_stale_instance(world: World) -> None:
    """Another request changed the row meanwhile; "before" shows what was really replaced."""
    unit = actions.create(world.officer, BUILDERS["unit"](world))
    Unit.objects.filter(pk=unit.pk).update(code="M-1")
    actions.update(world.officer, unit, {"name": "Museum of History"})
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert entry.before is not None
    assert entry.before["code"] == "M-1"


@pytest.mark.parametrize("kind", BUILDERS)
def test_unchanged_update_writes_nothing(world: World, kind: str) -> None:
    obj = actions.create(world.officer, BUILDERS[kind](world))
    same = type(obj)._default_manager.get(pk=obj.pk)
    actions.update(world.officer, same)
    actions.update(world.officer, same, {"pk": obj.pk})
    assert AuditEntry.objects.count() == 1


def test_unchanged_update_does_not_even_save(world: World) -> None:
    institution = actions.create(world.officer, BUILDERS["institution"](world))
    modified = Institution.objects.get(pk=institution.pk).modified
    actions.update(world.officer, institution, {"city": ""})
    assert Institution.objects.get(pk=institution.pk).modified == modified


def test_snapshot_leaves_out_derived_fields(world: World) -> None:
    institution = actions.create(world.officer, BUILDERS["institution"](world))
    after = AuditEntry.objects.get().after
    assert after is not None
    assert {"id", "name", "country", "successor"} <= set(after)
    assert not {"search_text", "created", "modified"} & set(after)
    assert institution.pk == after["id"]


def test_invalid_create_writes_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        actions.create(world.officer, Unit(institution=world.partner_a, kind="castle", name="X"))
    assert "kind" in error.value.message_dict
    assert not AuditEntry.objects.exists()
    assert not Unit.objects.exists()


def test_invalid_update_writes_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        actions.update(world.officer, world.partner_a, {"founded_year": 3000, "city": "Ganja"})
    assert "founded_year" in error.value.message_dict
    assert not AuditEntry.objects.exists()
    assert Institution.objects.get(pk=world.partner_a.pk).city == "Baku"


def test_refused_delete_writes_nothing(world: World) -> None:
    """Partner A still has a user (PROTECT): the entry recorded before the DELETE goes too."""
    with pytest.raises(models.ProtectedError):
        actions.delete(world.officer, world.partner_a)
    assert not AuditEntry.objects.exists()
    assert Institution.objects.filter(pk=world.partner_a.pk).exists()


# The same transaction


@transactional
@pytest.mark.parametrize("operation", ["create", "update", "delete"])
def test_rolled_back_change_leaves_no_entry(world: World, operation: str) -> None:
    unit = Unit.objects.create(institution=world.partner_a, kind=UnitKind.CENTRE, name="Center")
    unit_pk = unit.pk

    def change_then_fail() -> None:
        with transaction.atomic():
            if operation == "create":
                actions.create(world.officer, BUILDERS["contact"](world))
            elif operation == "update":
                actions.update(world.officer, unit, {"name": "Career Center"})
            else:
                actions.delete(world.officer, unit)
            # Inside the transaction the entry is there, next to the change.
            assert AuditEntry.objects.filter(action=operation).count() == 1
            raise Boom

    with pytest.raises(Boom):
        change_then_fail()

    assert not AuditEntry.objects.exists()
    assert not Contact.objects.exists()
    assert Unit.objects.get(pk=unit_pk).name == "Center"


@transactional
def test_rolled_back_registry_action_leaves_no_entry(world: World) -> None:
    def create_then_fail() -> None:
        with transaction.atomic():
            registry_actions.create_institution(
                world.officer,
                Institution(name="Rolled Back University", country="GE"),
                names=[{"language": "ka", "name": "Georgian name"}],
                domains=["rolled.example"],
            )
            raise Boom

    with pytest.raises(Boom):
        create_then_fail()
    assert not AuditEntry.objects.exists()
    assert not Institution.objects.filter(name="Rolled Back University").exists()


@transactional
def test_committed_change_keeps_its_entry(world: World) -> None:
    unit = actions.create(world.officer, BUILDERS["unit"](world))
    assert AuditEntry.objects.get().object_id == str(unit.pk)


@transactional
def test_record_outside_a_transaction_raises(world: World) -> None:
    assert not transaction.get_connection().in_atomic_block
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record(world.officer, AuditAction.UPDATE, world.partner_a, {}, {})
    assert not AuditEntry.objects.exists()
    with transaction.atomic():
        audit.record(world.officer, AuditAction.UPDATE, world.partner_a, {}, {})
    assert AuditEntry.objects.count() == 1


def test_record_many_writes_every_entry(world: World) -> None:
    audit.record_many(
        audit.entry(None, AuditAction.IMPORT, institution, None, audit.snapshot(institution))
        for institution in (world.partner_a, world.partner_b)
    )
    entries = AuditEntry.objects.order_by("institution_id")
    assert [(e.action, e.actor_name, e.institution_id) for e in entries] == [
        ("import", "system", world.partner_a.pk),
        ("import", "system", world.partner_b.pk),
    ]


# Secrets


def test_password_is_masked_in_user_snapshots(world: World) -> None:
    user = actions.create(world.officer, _user(world))
    actions.update(world.officer, user, {"first_name": "Aysel"})
    actions.delete(world.officer, user)

    entries = list(AuditEntry.objects.filter(object_type="accounts.user").order_by("id"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    snapshots = [entries[0].after, entries[1].before, entries[1].after, entries[2].before]
    for snapshot in snapshots:
        assert snapshot is not None
        assert snapshot["password"] == audit.MASKED
    stored = json.dumps([e.before for e in entries] + [e.after for e in entries])
    assert user.password not in stored
    assert "md5$" not in stored
    assert "a secret password" not in stored


def test_password_change_is_saved_and_audited(world: World) -> None:
    user = actions.create(world.officer, _user(world))
    user.set_password("another secret password")
    actions.update(world.officer, user)
    assert User.objects.get(pk=user.pk).check_password("another secret password")
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert entry.after is not None
    assert entry.after["password"] == audit.MASKED


def test_actor_none_is_recorded_as_system(world: World) -> None:
    actions.create(None, BUILDERS["unit"](world))
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_name) == (None, "system")


# History survives deletion


def test_history_survives_the_deletion_of_the_object(world: World) -> None:
    institution = registry_actions.create_institution(
        world.officer,
        Institution(name="Short-lived University", country="GE", city="Tbilisi"),
        names=[{"language": "uk", "name": "Недовговічний університет"}],
    )
    unit = registry_actions.save(
        world.officer, Unit(institution=institution, kind=UnitKind.FACULTY, name="Faculty")
    )
    registry_actions.update_institution(world.officer, institution, {"city": "Batumi"})
    pk = institution.pk

    registry_actions.delete(world.officer, institution)

    assert not Institution.objects.filter(pk=pk).exists()
    assert not Unit.objects.filter(pk=unit.pk).exists()
    history = list(AuditEntry.objects.filter(institution_id=pk).order_by("id"))
    assert [(e.action, e.object_type) for e in history[:4]] == [
        ("create", "institutions.institution"),
        ("create", "institutions.institutionname"),
        ("create", "institutions.unit"),
        ("update", "institutions.institution"),
    ]
    # The deletion is recorded for the institution and for everything deleted with it.
    deleted = {e.object_type: e.before or {} for e in history[4:] if e.action == "delete"}
    assert set(deleted) == {
        "institutions.institution",
        "institutions.institutionname",
        "institutions.unit",
    }
    assert deleted["institutions.institution"]["city"] == "Batumi"
    assert deleted["institutions.unit"]["name"] == "Faculty"


def test_history_survives_the_deletion_of_the_actor(world: World) -> None:
    actions.update(world.adviser, world.partner_a, {"city": "Ganja"})
    User.objects.filter(pk=world.adviser.pk).delete()
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_name) == (None, "adviser")


# Request id


def test_request_id_from_the_header_lands_in_the_entry(world: World) -> None:
    response = client_for(world.officer).patch(
        f"/api/institutions/{world.partner_a.pk}",
        {"city": "Ganja"},
        content_type="application/json",
        headers={"x-request-id": "trace-2026-11-27-0001"},
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "trace-2026-11-27-0001"
    assert AuditEntry.objects.get().request_id == "trace-2026-11-27-0001"


def test_request_id_is_generated_without_a_header(world: World) -> None:
    response = client_for(world.officer).post(
        f"/api/institutions/{world.partner_a.pk}/units",
        {"kind": "centre", "name": "Career Center"},
        content_type="application/json",
    )
    assert response.status_code == 201
    request_id = AuditEntry.objects.get().request_id
    assert len(request_id) == 36
    assert response["X-Request-ID"] == request_id


def test_one_request_id_for_every_entry_of_a_request(world: World) -> None:
    response = client_for(world.officer).patch(
        f"/api/institutions/{world.partner_a.pk}",
        {"names": [{"language": "az", "name": "Bakı"}], "domains": ["bsu.edu.az"]},
        content_type="application/json",
        headers={"x-request-id": "one-request"},
    )
    assert response.status_code == 200
    assert set(AuditEntry.objects.values_list("request_id", flat=True)) == {"one-request"}
    assert AuditEntry.objects.count() == 2


def test_long_request_id_is_cut_to_fit(world: World) -> None:
    client_for(world.officer).patch(
        f"/api/institutions/{world.partner_a.pk}",
        {"city": "Ganja"},
        content_type="application/json",
        headers={"x-request-id": "x" * 100},
    )
    assert AuditEntry.objects.get().request_id == "x" * 36


def test_request_id_does_not_leak_into_later_changes(world: World) -> None:
    client_for(world.officer).patch(
        f"/api/institutions/{world.partner_a.pk}",
        {"city": "Ganja"},
        content_type="application/json",
        headers={"x-request-id": "first"},
    )
    actions.update(None, world.partner_b, {"city": "Warsaw"})
    assert AuditEntry.objects.get(institution_id=world.partner_b.pk).request_id == ""


def test_update_takes_only_the_named_fields_from_a_stale_copy(world: World) -> None:
    stale = Institution.objects.get(pk=world.partner_a.pk)
    actions.update(world.officer, world.partner_a, {"partner_status": PartnerStatus.FORMER})
    stale.description = "Our profile, as we see it."
    actions.update(world.partner_a_coordinator, stale, {"description": stale.description})
    stored = Institution.objects.get(pk=world.partner_a.pk)
    assert stored.partner_status == PartnerStatus.FORMER
    assert stored.description == "Our profile, as we see it."
    assert stale.partner_status == PartnerStatus.FORMER  # the copy in hand ends up as stored
    latest = AuditEntry.objects.filter(action=AuditAction.UPDATE).order_by("-id").first()
    assert latest is not None
    assert latest.changes == [("description", "", "Our profile, as we see it.")]
