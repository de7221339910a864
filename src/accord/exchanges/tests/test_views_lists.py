"""The lists of mobilities and of people: filters, pages, htmx rows, query counts, and exports
that keep the filters and leave out personal data the user may not see."""

from __future__ import annotations

import csv
import datetime
import io
import re
from typing import Any

import pytest
from django.urls import reverse

from accord.agreements.models import Flow, MobilityType
from accord.exchanges import actions
from accord.exchanges.models import Mobility, MobilityStatus, PersonKind
from conftest import client_for, count_queries, html

from .conftest import YEAR, Exchanges

NEXT_YEAR = "2027/2028"
EMAILS = {"a_in": "leyla.aliyeva@example.az", "a_out": "olena.kovalenko@example.ua"}

# list -> how a mobility shows in it: as itself, or as its person.
ROW_OF = {"mobility_list": lambda m: m.pk, "person_list": lambda m: m.person_id}


@pytest.fixture
def four(ex: Exchanges) -> dict[str, Mobility]:
    """Partner A: an incoming student's nomination, and a home student it has accepted;
    partner B: an incoming teacher, and a graduate student next year beyond any quota (let
    through by the officer)."""
    a_out = ex.nominate(
        flow=Flow.OUTGOING,
        person=ex.person(
            ex.world.home, first_name="Olena", last_name="Kovalenko", email=EMAILS["a_out"]
        ),
    )
    actions.take_step(ex.world.partner_a_coordinator, a_out, "accept")
    return {
        "a_in": ex.nominate(person=ex.person(ex.world.partner_a, email=EMAILS["a_in"])),
        "a_out": a_out,
        "b_teacher": ex.nominate(
            partner="b",
            mobility_type=MobilityType.TEACHING_STAFF,
            person=ex.person(
                ex.world.partner_b, first_name="Anna", last_name="Nowak", kind=PersonKind.TEACHER
            ),
        ),
        "b_next": ex.nominate(
            partner="b",
            academic_year=NEXT_YEAR,
            planned_start=datetime.date(2027, 9, 15),
            planned_end=datetime.date(2028, 1, 31),
            override="Rector's decision",
            person=ex.person(
                ex.world.partner_b,
                first_name="Piotr",
                last_name="Zielinski",
                kind=PersonKind.GRADUATE_STUDENT,
            ),
        ),
    }


def shown(response: Any, url_name: str, four: dict[str, Mobility]) -> set[str]:
    """Which of ``four`` the page lists."""
    rows = {row.pk for row in response.context["page"]}
    return {key for key, mobility in four.items() if ROW_OF[url_name](mobility) in rows}


# (list, filter) -> (its value, or how to find it; what remains)
FILTERS: dict[tuple[str, str], tuple[Any, set[str]]] = {
    ("mobility_list", "status"): (MobilityStatus.ACCEPTED, {"a_out"}),
    ("mobility_list", "flow"): (Flow.OUTGOING, {"a_out"}),
    ("mobility_list", "mobility_type"): (MobilityType.TEACHING_STAFF, {"b_teacher"}),
    ("mobility_list", "academic_year"): (NEXT_YEAR, {"b_next"}),
    ("mobility_list", "partner"): (lambda ex: ex.world.partner_a.pk, {"a_in", "a_out"}),
    ("mobility_list", "agreement"): (lambda ex: ex.protocol_b.pk, {"b_teacher", "b_next"}),
    ("person_list", "kind"): (PersonKind.TEACHER, {"b_teacher"}),
    ("person_list", "q"): ("ALIYEVA lEy", {"a_in"}),
    ("person_list", "institution"): (lambda ex: ex.world.partner_b.pk, {"b_teacher", "b_next"}),
}


@pytest.mark.parametrize(("url_name", "name"), sorted(FILTERS))
def test_the_lists_filter_and_their_export_links_keep_the_filter(
    ex: Exchanges, four: dict[str, Mobility], url_name: str, name: str
) -> None:
    value, expected = FILTERS[url_name, name]
    value = value(ex) if callable(value) else value
    client = client_for(ex.world.leadership)
    assert shown(client.get(reverse(url_name)), url_name, four) == set(four)
    response = client.get(reverse(url_name), {name: value})
    assert shown(response, url_name, four) == expected
    page = html(response)
    for fmt in ("csv", "xlsx"):
        assert re.search(rf'href="{reverse(url_name)}\?[^"]*{name}=[^"]*format={fmt}"', page)


@pytest.mark.parametrize("url_name", sorted(ROW_OF))
def test_the_lists_are_paginated(
    ex: Exchanges, four: dict[str, Mobility], url_name: str, settings: Any
) -> None:
    settings.ACCORD_PAGE_SIZE = 3
    client = client_for(ex.world.officer)
    first, second = (client.get(reverse(url_name), {"page": n}) for n in (1, 2))
    assert len(shown(first, url_name, four)) == 3
    assert shown(first, url_name, four) | shown(second, url_name, four) == set(four)
    assert "page=2" in html(first)


