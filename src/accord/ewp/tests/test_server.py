"""Our EWP endpoints through Django's test client, with requests signed as partners sign them:
who may call (signature, registered key), what each partner sees (only its own IIAs, copies
and institutions), the limits on parameters, and answers that follow the EWP schemas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from accord.agreements.models import Agreement
from accord.ewp import client as ewp_client
from accord.ewp import httpsig
from accord.ewp import iia as ewp
from accord.ewp.models import PartnerIia
from accord.ewp.tests.helpers import (
    HOME_HEI,
    PARTNER_A_HEI,
    PARTNER_B_HEI,
    erasmus_iia,
    name_hei_ids,
)
from accord.ewp.xml import COMMON, parse, validate
from accord.institutions.models import Institution
from accord.institutions.tests.factories import UnitFactory
from conftest import World

BASE = "http://testserver"


@dataclass(frozen=True)
class Keys:
    partner_a: bytes
    partner_b: bytes
    stranger: bytes

    def public(self, private: bytes) -> str:
        return PUBLIC[private]


PUBLIC: dict[bytes, str] = {}


@pytest.fixture(scope="module")
def keys() -> Keys:
    """Private keys and their public halves, made once: RSA key generation is slow."""
    made = Keys(*(httpsig.generate_private_key_pem() for _ in range(3)))
    for private in (made.partner_a, made.partner_b, made.stranger):
        PUBLIC[private] = httpsig.public_key_pem(private).decode()
    return made


@dataclass
class Setup:
    world: World
    keys: Keys
    with_a: Agreement

    def iia_id(self, agreement: Agreement) -> str:
        agreement.refresh_from_db()
        return str(agreement.ewp.iia_id)


@pytest.fixture
def setup(world: World, keys: Keys) -> Setup:
    """Partners A and B registered with their keys, an Erasmus+ IIA with A."""
    name_hei_ids(world)
    for institution, key in ((world.partner_a, keys.partner_a), (world.partner_b, keys.partner_b)):
        ewp_client.register_partner(
            world.officer,
            institution,
            f"https://ewp.{institution.ewp_hei_id}/ewp/",
            keys.public(key),
        )
    with_a = erasmus_iia(world, world.partner_a, title="With A")
    return Setup(world, keys, with_a)


def path_of(endpoint: str, params: list[tuple[str, str]] | None = None) -> str:
    return f"/ewp/{endpoint}" + ("?" + urlencode(params) if params else "")


def signed_get(key: bytes, path: str, *, signed_path: str | None = None) -> Any:
    """GET ``path`` signed with ``key`` (for ``signed_path``, when the request is tampered)."""
    headers = httpsig.sign("GET", BASE + (signed_path or path), b"", key)
    return Client().get(path, headers=headers)


def signed_post(key: bytes, endpoint: str, params: list[tuple[str, str]]) -> Any:
    body = urlencode(params).encode()
    headers = httpsig.sign("POST", BASE + path_of(endpoint), body, key)
    return Client().post(
        path_of(endpoint),
        body,
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def answer(response: Any, status: int = 200) -> Any:
    """The answer's XML root, checked against its schema."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/xml")
    root = parse(response.content)
    validate(root)
    return root


def refusal(response: Any, status: int) -> str:
    """The developer message of an EWP error response with ``status``."""
    root = answer(response, status)
    assert root.tag == f"{{{COMMON}}}error-response"
    return str(root.findtext(f"{{{COMMON}}}developer-message"))


def index(key: bytes, params: list[tuple[str, str]] | None = None) -> list[str]:
    root = answer(signed_get(key, path_of("iias/index", params)))
    return [str(element.text) for element in root]


def get(key: bytes, iia_ids: list[str]) -> list[ewp.Iia]:
    root = answer(signed_get(key, path_of("iias/get", [("iia_id", i) for i in iia_ids])))
    return [ewp.read_iia(element) for element in ewp.iia_elements(root)]


# Who may call


def test_an_unsigned_request_is_refused_with_401(setup: Setup) -> None:
    message = refusal(Client().get(path_of("iias/index")), 401)
    assert "no Authorization header" in message


def test_a_request_signed_with_an_unknown_key_is_refused_with_403(setup: Setup) -> None:
    message = refusal(signed_get(setup.keys.stranger, path_of("iias/index")), 403)
    assert f"the key {httpsig.key_id(setup.keys.public(setup.keys.stranger))}" in message


def test_a_request_for_another_query_than_the_signed_one_is_refused(setup: Setup) -> None:
    [iia_id] = index(setup.keys.partner_a)
    signed = path_of("iias/get", [("iia_id", "something-else")])
    response = signed_get(
        setup.keys.partner_a, path_of("iias/get", [("iia_id", iia_id)]), signed_path=signed
    )
    assert "does not verify" in refusal(response, 401)


