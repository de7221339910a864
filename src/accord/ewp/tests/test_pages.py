"""The EWP page of an Erasmus+ agreement (our copy, its hash, the partner's copy and where they
differ) and approving the partner's copy there: who may see and do what, per persona."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from accord.agreements import actions
from accord.agreements.models import Agreement, Direction, Flow, MobilityType, Quota
from accord.ewp import copies
from accord.ewp import iia as ewp
from accord.ewp.models import IiaLink, MobilityTerms, PartnerIia
from accord.ewp.projection import ensure_links
from accord.ewp.tests.helpers import erasmus_iia, ours, partners_copy, xml_of
from accord.institutions.models import Institution
from conftest import (
    LOGIN,
    OK,
    PERSONAS,
    World,
    assert_login_redirect,
    change_outcome,
    client_for,
    count_queries,
    entries_of,
    html,
    section,
    user_of,
    view_outcome,
)


def import_partners_copy(world: World, agreement: Agreement, people: str = "3") -> PartnerIia:
    """Partner A's copy of ``agreement``, naming our iia-id, with ``people`` students a year."""
    theirs = partners_copy(agreement)
    theirs.conditions[0].mobilities_per_year = people
    copies.import_copies(world.officer, xml_of(theirs), world.home)
    return PartnerIia.objects.get(iia_id="partner-a-iia-1")


def page_url(agreement: Agreement) -> str:
    return reverse("ewp:agreement", args=[agreement.pk])


def approve_url(partner_copy: PartnerIia) -> str:
    return reverse("ewp:approve", args=[partner_copy.pk])


# Who sees the page


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_ewp_page_per_persona(named: World, persona: str) -> None:
    agreement = erasmus_iia(named)
    ensure_links([agreement])
    response = client_for(user_of(named, persona)).get(page_url(agreement))
    expected = view_outcome(persona)
    if expected == LOGIN:
        assert_login_redirect(response)
    elif expected == OK:
        page = html(response)
        assert agreement.ewp.iia_id in page
    else:
        assert response.status_code == expected


def test_a_partner_b_agreement_is_not_found_for_partner_a(named: World) -> None:
    with_b = erasmus_iia(named, named.partner_b, title="With B")
    response = client_for(named.partner_a_coordinator).get(page_url(with_b))
    assert response.status_code == 404


def test_an_agreement_of_another_kind_has_no_ewp_page(named: World) -> None:
    agreement = erasmus_iia(named)
    Agreement.objects.filter(pk=agreement.pk).update(kind="memorandum")
    assert client_for(named.officer).get(page_url(agreement)).status_code == 404


def test_the_first_visit_makes_the_iia_id_and_shows_it(named: World) -> None:
    agreement = erasmus_iia(named)
    assert not IiaLink.objects.filter(agreement=agreement).exists()
    page = html(client_for(named.officer).get(page_url(agreement)))
    assert IiaLink.objects.get(agreement=agreement).iia_id in page


# What it shows


def test_the_page_shows_our_iia_id_hash_and_conditions(named: World) -> None:
    agreement = erasmus_iia(named)
    mine = ours(agreement)
    page = html(client_for(named.officer).get(page_url(agreement)))
    our_copy = section(page, "Our copy")
    assert f"<code>{mine.iia_id}</code>" in our_copy
    assert f"<code>{ewp.hash_of(mine)}</code>" in our_copy
    assert "student-studies" in our_copy
    assert "2026/2027 – 2027/2028" in our_copy
    assert "en B2" in our_copy
    assert "0724" in our_copy
    assert "No copy has been received from the partner." in page
    assert "not in the EWP network" in section(page, "Partners")
    assert "Partner A University" in section(page, "Partners")
    assert "Home University" not in section(page, "Partners")


def test_the_page_says_why_an_agreement_cannot_be_exported(named: World) -> None:
    agreement = erasmus_iia(named)
    MobilityTerms.objects.filter(
        agreement=agreement, mobility_type=MobilityType.STUDENT_STUDIES
    ).delete()
    page = html(client_for(named.officer).get(page_url(agreement)))
    assert "This agreement cannot be sent through EWP yet:" in page
    assert escape("Erasmus+ needs at least one recommended language.") in page
    assert "iia-hash" not in section(page, "Our copy")


def test_the_page_says_when_the_home_university_has_no_hei_id(named: World) -> None:
    agreement = erasmus_iia(named)
    Institution.objects.filter(pk=named.home.pk).update(ewp_hei_id="")
    page = html(client_for(named.officer).get(page_url(agreement)))
    assert "Give the home university its EWP hei-id first." in page


