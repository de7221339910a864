"""The REST API of the registry and of accounts: access and denial per persona, with the
session and with bearer tokens; pagination, filters, errors as JSON naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from accord.accounts.actions import issue_token, revoke_token
from accord.accounts.models import ApiToken, User
from accord.core.models import AuditAction, AuditEntry
from accord.institutions import actions
from accord.institutions.models import (
    Contact,
    Field,
    Institution,
    InstitutionKind,
    Offering,
    PartnerStatus,
    Specialty,
    StudyLevel,
    Unit,
    UnitKind,
)
from accord.institutions.tests.factories import InstitutionFactory, UnitFactory
from conftest import (
    OK,
    PARTNERS,
    PERSONAS,
    Children,
    World,
    change_outcome,
    client_for,
    count_queries,
    error_fields,
    name_partner_a,
    user_of,
    view_outcome,
)

AUTH_MODES = ("session", "token")

# Every profile field that is a text column, so a create payload does not rely on defaults.
TEXT_FIELDS = {
    "city": "",
    "description": "",
    "website": "",
    "ror_id": "",
    "erasmus_code": "",
    "ewp_hei_id": "",
    "pic": "",
}


def api_client(user: User | None, mode: str = "session") -> Client:
    """A client signed in with the session, or carrying a fresh bearer token of ``user``."""
    if user is None or mode == "session":
        return client_for(user)
    _token, raw = issue_token(user, "tests")
    return Client(headers={"authorization": f"Bearer {raw}"})


def call(client: Client, method: str, url: str, data: Any = None) -> Any:
    if method in ("get", "delete"):
        return getattr(client, method)(url, data or {})
    return getattr(client, method)(url, data or {}, content_type="application/json")


def registry_state() -> tuple[Any, ...]:
    """Everything an endpoint could alter, to prove a refused request wrote nothing."""
    return (
        AuditEntry.objects.exclude(object_type="accounts.apitoken").count(),
        tuple(
            Institution.objects.order_by("pk").values_list(
                "pk", "name", "city", "kind", "partner_status", "successor_id"
            )
        ),
        tuple(Unit.objects.order_by("pk").values_list("pk", "name", "parent_id")),
        tuple(Contact.objects.order_by("pk").values_list("pk", "person_name")),
        tuple(Offering.objects.order_by("pk").values_list("pk", "field_id", "level")),
    )


# Who am I


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_me(world: World, persona: str, mode: str) -> None:
    user = user_of(world, persona)
    response = api_client(user, mode).get("/api/me")
    if user is None:
        assert response.status_code == 401
        assert response.json() == {"detail": "Unauthorized"}
        return
    assert response.status_code == 200
    assert response.json() == {
        "username": user.username,
        "full_name": "",
        "institution_id": user.institution_id,
        "roles": sorted(user.role_set),
        "is_home_officer": persona == "officer",
    }


# Bearer tokens


def test_token_acts_as_its_user_and_is_stored_hashed(world: World) -> None:
    token, raw = issue_token(world.partner_a_coordinator, "nightly sync")
    assert token.key_hash != raw
    assert raw not in token.key_hash
    assert token.prefix == raw[:8]
    client = Client(headers={"authorization": f"Bearer {raw}"})
    assert client.get("/api/me").json()["username"] == "partner_a"

    response = client.patch(
        f"/api/institutions/{world.partner_a.pk}",
        {"city": "Ganja"},
        content_type="application/json",
    )

    assert response.status_code == 200
    entry = AuditEntry.objects.get(object_type="institutions.institution")
    assert entry.actor == world.partner_a_coordinator
    assert entry.changes == [("city", "Baku", "Ganja")]


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-token", "Bearer ", "Token {raw}", "Basic {raw}", "Bearer {raw}x"],
)
def test_invalid_token_is_401(world: World, header: str) -> None:
    _token, raw = issue_token(world.officer, "tests")
    client = Client(headers={"authorization": header.format(raw=raw)})
    for url in ("/api/me", "/api/institutions", f"/api/institutions/{world.home.pk}"):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json() == {"detail": "Unauthorized"}


def test_token_of_an_inactive_user_is_401(world: World) -> None:
    _token, raw = issue_token(world.officer, "tests")
    User.objects.filter(pk=world.officer.pk).update(is_active=False)
    response = Client(headers={"authorization": f"Bearer {raw}"}).get("/api/institutions")
    assert response.status_code == 401


def test_revoked_token_is_401(world: World) -> None:
    token, raw = issue_token(world.officer, "tests")
    client = Client(headers={"authorization": f"Bearer {raw}"})
    assert client.get("/api/me").status_code == 200
    revoke_token(world.officer, token)
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert client.get("/api/me").status_code == 401


# Listing institutions


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_list_institutions_shows_only_visible_ones(world: World, persona: str, mode: str) -> None:
    response = api_client(user_of(world, persona), mode).get("/api/institutions")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    everyone = {world.home.pk, world.partner_a.pk, world.partner_b.pk}
    expected = {
        "partner_a_coordinator": {world.home.pk, world.partner_a.pk},
        "partner_b_coordinator": {world.home.pk, world.partner_b.pk},
    }.get(persona, everyone)
    body = response.json()
    assert {item["id"] for item in body["items"]} == expected
    assert body["count"] == len(expected)


def test_pagination(world: World) -> None:
    InstitutionFactory.create_batch(7)
    client = api_client(world.officer)
    everything = client.get("/api/institutions").json()
    assert everything["count"] == 10
    assert len(everything["items"]) == 10
    names = [item["name"] for item in everything["items"]]
    assert names == sorted(names)

    pages = [client.get("/api/institutions", {"page_size": 4, "page": n}).json() for n in (1, 2, 3)]
    assert [len(page["items"]) for page in pages] == [4, 4, 2]
    assert all(page["count"] == 10 for page in pages)
    assert [item for page in pages for item in page["items"]] == everything["items"]
    assert set(client.get("/api/institutions", {"page": 4, "page_size": 4}).json()) == {
        "items",
        "count",
    }
    assert client.get("/api/institutions", {"page": 4, "page_size": 4}).json()["items"] == []
    assert "page" in error_fields(client.get("/api/institutions", {"page": 0}))


@pytest.mark.parametrize("page_size", [0, -1])
def test_page_size_must_be_positive(world: World, page_size: int) -> None:
    response = api_client(world.officer).get("/api/institutions", {"page_size": page_size})
    assert "page_size" in error_fields(response)


def test_pagination_of_units(world: World) -> None:
    UnitFactory.create_batch(6, institution=world.partner_a)
    body = api_client(world.officer).get(
        f"/api/institutions/{world.partner_a.pk}/units", {"page_size": 5}
    )
    assert body.json()["count"] == 6
    assert len(body.json()["items"]) == 5


@pytest.fixture
def named_partner(world: World) -> Institution:
    return name_partner_a(world, domains=["bsu.edu.az"])


@pytest.mark.parametrize(
    "query", ["Bakı", "bakı", "BAKI", "baki", "DÖVLƏT", "бакинський", "ДЕРЖАВНИЙ", "BSU", "bsu.edu"]
)
def test_filter_by_name_in_any_language(
    world: World, named_partner: Institution, query: str
) -> None:
    body = api_client(world.officer).get("/api/institutions", {"q": query}).json()
    assert [item["id"] for item in body["items"]] == [named_partner.pk]
    assert body["count"] == 1


def test_search_respects_access(world: World, named_partner: Institution) -> None:
    body = api_client(world.partner_b_coordinator).get("/api/institutions", {"q": "Bakı"}).json()
    assert body == {"items": [], "count": 0}


def test_filters_by_country_kind_and_status(world: World) -> None:
    company = InstitutionFactory.create(
        name="Baku Oil Company", kind=InstitutionKind.COMPANY, partner_status=PartnerStatus.PROSPECT
    )
    client = api_client(world.officer)

    def found(**filters: str) -> set[int]:
        response = client.get("/api/institutions", filters)
        assert response.status_code == 200
        return {item["id"] for item in response.json()["items"]}

    assert found(country="AZ") == {world.partner_a.pk, company.pk}
    assert found(country="az") == {world.partner_a.pk, company.pk}
    assert found(country="PL") == {world.partner_b.pk}
    assert found(kind="company") == {company.pk}
    assert found(partner_status="prospect") == {company.pk}
    assert found(partner_status="partner") == {world.partner_a.pk, world.partner_b.pk}
    assert found(country="AZ", kind="university") == {world.partner_a.pk}
    assert found(country="AZ", q="oil") == {company.pk}
    assert "kind" in error_fields(client.get("/api/institutions", {"kind": "spaceship"}))
    assert "partner_status" in error_fields(
        client.get("/api/institutions", {"partner_status": "friend"})
    )


# Reading one institution and its children


VIEW_ENDPOINTS = [
    "institution",
    "history",
    "units",
    "unit",
    "contacts",
    "offerings",
]


def view_url(endpoint: str, institution: Institution, unit: Unit) -> str:
    return {
        "institution": f"/api/institutions/{institution.pk}",
        "history": f"/api/institutions/{institution.pk}/history",
        "units": f"/api/institutions/{institution.pk}/units",
        "unit": f"/api/units/{unit.pk}",
        "contacts": f"/api/institutions/{institution.pk}/contacts",
        "offerings": f"/api/institutions/{institution.pk}/offerings",
    }[endpoint]


@pytest.mark.parametrize("endpoint", VIEW_ENDPOINTS)
@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_read_endpoints_of_a_partner(
    world: World, children: dict[str, Children], persona: str, mode: str, endpoint: str
) -> None:
    mine = children["partner_a"]
    response = api_client(user_of(world, persona), mode).get(
        view_url(endpoint, world.partner_a, mine.unit)
    )
    expected = view_outcome(persona, api=True)
    if expected != OK:
        assert response.status_code == expected
        return
    assert response.status_code == 200
    body = response.json()
    if endpoint == "institution":
        assert body["id"] == world.partner_a.pk
        assert "search_text" not in body
    elif endpoint == "unit":
        assert body["id"] == mine.unit.pk
    elif endpoint in ("units", "contacts", "offerings"):
        assert [item["id"] for item in body["items"]] == [getattr(mine, endpoint[:-1]).pk]
        assert {item["institution"] for item in body["items"]} == {world.partner_a.pk}


@pytest.mark.parametrize("endpoint", VIEW_ENDPOINTS)
def test_partner_reads_the_home_university(
    world: World, children: dict[str, Children], endpoint: str
) -> None:
    response = api_client(world.partner_b_coordinator).get(
        view_url(endpoint, world.home, children["home"].unit)
    )
    assert response.status_code == 200


def test_missing_records_are_404(world: World) -> None:
    client = api_client(world.officer)
    for url in (
        "/api/institutions/999999",
        "/api/institutions/999999/units",
        "/api/institutions/999999/history",
        "/api/units/999999",
        "/api/fields/0725",
        "/api/specialties/999999",
    ):
        assert client.get(url).status_code == 404, url
    assert client.delete("/api/contacts/999999").status_code == 404


def test_institution_detail_shape(world: World, named_partner: Institution) -> None:
    body = api_client(world.officer).get(f"/api/institutions/{named_partner.pk}").json()
    assert body["name"] == "Partner A University"
    assert body["country"] == "AZ"
    assert body["country_name"] == "Azerbaijan"
    assert body["domains"] == ["bsu.edu.az"]
    assert {(n["language"], n["kind"], n["name"]) for n in body["names"]} == {
        ("az", "official", "Bakı Dövlət Universiteti"),
        ("uk", "official", "Бакинський державний університет"),
        ("en", "acronym", "BSU"),
    }


# Changing partner A (or the home university): one table, every persona, both kinds of auth.


CHANGE_ENDPOINTS = [
    "patch_institution",
    "create_unit",
    "patch_unit",
    "delete_unit",
    "create_contact",
    "delete_contact",
    "create_offering",
    "delete_offering",
]


def change_call(endpoint: str, mine: Children) -> tuple[str, str, dict[str, Any] | None, int]:
    """(method, url, payload, success status) of a change aimed at ``mine.institution``."""
    pk = mine.institution.pk
    calls: dict[str, tuple[str, str, dict[str, Any] | None, int]] = {
        "patch_institution": ("patch", f"/api/institutions/{pk}", {"city": "Ganja"}, 200),
        "create_unit": (
            "post",
            f"/api/institutions/{pk}/units",
            {"kind": "department", "name": "Department of Geology", "parent": mine.unit.pk},
            201,
        ),
        "patch_unit": ("patch", f"/api/units/{mine.unit.pk}", {"name": "Renamed"}, 200),
        "delete_unit": ("delete", f"/api/units/{mine.unit.pk}", None, 204),
        "create_contact": (
            "post",
            f"/api/institutions/{pk}/contacts",
            {"role": "incoming", "person_name": "Aysel Mammadli", "email": "aysel@example.org"},
            201,
        ),
        "delete_contact": ("delete", f"/api/contacts/{mine.contact.pk}", None, 204),
        "create_offering": (
            "post",
            f"/api/institutions/{pk}/offerings",
            {"field": "0724", "level": StudyLevel.DOCTORATE, "title": "Petroleum engineering"},
            201,
        ),
        "delete_offering": ("delete", f"/api/offerings/{mine.offering.pk}", None, 204),
    }
    return calls[endpoint]


@pytest.mark.parametrize("endpoint", CHANGE_ENDPOINTS)
@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_change_endpoints_of_a_partner(
    world: World, children: dict[str, Children], persona: str, mode: str, endpoint: str
) -> None:
    user = user_of(world, persona)
    client = api_client(user, mode)
    method, url, payload, success = change_call(endpoint, children["partner_a"])
    before = registry_state()
    response = call(client, method, url, payload)
    expected = change_outcome(persona, partner_a_may=True, api=True)
    if expected == OK:
        assert response.status_code == success, response.content
        assert registry_state() != before
        entry = AuditEntry.objects.exclude(object_type="accounts.apitoken").latest("id")
        assert entry.actor == user
        assert entry.institution_id == world.partner_a.pk
        return
    assert response.status_code == expected
    assert "detail" in response.json()
    assert registry_state() == before


@pytest.mark.parametrize("endpoint", CHANGE_ENDPOINTS)
def test_partner_cannot_change_the_home_university(
    world: World, children: dict[str, Children], endpoint: str
) -> None:
    """The partner sees the home university, so the answer is 403 (not 404)."""
    method, url, payload, _success = change_call(endpoint, children["home"])
    before = registry_state()
    response = call(api_client(world.partner_a_coordinator), method, url, payload)
    assert response.status_code == 403
    assert registry_state() == before


# Creating and deleting institutions


def full_payload(**values: Any) -> dict[str, Any]:
    return {**TEXT_FIELDS, **values}


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_create_institution_access(world: World, persona: str, mode: str) -> None:
    client = api_client(user_of(world, persona), mode)
    payload = full_payload(
        name="Azerbaijan Technical University",
        country="AZ",
        city="Baku",
        partner_status="partner",
        founded_year=1950,
        specialty_count=70,
        names=[{"language": "az", "name": "Azərbaycan Texniki Universiteti"}],
        domains=["AzTU.edu.az"],
    )
    before = registry_state()
    response = client.post("/api/institutions", payload, content_type="application/json")
    if persona != "officer":
        assert response.status_code == (401 if persona == "anonymous" else 403)
        assert registry_state() == before
        return
    assert response.status_code == 201, response.content
    body = response.json()
    institution = Institution.objects.get(pk=body["id"])
    assert (institution.name, institution.founded_year, institution.specialty_count) == (
        "Azerbaijan Technical University",
        1950,
        70,
    )
    assert body["domains"] == ["aztu.edu.az"]
    assert body["names"] == [
        {"language": "az", "name": "Azərbaycan Texniki Universiteti", "kind": "official"}
    ]
    assert Institution.objects.search("texniki").get() == institution
    entry = AuditEntry.objects.get(object_type="institutions.institution")
    assert entry.action == AuditAction.CREATE
    assert entry.after is not None
    assert entry.after["founded_year"] == 1950


def test_create_institution_with_only_the_required_fields(world: World) -> None:
    response = api_client(world.officer).post(
        "/api/institutions",
        {"name": "Minimal University", "country": "GE"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Institution.objects.get(name="Minimal University").city == ""


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"country": "UA"}, "name"),
        ({"name": "", "country": "UA"}, "name"),
        ({"name": "No Country University"}, "country"),
        ({"name": "Bad Country University", "country": "ZZ"}, "country"),
        ({"name": "Bad Country University", "country": "Ukraine"}, "country"),
        ({"name": "Bad ROR University", "country": "UA", "ror_id": "xyz"}, "ror_id"),
        ({"name": "Future University", "country": "UA", "founded_year": 3000}, "founded_year"),
        ({"name": "Bad Site University", "country": "UA", "website": "not a url"}, "website"),
        ({"name": "Bad Kind University", "country": "UA", "kind": "spaceship"}, "kind"),
        ({"name": "Bad Name University", "country": "UA", "names": [{"language": "az"}]}, "names"),
        (
            {"name": "Bad Successor University", "country": "UA", "successor": 999999},
            "successor",
        ),
        ({"name": "Typo University", "country": "UA", "citty": "Lviv"}, "citty"),
    ],
)
def test_create_institution_errors_name_the_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    before = registry_state()
    response = api_client(world.officer).post(
        "/api/institutions", full_payload(**payload), content_type="application/json"
    )
    assert field in error_fields(response)
    assert all(error["msg"] for error in response.json()["detail"])
    assert registry_state() == before


def test_duplicate_ror_id_names_the_field(world: World) -> None:
    actions.update_institution(world.officer, world.partner_b, {"ror_id": "00yp5c433"})
    before = registry_state()
    response = api_client(world.officer).post(
        "/api/institutions",
        full_payload(name="Copy University", country="UA", ror_id="00yp5c433"),
        content_type="application/json",
    )
    assert registry_state() == before
    assert "ror_id" in error_fields(response)


def test_domain_of_another_institution_is_refused_and_nothing_is_written(world: World) -> None:
    actions.update_institution(world.officer, world.partner_b, {}, domains=["uj.edu.pl"])
    before = registry_state()
    response = api_client(world.officer).post(
        "/api/institutions",
        full_payload(name="Copy University", country="PL", domains=["uj.edu.pl"]),
        content_type="application/json",
    )
    assert error_fields(response) & {"domain", "domains"}
    assert registry_state() == before


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_delete_institution_access(world: World, persona: str, mode: str) -> None:
    prospect = InstitutionFactory.create(
        name="Prospect University", partner_status=PartnerStatus.PROSPECT
    )
    client = api_client(user_of(world, persona), mode)
    before = registry_state()
    response = client.delete(f"/api/institutions/{prospect.pk}")
    if persona == "officer":
        assert response.status_code == 204
        assert not Institution.objects.filter(pk=prospect.pk).exists()
        entry = AuditEntry.objects.get(institution_id=prospect.pk)
        assert (entry.action, entry.after) == (AuditAction.DELETE, None)
        return
    expected = {"anonymous": 401, **dict.fromkeys(PARTNERS, 404)}.get(persona, 403)
    assert response.status_code == expected
    assert registry_state() == before


def test_partner_cannot_delete_its_own_institution(world: World) -> None:
    before = registry_state()
    response = api_client(world.partner_a_coordinator).delete(
        f"/api/institutions/{world.partner_a.pk}"
    )
    assert response.status_code == 403
    assert registry_state() == before


def test_deleting_an_institution_still_referred_to_is_422(world: World) -> None:
    before = registry_state()
    response = api_client(world.officer).delete(f"/api/institutions/{world.partner_a.pk}")
    assert response.status_code == 422
    assert "cannot be deleted" in response.json()["detail"][0]["msg"]
    assert registry_state() == before


# Updating an institution


def test_officer_patches_classification(world: World) -> None:
    response = api_client(world.officer).patch(
        f"/api/institutions/{world.partner_a.pk}",
        {"partner_status": "former", "kind": "research", "successor": world.partner_b.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["partner_status"], body["kind"], body["successor"]) == (
        "former",
        "research",
        world.partner_b.pk,
    )
    entry = AuditEntry.objects.get(object_type="institutions.institution")
    assert {change[0] for change in entry.changes} == {"partner_status", "kind", "successor"}


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "company"},
        {"partner_status": "former"},
        {"partner_status": "partner"},
        {"successor": None},
        {"city": "Ganja", "partner_status": "home"},
    ],
)
def test_partner_may_not_patch_its_classification(world: World, payload: dict[str, Any]) -> None:
    before = registry_state()
    response = api_client(world.partner_a_coordinator).patch(
        f"/api/institutions/{world.partner_a.pk}", payload, content_type="application/json"
    )
    assert response.status_code == 403
    assert registry_state() == before


def test_partner_patches_its_profile_and_names(world: World) -> None:
    response = api_client(world.partner_a_coordinator).patch(
        f"/api/institutions/{world.partner_a.pk}",
        {
            "city": "Sumgait",
            "student_count": 20000,
            "names": [{"language": "az", "name": "Sumqayıt Dövlət Universiteti"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["city"], body["student_count"]) == ("Sumgait", 20000)
    assert body["names"] == [
        {"language": "az", "name": "Sumqayıt Dövlət Universiteti", "kind": "official"}
    ]
    assert Institution.objects.search("sumgait").get() == world.partner_a


@pytest.mark.parametrize(
    "payload",
    [
        {"domains": ["sdu.edu.az"]},
        {"ror_id": "00yp5c433"},
        {"ewp_hei_id": "sdu.edu.az"},
        {"pic": "999"},
    ],
)
def test_partner_may_not_set_identifiers_or_domains(world: World, payload: dict[str, Any]) -> None:
    before = registry_state()
    response = api_client(world.partner_a_coordinator).patch(
        f"/api/institutions/{world.partner_a.pk}", payload, content_type="application/json"
    )
    assert response.status_code == 403
    assert registry_state() == before


def test_names_and_domains_patched_through_the_api_are_searchable(world: World) -> None:
    response = api_client(world.officer).patch(
        f"/api/institutions/{world.partner_a.pk}",
        {
            "names": [{"language": "az", "name": "Sumqayıt Dövlət Universiteti"}],
            "domains": ["sdu.edu.az"],
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    found = api_client(world.officer).get("/api/institutions", {"q": "Sumqayıt"}).json()
    assert [item["id"] for item in found["items"]] == [world.partner_a.pk]
    assert Institution.objects.search("sdu.edu.az").get() == world.partner_a


def test_lower_case_country_is_refused_or_normalised(world: World) -> None:
    response = api_client(world.officer).post(
        "/api/institutions",
        full_payload(name="Lower Case University", country="ua"),
        content_type="application/json",
    )
    if response.status_code == 201:
        assert Institution.objects.get(pk=response.json()["id"]).country == "UA"
    else:
        assert "country" in error_fields(response)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"founded_year": 3000}, "founded_year"),
        ({"ror_id": "xyz"}, "ror_id"),
        ({"country": "ZZ"}, "country"),
        ({"name": ""}, "name"),
        ({"student_count": -5}, "student_count"),
    ],
)
def test_patch_errors_name_the_field_and_change_nothing(
    world: World, payload: dict[str, Any], field: str
) -> None:
    before = registry_state()
    response = api_client(world.officer).patch(
        f"/api/institutions/{world.partner_a.pk}",
        {"city": "Ganja", **payload},
        content_type="application/json",
    )
    assert field in error_fields(response)
    assert registry_state() == before


# Units and contacts


def test_unit_parent_must_belong_to_the_same_institution(
    world: World, children: dict[str, Children]
) -> None:
    other = children["home"].unit
    mine = children["partner_a"].unit
    client = api_client(world.officer)
    before = registry_state()
    response = client.post(
        f"/api/institutions/{world.partner_a.pk}/units",
        {"kind": "department", "name": "Misplaced", "parent": other.pk},
        content_type="application/json",
    )
    assert "parent" in error_fields(response)
    response = client.patch(
        f"/api/units/{mine.pk}", {"parent": other.pk}, content_type="application/json"
    )
    assert "parent" in error_fields(response)
    assert registry_state() == before


def test_unit_patch_records_before_and_after(world: World, children: dict[str, Children]) -> None:
    unit = children["partner_a"].unit
    response = api_client(world.partner_a_coordinator).patch(
        f"/api/units/{unit.pk}",
        {"names": {"az": "Kimya fakültəsi"}, "kind": "institute"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["names"] == {"az": "Kimya fakültəsi"}
    entry = AuditEntry.objects.get(object_type="institutions.unit")
    assert entry.changes == [
        ("kind", "faculty", "institute"),
        ("names", {}, {"az": "Kimya fakültəsi"}),
    ]


@pytest.mark.parametrize("parent", ["self", "child"])
def test_unit_cannot_become_its_own_ancestor(
    world: World, children: dict[str, Children], parent: str
) -> None:
    unit = children["partner_a"].unit
    child = UnitFactory.create(institution=world.partner_a, parent=unit)
    before = registry_state()
    response = api_client(world.officer).patch(
        f"/api/units/{unit.pk}",
        {"parent": unit.pk if parent == "self" else child.pk},
        content_type="application/json",
    )
    assert registry_state() == before
    assert "parent" in error_fields(response)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "incoming", "person_name": "A", "email": "not-an-email"}, "email"),
        ({"role": "pope", "person_name": "A"}, "role"),
        ({"role": "incoming"}, "person_name"),
        ({"role": "incoming", "person_name": "A", "unit": 999999}, "unit"),
    ],
)
def test_contact_errors_name_the_field(world: World, payload: dict[str, Any], field: str) -> None:
    before = registry_state()
    response = api_client(world.officer).post(
        f"/api/institutions/{world.partner_a.pk}/contacts", payload, content_type="application/json"
    )
    assert field in error_fields(response)
    assert registry_state() == before


# Offerings


def test_offering_from_a_specialty_takes_the_field_of_its_isced_mapping(world: World) -> None:
    specialty = Specialty.objects.get(scheme="ua-2015", code="185")
    response = api_client(world.partner_a_coordinator).post(
        f"/api/institutions/{world.partner_a.pk}/offerings",
        {"specialty": specialty.pk, "level": StudyLevel.MASTER},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["field"], body["specialty"], body["level"]) == ("0724", specialty.pk, 7)
    assert Offering.objects.get(pk=body["id"]).field_id == "0724"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"field": "0725", "level": 7}, "field"),
        ({"field": "072", "level": 7}, "field"),
        ({"level": 7}, "field"),
        ({"specialty": 999999, "level": 7}, "specialty"),
        ({"field": "0724", "level": 5}, "level"),
        ({"field": "0724", "level": 7, "unit": 999999}, "unit"),
    ],
)
def test_offering_errors_name_the_field(world: World, payload: dict[str, Any], field: str) -> None:
    assert not Field.objects.filter(code="0725").exists()
    before = registry_state()
    response = api_client(world.officer).post(
        f"/api/institutions/{world.partner_a.pk}/offerings",
        payload,
        content_type="application/json",
    )
    assert field in error_fields(response)
    assert registry_state() == before


def test_duplicate_offering_is_422_and_writes_nothing(world: World) -> None:
    client = api_client(world.officer)
    url = f"/api/institutions/{world.partner_a.pk}/offerings"
    specialty = Specialty.objects.get(code="185")
    payload = {"field": "0724", "level": 7, "title": "Oil and gas", "specialty": specialty.pk}
    assert client.post(url, payload, content_type="application/json").status_code == 201
    before = registry_state()
    assert client.post(url, payload, content_type="application/json").status_code == 422
    assert registry_state() == before


# History


def test_history_lists_the_audit_entries_of_the_institution_and_its_children(world: World) -> None:
    actions.update_institution(world.officer, world.partner_a, {"city": "Ganja"})
    unit = actions.save(
        world.partner_a_coordinator,
        Unit(institution=world.partner_a, kind=UnitKind.CENTRE, name="Korean Center"),
    )
    actions.delete(world.officer, unit)
    actions.update_institution(world.officer, world.partner_b, {"city": "Warsaw"})

    response = api_client(world.partner_a_coordinator).get(
        f"/api/institutions/{world.partner_a.pk}/history"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [(e["action"], e["object_type"], e["actor_name"]) for e in body["items"]] == [
        ("delete", "institutions.unit", "officer"),
        ("create", "institutions.unit", "partner_a"),
        ("update", "institutions.institution", "officer"),
    ]
    update = body["items"][2]
    assert (update["before"]["city"], update["after"]["city"]) == ("Baku", "Ganja")
    assert body["items"][0]["after"] is None
    assert body["items"][1]["before"] is None
    page = api_client(world.officer).get(
        f"/api/institutions/{world.partner_a.pk}/history", {"page_size": 2}
    )
    assert len(page.json()["items"]) == 2
    assert page.json()["count"] == 3


# Reference classifications: public


@pytest.mark.parametrize("persona", PERSONAS)
def test_reference_endpoints_are_public(world: World, persona: str) -> None:
    client = api_client(user_of(world, persona))
    specialty = Specialty.objects.get(code="185")
    fields = client.get("/api/fields")
    assert fields.status_code == 200
    assert fields.json()["count"] == Field.objects.count()
    field = client.get("/api/fields/0724")
    assert field.status_code == 200
    assert field.json()["parent"] == "072"
    specialties = client.get("/api/specialties")
    assert specialties.status_code == 200
    assert specialties.json()["count"] == Specialty.objects.count()
    one = client.get(f"/api/specialties/{specialty.pk}")
    assert one.status_code == 200
    assert (one.json()["code"], one.json()["isced"]) == ("185", ["0724"])


@pytest.mark.django_db
def test_reference_filters() -> None:
    client = Client()
    detailed = client.get("/api/fields", {"level": "detailed", "parent": "072"}).json()
    assert [item["code"] for item in detailed["items"]] == [
        "0720",
        "0721",
        "0722",
        "0723",
        "0724",
        "0729",
    ]
    mining = client.get("/api/fields", {"q": "Mining"}).json()
    assert [item["code"] for item in mining["items"]] == ["0724"]
    by_field = client.get("/api/specialties", {"field": "0724"}).json()
    assert {item["code"] for item in by_field["items"]} >= {"184", "185"}
    assert all("0724" in item["isced"] for item in by_field["items"])
    by_code = client.get("/api/specialties", {"q": "185"}).json()
    assert [item["code"] for item in by_code["items"]] == ["185"]
    assert "level" in error_fields(client.get("/api/fields", {"level": "huge"}))


# OpenAPI


@pytest.mark.django_db
def test_openapi_schema_lists_the_paths() -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Accord API"
    paths = schema["paths"]
    assert set(paths) >= {
        "/api/me",
        "/api/institutions",
        "/api/institutions/{pk}",
        "/api/institutions/{pk}/history",
        "/api/institutions/{pk}/units",
        "/api/institutions/{pk}/contacts",
        "/api/institutions/{pk}/offerings",
        "/api/units/{pk}",
        "/api/contacts/{pk}",
        "/api/offerings/{pk}",
        "/api/fields",
        "/api/fields/{code}",
        "/api/specialties",
        "/api/specialties/{pk}",
    }
    assert set(paths["/api/institutions"]) == {"get", "post"}
    assert set(paths["/api/institutions/{pk}"]) == {"get", "patch", "delete"}
    assert set(paths["/api/units/{pk}"]) == {"get", "patch", "delete"}


# Query-count guards


def test_institution_list_query_count_does_not_grow(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = api_client(world.officer)
    InstitutionFactory.create_batch(5)
    few = count_queries(client, "/api/institutions")
    InstitutionFactory.create_batch(25, country="GE")
    with django_assert_num_queries(few):
        response = client.get("/api/institutions")
    assert response.json()["count"] == 33


@pytest.mark.django_db
def test_specialty_list_query_count_does_not_grow(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = Client()
    few = count_queries(client, "/api/specialties", {"page_size": 5})
    with django_assert_num_queries(few):
        response = client.get("/api/specialties", {"page_size": 100})
    assert len(response.json()["items"]) == 100
    assert all(item["isced"] for item in response.json()["items"])
