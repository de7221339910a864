"""People pages (the list: test_views_lists.py): one person with their personal data shown
only to their own side, their mobilities and history; registering and changing people;
deleting one who has mobilities refused."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accord.agreements.models import Flow
from accord.exchanges import actions
from accord.exchanges.models import Person, PersonKind
from conftest import client_for, entries_of, html, section

from .conftest import Exchanges

EMAIL, PHONE = "leyla.aliyeva@example.az", "+994 12 555 01 02"


def with_personal_data(ex: Exchanges, person: Person) -> Person:
    return actions.update_person(
        ex.world.officer,
        person,
        {"email": EMAIL, "phone": PHONE, "birth_date": datetime.date(2003, 4, 5)},
    )


# Personal data: partner A's own student, and a home student partner A receives.
# persona -> (sees partner A's student's, sees the home student's)
PERSONAL: dict[str, tuple[bool, bool]] = {
    "officer": (True, True),
    "leadership": (False, False),
    "faculty_coordinator": (False, True),
    "partner_a_coordinator": (True, False),
}


@pytest.mark.parametrize("persona", sorted(PERSONAL))
@pytest.mark.parametrize("whose", ["partner_a", "home"])
def test_personal_data_only_for_the_persons_own_side(
    ex: Exchanges, persona: str, whose: str
) -> None:
    person = with_personal_data(ex, ex.person(getattr(ex.world, whose)))
    ex.nominate(person=person, flow=Flow.INCOMING if whose == "partner_a" else Flow.OUTGOING)
    response = client_for(getattr(ex.world, persona)).get(
        reverse("person_detail", args=[person.pk])
    )
    page = html(response)
    expected = PERSONAL[persona][whose == "home"]
    assert "Leyla Aliyeva" in page
    assert "Azerbaijan" in page or "Ukraine" in page
    for value in (EMAIL, PHONE, "2003"):
        assert (value in page) == expected, value
    # Nor in the history of the changes.
    assert (EMAIL in section(page, "History")) == expected
    assert [entry.action for entry in response.context["history"]] == ["update", "create"]


def test_the_person_page_lists_only_the_mobilities_the_user_sees(ex: Exchanges) -> None:
    """A home student going to partner A and, later, to partner B: partner A sees one."""
    person = ex.person(ex.world.home)
    to_a = ex.nominate(person=person, flow=Flow.OUTGOING)
    to_b = ex.nominate(person=person, partner="b", flow=Flow.OUTGOING)
    url = reverse("person_detail", args=[person.pk])
    for user, expected in (
        (ex.world.partner_a_coordinator, {to_a}),
        (ex.world.leadership, {to_a, to_b}),
    ):
        response = client_for(user).get(url)
        assert set(response.context["mobilities"]) == expected
        page = section(html(response), "Mobilities")
        for mobility in (to_a, to_b):
            detail = reverse("mobility_detail", args=[mobility.pk])
            assert (detail in page) == (mobility in expected)


@pytest.mark.parametrize(
    ("persona", "buttons"),
    [("officer", True), ("partner_a_coordinator", True), ("leadership", False)],
)
def test_the_person_page_offers_changes_to_those_who_may(
    ex: Exchanges, persona: str, buttons: bool
) -> None:
    person = ex.person(ex.world.partner_a)
    page = html(
        client_for(getattr(ex.world, persona)).get(reverse("person_detail", args=[person.pk]))
    )
    for url in (
        reverse("person_edit", args=[person.pk]),
        reverse("person_delete", args=[person.pk]),
        f"{reverse('mobility_create')}?person={person.pk}",
    ):
        assert (url in page) == buttons, url


def test_nominating_from_the_person_page_chooses_the_person(ex: Exchanges) -> None:
    person = ex.person(ex.world.partner_a)
    client = client_for(ex.world.partner_a_coordinator)
    form = client.get(reverse("mobility_create"), {"person": person.pk}).context["form"]
    assert str(form["person"].value()) == str(person.pk)


def test_the_list_does_not_search_personal_data(ex: Exchanges) -> None:
    with_personal_data(ex, ex.person(ex.world.partner_a))
    client = client_for(ex.world.leadership)
    assert len(client.get(reverse("person_list"), {"q": "Aliyeva"}).context["page"]) == 1
    response = client.get(reverse("person_list"), {"q": "example.az"})
    assert len(response.context["page"]) == 0
    assert EMAIL not in html(response)


# Registering, changing and deleting


def test_a_partner_registers_people_of_its_own_institution_only(ex: Exchanges) -> None:
    client = client_for(ex.world.partner_a_coordinator)
    form = client.get(reverse("person_create")).context["form"]
    assert form.fields["institution"].disabled
    assert list(form.fields["institution"].queryset) == [ex.world.partner_a]
    data = {
        "first_name": "Aysel",
        "last_name": "Guliyeva",
        "kind": PersonKind.GRADUATE_STUDENT,
        "citizenship": "AZ",
        "institution": ex.world.partner_b.pk,
        "email": "aysel@example.az",
        "birth_date": "2000-02-29",
    }
    response = client.post(reverse("person_create"), data)
    person = Person.objects.get(last_name="Guliyeva")
    assert response["Location"] == reverse("person_detail", args=[person.pk])
    assert person.institution == ex.world.partner_a
    assert person.birth_date == datetime.date(2000, 2, 29)
    [entry] = entries_of(person)
    assert entry.actor == ex.world.partner_a_coordinator


def test_the_person_form_names_the_field_in_error(ex: Exchanges) -> None:
    ex.person(ex.world.partner_a, email="leyla@example.az")
    data = {
        "first_name": "Leyla",
        "last_name": "Aliyeva",
        "kind": PersonKind.STUDENT,
        "citizenship": "XX",
        "email": "leyla@example.az",
    }
    response = client_for(ex.world.partner_a_coordinator).post(reverse("person_create"), data)
    errors = response.context["form"].errors
    assert set(errors) == {"citizenship", "__all__"}
    assert "already registered" in " ".join(errors["__all__"])
    assert Person.objects.count() == 1


def test_editing_a_person_audits_what_changed(ex: Exchanges) -> None:
    person = ex.person(ex.world.partner_a)
    client = client_for(ex.world.partner_a_coordinator)
    url = reverse("person_edit", args=[person.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, "")}
    data["phone"] = PHONE
    assert client.post(url, data)["Location"] == reverse("person_detail", args=[person.pk])
    assert entries_of(person)[-1].changes == [("phone", "", PHONE)]


def test_deleting_a_person_with_mobilities_is_refused(ex: Exchanges) -> None:
    mobility = ex.nominate()
    client = client_for(ex.world.partner_a_coordinator)
    response = client.post(reverse("person_delete", args=[mobility.person_id]))
    assert response["Location"] == reverse("person_detail", args=[mobility.person_id])
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages == ["Leyla Aliyeva has mobilities; withdraw or delete them first."]
    assert Person.objects.filter(pk=mobility.person_id).exists()


def test_deleting_a_person_without_mobilities(ex: Exchanges) -> None:
    person = ex.person(ex.world.partner_a)
    response = client_for(ex.world.partner_a_coordinator).post(
        reverse("person_delete", args=[person.pk])
    )
    assert response["Location"] == reverse("person_list")
    assert not Person.objects.filter(pk=person.pk).exists()
    assert [entry.action for entry in entries_of(person)] == ["create", "delete"]


# A person's changes stay out of their institution's history, which partners read.


@pytest.mark.parametrize(
    "url", ["/registry/{pk}/", "/api/institutions/{pk}/history"], ids=["page", "api"]
)
def test_the_institution_history_does_not_show_personal_data(ex: Exchanges, url: str) -> None:
    student = with_personal_data(ex, ex.person(ex.world.home))
    client = client_for(ex.world.partner_a_coordinator)
    response = client.get(url.format(pk=student.institution_id))
    assert response.status_code == 200
    assert EMAIL not in response.content.decode()
