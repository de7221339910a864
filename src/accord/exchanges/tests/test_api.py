"""The exchanges API: who gets what for each persona, what it returns and refuses and why,
filters, quotas, steps and query counts."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from accord.accounts.models import Role, RoleGrant, User
from accord.agreements.models import Flow, MobilityType
from accord.core.models import AuditEntry
from accord.exchanges import access
from accord.exchanges.lifecycle import allowed_steps
from accord.exchanges.models import Mobility, MobilityStatus, Person, PersonKind
from conftest import (
    PERSONAS,
    World,
    client_for,
    count_queries,
    entries_of,
    error_fields,
    name_partner_a,
    send_json,
    user_of,
)

from .conftest import END, START, YEAR, Exchanges


@dataclass
class Scene:
    """Partner A's student nominated by partner A for an incoming place, a home student
    nominated by the office for an outgoing place at A, partner B's student nominated by B, and
    a person of A with no mobility."""

    ex: Exchanges
    person_a: Person
    spare_a: Person
    home_person: Person
    person_b: Person
    incoming_a: Mobility
    outgoing_a: Mobility
    incoming_b: Mobility
    # Faculty coordinator of the home unit only (the world's one covers the whole university).
    unit_coordinator: User

    @property
    def world(self) -> World:
        return self.ex.world

    def key_of(self, model: type[Person | Mobility], pk: int) -> str:
        """The attribute naming the person or mobility with ``pk``."""
        return next(
            name
            for name, value in vars(self).items()
            if isinstance(value, model) and value.pk == pk
        )


@pytest.fixture
def scene(ex: Exchanges) -> Scene:
    world = ex.world
    person_a = ex.person(
        world.partner_a,
        email="leyla@a.az",
        phone="+994 12 000",
        birth_date=datetime.date(2004, 3, 1),
    )
    person_b = ex.person(
        world.partner_b, first_name="Jan", last_name="Nowak", email="jan@b.pl", phone="+48 12"
    )
    home_person = ex.person(
        world.home,
        first_name="Olena",
        last_name="Kovalenko",
        unit=ex.home_unit,
        email="olena@home.ua",
        birth_date=datetime.date(2003, 7, 9),
    )
    coordinator = User.objects.create_user(
        username="unit_coordinator", password="pass-for-tests", institution=world.home
    )
    RoleGrant.objects.create(user=coordinator, role=Role.FACULTY_COORDINATOR, unit=ex.home_unit)
    return Scene(
        ex=ex,
        person_a=person_a,
        spare_a=ex.person(world.partner_a, first_name="Kamran", last_name="Huseynov"),
        home_person=home_person,
        person_b=person_b,
        incoming_a=ex.nominate(world.partner_a_coordinator, person=person_a),
        outgoing_a=ex.nominate(
            world.officer, flow=Flow.OUTGOING, person=home_person, sending_unit=ex.home_unit
        ),
        incoming_b=ex.nominate(world.partner_b_coordinator, partner="b", person=person_b),
        unit_coordinator=coordinator,
    )


def nomination(
    ex: Exchanges, person: Person, flow: str = Flow.INCOMING, partner: str = "a", **changes: Any
) -> dict[str, Any]:
    """The body of a nomination under the protocol with partner ``partner``."""
    institution = getattr(ex.world, f"partner_{partner}")
    sending, receiving = (
        (institution, ex.world.home) if flow == Flow.INCOMING else (ex.world.home, institution)
    )
    return {
        "person": person.pk,
        "mobility_type": MobilityType.STUDENT_STUDIES,
        "flow": str(flow),
        "sending_institution": sending.pk,
        "receiving_institution": receiving.pk,
        "agreement": getattr(ex, f"protocol_{partner}").pk,
        "direction": getattr(ex, f"direction_{partner}").pk,
        "academic_year": YEAR,
        "planned_start": str(START),
        "planned_end": str(END),
    } | changes


def registration(institution_id: int, **changes: Any) -> dict[str, Any]:
    """The body of a new person of ``institution_id``."""
    return {
        "first_name": "Aysel",
        "last_name": "Mammadova",
        "kind": PersonKind.STUDENT,
        "citizenship": "az",
        "institution": institution_id,
    } | changes


def send(user: Any, method: str, url: str, body: Any = None) -> Any:
    client = client_for(user)
    if method == "get":
        return client.get(url)
    return send_json(client, method, url, body)


def keys(scene: Scene, response: Any, model: type[Person | Mobility]) -> set[str]:
    """The names of the people or mobilities listed."""
    assert response.status_code == 200, response.content
    return {scene.key_of(model, item["id"]) for item in response.json()["items"]}


# Who gets what: one row an endpoint, one status a persona.


def statuses(
    officer: int, leadership: int, faculty: int, adviser: int, partner_a: int, partner_b: int
) -> dict[str, int]:
    """The status each persona gets, in the order of PERSONAS; anonymous always gets 401."""
    return dict(
        zip(
            PERSONAS,
            (officer, leadership, faculty, adviser, partner_a, partner_b, 401),
            strict=True,
        )
    )


@dataclass
class Case:
    name: str
    method: str
    url: Callable[[Scene], str]
    expected: dict[str, int]
    body: Callable[[Scene], dict[str, Any]] = field(default=lambda scene: {})


SEE_A = statuses(200, 200, 200, 404, 200, 404)
CHANGE_A = statuses(200, 403, 403, 404, 200, 404)

CASES = [
    Case("list people", "get", lambda s: "/api/people", statuses(200, 200, 200, 200, 200, 200)),
    Case("get A's person", "get", lambda s: f"/api/people/{s.person_a.pk}", SEE_A),
    Case("A's person's history", "get", lambda s: f"/api/people/{s.person_a.pk}/history", SEE_A),
    Case(
        "change A's person",
        "patch",
        lambda s: f"/api/people/{s.person_a.pk}",
        CHANGE_A,
        lambda s: {"phone": "+994 50 111"},
    ),
    Case(
        "delete A's person",
        "delete",
        lambda s: f"/api/people/{s.spare_a.pk}",
        statuses(204, 403, 403, 404, 204, 404),
    ),
    Case(
        "register a person of A",
        "post",
        lambda s: "/api/people",
        statuses(201, 403, 403, 403, 201, 403),
        lambda s: registration(s.world.partner_a.pk),
    ),
    Case(
        "register a home person",
        "post",
        lambda s: "/api/people",
        statuses(201, 403, 201, 403, 403, 403),
        lambda s: registration(s.world.home.pk, citizenship="ua", unit=s.ex.home_unit.pk),
    ),
    Case(
        "list mobilities",
        "get",
        lambda s: "/api/mobilities",
        statuses(200, 200, 200, 200, 200, 200),
    ),
    Case("get A's incoming", "get", lambda s: f"/api/mobilities/{s.incoming_a.pk}", SEE_A),
    Case(
        "A's incoming's history",
        "get",
        lambda s: f"/api/mobilities/{s.incoming_a.pk}/history",
        SEE_A,
    ),
    Case(
        "nominate from A",
        "post",
        lambda s: "/api/mobilities",
        statuses(201, 403, 403, 403, 201, 403),
        lambda s: nomination(s.ex, s.spare_a),
    ),
    Case(
        "nominate to A",
        "post",
        lambda s: "/api/mobilities",
        statuses(201, 403, 201, 403, 403, 403),
        lambda s: nomination(s.ex, s.home_person, Flow.OUTGOING),
    ),
    Case(
        "change A's incoming",
        "patch",
        lambda s: f"/api/mobilities/{s.incoming_a.pk}",
        CHANGE_A,
        lambda s: {"ects_planned": 30, "language": "en"},
    ),
    Case(
        "delete A's incoming",
        "delete",
        lambda s: f"/api/mobilities/{s.incoming_a.pk}",
        statuses(204, 403, 403, 404, 403, 404),
    ),
    Case(
        "accept A's incoming",
        "post",
        lambda s: f"/api/mobilities/{s.incoming_a.pk}/steps/accept",
        statuses(200, 403, 200, 404, 403, 404),
    ),
    Case(
        "accept the outgoing to A",
        "post",
        lambda s: f"/api/mobilities/{s.outgoing_a.pk}/steps/accept",
        statuses(200, 403, 403, 404, 200, 404),
    ),
    Case(
        "withdraw A's incoming",
        "post",
        lambda s: f"/api/mobilities/{s.incoming_a.pk}/steps/withdraw",
        statuses(200, 403, 403, 404, 200, 404),
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_persona_gets_what_its_role_allows(scene: Scene, case: Case, persona: str) -> None:
    before = AuditEntry.objects.count()
    user = user_of(scene.world, persona)
    response = send(user, case.method, case.url(scene), case.body(scene))
    assert response.status_code == case.expected[persona], response.content
    written = AuditEntry.objects.count() - before
    if response.status_code >= 400 or case.method == "get":
        assert written == 0
    else:
        assert written > 0


# People


@pytest.mark.parametrize(
    ("persona", "seen", "personal"),
    [
        ("officer", {"person_a", "spare_a", "home_person", "person_b"}, "all"),
        ("leadership", {"person_a", "spare_a", "home_person", "person_b"}, set()),
        (
            "faculty_coordinator",
            {"person_a", "spare_a", "home_person", "person_b"},
            {"home_person"},
        ),
        ("unit_coordinator", {"person_a", "spare_a", "home_person", "person_b"}, {"home_person"}),
        ("adviser", set(), set()),
        # Partner A sees the home student it receives, without her contact details.
        ("partner_a_coordinator", {"person_a", "spare_a", "home_person"}, {"person_a", "spare_a"}),
        ("partner_b_coordinator", {"person_b"}, {"person_b"}),
    ],
)
def test_people_and_their_personal_data_by_persona(
    scene: Scene, persona: str, seen: set[str], personal: set[str] | str
) -> None:
    user = (
        scene.unit_coordinator if persona == "unit_coordinator" else user_of(scene.world, persona)
    )
    response = send(user, "get", "/api/people")
    assert keys(scene, response, Person) == seen
    shown = {key for key in seen if personal == "all" or key in personal}
    for item in response.json()["items"]:
        detail = send(user, "get", f"/api/people/{item['id']}").json()
        key = scene.key_of(Person, item["id"])
        person: Person = getattr(scene, key)
        birth_date = str(person.birth_date) if person.birth_date else None
        expected: dict[str, str | None] = {
            "email": person.email,
            "phone": person.phone,
            "birth_date": birth_date,
        }
        if key not in shown:
            expected = dict.fromkeys(expected)
        for body in (item, detail):
            assert {name: body[name] for name in expected} == expected
            assert body["personal_data"] is (key in shown)


def test_a_person_shows_names_and_links(scene: Scene) -> None:
    name_partner_a(scene.world)
    body = send(scene.world.officer, "get", f"/api/people/{scene.person_a.pk}").json()
    assert body["name"] == "Leyla Aliyeva"
    assert body["citizenship_name"] == "Azerbaijan"
    assert body["institution"] == scene.world.partner_a.pk
    assert body["institution_name"] == "Partner A University"
    home = send(scene.world.officer, "get", f"/api/people/{scene.home_person.pk}").json()
    assert (home["unit"], home["unit_name"]) == (
        scene.ex.home_unit.pk,
        "Faculty of Computer Science",
    )
    client = client_for(scene.world.officer)
    localised = client.get(f"/api/people/{scene.person_a.pk}", HTTP_ACCEPT_LANGUAGE="uk").json()
    assert localised["institution_name"] == "Бакинський державний університет"


@pytest.mark.parametrize(
    ("persona", "email"),
    [
        ("officer", "olena@home.ua"),
        ("faculty_coordinator", "olena@home.ua"),
        ("leadership", None),
        ("partner_a_coordinator", None),
    ],
)
def test_history_masks_personal_data_like_the_record(
    scene: Scene, persona: str, email: str | None
) -> None:
    user = user_of(scene.world, persona)
    items = send(user, "get", f"/api/people/{scene.home_person.pk}/history").json()["items"]
    [created] = items
    assert created["action"] == "create"
    assert created["after"]["email"] == email
    assert created["after"]["last_name"] == "Kovalenko"
    assert ("olena@home.ua" in str(items)) is (email is not None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("institution={partner_a}", {"person_a", "spare_a"}),
        ("kind=student&institution={home}", {"home_person"}),
        ("citizenship=pl", {"person_b"}),
        ("q=nowak", {"person_b"}),
        ("q=Leyl aliy", {"person_a"}),
        ("q=kamran leyla", set()),
        ("kind=teacher", set()),
    ],
)
def test_people_filters(scene: Scene, query: str, expected: set[str]) -> None:
    world = scene.world
    url = "/api/people?" + query.format(partner_a=world.partner_a.pk, home=world.home.pk)
    assert keys(scene, send(world.officer, "get", url), Person) == expected


def test_people_filter_refuses_an_unknown_kind(scene: Scene) -> None:
    assert "kind" in error_fields(send(scene.world.officer, "get", "/api/people?kind=alien"))


def test_registering_a_person_is_audited(scene: Scene) -> None:
    body = registration(scene.world.partner_a.pk, email="aysel@a.az", birth_date="2005-01-02")
    response = send(scene.world.partner_a_coordinator, "post", "/api/people", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["citizenship"], created["email"]) == ("AZ", "aysel@a.az")
    assert created["personal_data"] is True
    [entry] = entries_of(Person.objects.get(pk=created["id"]))
    assert entry.actor == scene.world.partner_a_coordinator
    assert (entry.after or {})["birth_date"] == "2005-01-02"


def test_a_partner_learns_nothing_of_another_partners_people(scene: Scene) -> None:
    # The e-mail is taken at B: validating first would say so with a 422.
    body = registration(scene.world.partner_b.pk, email="jan@b.pl")
    response = send(scene.world.partner_a_coordinator, "post", "/api/people", body)
    assert response.status_code == 403
    assert "jan@b.pl" not in response.content.decode()
    assert not Person.objects.filter(first_name="Aysel").exists()


def test_a_unit_coordinator_registers_only_people_of_their_units(scene: Scene) -> None:
    world = scene.world
    outside = send(scene.unit_coordinator, "post", "/api/people", registration(world.home.pk))
    assert outside.status_code == 403
    assert not Person.objects.filter(first_name="Aysel").exists()
    inside = registration(world.home.pk, unit=scene.ex.home_unit.pk)
    assert send(scene.unit_coordinator, "post", "/api/people", inside).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"kind": "alien"}, "kind"),
        ({"citizenship": "xx"}, "citizenship"),
        ({"email": "not an address"}, "email"),
        ({"birth_date": "2004-02-30"}, "birth_date"),
        ({"institution": 1_000_000}, "institution"),
        ({"unit": 1_000_000}, "unit"),
        ({"unit": "home_unit"}, "unit"),
        ({"nickname": "Leyla"}, "nickname"),
    ],
)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_bad_person_names_the_field_and_writes_nothing(
    scene: Scene, method: str, change: dict[str, Any], field: str
) -> None:
    if change.get("unit") == "home_unit":  # a unit of another institution
        change = {"unit": scene.ex.home_unit.pk}
    before = AuditEntry.objects.count()
    url = "/api/people" if method == "post" else f"/api/people/{scene.person_a.pk}"
    body = registration(scene.world.partner_a.pk) | change if method == "post" else change
    response = send(scene.world.officer, method, url, body)
    assert field in error_fields(response)
    assert AuditEntry.objects.count() == before


def test_patch_changes_only_what_it_names_and_null_empties(scene: Scene) -> None:
    url = f"/api/people/{scene.person_a.pk}"
    response = send(
        scene.world.partner_a_coordinator, "patch", url, {"phone": None, "kind": "staff"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["phone"], body["kind"], body["email"]) == ("", "staff", "leyla@a.az")
    entry = entries_of(scene.person_a)[-1]
    assert {name for name, _old, _new in entry.changes} == {"phone", "kind"}


def test_a_partner_cannot_move_its_person_to_another_institution(scene: Scene) -> None:
    url = f"/api/people/{scene.person_a.pk}"
    body = {"institution": scene.world.partner_b.pk}
    assert send(scene.world.partner_a_coordinator, "patch", url, body).status_code == 403
    assert Person.objects.get(pk=scene.person_a.pk).institution == scene.world.partner_a


def test_deleting_a_person_with_mobilities_is_a_conflict(scene: Scene) -> None:
    response = send(scene.world.officer, "delete", f"/api/people/{scene.person_a.pk}")
    assert response.status_code == 409
    assert "Leyla Aliyeva has mobilities" in response.json()["detail"]
    assert Person.objects.filter(pk=scene.person_a.pk).exists()


# Mobilities


@pytest.mark.parametrize(
    ("persona", "steps"),
    [
        (
            "officer",
            {
                "incoming_a": ["accept", "reject", "withdraw"],
                "outgoing_a": ["accept", "reject", "withdraw"],
                "incoming_b": ["accept", "reject", "withdraw"],
            },
        ),
        ("leadership", {"incoming_a": [], "outgoing_a": [], "incoming_b": []}),
        (
            "faculty_coordinator",
            {
                "incoming_a": ["accept", "reject"],
                "outgoing_a": ["withdraw"],
                "incoming_b": ["accept", "reject"],
            },
        ),
        # Coordinates the unit that sends the outgoing student, not the (unset) receiving one.
        ("unit_coordinator", {"incoming_a": [], "outgoing_a": ["withdraw"], "incoming_b": []}),
        ("adviser", {}),
        ("partner_a_coordinator", {"incoming_a": ["withdraw"], "outgoing_a": ["accept", "reject"]}),
        ("partner_b_coordinator", {"incoming_b": ["withdraw"]}),
    ],
)
def test_mobilities_and_the_steps_open_to_each_persona(
    scene: Scene, persona: str, steps: dict[str, list[str]]
) -> None:
    user = (
        scene.unit_coordinator if persona == "unit_coordinator" else user_of(scene.world, persona)
    )
    items = send(user, "get", "/api/mobilities").json()["items"]
    assert {scene.key_of(Mobility, item["id"]): item["steps"] for item in items} == steps
    for item in items:
        mobility = Mobility.objects.get(pk=item["id"])
        assert item["steps"] == allowed_steps(mobility.status, access.sides(user, mobility))
        detail = send(user, "get", f"/api/mobilities/{item['id']}").json()
        assert detail["steps"] == item["steps"]


def test_a_mobility_shows_ids_and_names(scene: Scene) -> None:
    body = send(scene.world.officer, "get", f"/api/mobilities/{scene.outgoing_a.pk}").json()
    ex = scene.ex
    assert body["person"] == scene.home_person.pk
    assert body["person_name"] == "Olena Kovalenko"
    assert (body["sending_institution"], body["sending_institution_name"]) == (
        scene.world.home.pk,
        "Home University",
    )
    assert (body["sending_unit"], body["sending_unit_name"]) == (
        ex.home_unit.pk,
        "Faculty of Computer Science",
    )
    assert (body["receiving_institution_name"], body["receiving_unit_name"]) == (
        "Partner A University",
        None,
    )
    assert (body["agreement"], body["agreement_title"]) == (
        ex.protocol_a.pk,
        "Protocol with Partner A University",
    )
    assert (body["direction"], body["direction_name"]) == (
        ex.direction_a.pk,
        "Information technology",
    )
    assert (body["status"], body["flow"], body["months"]) == ("nominated", "outgoing", 4.6)
    assert body["quota_override"] == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=nominated", {"incoming_a", "outgoing_a", "incoming_b"}),
        ("status=accepted", set()),
        ("flow=outgoing", {"outgoing_a"}),
        ("mobility_type=teaching_staff", set()),
        ("academic_year=2026/2027", {"incoming_a", "outgoing_a", "incoming_b"}),
        ("academic_year=2027/2028", set()),
        ("agreement={protocol_b}", {"incoming_b"}),
        ("direction={direction_a}", {"incoming_a", "outgoing_a"}),
        ("partner={partner_a}", {"incoming_a", "outgoing_a"}),
        ("partner={home}&flow=incoming", {"incoming_a", "incoming_b"}),
        ("person={person_b}", {"incoming_b"}),
    ],
)
def test_mobility_filters(scene: Scene, query: str, expected: set[str]) -> None:
    ex, world = scene.ex, scene.world
    url = "/api/mobilities?" + query.format(
        protocol_b=ex.protocol_b.pk,
        direction_a=ex.direction_a.pk,
        partner_a=world.partner_a.pk,
        home=world.home.pk,
        person_b=scene.person_b.pk,
    )
    assert keys(scene, send(world.leadership, "get", url), Mobility) == expected


def test_a_nomination_is_recorded_for_its_nominator(scene: Scene) -> None:
    body = nomination(scene.ex, scene.spare_a, ects_planned="30.0", funding="erasmus")
    response = send(scene.world.partner_a_coordinator, "post", "/api/mobilities", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["steps"]) == ("nominated", ["withdraw"])
    assert (created["ects_planned"], created["funding"]) == (30.0, "erasmus")
    mobility = Mobility.objects.get(pk=created["id"])
    assert mobility.nominated_by == scene.world.partner_a_coordinator
    [entry] = entries_of(mobility)
    assert entry.actor == scene.world.partner_a_coordinator


def test_a_full_quota_is_a_conflict_an_officer_may_override(scene: Scene) -> None:
    ex, world = scene.ex, scene.world
    ex.nominate(world.partner_a_coordinator)  # the second of the two places
    body = nomination(ex, scene.spare_a)
    full = send(world.partner_a_coordinator, "post", "/api/mobilities", body)
    assert full.status_code == 409
    assert (
        "Information technology · Student studies · Incoming · 2026/2027" in full.json()["detail"]
    )
    assert "allows 2 people; 2 are already nominated" in full.json()["detail"]
    reason = "Rector's order No. 12 of 3 March"
    overridden = body | {"quota_override": reason}
    assert (
        send(world.partner_a_coordinator, "post", "/api/mobilities", overridden).status_code == 403
    )
    assert send(world.officer, "post", "/api/mobilities", body).status_code == 409
    assert Mobility.objects.filter(person=scene.spare_a).count() == 0
    response = send(world.officer, "post", "/api/mobilities", overridden)
    assert response.status_code == 201, response.content
    assert response.json()["quota_override"] == reason
    [entry] = entries_of(Mobility.objects.get(pk=response.json()["id"]))
    assert (entry.after or {})["quota_override"] == reason
    assert entry.actor == world.officer


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"planned_end": "2026-09-01"}, "planned_end"),
        ({"planned_start": "someday"}, "planned_start"),
        ({"planned_start": "2026-08-01"}, "agreement"),
        ({"academic_year": "2026"}, "academic_year"),
        ({"person": 1_000_000}, "person"),
        ({"person": "person_b"}, "person"),
        ({"agreement": 1_000_000}, "agreement"),
        ({"direction": 1_000_000}, "direction"),
        ({"direction": "direction_b"}, "direction"),
        ({"sending_unit": 1_000_000}, "sending_unit"),
        ({"sending_unit": "home_unit"}, "sending_unit"),
        ({"receiving_institution": 1_000_000}, "receiving_institution"),
        ({"sending_institution": None}, "sending_institution"),
        ({"ects_planned": -1}, "ects_planned"),
        ({"ects_planned": "12.25"}, "ects_planned"),
        ({"funding": "lottery"}, "funding"),
        ({"mobility_type": "holiday"}, "mobility_type"),
        ({"status": "accepted"}, "status"),
    ],
)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_bad_mobility_names_the_field_and_writes_nothing(
    scene: Scene, method: str, change: dict[str, Any], field: str
) -> None:
    ex = scene.ex
    named = {
        "person_b": scene.person_b.pk,
        "direction_b": ex.direction_b.pk,
        # A unit of the home university, named as one of partner A, the sender.
        "home_unit": ex.home_unit.pk,
    }
    change = {name: named.get(value, value) for name, value in change.items()}
    before = AuditEntry.objects.count()
    user = scene.world.partner_a_coordinator
    if method == "post":
        response = send(user, "post", "/api/mobilities", nomination(ex, scene.spare_a) | change)
    else:
        response = send(user, "patch", f"/api/mobilities/{scene.incoming_a.pk}", change)
    assert field in error_fields(response)
    assert AuditEntry.objects.count() == before


def test_a_partner_changes_its_nomination_and_the_change_is_audited(scene: Scene) -> None:
    url = f"/api/mobilities/{scene.incoming_a.pk}"
    Mobility.objects.filter(pk=scene.incoming_a.pk).update(funding="erasmus")
    body = {
        "planned_end": "2026-12-31",
        "language": "en",
        "receiving_unit": scene.ex.home_unit.pk,
        "funding": None,
    }
    response = send(scene.world.partner_a_coordinator, "patch", url, body)
    assert response.status_code == 200, response.content
    changed = response.json()
    assert (changed["planned_end"], changed["months"], changed["language"]) == (
        "2026-12-31",
        3.6,
        "en",
    )
    assert changed["receiving_unit_name"] == "Faculty of Computer Science"
    assert changed["funding"] == ""
    entry = entries_of(scene.incoming_a)[-1]
    assert {name for name, _old, _new in entry.changes} == {
        "planned_end",
        "language",
        "receiving_unit",
        "funding",
    }


def test_a_partner_cannot_hand_its_nomination_to_another_sender(scene: Scene) -> None:
    url = f"/api/mobilities/{scene.incoming_a.pk}"
    body = {"sending_institution": scene.world.partner_b.pk, "person": scene.person_b.pk}
    assert send(scene.world.partner_a_coordinator, "patch", url, body).status_code == 403
    assert Mobility.objects.get(pk=scene.incoming_a.pk).sending_institution == scene.world.partner_a


def test_only_a_nomination_is_changed_except_by_an_officer(scene: Scene) -> None:
    world = scene.world
    send(world.officer, "post", f"/api/mobilities/{scene.incoming_a.pk}/steps/accept")
    url = f"/api/mobilities/{scene.incoming_a.pk}"
    refused = send(world.partner_a_coordinator, "patch", url, {"language": "az"})
    assert refused.status_code == 409
    assert "Only a nomination is changed" in refused.json()["detail"]
    assert send(world.officer, "patch", url, {"language": "az"}).json()["language"] == "az"


def test_a_change_beyond_the_quota_needs_an_officers_reason(scene: Scene) -> None:
    world = scene.world
    url = f"/api/mobilities/{scene.incoming_a.pk}"
    longer = {"planned_end": "2027-08-31"}  # 351 days: 11.7 months of 10
    full = send(world.officer, "patch", url, longer)
    assert full.status_code == 409
    assert "allows 10 months" in full.json()["detail"]
    reason = "A double degree semester"
    response = send(world.officer, "patch", url, longer | {"quota_override": reason})
    assert response.status_code == 200, response.content
    assert (response.json()["quota_override"], response.json()["months"]) == (reason, 11.7)
    entry = entries_of(scene.incoming_a)[-1]
    assert ("quota_override", "", reason) in entry.changes


def test_an_officer_deletes_a_mobility_with_an_audit_entry(scene: Scene) -> None:
    pk = scene.incoming_a.pk
    assert send(scene.world.officer, "delete", f"/api/mobilities/{pk}").status_code == 204
    assert not Mobility.objects.filter(pk=pk).exists()
    assert entries_of(scene.incoming_a)[-1].action == "delete"


def test_the_stay_is_recorded_step_by_step(scene: Scene) -> None:
    world = scene.world
    url = f"/api/mobilities/{scene.incoming_a.pk}/steps"
    client = client_for(world.officer)
    accepted = client.post(f"{url}/accept", content_type="application/json")
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    started = send(world.faculty_coordinator, "post", f"{url}/start", {"on": "2026-09-20"})
    assert (started.json()["status"], started.json()["actual_start"]) == ("ongoing", "2026-09-20")
    assert started.json()["steps"] == ["complete"]
    body = {"on": "2027-01-20", "ects_achieved": 28.5}
    completed = send(world.faculty_coordinator, "post", f"{url}/complete", body).json()
    assert (completed["status"], completed["actual_end"]) == ("completed", "2027-01-20")
    assert (completed["ects_achieved"], completed["months"], completed["steps"]) == (28.5, 4.1, [])
    steps = [entry.after["status"] for entry in entries_of(scene.incoming_a) if entry.after]
    assert steps == ["nominated", "accepted", "ongoing", "completed"]


@pytest.mark.parametrize(
    ("step", "body", "status"),
    [
        ("complete", {}, 409),
        ("start", {"on": "2026-09-20"}, 409),
        ("accept", {}, 200),
    ],
)
def test_a_step_the_state_does_not_allow_is_a_conflict(
    scene: Scene, step: str, body: dict[str, Any], status: int
) -> None:
    url = f"/api/mobilities/{scene.incoming_a.pk}/steps/{step}"
    response = send(scene.world.officer, "post", url, body)
    assert response.status_code == status, response.content
    expected = MobilityStatus.ACCEPTED if status == 200 else MobilityStatus.NOMINATED
    assert Mobility.objects.get(pk=scene.incoming_a.pk).status == expected
    if status == 409:
        assert "cannot be changed by" in response.json()["detail"]


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("fly", {}, "step"),
        ("accept", {"ects_achieved": 30}, "ects_achieved"),
        ("accept", {"on": "2026-09-20"}, "on"),
        ("complete", {"on": "2026-09-01"}, "on"),
        ("complete", {"on": "soon"}, "on"),
        ("complete", {"ects_achieved": -3}, "ects_achieved"),
        ("complete", {"grade": "A"}, "grade"),
    ],
)
def test_a_bad_step_names_the_field(
    scene: Scene, step: str, body: dict[str, Any], field: str
) -> None:
    world = scene.world
    mobility = scene.incoming_a
    for earlier in ("accept", "start"):
        send(world.officer, "post", f"/api/mobilities/{mobility.pk}/steps/{earlier}")
    # Now ongoing since the planned start, 2026-09-15.
    before = AuditEntry.objects.count()
    response = send(world.officer, "post", f"/api/mobilities/{mobility.pk}/steps/{step}", body)
    assert field in error_fields(response)
    assert AuditEntry.objects.count() == before


# Query counts


def _add_rows(scene: Scene, count: int) -> None:
    """``count`` more people of A and of the home unit, each with a nomination, under quotas
    with room for them."""
    ex, world = scene.ex, scene.world
    ex.protocol_a.quotas.update(people=100, months=None)
    for number in range(count):
        ex.nominate(world.officer, person=ex.person(world.partner_a, last_name=f"Aliyeva {number}"))
        home = ex.person(world.home, last_name=f"Kovalenko {number}", unit=ex.home_unit)
        ex.nominate(world.officer, flow=Flow.OUTGOING, person=home, sending_unit=ex.home_unit)


@pytest.mark.parametrize(
    "persona",
    [
        "officer",
        "leadership",
        "faculty_coordinator",
        "unit_coordinator",
        "partner_a_coordinator",
    ],
)
@pytest.mark.parametrize("url", ["/api/people", "/api/mobilities"])
def test_list_query_counts_do_not_grow_with_rows(scene: Scene, persona: str, url: str) -> None:
    user = (
        scene.unit_coordinator if persona == "unit_coordinator" else user_of(scene.world, persona)
    )
    client = client_for(user)
    few_rows = client.get(url).json()["count"]
    few = count_queries(client, url)
    _add_rows(scene, 6)
    assert client.get(url).json()["count"] >= few_rows + 6
    assert count_queries(client, url) == few


def test_the_mobility_list_takes_a_fixed_number_of_queries(
    scene: Scene, django_assert_num_queries: Any
) -> None:
    _add_rows(scene, 3)
    client = client_for(scene.unit_coordinator)
    # Session, user, institution, roles, count, mobilities, names of the sending and of the
    # receiving institutions, and once for the steps the coordinated units (grants, unit tree).
    with django_assert_num_queries(10):
        assert client.get("/api/mobilities").json()["count"] == 9
