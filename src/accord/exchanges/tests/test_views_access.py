"""Every page and every POST of mobilities and people, for every persona: who gets in, who is
refused, and how.

Partner A's coordinator sees and changes partner A's people and nominations and nothing of
partner B (404); leadership and faculty coordinators see every one, change none of partner A's
(403), though a faculty coordinator of the whole university answers incoming nominations; an
adviser sees nothing here (404, empty lists); anonymous visitors are sent to log in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from accord.exchanges.models import Mobility, MobilityStatus, Person, PersonKind
from conftest import (
    LOGIN,
    OK,
    PERSONAS,
    SIGNED_IN,
    assert_login_redirect,
    client_for,
    html,
    user_of,
)

from .conftest import Exchanges
from .test_views_mobilities import nomination

# A refusal shown on the form: the page answers 200 and nothing is saved.
FORM = "form"


@dataclass
class Records:
    """Partner A's nomination of one of its people, and another of its people not nominated."""

    ex: Exchanges
    mobility: Mobility
    person: Person
    spare: Person


def records(ex: Exchanges) -> Records:
    mobility = ex.nominate(ex.world.partner_a_coordinator)
    spare = ex.person(ex.world.partner_a, first_name="Rashad", last_name="Mammadov")
    return Records(ex=ex, mobility=mobility, person=mobility.person, spare=spare)


def person_data(r: Records, **changes: Any) -> dict[str, Any]:
    return {
        "first_name": "Nigar",
        "last_name": "Huseynova",
        "kind": PersonKind.TEACHER,
        "citizenship": "AZ",
        "institution": r.ex.world.partner_a.pk,
    } | changes


def state() -> list[Any]:
    """Everything these pages change, to see that a refused request changed nothing."""
    return [
        sorted(Mobility.objects.values_list("pk", "status", "planned_end")),
        sorted(Person.objects.values_list("pk", "last_name")),
    ]


