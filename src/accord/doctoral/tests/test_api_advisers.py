"""The advisers API: the adviser base, profiles the adviser and the office change, publications
added, imported and deleted, validation, history and query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.core.models import AuditEntry
from accord.doctoral import actions
from accord.doctoral.models import Adviser, Publication
from accord.institutions.models import Unit, UnitKind
from conftest import client_for, count_queries, entries_of, error_fields, user_of

from .test_api import Scene, ids, items, make_scene, send


@pytest.fixture
def scene(doctoral: Any) -> Scene:
    return make_scene(doctoral)


def registration(scene: Scene, **changes: Any) -> dict[str, Any]:
    return {
        "first_name": "Petro",
        "last_name": "Melnyk",
        "institution": scene.world.home.pk,
        "orcid": "0000-0001-5109-3700",
        "keywords": "gas processing, catalysis",
        "capacity": 2,
    } | changes


def import_file(name: str, content: str) -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, content.encode())}


@pytest.mark.parametrize(
    "persona",
    [
        "officer",
        "leadership",
        "faculty_coordinator",
        "adviser",
        "partner_a_coordinator",
        "partner_b_coordinator",
    ],
)
def test_every_signed_in_persona_sees_the_adviser_base(scene: Scene, persona: str) -> None:
    d = scene.d
    listed = ids(send(user_of(scene.world, persona), "get", "/api/advisers"))
    assert listed == {d.own_adviser.pk, d.other_adviser.pk, scene.spare_adviser.pk}


@pytest.mark.parametrize(("persona", "shown"), [("officer", True), ("adviser", False)])
def test_an_adviser_shows_the_user_account_to_officers_only(
    scene: Scene, persona: str, shown: bool
) -> None:
    url = f"/api/advisers/{scene.d.own_adviser.pk}"
    body = send(user_of(scene.world, persona), "get", url).json()
    assert body["user"] == (scene.world.adviser.pk if shown else None)
    assert (body["name"], body["institution_name"]) == ("Mykola Bondarenko", "Home University")
    assert (body["orcid"], body["capacity"]) == ("0000-0002-1825-0097", 3)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=kovalenko", {"other"}),
        ("q=machine learning", {"other"}),
        ("q=drilling", {"own"}),
        ("q=olena drilling", set()),
        ("institution={home}", {"own", "other", "spare"}),
        ("institution={partner_a}", set()),
        ("unit={unit}", {"spare"}),
    ],
)
def test_adviser_filters(scene: Scene, query: str, expected: set[str]) -> None:
    unit = Unit.objects.create(institution=scene.world.home, kind=UnitKind.FACULTY, name="Energy")
    Adviser.objects.filter(pk=scene.spare_adviser.pk).update(unit=unit)
    names = {
        scene.d.own_adviser.pk: "own",
        scene.d.other_adviser.pk: "other",
        scene.spare_adviser.pk: "spare",
    }
    url = "/api/advisers?" + query.format(
        home=scene.world.home.pk, partner_a=scene.world.partner_a.pk, unit=unit.pk
    )
    assert {
        names[pk] for pk in ids(send(scene.world.partner_a_coordinator, "get", url))
    } == expected


def test_the_office_registers_an_adviser_with_an_audit_entry(scene: Scene) -> None:
    response = send(scene.world.officer, "post", "/api/advisers", registration(scene))
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["capacity"], created["user"]) == ("Petro Melnyk", 2, None)
    [entry] = entries_of(Adviser.objects.get(pk=created["id"]))
    assert (entry.action, entry.actor) == ("create", scene.world.officer)
    assert (entry.after or {})["orcid"] == "0000-0001-5109-3700"


def test_an_adviser_changes_their_profile_but_not_their_account(scene: Scene) -> None:
    url = f"/api/advisers/{scene.d.own_adviser.pk}"
    adviser = scene.world.adviser
    changed = send(adviser, "patch", url, {"capacity": 4, "degrees": None})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["capacity"], changed.json()["degrees"]) == (4, "")
    entry = entries_of(scene.d.own_adviser)[-1]
    assert {name for name, _old, _new in entry.changes} == {"capacity", "degrees"}
    assert entry.actor == adviser
    for change in ({"user": None}, {"institution": scene.world.partner_a.pk}):
        assert send(adviser, "patch", url, change).status_code == 403
    assert Adviser.objects.get(pk=scene.d.own_adviser.pk).user == adviser


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"orcid": "0000-0002-1825-0098"}, "orcid"),
        ({"orcid": "12345"}, "orcid"),
        ({"email": "not an address"}, "email"),
        ({"capacity": 51}, "capacity"),
        ({"capacity": -1}, "capacity"),
        ({"institution": 1_000_000}, "institution"),
        ({"unit": 1_000_000}, "unit"),
        ({"unit": "partner_unit"}, "unit"),
        ({"user": 1_000_000}, "user"),
        ({"user": "taken"}, "user"),
        ({"publications": []}, "publications"),
    ],
)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_bad_adviser_names_the_field_and_writes_nothing(
    scene: Scene, method: str, change: dict[str, Any], field: str
) -> None:
    partner_unit = Unit.objects.create(
        institution=scene.world.partner_a, kind=UnitKind.FACULTY, name="Petroleum"
    )
    named = {"partner_unit": partner_unit.pk, "taken": scene.world.adviser.pk}
    change = {
        name: named.get(value, value) if isinstance(value, str) else value
        for name, value in change.items()
    }
    before = (AuditEntry.objects.count(), Adviser.objects.count())
    if method == "post":
        response = send(scene.world.officer, "post", "/api/advisers", registration(scene) | change)
    else:
        url = f"/api/advisers/{scene.spare_adviser.pk}"
        response = send(scene.world.officer, "patch", url, change)
    assert field in error_fields(response)
    assert (AuditEntry.objects.count(), Adviser.objects.count()) == before


def test_an_adviser_with_topics_stays_on_record(scene: Scene) -> None:
    response = send(scene.world.officer, "delete", f"/api/advisers/{scene.d.other_adviser.pk}")
    assert response.status_code == 409
    assert "Olena Kovalenko has topics" in response.json()["detail"]
    assert Adviser.objects.filter(pk=scene.d.other_adviser.pk).exists()


def test_adviser_history_holds_the_profile_and_the_publications(scene: Scene) -> None:
    adviser = scene.world.adviser
    url = f"/api/advisers/{scene.d.own_adviser.pk}"
    send(adviser, "post", f"{url}/publications", {"title": "Foam flooding", "year": 2025})
    send(adviser, "patch", url, {"capacity": 4})
    history = items(send(scene.world.partner_b_coordinator, "get", f"{url}/history"))
    assert [(entry["object_type"], entry["action"]) for entry in history][:2] == [
        ("doctoral.adviser", "update"),
        ("doctoral.publication", "create"),
    ]


# Publications


def test_publications_are_listed_newest_first(scene: Scene) -> None:
    adviser = scene.d.own_adviser
    Publication.objects.create(adviser=adviser, title="Early work", year=1999)
    Publication.objects.create(adviser=adviser, title="Newest work", year=2026)
    listed = items(
        send(scene.world.partner_a_coordinator, "get", f"/api/advisers/{adviser.pk}/publications")
    )
    assert listed[0]["title"] == "Newest work"
    assert listed[-1]["title"] == "Early work"
    assert {item["adviser"] for item in listed} == {adviser.pk}


def test_an_adviser_adds_a_publication_with_an_audit_entry(scene: Scene) -> None:
    url = f"/api/advisers/{scene.d.own_adviser.pk}/publications"
    body = {
        "title": "Foam flooding",
        "abstract": "Foams in carbonates.",
        "year": 2025,
        "doi": "10.1000/xyz",
    }
    response = send(scene.world.adviser, "post", url, body)
    assert response.status_code == 201, response.content
    assert response.json() | {"id": 0} == body | {"id": 0, "adviser": scene.d.own_adviser.pk}
    [entry] = entries_of(Publication.objects.get(pk=response.json()["id"]))
    assert entry.actor == scene.world.adviser
    assert entry.subject == f"doctoral.adviser:{scene.d.own_adviser.pk}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"year": 1800}, "year"),
        ({"year": "recent"}, "year"),
        ({"doi": "x" * 201}, "doi"),
        ({"journal": "Fuel"}, "journal"),
    ],
)
def test_a_bad_publication_names_the_field_and_writes_nothing(
    scene: Scene, change: dict[str, Any], field: str
) -> None:
    url = f"/api/advisers/{scene.d.own_adviser.pk}/publications"
    before = (AuditEntry.objects.count(), Publication.objects.count())
    assert field in error_fields(
        send(scene.world.officer, "post", url, {"title": "Foams"} | change)
    )
    assert (AuditEntry.objects.count(), Publication.objects.count()) == before


def test_deleting_a_publication_is_audited(scene: Scene) -> None:
    pk = scene.publication.pk
    assert send(scene.world.adviser, "delete", f"/api/publications/{pk}").status_code == 204
    assert not Publication.objects.filter(pk=pk).exists()
    entry = entries_of(scene.publication)[-1]
    assert (entry.action, entry.actor) == ("delete", scene.world.adviser)


def test_the_adviser_may_not_delete_another_advisers_publication(scene: Scene) -> None:
    other = scene.d.other_adviser.publications.get()
    assert send(scene.world.adviser, "delete", f"/api/publications/{other.pk}").status_code == 403
    assert Publication.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "works.csv",
            "title,abstract,year,doi\nFoam flooding,Foams in carbonates.,2023,\nGels,,2021,\n",
        ),
        (
            "works.json",
            json.dumps([{"title": "Foam flooding", "year": 2023}, {"title": "Gels", "year": 2021}]),
        ),
    ],
)
def test_publications_are_imported_from_a_file(scene: Scene, name: str, content: str) -> None:
    adviser = scene.d.own_adviser
    url = f"/api/advisers/{adviser.pk}/publications/import"
    response = client_for(scene.world.adviser).post(url, import_file(name, content))
    assert response.status_code == 200, response.content
    assert response.json() == {"imported": 2}
    titles = set(adviser.publications.values_list("title", flat=True))
    assert {"Foam flooding", "Gels"} <= titles
    created = Publication.objects.get(adviser=adviser, title="Gels")
    assert entries_of(created)[0].actor == scene.world.adviser


def test_a_refused_import_lists_each_problem_by_line_and_writes_nothing(scene: Scene) -> None:
    url = f"/api/advisers/{scene.d.own_adviser.pk}/publications/import"
    content = "title,year\nFoam flooding,2023\n,2021\nGels,someday\n"
    before = (AuditEntry.objects.count(), Publication.objects.count())
    response = client_for(scene.world.officer).post(url, import_file("works.csv", content))
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert all(error["loc"] == ["body", "file"] for error in errors)
    messages = [error["msg"] for error in errors]
    assert len(messages) == 2
    assert messages[0].startswith("Line 3, column title")
    assert messages[1].startswith("Line 4, column year")
    assert (AuditEntry.objects.count(), Publication.objects.count()) == before


def test_an_unreadable_import_file_is_refused(scene: Scene) -> None:
    url = f"/api/advisers/{scene.d.own_adviser.pk}/publications/import"
    response = client_for(scene.world.officer).post(url, import_file("works.pdf", "%PDF-1.4"))
    assert response.status_code == 422
    assert "CSV, XLSX or JSON" in response.json()["detail"][0]["msg"]
    assert response.json()["detail"][0]["loc"] == ["body", "file"]
    assert "file" in error_fields(client_for(scene.world.officer).post(url, {}))


# Query counts


@pytest.mark.parametrize("persona", ["officer", "adviser", "partner_a_coordinator"])
def test_adviser_list_query_counts_do_not_grow_with_rows(scene: Scene, persona: str) -> None:
    client = client_for(user_of(scene.world, persona))
    publications = f"/api/advisers/{scene.d.own_adviser.pk}/publications"
    few = {url: count_queries(client, url) for url in ("/api/advisers", publications)}
    world = scene.world
    for number in range(5):
        unit = Unit.objects.create(institution=world.home, kind=UnitKind.FACULTY, name=f"F{number}")
        actions.create_adviser(
            world.officer,
            Adviser(
                first_name="A", last_name=f"Adviser {number}", institution=world.home, unit=unit
            ),
        )
        Publication.objects.create(adviser=scene.d.own_adviser, title=f"Work {number}")
    assert client.get("/api/advisers").json()["count"] == 8
    for url, count in few.items():
        assert count_queries(client, url) == count, url