def test_a_key_of_a_partner_registered_without_one_is_not_known(setup: Setup) -> None:
    """Registering endpoints again without a key keeps the key; with an empty one drops it."""
    world = setup.world
    ewp_client.register_partner(world.officer, world.partner_a, "https://other.example/", None)
    assert index(setup.keys.partner_a) == [setup.iia_id(setup.with_a)]
    ewp_client.register_partner(world.officer, world.partner_a, "https://other.example/", "")
    refusal(signed_get(setup.keys.partner_a, path_of("iias/index")), 403)


def test_other_methods_are_not_allowed(setup: Setup) -> None:
    headers = httpsig.sign("PUT", BASE + path_of("iias/index"), b"", setup.keys.partner_a)
    assert Client().put(path_of("iias/index"), headers=headers).status_code == 405


# IIAs index and get


def test_partner_a_sees_its_iia_in_the_index_and_gets_it(setup: Setup) -> None:
    [iia_id] = index(setup.keys.partner_a)
    assert iia_id == setup.iia_id(setup.with_a)
    [iia] = get(setup.keys.partner_a, [iia_id])
    assert iia.iia_id == iia_id
    assert [p.hei_id for p in iia.partners] == [HOME_HEI, PARTNER_A_HEI]
    assert [spec.kind for spec in iia.conditions] == ["student-studies", "staff-teacher"]
    assert iia.hash == ewp.hash_of(iia)


def test_partner_b_sees_nothing_of_partner_as_iia(setup: Setup) -> None:
    [iia_a] = index(setup.keys.partner_a)
    assert index(setup.keys.partner_b) == []
    assert get(setup.keys.partner_b, [iia_a]) == []


def test_partner_b_sees_only_its_own_iia(setup: Setup) -> None:
    with_b = erasmus_iia(setup.world, setup.world.partner_b, title="With B")
    [iia_a] = index(setup.keys.partner_a)
    ids_b = index(setup.keys.partner_b)
    iia_b = setup.iia_id(with_b)
    assert ids_b == [iia_b]
    assert get(setup.keys.partner_b, [iia_a]) == []
    [mine] = get(setup.keys.partner_b, [iia_a, iia_b])
    assert mine.iia_id == iia_b
    assert mine.partners[1].hei_id == PARTNER_B_HEI


def test_the_index_filters_by_receiving_year_and_modification(setup: Setup) -> None:
    iia_id = index(setup.keys.partner_a)[0]
    assert index(setup.keys.partner_a, [("receiving_academic_year_id", "2027/2028")]) == [iia_id]
    assert index(setup.keys.partner_a, [("receiving_academic_year_id", "2030/2031")]) == []
    assert index(setup.keys.partner_a, [("modified_since", "2000-01-01T00:00:00Z")]) == [iia_id]
    assert index(setup.keys.partner_a, [("modified_since", "2999-01-01T00:00:00Z")]) == []
    response = signed_get(setup.keys.partner_a, path_of("iias/index", [("modified_since", "x")]))
    assert "modified_since" in refusal(response, 400)


def test_get_by_post_works_too(setup: Setup) -> None:
    iia_id = index(setup.keys.partner_a)[0]
    root = answer(signed_post(setup.keys.partner_a, "iias/get", [("iia_id", iia_id)]))
    assert [ewp.read_iia(e).iia_id for e in ewp.iia_elements(root)] == [iia_id]


def test_get_wants_between_one_and_twenty_ids(setup: Setup) -> None:
    iia_id = index(setup.keys.partner_a)[0]
    twenty = [iia_id] + [f"unknown-{n}" for n in range(19)]
    assert [iia.iia_id for iia in get(setup.keys.partner_a, twenty)] == [iia_id]
    response = signed_get(
        setup.keys.partner_a, path_of("iias/get", [("iia_id", i) for i in [*twenty, "one-more"]])
    )
    assert "At most 20 iia_id" in refusal(response, 400)
    assert "at least one iia_id" in refusal(
        signed_get(setup.keys.partner_a, path_of("iias/get")), 400
    )


def test_get_names_the_partners_iia_id_once_its_copy_is_mapped(setup: Setup) -> None:
    iia_id = index(setup.keys.partner_a)[0]
    PartnerIia.objects.create(
        institution=setup.world.partner_a,
        iia_id="partner-a-iia-1",
        agreement=setup.with_a,
        published_hash="0" * 64,
        hash="0" * 64,
        xml="<iias-get-response/>",
    )
    [iia] = get(setup.keys.partner_a, [iia_id])
    assert iia.partners[1].iia_id == "partner-a-iia-1"


# Approvals


def copy_of(setup: Setup, institution: Any, iia_id: str, approved: str = "") -> PartnerIia:
    return PartnerIia.objects.create(
        institution=institution,
        iia_id=iia_id,
        published_hash="1" * 64,
        hash="1" * 64,
        approved_hash=approved,
        xml="<iias-get-response/>",
    )