# name -> (what to request, what some personas get); the rest get default_outcome(). The
# new-record pages are about no record: there the adviser is refused (403), not left unaware.
Case = Callable[[Records], tuple[str, str, dict[str, Any]]]
CASES: dict[str, tuple[Case, dict[str, Any]]] = {
    "mobility detail": (
        lambda r: ("get", reverse("mobility_detail", args=[r.mobility.pk]), {}),
        {"officer": OK, "leadership": OK, "faculty_coordinator": OK, "partner_a_coordinator": OK},
    ),
    "mobility new page": (
        lambda r: ("get", reverse("mobility_create"), {}),
        {
            "adviser": 403,
            "officer": OK,
            "faculty_coordinator": OK,
            "partner_a_coordinator": OK,
            "partner_b_coordinator": OK,
        },
    ),
    # Partner B and the faculty coordinator (who nominates outgoing people) cannot choose
    # partner A's person: the form says so.
    "mobility nominate": (
        lambda r: ("post", reverse("mobility_create"), nomination(r.ex, r.spare)),
        {
            "adviser": 403,
            "officer": OK,
            "faculty_coordinator": FORM,
            "partner_a_coordinator": OK,
            "partner_b_coordinator": FORM,
        },
    ),
    "mobility edit page": (
        lambda r: ("get", reverse("mobility_edit", args=[r.mobility.pk]), {}),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "mobility edit": (
        lambda r: (
            "post",
            reverse("mobility_edit", args=[r.mobility.pk]),
            nomination(r.ex, r.person, planned_end="2027-01-15"),
        ),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "mobility delete": (
        lambda r: ("post", reverse("mobility_delete", args=[r.mobility.pk]), {}),
        {"officer": OK},
    ),
    # The home university receives: its officer and faculty coordinator answer.
    "mobility accept": (
        lambda r: ("post", reverse("mobility_step", args=[r.mobility.pk, "accept"]), {}),
        {"officer": OK, "faculty_coordinator": OK},
    ),
    # Partner A sends: it withdraws.
    "mobility withdraw": (
        lambda r: ("post", reverse("mobility_step", args=[r.mobility.pk, "withdraw"]), {}),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "person detail": (
        lambda r: ("get", reverse("person_detail", args=[r.person.pk]), {}),
        {"officer": OK, "leadership": OK, "faculty_coordinator": OK, "partner_a_coordinator": OK},
    ),
    "person new page": (
        lambda r: ("get", reverse("person_create"), {}),
        {
            "adviser": 403,
            "officer": OK,
            "faculty_coordinator": OK,
            "partner_a_coordinator": OK,
            "partner_b_coordinator": OK,
        },
    ),
    "person create": (
        lambda r: ("post", reverse("person_create"), person_data(r)),
        {
            "adviser": 403,
            "officer": OK,
            "faculty_coordinator": OK,
            "partner_a_coordinator": OK,
            "partner_b_coordinator": OK,
        },
    ),
    "person edit page": (
        lambda r: ("get", reverse("person_edit", args=[r.person.pk]), {}),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "person edit": (
        lambda r: (
            "post",
            reverse("person_edit", args=[r.person.pk]),
            person_data(r, first_name="Leyla", last_name="Aliyeva-Karimova"),
        ),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
    "person delete": (
        lambda r: ("post", reverse("person_delete", args=[r.spare.pk]), {}),
        {"officer": OK, "partner_a_coordinator": OK},
    ),
}


def default_outcome(persona: str) -> Any:
    """Those not let through: anonymous logs in, whoever cannot see partner A's records finds
    nothing, the rest are refused."""
    if persona == "anonymous":
        return LOGIN
    return 404 if persona in ("adviser", "partner_b_coordinator") else 403


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_pages_per_persona(ex: Exchanges, persona: str, case: str) -> None:
    request, allowed = CASES[case]
    method, url, data = request(records(ex))
    expected = allowed.get(persona, default_outcome(persona))
    before = state()
    response = getattr(client_for(user_of(ex.world, persona)), method)(url, data)
    if expected == LOGIN:
        assert_login_redirect(response)
    elif expected == OK and method == "post":
        assert response.status_code == 302, response.content.decode()[:2000]
        assert state() != before, "the change was not made"
        return
    elif expected == OK:
        assert response.status_code == 200
    elif expected == FORM:
        assert response.status_code == 200
        assert response.context["form"].errors
    else:
        assert response.status_code == expected
    assert state() == before


POSTED_ONLY: dict[str, Callable[[Records], list[Any]]] = {
    "mobility_delete": lambda r: [r.mobility.pk],
    "mobility_step": lambda r: [r.mobility.pk, "withdraw"],
    "person_delete": lambda r: [r.spare.pk],
}


@pytest.mark.parametrize("persona", SIGNED_IN)
@pytest.mark.parametrize("url_name", sorted(POSTED_ONLY))
def test_changes_are_posted(ex: Exchanges, persona: str, url_name: str) -> None:
    url = reverse(url_name, args=POSTED_ONLY[url_name](records(ex)))
    before = state()
    assert client_for(user_of(ex.world, persona)).get(url).status_code == 405
    assert state() == before


# The lists: everyone signed in gets one, with only what they may see


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", ["mobility_list", "person_list"])
def test_lists_per_persona(ex: Exchanges, persona: str, url_name: str) -> None:
    ours = ex.nominate(ex.world.partner_a_coordinator, person=ex.person(ex.world.partner_a))
    theirs = ex.nominate(
        ex.world.partner_b_coordinator, partner="b", person=ex.person(ex.world.partner_b)
    )
    response = client_for(user_of(ex.world, persona)).get(reverse(url_name))
    if persona == "anonymous":
        assert_login_redirect(response)
        return
    html(response)
    shown = {
        party
        for party, mobility in (("a", ours), ("b", theirs))
        for row in response.context["page"]
        if row.pk == (mobility.pk if url_name == "mobility_list" else mobility.person_id)
    }
    expected = {
        "adviser": set(),
        "partner_a_coordinator": {"a"},
        "partner_b_coordinator": {"b"},
    }.get(persona, {"a", "b"})
    assert shown == expected


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url_name", ["mobility_list", "person_list"])
def test_exports_per_persona(ex: Exchanges, persona: str, fmt: str, url_name: str) -> None:
    ex.nominate(ex.world.partner_a_coordinator)
    response = client_for(user_of(ex.world, persona)).get(reverse(url_name), {"format": fmt})
    if persona == "anonymous":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert f".{fmt}" in response["Content-Disposition"]


def test_an_accepted_mobility_is_no_longer_edited_by_its_partner(ex: Exchanges) -> None:
    """Only a nomination is changed by the sending side: after the home side accepts it the
    page has no edit link, and a posted edit is refused on the form."""
    r = records(ex)
    client = client_for(ex.world.partner_a_coordinator)
    detail = reverse("mobility_detail", args=[r.mobility.pk])
    edit = reverse("mobility_edit", args=[r.mobility.pk])
    assert edit in html(client.get(detail))
    client_for(ex.world.officer).post(reverse("mobility_step", args=[r.mobility.pk, "accept"]))
    assert edit not in html(client.get(detail))
    before = state()
    response = client.post(edit, nomination(r.ex, r.person, planned_end="2027-01-15"))
    assert "Only a nomination is changed" in " ".join(response.context["form"].non_field_errors())
    assert state() == before
    assert Mobility.objects.get(pk=r.mobility.pk).status == MobilityStatus.ACCEPTED
