"""Registry pages and the public directory: access and denial per persona, search, forms, history."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accord.accounts.models import User
from accord.core.models import AuditAction, AuditEntry
from accord.institutions import actions
from accord.institutions.forms import InstitutionForm
from accord.institutions.models import (
    Contact,
    Institution,
    InstitutionDomain,
    InstitutionKind,
    InstitutionName,
    InternationalStudents,
    NameKind,
    Offering,
    PartnerStatus,
    Specialty,
    StudyLevel,
    Unit,
    UnitKind,
)
from accord.institutions.tests.factories import (
    ContactFactory,
    InstitutionFactory,
    OfferingFactory,
)
from conftest import (
    LOGIN,
    OK,
    PARTNERS,
    PERSONAS,
    Children,
    World,
    assert_login_redirect,
    change_outcome,
    client_for,
    count_queries,
    name_partner_a,
    user_of,
    view_outcome,
)


def ids(response: Any) -> set[int]:
    """The institutions listed on a list page."""
    return {institution.pk for institution in response.context["page"]}


def institution_form_data(
    institution: Institution | None = None, /, **overrides: Any
) -> dict[str, Any]:
    """POST data for the institution form: the current values (or the defaults of a new
    institution), empty formsets, then the overrides."""
    current = institution or Institution()
    data: dict[str, Any] = {}
    for name in InstitutionForm.Meta.fields:
        value = getattr(current, "successor_id" if name == "successor" else name)
        data[name] = "" if value is None else value
    if current.pk:
        data["domains"] = "\n".join(d.domain for d in current.domains.all())
    for prefix in ("names", "students"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    data.update(overrides)
    return data


def registry_state() -> tuple[Any, ...]:
    """Everything a change page could alter, to prove a denied request wrote nothing."""
    return (
        AuditEntry.objects.count(),
        tuple(
            Institution.objects.order_by("pk").values_list("pk", "name", "city", "partner_status")
        ),
        tuple(Unit.objects.order_by("pk").values_list("pk", "name", "kind")),
        tuple(Contact.objects.order_by("pk").values_list("pk", "person_name", "role")),
        tuple(Offering.objects.order_by("pk").values_list("pk", "field_id", "level")),
    )


# Public pages


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", ["public_directory", "field_list", "specialty_list"])
def test_public_pages_open_to_everyone(world: World, persona: str, url_name: str) -> None:
    response = client_for(user_of(world, persona)).get(reverse(url_name))
    assert response.status_code == 200


def test_public_directory_lists_only_partners_with_name_country_and_city(world: World) -> None:
    for status in (PartnerStatus.PROSPECT, PartnerStatus.FORMER, PartnerStatus.NONE):
        InstitutionFactory.create(name=f"Hidden {status}", partner_status=status)
    ContactFactory.create(institution=world.partner_a, email="secret-contact@example.org")

    response = Client().get(reverse("public_directory"))

    assert response.status_code == 200
    assert ids(response) == {world.partner_a.pk, world.partner_b.pk}
    html = response.content.decode()
    for expected in (
        "Partner A University",
        "Azerbaijan",
        "Baku",
        "Partner B University",
        "Poland",
    ):
        assert expected in html
    assert "Home University" not in html
    assert "Hidden" not in html
    assert "secret-contact@example.org" not in html


def test_public_directory_search_and_filters_work_anonymously(world: World) -> None:
    actions.update_institution(
        world.officer,
        world.partner_a,
        {},
        names=[{"language": "az", "name": "Bakı Dövlət Universiteti"}],
    )
    client = Client()
    assert ids(client.get(reverse("public_directory"), {"q": "baki"})) == {world.partner_a.pk}
    assert ids(client.get(reverse("public_directory"), {"country": "PL"})) == {world.partner_b.pk}


@pytest.mark.django_db
def test_fields_page_shows_the_isced_tree() -> None:
    html = Client().get(reverse("field_list")).content.decode()
    assert "0724" in html
    assert "Mining and extraction" in html
    assert "Engineering, manufacturing and construction" in html


@pytest.mark.django_db
def test_specialties_page_shows_the_mapping() -> None:
    response = Client().get(reverse("specialty_list"))
    html = response.content.decode()
    assert "Oil and gas engineering and technologies" in html
    assert "0724" in html
    assert len(response.context["specialties"]) == Specialty.objects.count()


# The registry list and the institution page


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_shows_only_visible_institutions(world: World, persona: str) -> None:
    response = client_for(user_of(world, persona)).get(reverse("institution_list"))
    if persona == "anonymous":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    everyone = {world.home.pk, world.partner_a.pk, world.partner_b.pk}
    expected = {
        "partner_a_coordinator": {world.home.pk, world.partner_a.pk},
        "partner_b_coordinator": {world.home.pk, world.partner_b.pk},
    }.get(persona, everyone)
    assert ids(response) == expected
    assert response.context["can_create"] is (persona == "officer")


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_of_a_partner(world: World, persona: str) -> None:
    url = reverse("institution_detail", args=[world.partner_a.pk])
    response = client_for(user_of(world, persona)).get(url)
    expected = view_outcome(persona)
    if expected == LOGIN:
        assert_login_redirect(response)
    elif expected == OK:
        assert response.status_code == 200
        assert response.context["institution"] == world.partner_a
        may_change = persona in ("officer", "partner_a_coordinator")
        assert response.context["can_change"] is may_change
        edit_url = reverse("institution_edit", args=[world.partner_a.pk])
        assert (edit_url in response.content.decode()) is may_change
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_everyone_signed_in_sees_the_home_university(world: World, persona: str) -> None:
    response = client_for(user_of(world, persona)).get(
        reverse("institution_detail", args=[world.home.pk])
    )
    assert response.status_code == 200
    assert response.context["can_change"] is (persona == "officer")


def test_detail_of_a_missing_institution_is_404(world: World) -> None:
    response = client_for(world.officer).get(reverse("institution_detail", args=[999999]))
    assert response.status_code == 404


# Search and filters


@pytest.fixture
def named_partner(world: World) -> Institution:
    """Partner A with its names in Azerbaijani and Ukrainian."""
    return name_partner_a(world)


@pytest.mark.parametrize(
    "query",
    [
        "Bakı",
        "bakı",
        "BAKI",
        "baki",
        "Dövlət",
        "DOVLET",
        "dövlət universiteti",
        "Бакинський",
        "бакинськ",
        "ДЕРЖАВНИЙ УНІВЕРСИТЕТ",
        "bsu",
    ],
)
def test_search_finds_names_in_other_languages(
    world: World, named_partner: Institution, query: str
) -> None:
    response = client_for(world.officer).get(reverse("institution_list"), {"q": query})
    assert response.status_code == 200
    assert ids(response) == {named_partner.pk}


def test_search_without_a_match_lists_nothing(world: World, named_partner: Institution) -> None:
    response = client_for(world.officer).get(reverse("institution_list"), {"q": "Kyiv Polytechnic"})
    assert ids(response) == set()
    assert "No institution matches." in response.content.decode()


def test_search_respects_access(world: World, named_partner: Institution) -> None:
    response = client_for(world.partner_b_coordinator).get(
        reverse("institution_list"), {"q": "Bakı"}
    )
    assert ids(response) == set()


def test_filters_by_country_type_and_status(world: World) -> None:
    company = InstitutionFactory.create(
        name="Baku Oil Company", kind=InstitutionKind.COMPANY, partner_status=PartnerStatus.PROSPECT
    )
    client = client_for(world.officer)
    url = reverse("institution_list")
    assert ids(client.get(url, {"country": "AZ"})) == {world.partner_a.pk, company.pk}
    assert ids(client.get(url, {"country": "UA"})) == {world.home.pk}
    assert ids(client.get(url, {"kind": "company"})) == {company.pk}
    assert ids(client.get(url, {"partner_status": "partner"})) == {
        world.partner_a.pk,
        world.partner_b.pk,
    }
    assert ids(client.get(url, {"partner_status": "home"})) == {world.home.pk}
    assert ids(client.get(url, {"country": "AZ", "kind": "university"})) == {world.partner_a.pk}
    assert ids(client.get(url, {"country": "AZ", "q": "oil"})) == {company.pk}


@pytest.mark.parametrize("url_name", ["institution_list", "public_directory"])
def test_htmx_request_gets_only_the_rows(world: World, url_name: str) -> None:
    client = client_for(world.officer)
    full = client.get(reverse(url_name), {"country": "AZ"})
    partial = client.get(reverse(url_name), {"country": "AZ"}, HTTP_HX_REQUEST="true")

    assert partial.status_code == 200
    full_templates = {t.name for t in full.templates}
    partial_templates = {t.name for t in partial.templates}
    assert "base.html" in full_templates
    assert "base.html" not in partial_templates
    html = partial.content.decode()
    assert "<html" not in html
    assert "<form" not in html
    assert "<table>" in html
    assert "Partner A University" in html
    assert "Partner B University" not in html


# Creating, editing and deleting institutions


@pytest.mark.parametrize("persona", PERSONAS)
def test_create_page_access(world: World, persona: str) -> None:
    url = reverse("institution_create")
    client = client_for(user_of(world, persona))
    before = registry_state()
    get = client.get(url)
    post = client.post(url, institution_form_data(name="Someone's University", country="AZ"))
    if persona == "officer":
        assert get.status_code == 200
        assert post.status_code == 302
        assert Institution.objects.filter(name="Someone's University").exists()
        return
    if persona == "anonymous":
        assert_login_redirect(get)
        assert_login_redirect(post)
    else:
        assert get.status_code == 403
        assert post.status_code == 403
    assert registry_state() == before


def test_officer_creates_an_institution_through_the_form(world: World) -> None:
    data = institution_form_data(
        name="Azerbaijan Technical University",
        country="AZ",
        city="Baku",
        kind=InstitutionKind.UNIVERSITY,
        partner_status=PartnerStatus.PARTNER,
        founded_year="1950",
        specialty_count="70",
        ror_id="",
        domains="AzTU.edu.az\n\n",
        **{
            "names-TOTAL_FORMS": "1",
            "names-0-language": "az",
            "names-0-kind": NameKind.OFFICIAL,
            "names-0-name": "Azərbaycan Texniki Universiteti",
            "students-TOTAL_FORMS": "1",
            "students-0-country": "TR",
            "students-0-count": "12",
        },
    )
    response = client_for(world.officer).post(reverse("institution_create"), data)

    institution = Institution.objects.get(name="Azerbaijan Technical University")
    assert response.status_code == 302
    assert response["Location"] == reverse("institution_detail", args=[institution.pk])
    assert (institution.country, institution.city, institution.founded_year) == ("AZ", "Baku", 1950)
    assert institution.specialty_count == 70
    assert list(institution.domains.values_list("domain", flat=True)) == ["aztu.edu.az"]
    assert list(institution.names.values_list("language", "name")) == [
        ("az", "Azərbaycan Texniki Universiteti")
    ]
    assert list(institution.international_students.values_list("country", "count")) == [("TR", 12)]
    # Findable by its Azerbaijani name right away.
    assert Institution.objects.search("Texniki").get() == institution

    entry = AuditEntry.objects.get(
        object_type="institutions.institution", object_id=str(institution.pk)
    )
    assert entry.action == AuditAction.CREATE
    assert entry.actor == world.officer
    assert entry.before is None
    assert entry.after is not None
    assert entry.after["name"] == "Azerbaijan Technical University"
    assert entry.after["founded_year"] == 1950
    assert entry.after["partner_status"] == "partner"
    created_types = set(
        AuditEntry.objects.filter(institution_id=institution.pk).values_list(
            "object_type", flat=True
        )
    )
    assert created_types == {
        "institutions.institution",
        "institutions.institutionname",
        "institutions.institutiondomain",
        "institutions.internationalstudents",
    }


def test_officer_edits_an_institution_and_the_audit_keeps_before_and_after(world: World) -> None:
    data = institution_form_data(world.partner_a, founded_year="1919")
    response = client_for(world.officer).post(
        reverse("institution_edit", args=[world.partner_a.pk]), data
    )

    assert response.status_code == 302
    world.partner_a.refresh_from_db()
    assert world.partner_a.founded_year == 1919
    entry = AuditEntry.objects.get(
        object_type="institutions.institution", object_id=str(world.partner_a.pk)
    )
    assert entry.action == AuditAction.UPDATE
    assert entry.actor_name == "officer"
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["founded_year"] is None
    assert entry.after["founded_year"] == 1919
    # Re-posting the unchanged form changes only what was changed.
    assert entry.changes == [("founded_year", None, 1919)]


def test_saving_an_unchanged_form_writes_no_audit_entry(world: World) -> None:
    client_for(world.officer).post(
        reverse("institution_edit", args=[world.partner_a.pk]),
        institution_form_data(world.partner_a),
    )
    assert AuditEntry.objects.count() == 0


def test_partner_coordinator_edits_the_profile_but_not_the_classification(world: World) -> None:
    data = institution_form_data(
        world.partner_a,
        city="Ganja",
        kind=InstitutionKind.COMPANY,
        partner_status=PartnerStatus.FORMER,
        successor=world.partner_b.pk,
    )
    response = client_for(world.partner_a_coordinator).post(
        reverse("institution_edit", args=[world.partner_a.pk]), data
    )

    assert response.status_code == 302
    world.partner_a.refresh_from_db()
    assert world.partner_a.city == "Ganja"
    assert world.partner_a.kind == InstitutionKind.UNIVERSITY
    assert world.partner_a.partner_status == PartnerStatus.PARTNER
    assert world.partner_a.successor_id is None
    form = client_for(world.partner_a_coordinator).get(
        reverse("institution_edit", args=[world.partner_a.pk])
    )
    assert not {"kind", "partner_status", "successor"} & set(form.context["form"].fields)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("founded_year", "3000", "less than or equal to 2100"),
        ("founded_year", "abc", "Enter a whole number"),
        ("ror_id", "xyz", "A ROR id looks like 00yp5c433."),
        ("country", "ZZ", "Select a valid choice"),
        ("website", "not a url", "Enter a valid URL"),
        ("name", "", "This field is required"),
    ],
)
def test_bad_value_on_create_rerenders_with_the_field_error(
    world: World, field: str, value: str, message: str
) -> None:
    data = institution_form_data(**{"name": "Bad Data University", "country": "AZ", field: value})
    before = registry_state()
    response = client_for(world.officer).post(reverse("institution_create"), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert registry_state() == before


@pytest.mark.parametrize(("field", "value"), [("founded_year", "3000"), ("ror_id", "xyz")])
def test_bad_value_on_edit_changes_nothing(world: World, field: str, value: str) -> None:
    data = institution_form_data(world.partner_a, city="Ganja", **{field: value})
    before = registry_state()
    response = client_for(world.officer).post(
        reverse("institution_edit", args=[world.partner_a.pk]), data
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert registry_state() == before


def test_bad_row_in_a_formset_changes_nothing(world: World) -> None:
    data = institution_form_data(
        world.partner_a,
        city="Ganja",
        **{"students-TOTAL_FORMS": "1", "students-0-country": "ZZ", "students-0-count": "-1"},
    )
    before = registry_state()
    response = client_for(world.officer).post(
        reverse("institution_edit", args=[world.partner_a.pk]), data
    )
    assert response.status_code == 200
    assert registry_state() == before


def test_domain_of_another_institution_is_a_form_error(world: World) -> None:
    InstitutionDomain.objects.create(institution=world.partner_b, domain="taken.edu.pl")
    data = institution_form_data(world.partner_a, domains="taken.edu.pl")
    before = registry_state()
    response = client_for(world.officer).post(
        reverse("institution_edit", args=[world.partner_a.pk]), data
    )
    assert response.status_code == 200
    assert "domains" in response.context["form"].errors
    assert registry_state() == before


@pytest.mark.parametrize(
    "persona",
    PERSONAS,
)
def test_delete_institution_access(world: World, persona: str) -> None:
    """Only officers delete; a partner cannot see (so gets 404 for) an institution not theirs."""
    prospect = InstitutionFactory.create(
        name="Prospect University", partner_status=PartnerStatus.PROSPECT
    )
    url = reverse("institution_delete", args=[prospect.pk])
    before = registry_state()
    response = client_for(user_of(world, persona)).post(url)
    if persona == "officer":
        assert response.status_code == 302
        assert response["Location"] == reverse("institution_list")
        assert not Institution.objects.filter(pk=prospect.pk).exists()
        entry = AuditEntry.objects.get(institution_id=prospect.pk)
        assert entry.action == AuditAction.DELETE
        assert entry.before is not None
        assert entry.before["name"] == "Prospect University"
        return
    if persona == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == (404 if persona in PARTNERS else 403)
    assert registry_state() == before


def test_partner_cannot_delete_its_own_institution(world: World) -> None:
    before = registry_state()
    response = client_for(world.partner_a_coordinator).post(
        reverse("institution_delete", args=[world.partner_a.pk])
    )
    assert response.status_code == 403
    assert registry_state() == before


def test_deleting_an_institution_still_referred_to_is_refused_with_a_message(world: World) -> None:
    """Partner A has a user account; the deletion is refused, nothing is written."""
    before = registry_state()
    client = client_for(world.officer)
    response = client.post(reverse("institution_delete", args=[world.partner_a.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("institution_edit", args=[world.partner_a.pk])
    assert registry_state() == before
    page = client.get(response["Location"])
    assert "cannot be deleted" in page.content.decode()


def test_delete_pages_refuse_get(world: World, children: dict[str, Children]) -> None:
    client = client_for(world.officer)
    mine = children["partner_a"]
    for url in (
        reverse("institution_delete", args=[world.partner_b.pk]),
        reverse("unit_delete", args=[mine.unit.pk]),
        reverse("contact_delete", args=[mine.contact.pk]),
        reverse("offering_delete", args=[mine.offering.pk]),
    ):
        assert client.get(url).status_code == 405
    assert Institution.objects.filter(pk=world.partner_b.pk).exists()


# Pages that change partner A (or the home university): one table, every persona.


def change_request(
    page: str, world: World, children: dict[str, Children], target: str
) -> tuple[str, str, dict[str, Any]]:
    """(method, url, data) of a change page aimed at ``target`` ("partner_a" or "home")."""
    institution: Institution = getattr(world, target)
    mine = children[target]
    specialty = Specialty.objects.get(code="185")
    pages: dict[str, tuple[str, str, dict[str, Any]]] = {
        "institution_edit_get": ("get", reverse("institution_edit", args=[institution.pk]), {}),
        "institution_edit_post": (
            "post",
            reverse("institution_edit", args=[institution.pk]),
            institution_form_data(institution, city="Ganja"),
        ),
        "unit_create_get": ("get", reverse("unit_create", args=[institution.pk]), {}),
        "unit_create_post": (
            "post",
            reverse("unit_create", args=[institution.pk]),
            {"kind": UnitKind.DEPARTMENT, "name": "Department of Petroleum Engineering"},
        ),
        "unit_edit_get": ("get", reverse("unit_edit", args=[mine.unit.pk]), {}),
        "unit_edit_post": (
            "post",
            reverse("unit_edit", args=[mine.unit.pk]),
            {"kind": UnitKind.FACULTY, "name": "Renamed faculty", "name_az": "Fakültə"},
        ),
        "unit_delete": ("post", reverse("unit_delete", args=[mine.unit.pk]), {}),
        "contact_create_get": ("get", reverse("contact_create", args=[institution.pk]), {}),
        "contact_create_post": (
            "post",
            reverse("contact_create", args=[institution.pk]),
            {"role": "incoming", "person_name": "Aysel Mammadli", "email": "aysel@example.org"},
        ),
        "contact_edit_get": ("get", reverse("contact_edit", args=[mine.contact.pk]), {}),
        "contact_edit_post": (
            "post",
            reverse("contact_edit", args=[mine.contact.pk]),
            {"role": "outgoing", "person_name": "Renamed Person"},
        ),
        "contact_delete": ("post", reverse("contact_delete", args=[mine.contact.pk]), {}),
        "offering_create_get": ("get", reverse("offering_create", args=[institution.pk]), {}),
        "offering_create_post": (
            "post",
            reverse("offering_create", args=[institution.pk]),
            {"specialty": specialty.pk, "level": StudyLevel.DOCTORATE},
        ),
        "offering_delete": ("post", reverse("offering_delete", args=[mine.offering.pk]), {}),
    }
    return pages[page]


CHANGE_PAGES = [
    "institution_edit_get",
    "institution_edit_post",
    "unit_create_get",
    "unit_create_post",
    "unit_edit_get",
    "unit_edit_post",
    "unit_delete",
    "contact_create_get",
    "contact_create_post",
    "contact_edit_get",
    "contact_edit_post",
    "contact_delete",
    "offering_create_get",
    "offering_create_post",
    "offering_delete",
]


@pytest.mark.parametrize("page", CHANGE_PAGES)
@pytest.mark.parametrize(
    "persona",
    PERSONAS,
)
def test_change_pages_of_a_partner(
    world: World, children: dict[str, Children], persona: str, page: str
) -> None:
    method, url, data = change_request(page, world, children, "partner_a")
    client = client_for(user_of(world, persona))
    before = registry_state()
    response = getattr(client, method)(url, data)
    expected = change_outcome(persona, partner_a_may=True)
    if expected == OK:
        if method == "get":
            assert response.status_code == 200
            assert response.context["institution"] == world.partner_a
        else:
            assert response.status_code == 302
            assert response["Location"] == reverse("institution_detail", args=[world.partner_a.pk])
            assert registry_state() != before
            assert AuditEntry.objects.filter(institution_id=world.partner_a.pk).exists()
        return
    if expected == LOGIN:
        assert_login_redirect(response)
    else:
        assert response.status_code == expected
    assert registry_state() == before


@pytest.mark.parametrize("page", CHANGE_PAGES)
def test_partner_cannot_change_the_home_university(
    world: World, children: dict[str, Children], page: str
) -> None:
    """The partner sees the home university (so the answer is 403, not 404) but changes nothing."""
    method, url, data = change_request(page, world, children, "home")
    before = registry_state()
    response = getattr(client_for(world.partner_a_coordinator), method)(url, data)
    assert response.status_code == 403
    assert registry_state() == before


def test_partner_b_cannot_reach_partner_a_records_through_its_own_pages(
    world: World, children: dict[str, Children]
) -> None:
    """Choosing partner A's unit as the parent of a partner B unit is not offered nor accepted."""
    unit_of_a = children["partner_a"].unit
    client = client_for(world.partner_b_coordinator)
    url = reverse("unit_create", args=[world.partner_b.pk])
    form = client.get(url).context["form"]
    assert unit_of_a not in form.fields["parent"].queryset
    response = client.post(url, {"kind": "department", "name": "Sneaky", "parent": unit_of_a.pk})
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert not Unit.objects.filter(name="Sneaky").exists()