def test_the_approval_endpoint_answers_only_the_callers_approved_copies(setup: Setup) -> None:
    world = setup.world
    copy_of(setup, world.partner_a, "a-approved", "a" * 64)
    copy_of(setup, world.partner_a, "a-not-approved")
    copy_of(setup, world.partner_b, "b-approved", "b" * 64)
    copy_of(setup, world.partner_b, "shared-id", "c" * 64)
    wanted = [("iia_id", i) for i in ("a-approved", "a-not-approved", "b-approved", "shared-id")]
    root = answer(signed_get(setup.keys.partner_a, path_of("iias/approval", wanted)))
    assert [(a.findtext("{*}iia-id"), a.findtext("{*}iia-hash")) for a in root] == [
        ("a-approved", "a" * 64)
    ]
    root = answer(signed_get(setup.keys.partner_b, path_of("iias/approval", wanted)))
    assert [a.findtext("{*}iia-id") for a in root] == ["b-approved", "shared-id"]
    assert "at least one iia_id" in refusal(
        signed_get(setup.keys.partner_a, path_of("iias/approval")), 400
    )


# Institutions and units


def heis(key: bytes, wanted: list[str]) -> list[str]:
    response = signed_get(key, path_of("institutions", [("hei_id", h) for h in wanted]))
    return [str(hei.findtext("{*}hei-id")) for hei in answer(response)]


def test_institutions_answers_the_home_university_and_the_caller_only(setup: Setup) -> None:
    everyone = [HOME_HEI, PARTNER_A_HEI, PARTNER_B_HEI]
    assert heis(setup.keys.partner_a, everyone) == [HOME_HEI, PARTNER_A_HEI]
    assert heis(setup.keys.partner_b, everyone) == [HOME_HEI, PARTNER_B_HEI]
    assert heis(setup.keys.partner_b, [PARTNER_A_HEI]) == []
    assert "at least one hei_id" in refusal(
        signed_get(setup.keys.partner_a, path_of("institutions")), 400
    )


def units(key: bytes, params: list[tuple[str, str]]) -> list[str]:
    root = answer(signed_get(key, path_of("ounits", params)))
    return [str(unit.findtext("{*}ounit-id")) for unit in root]


def test_ounits_answers_units_of_the_home_university_and_the_caller(setup: Setup) -> None:
    world = setup.world
    faculty = UnitFactory.create(institution=world.home, name="Faculty", code="F1")
    theirs = UnitFactory.create(institution=world.partner_a, name="Their faculty", code="T1")
    by_id = [("hei_id", HOME_HEI), ("ounit_id", str(faculty.pk)), ("ounit_id", "not-a-number")]
    assert units(setup.keys.partner_b, by_id) == [str(faculty.pk)]
    assert units(setup.keys.partner_b, [("hei_id", HOME_HEI), ("ounit_code", "F1")]) == [
        str(faculty.pk)
    ]
    of_a = [("hei_id", PARTNER_A_HEI), ("ounit_id", str(theirs.pk))]
    assert units(setup.keys.partner_a, of_a) == [str(theirs.pk)]
    assert units(setup.keys.partner_b, of_a) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([("ounit_id", "1")], "exactly one hei_id"),
        (
            [("hei_id", HOME_HEI), ("hei_id", PARTNER_A_HEI), ("ounit_id", "1")],
            "exactly one hei_id",
        ),
        ([("hei_id", HOME_HEI)], "not both and not neither"),
        ([("hei_id", HOME_HEI), ("ounit_id", "1"), ("ounit_code", "F1")], "not both"),
        ([("hei_id", HOME_HEI)] + [("ounit_id", str(n)) for n in range(21)], "At most 20"),
    ],
    ids=["no hei_id", "two hei_ids", "neither", "both", "too many"],
)
def test_ounits_wants_one_hei_id_and_ids_or_codes(
    setup: Setup, params: list[tuple[str, str]], message: str
) -> None:
    assert message in refusal(signed_get(setup.keys.partner_a, path_of("ounits", params)), 400)


def test_without_a_home_hei_id_the_answer_is_an_error_response(setup: Setup) -> None:
    Institution.objects.filter(pk=setup.world.home.pk).update(ewp_hei_id="")
    response = signed_get(setup.keys.partner_a, path_of("iias/index"))
    assert "hei-id" in refusal(response, 500)


# Queries


def test_get_makes_as_many_queries_for_one_iia_as_for_several(setup: Setup) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(iia_ids: list[str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(get(setup.keys.partner_a, iia_ids)) == len(iia_ids)
        return len(captured.captured_queries)

    more = [erasmus_iia(setup.world, setup.world.partner_a, title=f"More {n}") for n in range(3)]
    answer(signed_get(setup.keys.partner_a, path_of("iias/index")))  # the iia-ids are made
    first = setup.iia_id(setup.with_a)
    assert queries([first]) == queries([first, *(setup.iia_id(a) for a in more)])
