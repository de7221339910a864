"""Agreement pages: who may open and change what (every page and every POST, per persona),
creating and editing with texts per language and signatories, the stale-edit check, quotas,
directions, renewals and amendments with their comparison, and the negotiation history."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.forms import BaseForm
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.agreements import actions
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    AnswerKind,
    Direction,
    Flow,
    MobilityType,
    ProposalPackage,
    Quota,
    VersionReason,
)
from accord.institutions.models import Institution
from conftest import (
    HOME_STAFF,
    LOGIN,
    OK,
    PERSONAS,
    World,
    assert_login_redirect,
    change_outcome,
    client_for,
    html,
    memorandum,
    section,
    user_of,
)

# Helpers


def form_values(*forms: BaseForm) -> dict[str, Any]:
    """The data a browser would post for the forms as rendered (their initial values)."""
    data: dict[str, Any] = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False or value == []:
                continue
            if value is True:
                value = "on"
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            data[bound.html_name] = value
    return data


def edit_data(response: Any, **changes: Any) -> dict[str, Any]:
    """The edit page's agreement form and signatories formset as posted, with ``changes``."""
    context = response.context
    parties = context["parties"]
    data = form_values(context["form"], parties.management_form, *parties.forms)
    data.update(changes)
    return data


def erasmus(world: World, partner: Institution) -> Agreement:
    """A draft Erasmus+ agreement with ``partner`` and one direction (oil and gas, 0724)."""
    agreement = Agreement(kind=AgreementKind.ERASMUS_IIA, title=f"Erasmus+ with {partner.name}")
    actions.create_agreement(world.officer, agreement, [world.home.pk, partner.pk])
    actions.add_direction(
        world.officer, Direction(name="Oil and gas production"), ["0724"], agreement=agreement
    )
    return agreement


def sign(world: World, agreement: Agreement) -> Agreement:
    for action in ("propose", "submit_for_approval", "sign"):
        actions.transition(world.officer, agreement, action)
    agreement.refresh_from_db()
    return agreement


def quota_data(direction: Direction, **changes: Any) -> dict[str, Any]:
    data = {
        "direction": direction.pk,
        "mobility_type": MobilityType.STUDENT_STUDIES,
        "flow": Flow.OUTGOING,
        "academic_year": "2026/2027",
        "people": 3,
        "months": 15,
    }
    data.update(changes)
    return data


def add_quota(world: World, agreement: Agreement, direction: Direction) -> Quota:
    quota = Quota(
        agreement=agreement,
        direction=direction,
        mobility_type=MobilityType.TEACHING_STAFF,
        flow=Flow.INCOMING,
        academic_year="2025/2026",
        people=2,
    )
    return actions.add_quota(world.officer, quota)


def state() -> list[Any]:
    """Everything the agreement pages change, to see that a refused request changed nothing."""
    return [
        sorted(
            Agreement.objects.values_list(
                "pk", "status", "revision", "title", "titles", "version_number"
            )
        ),
        sorted(Quota.objects.values_list("pk", "people")),
        sorted(Direction.objects.values_list("pk", "name")),
        sorted(AgreementParty.objects.values_list("pk", "signatory_name")),
    ]


# Access and denial on every page and every POST


@dataclass
class Records:
    """Partner A's agreements: a draft Erasmus+ with a direction and a quota, a signed memorandum."""

    draft: Agreement
    signed: Agreement
    direction: Direction
    quota: Quota


def records(world: World) -> Records:
    draft = erasmus(world, world.partner_a)
    direction = draft.directions.get()
    quota = add_quota(world, draft, direction)
    signed = sign(world, memorandum(world, world.partner_a))
    return Records(draft=draft, signed=signed, direction=direction, quota=quota)