@pytest.mark.parametrize(
    ("url_name", "name", "value"),
    [
        ("mobility_list", "flow", "outgoing"),
        ("person_list", "institution", None),
    ],
)
def test_htmx_gets_only_the_rows_with_the_export_links(
    ex: Exchanges, four: dict[str, Mobility], url_name: str, name: str, value: Any
) -> None:
    params = {name: value or ex.world.home.pk}
    client = client_for(ex.world.officer)
    full = client.get(reverse(url_name), params)
    partial = client.get(reverse(url_name), params, HTTP_HX_REQUEST="true")
    assert "base.html" in {t.name for t in full.templates}
    assert "base.html" not in {t.name for t in partial.templates}
    rows = html(partial)
    assert "<form" not in rows
    assert "<table>" in rows
    assert shown(partial, url_name, four) == {"a_out"}
    assert f"{name}={params[name]}&amp;format=csv" in rows


@pytest.mark.parametrize("persona", ["officer", "leadership", "partner_a_coordinator"])
@pytest.mark.parametrize("url_name", sorted(ROW_OF))
def test_the_lists_make_as_many_queries_for_many_rows(
    ex: Exchanges, url_name: str, persona: str
) -> None:
    client = client_for(getattr(ex.world, persona))
    ex.nominate()
    one = count_queries(client, reverse(url_name))
    for _number in range(6):
        ex.nominate(override="Many")  # each with a new person
    many = client.get(reverse(url_name))
    assert len(many.context["page"]) == 7
    assert count_queries(client, reverse(url_name)) == one


# (list, persona) -> who is in the export of incoming mobilities or of students
EXPORTED: dict[tuple[str, str], set[str]] = {
    ("mobility_list", "officer"): {"a_in", "b_teacher", "b_next"},
    ("mobility_list", "leadership"): {"a_in", "b_teacher", "b_next"},
    ("mobility_list", "partner_a_coordinator"): {"a_in"},
    ("person_list", "officer"): {"a_in", "a_out"},
    ("person_list", "leadership"): {"a_in", "a_out"},
    ("person_list", "partner_a_coordinator"): {"a_in", "a_out"},
}
# persona -> whose e-mails the exports show: partner A's own student's, not the home student's
SEES_EMAIL = {
    "officer": {"a_in", "a_out"},
    "leadership": set(),
    "partner_a_coordinator": {"a_in"},
}
FILTERED = {"mobility_list": {"flow": "incoming"}, "person_list": {"kind": "student"}}


@pytest.mark.parametrize(("url_name", "persona"), sorted(EXPORTED))
def test_the_exports_keep_the_filters_and_hide_personal_data(
    ex: Exchanges, four: dict[str, Mobility], url_name: str, persona: str
) -> None:
    client = client_for(getattr(ex.world, persona))
    response = client.get(reverse(url_name), FILTERED[url_name] | {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    key_of = {four[key].person.last_name: key for key in four}
    exported = {key_of[row["last_name"]]: row["email"] for row in rows}
    assert set(exported) == EXPORTED[url_name, persona]
    for key, email in exported.items():
        assert email == (EMAILS[key] if key in SEES_EMAIL[persona] else ""), key


@pytest.mark.parametrize("url_name", sorted(ROW_OF))
def test_an_excel_export(ex: Exchanges, four: dict[str, Mobility], url_name: str) -> None:
    response = client_for(ex.world.officer).get(reverse(url_name), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.getvalue()[:2] == b"PK"


def test_the_mobility_filters_offer_only_what_the_user_sees(
    ex: Exchanges, four: dict[str, Mobility]
) -> None:
    client = client_for(ex.world.partner_a_coordinator)
    form = client.get(reverse("mobility_list")).context["form"]
    assert list(form.fields["partner"].queryset) == [ex.world.partner_a]
    assert set(form.fields["agreement"].queryset) == {ex.protocol_a}
    assert [value for value, _label in form.fields["academic_year"].choices] == ["", YEAR]
    people = client.get(reverse("person_list")).context["form"]
    assert set(people.fields["institution"].queryset) == {ex.world.partner_a, ex.world.home}


@pytest.mark.parametrize(
    ("persona", "links"),
    [("partner_a_coordinator", True), ("officer", True), ("leadership", False)],
)
def test_the_lists_link_to_new_records_for_those_who_may(
    ex: Exchanges, persona: str, links: bool
) -> None:
    client = client_for(getattr(ex.world, persona))
    mobilities = html(client.get(reverse("mobility_list")))
    assert (reverse("mobility_create") in mobilities) == links
    assert (reverse("mobility_import") in mobilities) == links
    assert (reverse("person_create") in html(client.get(reverse("person_list")))) == links
