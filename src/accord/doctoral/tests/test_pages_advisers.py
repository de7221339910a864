"""Adviser pages: registering and editing a profile, its publications one by one or from a
file, the list's load and free places, its filters and query count."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.core.models import AuditEntry
from accord.doctoral import actions
from accord.doctoral.models import Adviser, Publication
from conftest import client_for, count_queries, entries_of, html

from .conftest import Doctoral, make_candidate


def adviser_data(d: Doctoral, **changes: Any) -> dict[str, Any]:
    return {
        "first_name": "Petro",
        "last_name": "Melnyk",
        "institution": d.world.home.pk,
        "user": "",
        "degrees": "PhD, Associate Professor",
        "orcid": "0000-0002-9079-593X",
        "email": "melnyk@example.edu",
        "keywords": "gas processing, catalysis",
        "capacity": 2,
        "current_students": 1,
    } | changes


def test_the_officer_registers_an_adviser(doctoral: Doctoral) -> None:
    d = doctoral
    response = client_for(d.world.officer).post(reverse("adviser_create"), adviser_data(d))
    adviser = Adviser.objects.get(last_name="Melnyk")
    assert response["Location"] == reverse("adviser_detail", args=[adviser.pk])
    assert (adviser.orcid, adviser.capacity, adviser.institution) == (
        "0000-0002-9079-593X",
        2,
        d.world.home,
    )
    [entry] = entries_of(adviser)
    assert (entry.action, entry.actor) == ("create", d.world.officer)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"orcid": "0000-0002-9079-5930"}, "orcid", "check digit is wrong"),
        ({"orcid": "0000-0002-1825-0097"}, "orcid", "already registered"),
        ({"capacity": 51}, "capacity", "less than or equal to 50"),
        ({"last_name": ""}, "last_name", "This field is required."),
        ({"institution": "partner"}, "institution", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_written(
    doctoral: Doctoral, changes: dict[str, Any], field: str, message: str
) -> None:
    d = doctoral
    if changes.get("institution") == "partner":
        changes["institution"] = d.world.partner_a.pk
    before = (Adviser.objects.count(), AuditEntry.objects.count())
    response = client_for(d.world.officer).post(
        reverse("adviser_create"), adviser_data(d, **changes)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, errors.get("__all__", [])))
    assert message in response.content.decode()
    assert (Adviser.objects.count(), AuditEntry.objects.count()) == before


def test_an_adviser_edits_their_profile_but_not_its_institution_or_login(
    doctoral: Doctoral,
) -> None:
    d = doctoral
    client = client_for(d.world.adviser)
    url = reverse("adviser_edit", args=[d.own_adviser.pk])
    form = client.get(url).context["form"]
    assert "institution" not in form.fields
    assert "user" not in form.fields
    data = adviser_data(
        d,
        first_name="Mykola",
        last_name="Bondarenko",
        orcid="0000-0002-1825-0097",
        keywords="oil recovery, drilling, well cementing",
        user=d.world.officer.pk,
    )
    assert client.post(url, data).status_code == 302
    d.own_adviser.refresh_from_db()
    assert d.own_adviser.keywords == "oil recovery, drilling, well cementing"
    assert d.own_adviser.user == d.world.adviser
    assert entries_of(d.own_adviser)[-1].action == "update"


def test_an_adviser_with_topics_is_not_deleted(doctoral: Doctoral) -> None:
    d = doctoral
    response = client_for(d.world.officer).post(
        reverse("adviser_delete", args=[d.other_adviser.pk]), follow=True
    )
    assert "they stay on record" in html(response)
    assert Adviser.objects.filter(pk=d.other_adviser.pk).exists()


# Publications


def test_a_publication_is_added_and_deleted_with_audit_entries(doctoral: Doctoral) -> None:
    d = doctoral
    client = client_for(d.world.adviser)
    response = client.post(
        reverse("publication_add", args=[d.own_adviser.pk]),
        {
            "publication-title": "Mud loss in fractured formations",
            "publication-abstract": "Lost circulation.",
            "publication-year": "2021",
            "publication-doi": "10.1000/xyz123",
        },
    )
    assert response["Location"].endswith("#publications")
    publication = Publication.objects.get(title="Mud loss in fractured formations")
    assert (publication.adviser, publication.year) == (d.own_adviser, 2021)
    assert [entry.action for entry in entries_of(publication)] == ["create"]
    page = html(client.get(reverse("adviser_detail", args=[d.own_adviser.pk])))
    assert "Mud loss in fractured formations" in page
    client.post(reverse("publication_delete", args=[d.own_adviser.pk, publication.pk]))
    assert not Publication.objects.filter(pk=publication.pk).exists()
    assert [entry.action for entry in entries_of(publication)] == ["create", "delete"]


def test_a_bad_publication_is_shown_on_its_field(doctoral: Doctoral) -> None:
    d = doctoral
    before = (Publication.objects.count(), AuditEntry.objects.count())
    response = client_for(d.world.adviser).post(
        reverse("publication_add", args=[d.own_adviser.pk]),
        {"publication-title": "Too early", "publication-year": "1850"},
    )
    assert response.status_code == 200
    assert "greater than or equal to 1900" in " ".join(
        response.context["publication_form"].errors["year"]
    )
    assert (Publication.objects.count(), AuditEntry.objects.count()) == before


def test_another_adviser_s_publication_is_not_deleted_through_one_s_own_page(
    doctoral: Doctoral,
) -> None:
    d = doctoral
    theirs = d.other_adviser.publications.get()
    response = client_for(d.world.adviser).post(
        reverse("publication_delete", args=[d.own_adviser.pk, theirs.pk])
    )
    assert response.status_code == 404
    assert Publication.objects.filter(pk=theirs.pk).exists()


def upload(name: str, content: bytes) -> dict[str, Any]:
    return {"publications-upload": SimpleUploadedFile(name, content)}


def test_a_file_of_publications_is_imported(doctoral: Doctoral) -> None:
    d = doctoral
    items = [
        {"title": "Cementing of deep wells", "year": 2022, "doi": "10.1000/abc"},
        {"title": "Foamed cement", "abstract": "Light slurries."},
    ]
    response = client_for(d.world.officer).post(
        reverse("publication_upload", args=[d.own_adviser.pk]),
        upload("works.json", json.dumps(items).encode()),
        follow=True,
    )
    assert "2 publications added." in html(response)
    titles = set(d.own_adviser.publications.values_list("title", flat=True))
    assert {"Cementing of deep wells", "Foamed cement"} <= titles
    added = d.own_adviser.publications.get(title="Foamed cement")
    assert [entry.action for entry in entries_of(added)] == ["create"]


def test_a_file_with_a_bad_line_lists_it_and_adds_nothing(doctoral: Doctoral) -> None:
    d = doctoral
    before = (Publication.objects.count(), AuditEntry.objects.count())
    content = b"title,year\nCementing of deep wells,2022\nFoamed cement,long ago\n"
    response = client_for(d.world.adviser).post(
        reverse("publication_upload", args=[d.own_adviser.pk]), upload("works.csv", content)
    )
    page = html(response)
    assert "Line 3, column year" in page
    assert "Nothing was imported" in page
    assert (Publication.objects.count(), AuditEntry.objects.count()) == before


def test_a_file_of_another_kind_is_refused(doctoral: Doctoral) -> None:
    d = doctoral
    response = client_for(d.world.adviser).post(
        reverse("publication_upload", args=[d.own_adviser.pk]), upload("works.pdf", b"%PDF-1.4")
    )
    assert "not a “.pdf” file" in html(response)
    assert d.own_adviser.publications.count() == 2


# The list


def test_the_list_shows_load_and_free_places(doctoral: Doctoral) -> None:
    """Load: current students and candidates admitted here; free places: capacity less load."""
    d = doctoral
    Adviser.objects.filter(pk=d.own_adviser.pk).update(current_students=1)
    actions.take_step(d.world.adviser, d.recommendation_a, "admit", note="Welcome.")
    response = client_for(d.world.partner_b_coordinator).get(reverse("adviser_list"))
    rows = {adviser.pk: adviser for adviser in response.context["page"]}
    own = rows[d.own_adviser.pk]
    assert (own.capacity, own.load, own.free) == (3, 2, 1)
    other = rows[d.other_adviser.pk]
    assert (other.load, other.free) == (0, 2)
    Adviser.objects.filter(pk=d.own_adviser.pk).update(current_students=2)
    full = client_for(d.world.officer).get(reverse("adviser_list"), {"free_only": "on"})
    assert {adviser.pk for adviser in full.context["page"]} == {d.other_adviser.pk}


def test_the_list_filters_by_name_or_expertise(doctoral: Doctoral) -> None:
    d = doctoral
    client = client_for(d.world.leadership)
    for query, expected in (("machine", d.other_adviser), ("bondar", d.own_adviser)):
        response = client.get(reverse("adviser_list"), {"q": query})
        assert [adviser.pk for adviser in response.context["page"]] == [expected.pk]


@pytest.mark.parametrize("persona", ["officer", "partner_a_coordinator"])
def test_the_list_makes_as_many_queries_for_ten_advisers_as_for_two(
    doctoral: Doctoral, persona: str
) -> None:
    d = doctoral
    client = client_for(getattr(d.world, persona))
    two = count_queries(client, reverse("adviser_list"))
    for number in range(8):
        adviser = actions.create_adviser(
            d.world.officer,
            Adviser(first_name="Adviser", last_name=f"Number {number}", institution=d.world.home),
        )
        candidate = make_candidate(d.world, "partner_a", last_name=f"Candidate {number}")
        recommendation = actions.recommend(d.world.officer, candidate, adviser=adviser)
        actions.take_step(d.world.officer, recommendation, "admit")
    assert len(client.get(reverse("adviser_list")).context["page"]) == 10
    assert count_queries(client, reverse("adviser_list")) == two