def test_unit_form_records_names_and_refuses_a_cycle(
    world: World, children: dict[str, Children]
) -> None:
    parent = children["partner_a"].unit
    client = client_for(world.officer)
    response = client.post(
        reverse("unit_create", args=[world.partner_a.pk]),
        {
            "kind": "department",
            "name": "Department of Physics",
            "parent": parent.pk,
            "name_az": "Fizika",
        },
    )
    assert response.status_code == 302
    child = Unit.objects.get(name="Department of Physics")
    assert child.parent == parent
    assert child.names == {"az": "Fizika"}
    response = client.post(
        reverse("unit_edit", args=[parent.pk]),
        {"kind": parent.kind, "name": parent.name, "parent": child.pk},
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    parent.refresh_from_db()
    assert parent.parent is None


def test_offering_from_a_specialty_takes_its_isced_field(world: World) -> None:
    specialty = Specialty.objects.get(code="185")
    response = client_for(world.partner_a_coordinator).post(
        reverse("offering_create", args=[world.partner_a.pk]),
        {"specialty": specialty.pk, "level": StudyLevel.MASTER, "title": "Petroleum engineering"},
    )
    assert response.status_code == 302
    offering = Offering.objects.get(institution=world.partner_a)
    assert offering.field_id == "0724"
    assert offering.specialty == specialty
    entry = AuditEntry.objects.get(object_type="institutions.offering")
    assert entry.actor == world.partner_a_coordinator
    assert entry.after is not None
    assert entry.after["field"] == "0724"


def test_offering_without_specialty_or_field_is_a_form_error(world: World) -> None:
    before = registry_state()
    response = client_for(world.officer).post(
        reverse("offering_create", args=[world.partner_a.pk]), {"level": StudyLevel.MASTER}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert registry_state() == before


def test_duplicate_offering_is_a_form_error(world: World) -> None:
    specialty = Specialty.objects.get(code="185")
    data = {"specialty": specialty.pk, "level": StudyLevel.MASTER, "title": "Oil and gas"}
    url = reverse("offering_create", args=[world.partner_a.pk])
    client = client_for(world.officer)
    assert client.post(url, data).status_code == 302
    before = registry_state()
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert registry_state() == before


# History


def test_institution_page_shows_its_history(world: World) -> None:
    actions.update_institution(world.officer, world.partner_a, {"city": "Ganja"})
    actions.save(
        world.partner_a_coordinator,
        Unit(institution=world.partner_a, kind=UnitKind.CENTRE, name="Career Center"),
    )
    actions.update_institution(world.officer, world.partner_b, {"city": "Warsaw"})

    for user in (world.officer, world.partner_a_coordinator, world.leadership):
        response = client_for(user).get(reverse("institution_detail", args=[world.partner_a.pk]))
        history = list(response.context["history"])
        assert [(e.action, e.object_type) for e in history] == [
            ("create", "institutions.unit"),
            ("update", "institutions.institution"),
        ]
        html = response.content.decode()
        assert "Baku → Ganja" in html
        assert "partner_a" in html
        assert "Career Center" in html
        assert "Warsaw" not in html


def test_history_survives_a_deleted_unit(world: World, children: dict[str, Children]) -> None:
    unit = children["partner_a"].unit
    actions.delete(world.officer, unit)
    response = client_for(world.officer).get(
        reverse("institution_detail", args=[world.partner_a.pk])
    )
    assert [(e.action, e.object_repr) for e in response.context["history"]] == [
        ("delete", unit.name)
    ]


# Query-count guards


def test_list_page_query_count_does_not_grow_with_institutions(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    InstitutionFactory.create_batch(5)
    client = client_for(world.officer)
    url = reverse("institution_list")
    few = count_queries(client, url)
    InstitutionFactory.create_batch(25, country="PL", kind=InstitutionKind.RESEARCH)
    with django_assert_num_queries(few):
        response = client.get(url)
    assert len(response.context["page"]) == 33


COUNTRIES = ("TR", "RU", "CN", "GR", "IR", "SY", "US", "GB")


def populate(institution: Institution, actor: User, count: int) -> None:
    """Units in a chain, contacts, offerings, names and audited history for one institution."""
    specialties = list(Specialty.objects.filter(fields__isnull=False).order_by("code")[:count])
    parent = None
    for number in range(count):
        unit = actions.save(
            actor,
            Unit(
                institution=institution,
                parent=parent,
                kind=UnitKind.DEPARTMENT,
                name=f"Unit {institution.pk}-{number}",
                names={"uk": f"Підрозділ {number}"},
            ),
        )
        parent = unit if number % 3 else None
        ContactFactory.create(institution=institution, unit=unit)
        OfferingFactory.create(
            institution=institution,
            unit=unit,
            specialty=specialties[number],
            field=specialties[number].fields.order_by("code").first(),
        )
        InstitutionName.objects.create(
            institution=institution, language="az", name=f"Ad {institution.pk}-{number}"
        )
        if number < len(COUNTRIES):
            InternationalStudents.objects.create(institution=institution, country=COUNTRIES[number])


def test_detail_page_query_count_does_not_grow_with_units_and_offerings(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(world.officer)
    populate(world.partner_a, world.officer, 5)
    few = count_queries(client, reverse("institution_detail", args=[world.partner_a.pk]))
    populate(world.partner_b, world.officer, 30)
    url = reverse("institution_detail", args=[world.partner_b.pk])
    with django_assert_num_queries(few):
        response = client.get(url)
    assert len(response.context["units"]) == 30
    assert len(response.context["offerings"]) == 30
    assert len(response.context["history"]) == 30


@pytest.mark.parametrize(
    ("language", "azerbaijan"), [("en", "Azerbaijan"), ("uk", "Азербайджан"), ("az", "Azərbaycan")]
)
def test_country_names_follow_the_language(world: World, language: str, azerbaijan: str) -> None:
    client = client_for(world.officer)
    client.cookies["django_language"] = language
    page = client.get(reverse("institution_detail", args=[world.partner_a.pk])).content.decode()
    assert azerbaijan in page
    directory = client.get(reverse("public_directory")).content.decode()
    assert azerbaijan in directory