# name -> (method, url, POST data); "view" pages any visible user opens, "change" ones only
# officers, "officer" ones are not about one record (so partners get 403, not 404).
Case = Callable[[Records], tuple[str, str, dict[str, Any]]]
VIEW_PAGES: dict[str, Case] = {
    "detail": lambda r: ("get", reverse("agreement_detail", args=[r.draft.pk]), {}),
    "compare": lambda r: (
        "get",
        reverse("agreement_compare", args=[r.signed.pk, r.draft.pk]),
        {},
    ),
}
CHANGES: dict[str, Case] = {
    "edit page": lambda r: ("get", reverse("agreement_edit", args=[r.draft.pk]), {}),
    "edit": lambda r: (
        "post",
        reverse("agreement_edit", args=[r.draft.pk]),
        {
            "kind": "erasmus_iia",
            "title": "Changed",
            "revision": r.draft.revision,
            "parties-TOTAL_FORMS": 0,
            "parties-INITIAL_FORMS": 0,
        },
    ),
    "transition": lambda r: (
        "post",
        reverse("agreement_transition", args=[r.draft.pk, "propose"]),
        {},
    ),
    "amend": lambda r: (
        "post",
        reverse("agreement_version", args=[r.signed.pk, "amendment"]),
        {},
    ),
    "renew": lambda r: ("post", reverse("agreement_version", args=[r.signed.pk, "renewal"]), {}),
    "quota add": lambda r: (
        "post",
        reverse("quota_add", args=[r.draft.pk]),
        quota_data(r.direction),
    ),
    "quota remove": lambda r: ("post", reverse("quota_delete", args=[r.quota.pk]), {}),
    "direction add": lambda r: (
        "post",
        reverse("agreement_direction_add", args=[r.draft.pk]),
        {"direction-name": "Petroleum geology", "direction-isced_fields": ["0724"]},
    ),
}
OFFICER_PAGES: dict[str, Case] = {
    "new page": lambda r: ("get", reverse("agreement_create"), {}),
    "create": lambda r: (
        "post",
        reverse("agreement_create"),
        {"kind": "memorandum", "title": "New memorandum"},
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", sorted(VIEW_PAGES))
def test_view_pages_per_persona(world: World, persona: str, page: str) -> None:
    method, url, _data = VIEW_PAGES[page](records(world))
    response = getattr(client_for(user_of(world, persona)), method)(url)
    if persona == "anonymous":
        assert_login_redirect(response)
    elif persona == "partner_b_coordinator":
        assert response.status_code == 404
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_changes_per_persona(world: World, persona: str, change: str) -> None:
    method, url, data = CHANGES[change](records(world))
    before = state()
    response = getattr(client_for(user_of(world, persona)), method)(url, data)
    expected = change_outcome(persona)
    if expected == LOGIN:
        assert_login_redirect(response)
    elif expected == OK:
        assert response.status_code == (200 if method == "get" else 302)
        if method == "post":
            assert state() != before, "the officer's change was not made"
        return
    else:
        assert response.status_code == expected
    assert state() == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", sorted(OFFICER_PAGES))
def test_only_officers_create_agreements(world: World, persona: str, page: str) -> None:
    method, url, data = OFFICER_PAGES[page](records(world))
    if method == "post":
        data["parties"] = [world.home.pk, world.partner_a.pk]
    before = Agreement.objects.count()
    response = getattr(client_for(user_of(world, persona)), method)(url, data)
    if persona == "anonymous":
        assert_login_redirect(response)
    elif persona == "officer":
        assert response.status_code == (200 if method == "get" else 302)
        assert Agreement.objects.count() == before + (method == "post")
        return
    else:
        assert response.status_code == 403
    assert Agreement.objects.count() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_per_persona(world: World, persona: str) -> None:
    memorandum(world, world.partner_a, "Memorandum Alpha")
    memorandum(world, world.partner_b, "Memorandum Beta")
    response = client_for(user_of(world, persona)).get(reverse("agreement_list"))
    if persona == "anonymous":
        assert_login_redirect(response)
        return
    page = html(response)
    shown = {title for title in ("Memorandum Alpha", "Memorandum Beta") if title in page}
    expected = {
        "partner_a_coordinator": {"Memorandum Alpha"},
        "partner_b_coordinator": {"Memorandum Beta"},
    }.get(persona, {"Memorandum Alpha", "Memorandum Beta"})
    assert shown == expected


def test_partner_cannot_compare_with_another_partners_agreement(world: World) -> None:
    ours, theirs = memorandum(world, world.partner_a), memorandum(world, world.partner_b)
    client = client_for(world.partner_a_coordinator)
    assert client.get(reverse("agreement_compare", args=[ours.pk, theirs.pk])).status_code == 404
    assert client.get(reverse("agreement_compare", args=[theirs.pk, ours.pk])).status_code == 404


def test_partner_cannot_remove_another_partners_quota(world: World) -> None:
    theirs = erasmus(world, world.partner_b)
    quota = add_quota(world, theirs, theirs.directions.get())
    response = client_for(world.partner_a_coordinator).post(
        reverse("quota_delete", args=[quota.pk])
    )
    assert response.status_code == 404
    assert Quota.objects.filter(pk=quota.pk).exists()


@pytest.mark.parametrize("persona", [*HOME_STAFF, "partner_a_coordinator"])
def test_no_change_buttons_for_those_who_may_not_change(world: World, persona: str) -> None:
    r = records(world)
    client = client_for(getattr(world, persona))
    draft_page = html(client.get(reverse("agreement_detail", args=[r.draft.pk])))
    for url in (
        reverse("agreement_edit", args=[r.draft.pk]),
        reverse("agreement_transition", args=[r.draft.pk, "propose"]),
        reverse("quota_add", args=[r.draft.pk]),
        reverse("quota_delete", args=[r.quota.pk]),
        reverse("agreement_direction_add", args=[r.draft.pk]),
    ):
        assert url not in draft_page
    signed_page = html(client.get(reverse("agreement_detail", args=[r.signed.pk])))
    assert reverse("agreement_version", args=[r.signed.pk, "amendment"]) not in signed_page
    assert reverse("agreement_version", args=[r.signed.pk, "renewal"]) not in signed_page


def test_officer_sees_the_change_buttons(world: World) -> None:
    r = records(world)
    client = client_for(world.officer)
    draft_page = html(client.get(reverse("agreement_detail", args=[r.draft.pk])))
    for url in (
        reverse("agreement_edit", args=[r.draft.pk]),
        reverse("agreement_transition", args=[r.draft.pk, "propose"]),
        reverse("quota_add", args=[r.draft.pk]),
        reverse("quota_delete", args=[r.quota.pk]),
        reverse("agreement_direction_add", args=[r.draft.pk]),
    ):
        assert url in draft_page
    signed_page = html(client.get(reverse("agreement_detail", args=[r.signed.pk])))
    assert reverse("agreement_version", args=[r.signed.pk, "amendment"]) in signed_page
    assert reverse("agreement_version", args=[r.signed.pk, "renewal"]) in signed_page
    assert reverse("agreement_edit", args=[r.signed.pk]) not in signed_page


# The list


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_new_agreement_link_only_for_officers(world: World, persona: str) -> None:
    page = html(client_for(getattr(world, persona)).get(reverse("agreement_list")))
    offered = reverse("agreement_create") in page and "New agreement" in page
    assert offered == (persona == "officer")
    assert reverse("package_list") in page


def test_list_filters_by_status_and_kind(world: World) -> None:
    memorandum(world, world.partner_a, "Draft memorandum")
    sign(world, memorandum(world, world.partner_a, "Signed memorandum"))
    erasmus(world, world.partner_a)
    client = client_for(world.officer)
    url = reverse("agreement_list")

    def titles(query: dict[str, str]) -> set[str]:
        page = html(client.get(url, query))
        return {
            t
            for t in ("Draft memorandum", "Signed memorandum", "Erasmus+ with Partner A")
            if t in page
        }

    assert titles({}) == {"Draft memorandum", "Signed memorandum", "Erasmus+ with Partner A"}
    assert titles({"status": "signed"}) == {"Signed memorandum"}
    assert titles({"kind": "erasmus_iia"}) == {"Erasmus+ with Partner A"}
    assert titles({"status": "draft", "kind": "memorandum"}) == {"Draft memorandum"}
    # An unknown value filters nothing rather than failing.
    assert len(titles({"status": "nonsense"})) == 3


def test_list_query_count_does_not_grow(world: World) -> None:
    client = client_for(world.officer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            html(client.get(reverse("agreement_list")))
        return len(queries)

    for number in range(2):
        sign(world, memorandum(world, world.partner_a, f"Memorandum {number}"))
    two = count()
    for number in range(2, 6):
        agreement = sign(world, memorandum(world, world.partner_b, f"Memorandum {number}"))
        actions.new_version(world.officer, agreement, VersionReason.AMENDMENT)
    assert Agreement.objects.count() == 10
    assert count() == two


def test_detail_query_count_does_not_grow_with_versions(world: World) -> None:
    client = client_for(world.officer)

    def count(agreement: Agreement) -> int:
        with CaptureQueriesContext(connection) as queries:
            page = html(client.get(reverse("agreement_detail", args=[agreement.pk])))
        assert section(page, "Versions").count("<li>") == len(chain)
        return len(queries)

    chain = [sign(world, memorandum(world, world.partner_a))]
    chain.append(actions.new_version(world.officer, chain[-1], VersionReason.AMENDMENT))
    two = [count(version) for version in chain]
    for _ in range(4):
        sign(world, chain[-1])
        chain.append(actions.new_version(world.officer, chain[-1], VersionReason.AMENDMENT))
    assert [count(chain[0]), count(chain[-1])] == two


# Creating


def test_officer_creates_an_agreement(world: World) -> None:
    client = client_for(world.officer)
    assert "parties" in html(client.get(reverse("agreement_create")))
    response = client.post(
        reverse("agreement_create"),
        {
            "kind": "memorandum",
            "title": "Memorandum of understanding",
            "title_uk": "Меморандум про взаєморозуміння",
            "areas": ["student_exchange", "joint_research"],
            "parties": [world.home.pk, world.partner_a.pk],
        },
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("agreement_detail", args=[agreement.pk])
    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.titles == {"uk": "Меморандум про взаєморозуміння"}
    assert agreement.areas == ["student_exchange", "joint_research"]
    assert set(agreement.parties.values_list("institution_id", flat=True)) == {
        world.home.pk,
        world.partner_a.pk,
    }
    page = html(client.get(response["Location"]))
    assert "Saved." in page
    assert "Partner A University" in page
    assert "Joint research" in page


def test_one_party_is_refused_naming_the_parties(world: World) -> None:
    response = client_for(world.officer).post(
        reverse("agreement_create"),
        {"kind": "memorandum", "title": "Lonely memorandum", "parties": [world.home.pk]},
    )
    page = html(response)
    assert "at least two parties" in page
    assert "at least two parties" in " ".join(response.context["form"].errors["parties"])
    assert not Agreement.objects.exists()
    assert not AgreementParty.objects.exists()


def test_no_party_and_no_title_are_refused(world: World) -> None:
    response = client_for(world.officer).post(reverse("agreement_create"), {"kind": "memorandum"})
    html(response)
    assert {"title", "parties"} <= set(response.context["form"].errors)
    assert not Agreement.objects.exists()


def test_a_protocol_needs_a_memorandum_to_be_made_under(world: World) -> None:
    client = client_for(world.officer)
    response = client.post(
        reverse("agreement_create"),
        {
            "kind": "protocol",
            "title": "Orphan protocol",
            "parties": [world.home.pk, world.partner_a.pk],
        },
    )
    assert "parent" in response.context["form"].errors
    assert not Agreement.objects.exists()


# Editing


def test_edit_saves_titles_and_texts_per_language_and_signatories(world: World) -> None:
    agreement = memorandum(world, world.partner_a, "Memorandum of understanding")
    client = client_for(world.officer)
    url = reverse("agreement_edit", args=[agreement.pk])
    form_page = client.get(url)
    page = html(form_page)
    for name in ("title_uk", "text_uk", "title_az", "text_az", "parties-0-signatory_name"):
        assert f'name="{name}"' in page
    parties = list(agreement.parties.order_by("pk"))
    response = client.post(
        url,
        edit_data(
            form_page,
            title="Memorandum of understanding and cooperation",
            text="The parties agree to cooperate.",
            title_uk="Меморандум про співпрацю",
            text_uk="Сторони домовляються співпрацювати.",
            title_az="Əməkdaşlıq haqqında memorandum",
            text_az="Tərəflər əməkdaşlıq etməyə razılaşırlar.",
            **{
                "parties-0-signatory_name": "Ivan Petrenko",
                "parties-0-signatory_position": "Rector",
                "parties-1-signatory_name": "Elvin Mammadov",
            },
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    agreement.refresh_from_db()
    assert agreement.title == "Memorandum of understanding and cooperation"
    assert agreement.text == "The parties agree to cooperate."
    assert agreement.titles == {
        "uk": "Меморандум про співпрацю",
        "az": "Əməkdaşlıq haqqında memorandum",
    }
    assert agreement.texts == {
        "uk": "Сторони домовляються співпрацювати.",
        "az": "Tərəflər əməkdaşlıq etməyə razılaşırlar.",
    }
    assert agreement.revision > 1
    names = {p.institution_id: (p.signatory_name, p.signatory_position) for p in parties}
    stored = {
        p.institution_id: (p.signatory_name, p.signatory_position) for p in agreement.parties.all()
    }
    assert stored == names | {
        parties[0].institution_id: ("Ivan Petrenko", "Rector"),
        parties[1].institution_id: ("Elvin Mammadov", ""),
    }
    detail = html(client.get(reverse("agreement_detail", args=[agreement.pk])))
    assert "Ivan Petrenko" in detail
    assert "Rector" in detail
    assert "Əməkdaşlıq haqqında memorandum" in detail
    # The edit page shows what was saved, and clearing a language removes it.
    again = client.get(url)
    assert "Меморандум про співпрацю" in html(again)
    client.post(url, edit_data(again, title_az="", text_az=""))
    agreement.refresh_from_db()
    assert set(agreement.titles) == {"uk"}
    assert set(agreement.texts) == {"uk"}


def test_stale_edit_is_refused_and_changes_nothing(world: World) -> None:
    agreement = memorandum(world, world.partner_a, "Original title")
    client = client_for(world.officer)
    url = reverse("agreement_edit", args=[agreement.pk])
    form_page = client.get(url)
    # Meanwhile a colleague changes the agreement.
    actions.update_agreement(world.officer, agreement, {"text": "A colleague's text."}, 1)
    agreement.refresh_from_db()
    revision = agreement.revision
    assert revision > 1
    response = client.post(
        url,
        edit_data(
            form_page,
            title="My title",
            title_uk="Мій заголовок",
            **{"parties-0-signatory_name": "Somebody"},
        ),
    )
    page = html(response)
    assert "Someone else changed this agreement" in page
    agreement.refresh_from_db()
    assert agreement.title == "Original title"
    assert agreement.titles == {}
    assert agreement.text == "A colleague's text."
    assert agreement.revision == revision
    assert not agreement.parties.exclude(signatory_name="").exists()
    # From the current revision the same edit goes through.
    response = client.post(url, edit_data(client.get(url), title="My title"))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == "My title"


def test_signed_agreement_edit_page_redirects_with_a_message(world: World) -> None:
    agreement = sign(world, memorandum(world, world.partner_a, "Signed title"))
    client = client_for(world.officer)
    url = reverse("agreement_edit", args=[agreement.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("agreement_detail", args=[agreement.pk])
    page = html(client.get(response["Location"]))
    assert "changed by an amendment" in page
    before = state()
    response = client.post(
        url, {"kind": "memorandum", "title": "Sneaky", "revision": agreement.revision}
    )
    assert response.status_code == 302
    assert state() == before


def test_edit_of_an_unknown_agreement_is_404(world: World) -> None:
    assert client_for(world.officer).get(reverse("agreement_edit", args=[999999])).status_code == (
        404
    )


# The lifecycle


def test_transitions_move_the_agreement_and_refuse_illegal_ones(world: World) -> None:
    agreement = memorandum(world, world.partner_a)
    client = client_for(world.officer)
    for action, status in [
        ("propose", AgreementStatus.NEGOTIATION),
        ("submit_for_approval", AgreementStatus.INTERNAL_APPROVAL),
        ("sign", AgreementStatus.SIGNED),
        ("activate", AgreementStatus.ACTIVE),
    ]:
        response = client.post(reverse("agreement_transition", args=[agreement.pk, action]))
        assert response.status_code == 302
        agreement.refresh_from_db()
        assert agreement.status == status
    response = client.post(
        reverse("agreement_transition", args=[agreement.pk, "sign"]), follow=True
    )
    assert "cannot be changed" in html(response)
    response = client.post(
        reverse("agreement_transition", args=[agreement.pk, "nonsense"]), follow=True
    )
    assert "Unknown action" in html(response)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


def test_transitions_refuse_get(world: World) -> None:
    agreement = memorandum(world, world.partner_a)
    response = client_for(world.officer).get(
        reverse("agreement_transition", args=[agreement.pk, "propose"])
    )
    assert response.status_code == 405
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


# Quotas and directions


def test_quota_add_shows_duplicate_refused_and_remove(world: World) -> None:
    agreement = erasmus(world, world.partner_a)
    direction = agreement.directions.get()
    client = client_for(world.officer)
    url = reverse("quota_add", args=[agreement.pk])
    page = html(client.post(url, quota_data(direction, academic_year="2027/2028"), follow=True))
    assert "Quota added." in page
    quotas = section(page, "Quotas")
    assert "2027/2028" in quotas
    assert "Oil and gas production" in quotas
    quota = Quota.objects.get()
    assert (quota.people, quota.months, quota.flow) == (3, 15, Flow.OUTGOING)

    page = html(
        client.post(url, quota_data(direction, academic_year="2027/2028", people=9), follow=True)
    )
    assert "already has a quota for this direction" in page
    assert list(Quota.objects.values_list("people", flat=True)) == [3]

    page = html(client.post(reverse("quota_delete", args=[quota.pk]), follow=True))
    assert "Quota removed." in page
    assert not Quota.objects.exists()
    assert "2027/2028" not in section(page, "Quotas")


def test_bad_quota_is_refused_with_a_message(world: World) -> None:
    agreement = erasmus(world, world.partner_a)
    direction = agreement.directions.get()
    page = html(
        client_for(world.officer).post(
            reverse("quota_add", args=[agreement.pk]),
            quota_data(direction, academic_year="2026/2028"),
            follow=True,
        )
    )
    assert "two consecutive years" in page
    assert not Quota.objects.exists()


def test_quota_with_another_agreements_direction_is_refused(world: World) -> None:
    ours, theirs = erasmus(world, world.partner_a), erasmus(world, world.partner_b)
    client_for(world.officer).post(
        reverse("quota_add", args=[ours.pk]), quota_data(theirs.directions.get())
    )
    assert not Quota.objects.exists()


def test_quota_on_a_signed_agreement_is_refused(world: World) -> None:
    agreement = erasmus(world, world.partner_a)
    direction = agreement.directions.get()
    quota = add_quota(world, agreement, direction)
    sign(world, agreement)
    client = client_for(world.officer)
    page = html(client.get(reverse("agreement_detail", args=[agreement.pk])))
    assert reverse("quota_delete", args=[quota.pk]) not in page
    page = html(
        client.post(reverse("quota_add", args=[agreement.pk]), quota_data(direction), follow=True)
    )
    assert "not edited any more" in page
    page = html(client.post(reverse("quota_delete", args=[quota.pk]), follow=True))
    assert "not edited any more" in page
    assert list(Quota.objects.all()) == [quota]


def test_direction_added_to_an_agreement(world: World) -> None:
    agreement = memorandum(world, world.partner_a)
    client = client_for(world.officer)
    page = html(client.get(reverse("agreement_detail", args=[agreement.pk])))
    assert 'name="direction-name"' in page
    assert 'name="direction-isced_fields"' in page
    response = client.post(
        reverse("agreement_direction_add", args=[agreement.pk]),
        {
            "direction-name": "Software engineering",
            "direction-isced_fields": ["0613"],
            "direction-specialties": [],
        },
        follow=True,
    )
    page = html(response)
    assert "Direction added." in page
    assert "Software engineering" in section(page, "Directions")
    direction = agreement.directions.get()
    assert list(direction.fields.values_list("pk", flat=True)) == ["0613"]
    assert direction.package_id is None


def test_direction_without_field_or_specialty_is_refused(world: World) -> None:
    agreement = memorandum(world, world.partner_a)
    page = html(
        client_for(world.officer).post(
            reverse("agreement_direction_add", args=[agreement.pk]),
            {"direction-name": "Vague cooperation"},
            follow=True,
        )
    )
    assert "at least one field or specialty" in page
    assert not Direction.objects.exists()


# Versions


def test_amend_creates_version_two_and_compare_shows_the_changed_title(world: World) -> None:
    agreement = sign(world, memorandum(world, world.partner_a, "Memorandum of 2020"))
    client = client_for(world.officer)
    response = client.post(reverse("agreement_version", args=[agreement.pk, "amendment"]))
    version = Agreement.objects.get(previous=agreement)
    assert response.status_code == 302
    assert response["Location"] == reverse("agreement_detail", args=[version.pk])
    assert (version.version_number, version.version_reason, version.status) == (
        2,
        VersionReason.AMENDMENT,
        AgreementStatus.DRAFT,
    )
    assert set(version.parties.values_list("institution_id", flat=True)) == {
        world.home.pk,
        world.partner_a.pk,
    }
    # The new version is edited like any draft.
    edit_url = reverse("agreement_edit", args=[version.pk])
    client.post(edit_url, edit_data(client.get(edit_url), title="Memorandum of 2025"))
    page = html(client.get(reverse("agreement_detail", args=[version.pk])))
    versions = section(page, "Versions")
    assert reverse("agreement_detail", args=[agreement.pk]) in versions
    assert reverse("agreement_detail", args=[version.pk]) in versions
    compare_url = reverse("agreement_compare", args=[agreement.pk, version.pk])
    assert compare_url in versions
    assert "what changed" in versions
    # The older version lists the versions too.
    assert compare_url in html(client.get(reverse("agreement_detail", args=[agreement.pk])))
    compare = html(client.get(compare_url))
    assert "Memorandum of 2020" in compare
    assert "Memorandum of 2025" in compare
    assert "Version 1 → version 2" in compare
    # Putting version 2 into effect retires version 1.
    for action in ("propose", "submit_for_approval", "sign", "activate"):
        client.post(reverse("agreement_transition", args=[version.pk, action]))
    agreement.refresh_from_db()
    version.refresh_from_db()
    assert (agreement.status, version.status) == (AgreementStatus.EXPIRED, AgreementStatus.ACTIVE)


def test_renew_moves_the_dates_on(world: World) -> None:
    agreement = memorandum(world, world.partner_a)
    actions.update_agreement(
        world.officer,
        agreement,
        {"valid_from": datetime.date(2021, 1, 1), "valid_until": datetime.date(2025, 12, 31)},
        None,
    )
    sign(world, agreement)
    client = client_for(world.officer)
    response = client.post(reverse("agreement_version", args=[agreement.pk, "renewal"]))
    version = Agreement.objects.get(previous=agreement)
    assert response["Location"] == reverse("agreement_detail", args=[version.pk])
    assert version.version_number == 2
    assert version.version_reason == VersionReason.RENEWAL
    assert version.valid_from == datetime.date(2026, 1, 1)
    page = html(client.get(response["Location"]))
    assert "version 2: Renewal" in page
    assert reverse("agreement_compare", args=[agreement.pk, version.pk]) in section(
        page, "Versions"
    )
    compare = html(client.get(reverse("agreement_compare", args=[agreement.pk, version.pk])))
    assert "2026-01-01" in compare


def test_a_second_pending_version_and_a_draft_version_are_refused(world: World) -> None:
    agreement = sign(world, memorandum(world, world.partner_a))
    draft = memorandum(world, world.partner_a, "Still a draft")
    client = client_for(world.officer)
    client.post(reverse("agreement_version", args=[agreement.pk, "amendment"]))
    response = client.post(
        reverse("agreement_version", args=[agreement.pk, "renewal"]), follow=True
    )
    assert "already being prepared" in html(response)
    response = client.post(reverse("agreement_version", args=[draft.pk, "amendment"]), follow=True)
    assert "cannot be given a new version" in html(response)
    response = client.post(reverse("agreement_version", args=[agreement.pk, "original"]))
    assert response.status_code == 302
    assert Agreement.objects.filter(version_number=2).count() == 1


def test_a_single_version_lists_no_versions(world: World) -> None:
    agreement = sign(world, memorandum(world, world.partner_a))
    page = html(client_for(world.officer).get(reverse("agreement_detail", args=[agreement.pk])))
    assert "<h2>Versions</h2>" not in page
    assert "what changed" not in page


# Negotiation history and what a partner sees


@dataclass
class Negotiation:
    protocol: Agreement
    accepted: Direction
    declined: Direction


def negotiation(world: World) -> Negotiation:
    """A package sent to both partners: A accepts one direction and declines the other with
    a reason, B declines the first with its own reason; a protocol with A follows."""
    package = actions.create_package(
        world.officer,
        ProposalPackage(title="Cooperation in 2026"),
        [world.partner_a.pk, world.partner_b.pk],
    )
    accepted = actions.add_direction(
        world.officer, Direction(package=package, name="Oil and gas production"), ["0724"]
    )
    declined = actions.add_direction(
        world.officer, Direction(package=package, name="Software development"), ["0613"]
    )
    actions.send_package(world.officer, package)
    actions.answer_direction(
        world.partner_a_coordinator, accepted, world.partner_a.pk, AnswerKind.ACCEPT
    )
    actions.answer_direction(
        world.partner_a_coordinator,
        declined,
        world.partner_a.pk,
        AnswerKind.DECLINE,
        "Our software faculty is closing",
    )
    actions.answer_direction(
        world.partner_b_coordinator,
        accepted,
        world.partner_b.pk,
        AnswerKind.DECLINE,
        "Beta has no petroleum engineers",
    )
    parent = memorandum(world, world.partner_a)
    protocol = actions.protocol_from_package(
        world.officer, package, world.partner_a.pk, parent, "Protocol with Partner A"
    )
    return Negotiation(protocol=protocol, accepted=accepted, declined=declined)


def test_partner_never_sees_another_partners_answers_on_an_agreement(world: World) -> None:
    n = negotiation(world)
    page = html(
        client_for(world.partner_a_coordinator).get(
            reverse("agreement_detail", args=[n.protocol.pk])
        )
    )
    assert "Oil and gas production" in page
    assert "Partner B University" not in page
    assert "Beta has no petroleum engineers" not in page


def test_partner_history_on_an_agreement_names_no_other_recipient(world: World) -> None:
    n = negotiation(world)
    url = reverse("agreement_detail", args=[n.protocol.pk])
    response = client_for(world.partner_a_coordinator).get(url)
    html(response)
    named = {
        pk
        for entry in response.context["history"]
        for state in (entry.before, entry.after)
        if state
        for pk in state.get("recipients", [])
    }
    assert world.partner_b.pk not in named
    officer_history = client_for(world.officer).get(url).context["history"]
    assert any(entry.object_type == "agreements.proposalpackage" for entry in officer_history)


def test_other_partner_gets_404_on_the_protocol(world: World) -> None:
    n = negotiation(world)
    response = client_for(world.partner_b_coordinator).get(
        reverse("agreement_detail", args=[n.protocol.pk])
    )
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["officer", *HOME_STAFF])
def test_home_staff_see_who_declined_in_the_negotiation_history(world: World, persona: str) -> None:
    n = negotiation(world)
    page = html(
        client_for(getattr(world, persona)).get(reverse("agreement_detail", args=[n.protocol.pk]))
    )
    history = section(page, "History")
    assert "Partner A University: Decline Software development" in history
    assert "Partner B University: Decline Oil and gas production" in history


def test_home_staff_see_the_decline_reason_in_the_negotiation_history(world: World) -> None:
    n = negotiation(world)
    page = html(client_for(world.leadership).get(reverse("agreement_detail", args=[n.protocol.pk])))
    history = section(page, "History")
    assert "Our software faculty is closing" in history
    assert "Beta has no petroleum engineers" in history


def test_a_changed_answer_shows_its_reason_in_the_history(world: World) -> None:
    n = negotiation(world)
    actions.answer_direction(
        world.partner_a_coordinator,
        n.declined,
        world.partner_a.pk,
        AnswerKind.COUNTER,
        "Software testing instead",
    )
    page = html(client_for(world.officer).get(reverse("agreement_detail", args=[n.protocol.pk])))
    assert "Software testing instead" in section(page, "History")
    partner_page = html(
        client_for(world.partner_a_coordinator).get(
            reverse("agreement_detail", args=[n.protocol.pk])
        )
    )
    assert "Software testing instead" in section(partner_page, "History")