def test_the_page_shows_the_partners_copy_and_where_it_differs(named: World) -> None:
    agreement = erasmus_iia(named)
    partner_copy = import_partners_copy(named, agreement, people="3")
    page = html(client_for(named.officer).get(page_url(agreement)))
    theirs = section(page, "The partner's copy")
    assert "<code>partner-a-iia-1</code> · A/2026/1" in theirs
    assert f"<code>{partner_copy.hash}</code>" in theirs
    assert "Where the copies differ:" in theirs
    assert "mobilities per year is 2 in ours, 3 in theirs." in theirs
    assert approve_url(partner_copy) in theirs
    # Our copy names the partner's iia-id now.
    assert ours(agreement).partners[1].iia_id == "partner-a-iia-1"


def test_the_same_conditions_are_said_to_be_the_same(named: World) -> None:
    agreement = erasmus_iia(named)
    import_partners_copy(named, agreement, people="2")
    page = html(client_for(named.officer).get(page_url(agreement)))
    assert "The cooperation conditions are the same in both copies." in page


@pytest.mark.parametrize("persona", ["leadership", "partner_a_coordinator"])
def test_only_who_may_change_the_agreement_is_offered_to_approve(
    named: World, persona: str
) -> None:
    agreement = erasmus_iia(named)
    partner_copy = import_partners_copy(named, agreement)
    page = html(client_for(user_of(named, persona)).get(page_url(agreement)))
    assert "mobilities per year is 2 in ours, 3 in theirs." in page
    assert approve_url(partner_copy) not in page


def test_an_approved_copy_is_shown_approved_without_the_button(named: World) -> None:
    agreement = erasmus_iia(named)
    partner_copy = import_partners_copy(named, agreement)
    copies.approve(named.officer, partner_copy)
    page = html(client_for(named.officer).get(page_url(agreement)))
    assert "yes, as it stands" in section(page, "The partner's copy")
    assert approve_url(partner_copy) not in page


# Approving


def approve_state(partner_copy: PartnerIia) -> tuple[str, int]:
    partner_copy.refresh_from_db()
    return partner_copy.approved_hash, len(entries_of(partner_copy))


@pytest.mark.parametrize("persona", PERSONAS)
def test_approving_the_partners_copy_per_persona(named: World, persona: str) -> None:
    agreement = erasmus_iia(named)
    partner_copy = import_partners_copy(named, agreement)
    before = approve_state(partner_copy)
    response = client_for(user_of(named, persona)).post(approve_url(partner_copy))
    expected = change_outcome(persona)
    if expected == OK:
        assert response.status_code == 302
        assert response["Location"] == page_url(agreement)
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "The partner's copy is approved as it stands."
        ]
        partner_copy.refresh_from_db()
        assert partner_copy.approved
        assert partner_copy.approved_hash == partner_copy.hash
        assert entries_of(partner_copy)[-1].actor == named.officer
        return
    if expected == LOGIN:
        assert_login_redirect(response)
    else:
        assert response.status_code == expected
    assert approve_state(partner_copy) == before


@pytest.mark.parametrize("persona", ["officer", "anonymous"])
def test_approving_by_get_is_not_allowed(named: World, persona: str) -> None:
    partner_copy = import_partners_copy(named, erasmus_iia(named))
    response = client_for(user_of(named, persona)).get(approve_url(partner_copy))
    if persona == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == 405
    assert approve_state(partner_copy)[0] == ""


def test_a_refused_approval_says_why_and_changes_nothing(named: World) -> None:
    agreement = erasmus_iia(named)
    partner_copy = import_partners_copy(named, agreement)
    PartnerIia.objects.filter(pk=partner_copy.pk).update(published_hash="0" * 64)
    before = approve_state(partner_copy)
    client = client_for(named.officer)
    response = client.post(approve_url(partner_copy), follow=True)
    page = html(response)
    assert escape("The hash the partner published does not match") in page
    assert approve_state(partner_copy) == before
    assert approve_url(partner_copy) not in page  # not offered either


def test_an_unmapped_copy_cannot_be_approved(named: World) -> None:
    agreement = erasmus_iia(named)
    partner_copy = import_partners_copy(named, agreement)
    PartnerIia.objects.filter(pk=partner_copy.pk).update(agreement=None)
    assert client_for(named.officer).post(approve_url(partner_copy)).status_code == 404


# Queries


def add_quotas(world: World, agreement: Agreement, years: range) -> None:
    """Quotas of every mobility type in ``years`` (each year other numbers: one spec each),
    under a new direction with two fields."""
    direction = actions.add_direction(
        world.officer, Direction(name=f"More {years.start}"), ["072", "0311"], agreement=agreement
    )
    for year in years:
        for number, (mobility_type, flow) in enumerate(
            [
                (MobilityType.STUDENT_STUDIES, Flow.OUTGOING),
                (MobilityType.STUDENT_TRAINEESHIP, Flow.INCOMING),
                (MobilityType.TEACHING_STAFF, Flow.INCOMING),
                (MobilityType.TRAINING_STAFF, Flow.OUTGOING),
            ]
        ):
            actions.add_quota(
                world.officer,
                Quota(
                    agreement=agreement,
                    direction=direction,
                    academic_year=f"{year}/{year + 1}",
                    people=year - 2000 + number,
                    mobility_type=mobility_type,
                    flow=flow,
                ),
            )


