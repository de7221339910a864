"""The report pages: an agreement's quota use, the balances and their chart, the partner portal;
who gets each, what it shows, and queries (of the pages and the API) that do not grow with
the rows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from accord.exchanges import actions
from accord.exchanges.models import MobilityStatus
from conftest import (
    LOGIN,
    PERSONAS,
    World,
    assert_login_redirect,
    client_for,
    count_queries,
    html,
    section,
    user_of,
    view_outcome,
)

from .conftest import YEAR, Exchanges
from .test_reports import NEXT_YEAR, Filled, fill, grow


@pytest.fixture
def filled(ex: Exchanges) -> Filled:
    return fill(ex)


def _cells(fragment: str, row_class: str = "") -> list[list[str]]:
    """The text of each cell of the table rows (of ``row_class``) in ``fragment``."""
    pattern = rf'<tr class="{row_class}[^"]*">(.*?)</tr>' if row_class else r"<tr[^>]*>(.*?)</tr>"
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in re.findall(pattern, fragment, re.S)
    ]


def _get(world: World, persona: str, name: str, *args: Any, **params: Any) -> Any:
    return client_for(user_of(world, persona)).get(reverse(name, args=args), params)


# Quota use of an agreement


@pytest.mark.parametrize("persona", PERSONAS)
def test_quota_use_page_for_whoever_sees_the_agreement(filled: Filled, persona: str) -> None:
    response = _get(filled.ex.world, persona, "agreement_quota_use", filled.ex.protocol_a.pk)
    expected = view_outcome(persona)
    if expected == LOGIN:
        assert_login_redirect(response)
    elif expected == 404:
        assert response.status_code == 404
    else:
        page = html(response)
        assert "3 / 2" in page
        assert filled.ex.protocol_a.title in page


def test_quota_use_of_an_unknown_agreement_is_404(filled: Filled) -> None:
    response = _get(filled.ex.world, "officer", "agreement_quota_use", 999_999)
    assert response.status_code == 404


def test_quota_use_page_shows_used_and_allowed_and_marks_overrides(filled: Filled) -> None:
    page = html(_get(filled.ex.world, "leadership", "agreement_quota_use", filled.ex.protocol_a.pk))
    assert _cells(page, "over-quota") == [
        [
            YEAR,
            "Information technology",
            "Student studies",
            "Incoming",
            "3 / 2",
            "12.2 / 10",
            "0 (0 months)",
            "Over the quota 1 override",
        ],
        [
            NEXT_YEAR,
            "Information technology",
            "Student studies",
            "Incoming",
            "1 / 0",
            "1 / —",
            "0",
            "No quota Over the quota 1 override",
        ],
    ]
    assert ["Student studies", "Outgoing", "2 / 2", "7.6 / 10", "0 (2.4 months)", ""] in [
        cells[2:] for cells in _cells(page)
    ]


def test_quota_use_partial_for_htmx(filled: Filled) -> None:
    client = client_for(filled.ex.world.officer)
    url = reverse("agreement_quota_use", args=[filled.ex.protocol_b.pk])
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert {t.name for t in partial.templates} == {"exchanges/_quota_use_table.html"}
    text = html(partial)
    assert "<html" not in text
    assert text.lstrip().startswith(f'<div id="quota-use-{filled.ex.protocol_b.pk}"')
    assert "1 / 2" in text
    assert "3 / 2" not in text  # partner A's figures
    assert partial.context["agreement"] == filled.ex.protocol_b
    assert [row.used_people for row in partial.context["quota_rows"]] == [1, 1, 0, 0]


# Balances


BALANCE_ROWS = {
    "a": [
        ["Partner A University", YEAR, "3", "12.2", "2", "7.6", "+1", "+4.6"],
        ["Partner A University", NEXT_YEAR, "1", "1", "0", "0", "+1", "+1"],
    ],
    "b": [["Partner B University", YEAR, "1", "4.6", "1", "4.6", "0", "0"]],
}
BALANCE_PARTNERS = {
    "officer": "ab",
    "leadership": "ab",
    "faculty_coordinator": "ab",
    "partner_a_coordinator": "a",
    "partner_b_coordinator": "b",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_balances_page_per_persona(filled: Filled, persona: str) -> None:
    response = _get(filled.ex.world, persona, "balances")
    if persona == "anonymous":
        assert_login_redirect(response)
        return
    if persona not in BALANCE_PARTNERS:
        assert response.status_code == 404
        return
    page = html(response)
    expected = [row for partner in BALANCE_PARTNERS[persona] for row in BALANCE_ROWS[partner]]
    assert _cells(page, "balance") == expected
    for other in {"Partner A University", "Partner B University"} - {row[0] for row in expected}:
        assert other not in page  # neither in the table nor in the chart


def test_balances_filter_by_year(filled: Filled) -> None:
    page = html(_get(filled.ex.world, "officer", "balances", academic_year=NEXT_YEAR))
    assert _cells(page, "balance") == BALANCE_ROWS["a"][1:]
    assert f'<option value="{NEXT_YEAR}" selected>' in page
    assert f'<option value="{YEAR}">' in page
    empty = html(_get(filled.ex.world, "partner_b_coordinator", "balances", academic_year=YEAR))
    assert _cells(empty, "balance") == BALANCE_ROWS["b"]
    # Partner B has nothing in 2027/2028: the year is not offered, and asking for it finds
    # nothing.
    other = html(
        _get(filled.ex.world, "partner_b_coordinator", "balances", academic_year=NEXT_YEAR)
    )
    assert f'<option value="{NEXT_YEAR}"' not in other
    assert _cells(other, "balance") == []
    assert "No mobilities in 2027/2028." in other
    assert "<svg" not in other
    malformed = html(_get(filled.ex.world, "officer", "balances", academic_year="2026"))
    assert _cells(malformed, "balance") == BALANCE_ROWS["a"] + BALANCE_ROWS["b"]


@pytest.mark.parametrize(
    ("measure", "values"),
    [("people", ["4", "2", "1", "1"]), ("months", ["13.2", "7.6", "4.6", "4.6"])],
)
def test_balance_chart_is_inline_svg_with_a_text_alternative(
    filled: Filled, measure: str, values: list[str]
) -> None:
    page = html(_get(filled.ex.world, "officer", "balances", measure=measure))
    [svg] = re.findall(r"<svg .*?</svg>", page, re.S)
    assert 'role="img"' in svg
    assert "<script" not in page.split("</head>", 1)[1]
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    labels = re.findall(r"<text [^>]*dx=[^>]*>([^<]*)</text>", svg)
    assert labels == values
    widths = [
        float(w) for w in re.findall(r'<rect x="240" y="\d+" width="([\d.]+)" height="14"', svg)
    ]
    assert widths[0] == max(widths) == 424
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)
    assert desc is not None
    assert f"Partner A University: {values[0]} incoming, {values[1]} outgoing." in desc[1]
    assert "the table below gives the same figures" in page


def test_balances_without_mobilities_draw_no_chart(ex: Exchanges) -> None:
    page = html(_get(ex.world, "officer", "balances"))
    assert "<svg" not in page
    assert "No mobilities yet." in page


# The partner portal


@pytest.mark.parametrize("persona", PERSONAS)
def test_portal_per_persona(filled: Filled, persona: str) -> None:
    response = _get(filled.ex.world, persona, "portal")
    if persona == "anonymous":
        assert_login_redirect(response)
    elif persona in {"officer", "leadership", "faculty_coordinator"}:
        assert response.status_code == 302
        assert response["Location"] == reverse("mobility_list")
    elif persona == "adviser":
        assert response.status_code == 404
    else:
        page = html(response)
        own, other = ("a", "b") if persona == "partner_a_coordinator" else ("b", "a")
        assert getattr(filled.ex, f"protocol_{own}").title in page
        assert getattr(filled.ex, f"protocol_{other}").title not in page
        assert f"Partner {other.upper()} University" not in page


def _links(fragment: str, name: str) -> set[int]:
    prefix = reverse(name, args=[0])[:-2]
    return {int(pk) for pk in re.findall(rf'href="{re.escape(prefix)}(\d+)/"', fragment)}


def test_portal_lists_places_with_a_nomination_link_where_one_is_free(filled: Filled) -> None:
    ex = filled.ex
    page = html(_get(ex.world, "partner_a_coordinator", "portal"))
    places = section(page, "Open places")
    assert [cells[2:7] for cells in _cells(places, "place")] == [
        ["Information technology", "Student studies", "3 / 2", "12.2 / 10", "0 (0 months)"],
        ["Information technology", "Teaching staff", "0 / 1", "0 / —", "1"],
    ]
    link = (
        f"{reverse('mobility_create')}?agreement={ex.protocol_a.pk}&amp;"
        f"direction={ex.direction_a.pk}&amp;mobility_type=teaching_staff&amp;flow=incoming&amp;"
        f"academic_year=2026/2027"
    )
    assert places.count(reverse("mobility_create")) == 1
    assert link in places
    assert "Full" in _cells(places, "place")[0][-1]


def test_portal_lists_the_partners_nominations_with_their_statuses(filled: Filled) -> None:
    page = html(_get(filled.ex.world, "partner_a_coordinator", "portal"))
    nominations = section(page, "Your nominations")
    assert _links(nominations, "mobility_detail") == {m.pk for m in filled.sent_by_a}
    statuses = sorted(cells[-1] for cells in _cells(nominations, "nomination"))
    assert statuses == ["Nominated"] * 4 + ["Rejected", "Withdrawn"]


def test_portal_lists_only_nominations_awaiting_the_partners_answer(filled: Filled) -> None:
    world = filled.ex.world
    awaiting_a = section(
        html(_get(world, "partner_a_coordinator", "portal")), "Awaiting your answer"
    )
    assert _links(awaiting_a, "mobility_detail") == {filled.to_a.pk}
    awaiting_b = section(
        html(_get(world, "partner_b_coordinator", "portal")), "Awaiting your answer"
    )
    assert _links(awaiting_b, "mobility_detail") == {filled.to_b.pk}
    actions.take_step(world.partner_a_coordinator, filled.to_a, "reject")
    assert filled.to_a.status == MobilityStatus.REJECTED
    after = section(html(_get(world, "partner_a_coordinator", "portal")), "Awaiting your answer")
    assert "No nomination awaits your answer." in after


def test_portal_pages_the_nominations(filled: Filled, settings: Any) -> None:
    settings.ACCORD_PAGE_SIZE = 4
    client = client_for(filled.ex.world.partner_a_coordinator)
    pages = [html(client.get(reverse("portal"), {"page": n})) for n in (1, 2)]
    found = [_links(section(page, "Your nominations"), "mobility_detail") for page in pages]
    assert [len(links) for links in found] == [4, 2]
    assert found[0] | found[1] == {m.pk for m in filled.sent_by_a}


# Queries


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("officer", "/balances/"),
        ("partner_a_coordinator", "/balances/"),
        ("partner_a_coordinator", "/portal/"),
        ("leadership", "/agreements/{protocol}/quota-use/"),
        ("officer", "/api/balances"),
        ("partner_b_coordinator", "/api/balances"),
        ("partner_a_coordinator", "/api/portal/places"),
        ("leadership", "/api/agreements/{protocol}/quota-use"),
    ],
)
def test_queries_do_not_grow_with_the_rows(ex: Exchanges, persona: str, url: str) -> None:
    fill(ex)
    client = client_for(user_of(ex.world, persona))
    url = url.format(protocol=ex.protocol_a.pk)
    before = count_queries(client, url)
    grow(ex)
    assert count_queries(client, url) == before


def test_the_agreement_page_loads_its_quota_use(ex: Exchanges) -> None:
    ex.nominate()
    client = client_for(ex.world.partner_a_coordinator)
    page = client.get(f"/agreements/{ex.protocol_a.pk}/").content.decode()
    assert f'hx-get="/agreements/{ex.protocol_a.pk}/quota-use/"' in page
    partial = client.get(f"/agreements/{ex.protocol_a.pk}/quota-use/", HTTP_HX_REQUEST="true")
    assert f'id="quota-use-{ex.protocol_a.pk}"' in partial.content.decode()
    assert "<html" not in partial.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_balances_export_keeps_the_year_and_the_partners_boundary(
    ex: Exchanges, fmt: str
) -> None:
    ex.nominate()
    ex.nominate(partner="b")
    client = client_for(ex.world.partner_a_coordinator)
    page = client.get("/balances/?academic_year=2026/2027").content.decode()
    assert f"?academic_year=2026%2F2027&amp;format={fmt}" in page
    response = client.get(f"/balances/?academic_year=2026/2027&format={fmt}")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    if fmt == "csv":
        lines = content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("partner,academic_year,incoming_people")
        assert lines[1:] == ["Partner A University,2026/2027,1,4.6,0,0.0,1,4.6"]
    else:
        assert content.startswith(b"PK")