def test_the_page_makes_as_many_queries_whatever_the_number_of_quotas(named: World) -> None:
    agreement = erasmus_iia(named)
    import_partners_copy(named, agreement)
    client = client_for(named.officer)
    url = page_url(agreement)
    few = count_queries(client, url)
    add_quotas(named, agreement, range(2030, 2036))
    assert Quota.objects.filter(agreement=agreement).count() == 28
    page = html(client.get(url))
    assert page.count("staff-training") == 6
    assert count_queries(client, url) == few


# The Erasmus+ terms


def terms_url(agreement: Agreement, kind: str = "student_studies", flow: str = "outgoing") -> str:
    return reverse("ewp:terms", args=[agreement.pk, kind, flow])


def test_the_page_lists_the_terms_of_each_mobility_with_quotas(named: World) -> None:
    agreement = erasmus_iia(named)
    page = html(client_for(named.officer).get(page_url(agreement)))
    terms = section(page, "Erasmus+ terms")
    assert "en B2" in terms
    assert "6, 7" in terms
    assert terms_url(agreement) in terms
    assert terms_url(agreement, "teaching_staff", "incoming") in terms
    partner_page = html(client_for(named.partner_a_coordinator).get(page_url(agreement)))
    assert terms_url(agreement) not in partner_page


@pytest.mark.parametrize("persona", PERSONAS)
def test_editing_the_terms_per_persona(named: World, persona: str) -> None:
    agreement = erasmus_iia(named)
    terms = MobilityTerms.objects.get(agreement=agreement, mobility_type="student_studies")
    response = client_for(user_of(named, persona)).post(
        terms_url(agreement),
        {"languages": "en B2, pl B1", "eqf_levels": "7, 8", "other_info": "Autumn only"},
    )
    terms.refresh_from_db()
    expected = change_outcome(persona)
    if expected == OK:
        assert response.status_code == 302
        assert response["Location"] == page_url(agreement)
        assert terms.languages == ["en B2", "pl B1"]
        assert terms.eqf_levels == [7, 8]
        after = entries_of(terms)[-1].after
        assert after is not None
        assert after["languages"] == ["en B2", "pl B1"]
        return
    if expected == LOGIN:
        assert_login_redirect(response)
    else:
        assert response.status_code == expected
    assert terms.languages == ["en B2"]


def test_new_terms_are_created_and_change_the_hash(named: World) -> None:
    agreement = erasmus_iia(named)
    MobilityTerms.objects.filter(agreement=agreement, mobility_type="teaching_staff").delete()
    officer = client_for(named.officer)
    assert "Erasmus+ needs at least one recommended language" in html(
        officer.get(page_url(agreement))
    )
    form = html(officer.get(terms_url(agreement, "teaching_staff", "incoming")))
    assert 'name="languages"' in form
    response = officer.post(
        terms_url(agreement, "teaching_staff", "incoming"),
        {"languages": "en C1", "eqf_levels": "", "days_per_year": "5"},
    )
    assert response.status_code == 302
    created = MobilityTerms.objects.get(agreement=agreement, mobility_type="teaching_staff")
    assert created.flow == Flow.INCOMING
    assert entries_of(created)[0].action == "create"
    assert ours(agreement).conditions[1].languages[0].cefr == "C1"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"languages": "Ukrainian", "eqf_levels": ""},
            "languages",
            "Write each language as its code",
        ),
        ({"languages": "en", "eqf_levels": "bachelor"}, "eqf_levels", "whole numbers from 1 to 8"),
        ({"languages": "en", "eqf_levels": "9"}, "eqf_levels", "whole numbers from 1 to 8"),
        ({"languages": "en", "days_per_year": "0"}, "days_per_year", "greater than or equal"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(
    named: World, data: dict[str, str], field: str, message: str
) -> None:
    agreement = erasmus_iia(named)
    response = client_for(named.officer).post(
        terms_url(agreement, "teaching_staff", "incoming"), data
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    terms = MobilityTerms.objects.get(agreement=agreement, mobility_type="teaching_staff")
    assert terms.languages == ["en C1"]


@pytest.mark.parametrize(
    ("kind", "flow"), [("phd_research", "outgoing"), ("student_studies", "sideways")]
)
def test_terms_of_no_ewp_mobility_are_not_found(named: World, kind: str, flow: str) -> None:
    agreement = erasmus_iia(named)
    assert client_for(named.officer).get(terms_url(agreement, kind, flow)).status_code == 404
