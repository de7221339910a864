"""Proposal package pages: who may open and change what (every page and every POST, per
persona), each partner seeing only its own part; proposing directions by hand and from the
suggestions, sending, answering (by the partner or by an officer on its behalf), withdrawing,
closing, and drafting a protocol from the accepted directions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.agreements import actions
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AnswerKind,
    Direction,
    DirectionAnswer,
    PackageStatus,
    ProposalPackage,
)
from accord.institutions.models import Institution, Offering, Specialty, StudyLevel
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

NOT_WITH_THE_PARTNERS = "Answers are taken while the package is with the partners."


def package_of(
    world: World,
    *recipients: Institution,
    names: tuple[str, ...] = ("Oil and gas production",),
    title: str = "Cooperation in 2026",
    send: bool = True,
) -> ProposalPackage:
    package = actions.create_package(
        world.officer, ProposalPackage(title=title), [r.pk for r in recipients]
    )
    for name in names:
        actions.add_direction(world.officer, Direction(package=package, name=name), ["0724"])
    if send:
        actions.send_package(world.officer, package)
    return package


def direction_named(package: ProposalPackage, name: str) -> Direction:
    return package.directions.get(name=name)


def answer(
    world: World, direction: Direction, partner: Institution, kind: str, comment: str = ""
) -> DirectionAnswer:
    coordinator = (
        world.partner_a_coordinator if partner == world.partner_a else world.partner_b_coordinator
    )
    return actions.answer_direction(coordinator, direction, partner.pk, kind, comment)


def state() -> list[Any]:
    """Everything the package pages change, to see that a refused request changed nothing."""
    return [
        sorted(ProposalPackage.objects.values_list("pk", "title", "status")),
        sorted(Direction.objects.values_list("pk", "name")),
        sorted(DirectionAnswer.objects.values_list("pk", "institution_id", "answer", "comment")),
        sorted(Agreement.objects.values_list("pk", "title")),
    ]


# Access and denial on every page and every POST


@dataclass
class Records:
    """A draft package for partner A, and one sent to partner A with an accepted direction."""

    draft: ProposalPackage
    sent: ProposalPackage
    direction: Direction
    parent: Agreement


def records(world: World) -> Records:
    draft = package_of(world, world.partner_a, title="Draft package", send=False)
    sent = package_of(
        world,
        world.partner_a,
        names=("Oil and gas production", "Rock blasting"),
        title="Sent package",
    )
    direction = direction_named(sent, "Oil and gas production")
    answer(world, direction, world.partner_a, AnswerKind.ACCEPT)
    return Records(
        draft=draft, sent=sent, direction=direction, parent=memorandum(world, world.partner_a)
    )


Case = Callable[[World, Records], tuple[str, str, dict[str, Any]]]
# Changes to a package sent to partner A: partner A may look but not change (403).
CHANGES: dict[str, Case] = {
    "edit page": lambda w, r: ("get", reverse("package_edit", args=[r.sent.pk]), {}),
    "edit": lambda w, r: (
        "post",
        reverse("package_edit", args=[r.sent.pk]),
        {"title": "Renamed", "recipients": [w.partner_a.pk]},
    ),
    "close": lambda w, r: ("post", reverse("package_close", args=[r.sent.pk]), {}),
    "propose direction": lambda w, r: (
        "post",
        reverse("package_direction_add", args=[r.sent.pk]),
        {"direction-name": "Petroleum geology", "direction-isced_fields": ["0724"]},
    ),
    "add suggestion": lambda w, r: (
        "post",
        reverse("package_suggestion_add", args=[r.sent.pk]),
        {"field": "0613"},
    ),
    "withdraw": lambda w, r: (
        "post",
        reverse("direction_withdraw", args=[direction_named(r.sent, "Rock blasting").pk]),
        {},
    ),
    "protocol": lambda w, r: (
        "post",
        reverse("package_protocol", args=[r.sent.pk, w.partner_a.pk]),
        {
            f"protocol-{w.partner_a.pk}-institution": w.partner_a.pk,
            f"protocol-{w.partner_a.pk}-parent": r.parent.pk,
            f"protocol-{w.partner_a.pk}-title": "Protocol with Partner A",
        },
    ),
}
# Pages about a draft package: a partner it is meant for does not see it yet (404).
DRAFT_PAGES: dict[str, Case] = {
    "detail": lambda w, r: ("get", reverse("package_detail", args=[r.draft.pk]), {}),
    "edit page": lambda w, r: ("get", reverse("package_edit", args=[r.draft.pk]), {}),
    "send": lambda w, r: ("post", reverse("package_send", args=[r.draft.pk]), {}),
    "propose direction": lambda w, r: (
        "post",
        reverse("package_direction_add", args=[r.draft.pk]),
        {"direction-name": "Petroleum geology", "direction-isced_fields": ["0724"]},
    ),
    "withdraw": lambda w, r: (
        "post",
        reverse("direction_withdraw", args=[r.draft.directions.get().pk]),
        {},
    ),
}


def draft_outcome(persona: str) -> str | int:
    """What a persona gets on a draft package meant for partner A."""
    if persona in ("partner_a_coordinator", "partner_b_coordinator"):
        return 404
    return change_outcome(persona)


def check(response: Any, method: str, expected: str | int) -> None:
    if expected == LOGIN:
        assert_login_redirect(response)
    elif expected == OK:
        assert response.status_code == (200 if method == "get" else 302)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_changes_per_persona(world: World, persona: str, change: str) -> None:
    method, url, data = CHANGES[change](world, records(world))
    before = state()
    response = getattr(client_for(user_of(world, persona)), method)(url, data)
    expected = change_outcome(persona)
    check(response, method, expected)
    if expected == OK:
        if method == "post":
            assert state() != before, "the officer's change was not made"
    else:
        assert state() == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", sorted(DRAFT_PAGES))
def test_draft_package_pages_per_persona(world: World, persona: str, page: str) -> None:
    method, url, data = DRAFT_PAGES[page](world, records(world))
    before = state()
    response = getattr(client_for(user_of(world, persona)), method)(url, data)
    expected = draft_outcome(persona)
    if page == "detail" and persona in HOME_STAFF:
        expected = OK  # home staff look at every package
    check(response, method, expected)
    if method == "post":
        assert (state() != before) == (expected == OK)


@pytest.mark.parametrize("persona", PERSONAS)
def test_sent_package_detail_per_persona(world: World, persona: str) -> None:
    r = records(world)
    response = client_for(user_of(world, persona)).get(reverse("package_detail", args=[r.sent.pk]))
    if persona == "anonymous":
        assert_login_redirect(response)
    elif persona == "partner_b_coordinator":
        assert response.status_code == 404
    else:
        assert "Sent package" in html(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_per_persona(world: World, persona: str) -> None:
    package_of(world, world.partner_a, title="For Alpha")
    package_of(world, world.partner_b, title="For Beta")
    package_of(world, world.partner_a, title="Unsent for Alpha", send=False)
    response = client_for(user_of(world, persona)).get(reverse("package_list"))
    if persona == "anonymous":
        assert_login_redirect(response)
        return
    page = html(response)
    shown = {t for t in ("For Alpha", "For Beta", "Unsent for Alpha") if t in page}
    expected = {
        "partner_a_coordinator": {"For Alpha"},
        "partner_b_coordinator": {"For Beta"},
    }.get(persona, {"For Alpha", "For Beta", "Unsent for Alpha"})
    assert shown == expected
    offered = reverse("package_create") in page and "New proposal package" in page
    assert offered == (persona == "officer")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_officers_create_packages(world: World, persona: str, method: str) -> None:
    data = {"title": "Cooperation in 2027", "recipients": [world.partner_a.pk]}
    response = getattr(client_for(user_of(world, persona)), method)(reverse("package_create"), data)
    if persona == "anonymous":
        assert_login_redirect(response)
    elif persona == "officer":
        assert response.status_code == (200 if method == "get" else 302)
    else:
        assert response.status_code == 403
    assert ProposalPackage.objects.exists() == (persona == "officer" and method == "post")


@pytest.mark.parametrize("persona", PERSONAS)
def test_answer_per_persona(world: World, persona: str) -> None:
    r = records(world)
    direction = direction_named(r.sent, "Rock blasting")
    data: dict[str, Any] = {"answer": AnswerKind.ACCEPT, "comment": ""}
    if persona == "officer":
        data["institution"] = world.partner_a.pk
    response = client_for(user_of(world, persona)).post(
        reverse("direction_answer", args=[direction.pk]), data
    )
    answered = DirectionAnswer.objects.filter(direction=direction).exists()
    if persona == "anonymous":
        assert_login_redirect(response)
    elif persona in ("officer", "partner_a_coordinator"):
        assert response.status_code == 302
        assert response["Location"] == reverse("package_detail", args=[r.sent.pk])
        assert answered
        return
    elif persona == "partner_b_coordinator":
        assert response.status_code == 404
    else:
        assert response.status_code == 403
    assert not answered


def test_partner_cannot_answer_a_draft_package_meant_for_it(world: World) -> None:
    r = records(world)
    response = client_for(world.partner_a_coordinator).post(
        reverse("direction_answer", args=[r.draft.directions.get().pk]),
        {"answer": AnswerKind.ACCEPT},
    )
    assert response.status_code == 404
    assert not DirectionAnswer.objects.filter(direction__package=r.draft).exists()


def test_partner_cannot_answer_for_another_partner(world: World) -> None:
    package = package_of(world, world.partner_a, world.partner_b)
    direction = package.directions.get()
    response = client_for(world.partner_a_coordinator).post(
        reverse("direction_answer", args=[direction.pk]),
        {"answer": AnswerKind.DECLINE, "comment": "Spoiler", "institution": world.partner_b.pk},
    )
    assert response.status_code == 403
    assert not DirectionAnswer.objects.exists()


@pytest.mark.parametrize("persona", ["partner_a_coordinator", *HOME_STAFF])
def test_no_change_buttons_for_those_who_may_not_change(world: World, persona: str) -> None:
    r = records(world)
    page = html(
        client_for(getattr(world, persona)).get(reverse("package_detail", args=[r.sent.pk]))
    )
    for url in (
        reverse("package_edit", args=[r.sent.pk]),
        reverse("package_close", args=[r.sent.pk]),
        reverse("package_direction_add", args=[r.sent.pk]),
        reverse("package_suggestion_add", args=[r.sent.pk]),
        reverse("package_protocol", args=[r.sent.pk, world.partner_a.pk]),
        reverse("direction_withdraw", args=[r.direction.pk]),
    ):
        assert url not in page
    answers_offered = reverse("direction_answer", args=[r.direction.pk]) in page
    assert answers_offered == (persona == "partner_a_coordinator")


def test_officer_sees_the_change_buttons(world: World) -> None:
    r = records(world)
    client = client_for(world.officer)
    page = html(client.get(reverse("package_detail", args=[r.sent.pk])))
    for url in (
        reverse("package_edit", args=[r.sent.pk]),
        reverse("package_close", args=[r.sent.pk]),
        reverse("package_direction_add", args=[r.sent.pk]),
        reverse("package_protocol", args=[r.sent.pk, world.partner_a.pk]),
        reverse("direction_withdraw", args=[r.direction.pk]),
    ):
        assert url in page
    draft_page = html(client.get(reverse("package_detail", args=[r.draft.pk])))
    assert reverse("package_send", args=[r.draft.pk]) in draft_page
    assert reverse("package_close", args=[r.draft.pk]) not in draft_page


# What a partner sees of a package sent to several


@pytest.fixture
def shared(world: World) -> ProposalPackage:
    """A package sent to both partners: A accepts, B declines with a reason (recorded by an
    officer from B's letter) and counter-proposes with another."""
    package = package_of(
        world, world.partner_a, world.partner_b, names=("Oil and gas", "Rock blasting")
    )
    oil, mining = direction_named(package, "Oil and gas"), direction_named(package, "Rock blasting")
    answer(world, oil, world.partner_a, AnswerKind.ACCEPT)
    answer(world, mining, world.partner_a, AnswerKind.DECLINE, "Alpha mines no more")
    actions.answer_direction(
        world.officer, oil, world.partner_b.pk, AnswerKind.DECLINE, "Beta lacks petroleum staff"
    )
    answer(world, mining, world.partner_b, AnswerKind.COUNTER, "Beta offers geology instead")
    answer(world, mining, world.partner_b, AnswerKind.COUNTER, "Beta offers geodesy instead")
    return package


def test_partner_sees_only_its_own_part_of_the_package(
    world: World, shared: ProposalPackage
) -> None:
    page = html(
        client_for(world.partner_a_coordinator).get(reverse("package_detail", args=[shared.pk]))
    )
    assert "Alpha mines no more" in page
    assert "Partner A University" in page
    for secret in (
        "Partner B University",
        "Beta lacks petroleum staff",
        "Beta offers geology instead",
        "Beta offers geodesy instead",
    ):
        assert secret not in page, secret
    page_b = html(
        client_for(world.partner_b_coordinator).get(reverse("package_detail", args=[shared.pk]))
    )
    assert "Beta offers geodesy instead" in page_b
    assert "Partner A University" not in page_b
    assert "Alpha mines no more" not in page_b


def test_partner_sees_no_other_partner_after_recipients_change(world: World) -> None:
    package = package_of(world, world.partner_a, send=False)
    client = client_for(world.officer)
    response = client.post(
        reverse("package_edit", args=[package.pk]),
        {"title": "Cooperation in 2026", "recipients": [world.partner_a.pk, world.partner_b.pk]},
    )
    assert response.status_code == 302
    client.post(reverse("package_send", args=[package.pk]))
    response = client_for(world.partner_a_coordinator).get(
        reverse("package_detail", args=[package.pk])
    )
    assert "Partner B University" not in html(response)
    # Nor is partner B named by its id among the recipients in the history shown.
    assert world.partner_b.pk not in recipients_in(response.context["history"])
    # Home staff do see the change of recipients.
    officer_page = client.get(reverse("package_detail", args=[package.pk]))
    assert world.partner_b.pk in recipients_in(officer_page.context["history"])


def recipients_in(history: Any) -> set[int]:
    """Every institution id a history's entries list as a package's recipient."""
    return {
        pk
        for entry in history
        for state in (entry.before, entry.after)
        if state
        for pk in state.get("recipients", [])
    }


@pytest.mark.parametrize("persona", ["officer", *HOME_STAFF])
def test_home_staff_see_every_partners_answers(
    world: World, shared: ProposalPackage, persona: str
) -> None:
    page = html(
        client_for(getattr(world, persona)).get(reverse("package_detail", args=[shared.pk]))
    )
    answers = section(page, "Directions and answers")
    for text in (
        "Partner A University",
        "Partner B University",
        "Alpha mines no more",
        "Beta lacks petroleum staff",
        "Beta offers geodesy instead",
    ):
        assert text in answers, text


# Creating and editing


def test_officer_creates_a_package_with_recipients(world: World) -> None:
    client = client_for(world.officer)
    form = html(client.get(reverse("package_create")))
    assert "Partner A University" in form
    assert "Partner B University" in form
    assert f'value="{world.home.pk}"' not in form  # not sent to ourselves
    response = client.post(
        reverse("package_create"),
        {
            "title": "Cooperation in 2027",
            "description": "Petroleum and IT.",
            "recipients": [world.partner_a.pk, world.partner_b.pk],
        },
    )
    package = ProposalPackage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("package_detail", args=[package.pk])
    assert package.status == PackageStatus.DRAFT
    assert set(package.recipients.values_list("pk", flat=True)) == {
        world.partner_a.pk,
        world.partner_b.pk,
    }
    page = html(client.get(response["Location"]))
    assert "Saved." in page
    assert "Petroleum and IT." in page
    assert "Partner B University" in section(page, "Directions and answers")


def test_package_without_title_is_refused(world: World) -> None:
    response = client_for(world.officer).post(
        reverse("package_create"), {"recipients": [world.partner_a.pk]}
    )
    assert "title" in response.context["form"].errors
    assert not ProposalPackage.objects.exists()


def test_officer_edits_a_package(world: World) -> None:
    package = package_of(world, world.partner_a, send=False)
    client = client_for(world.officer)
    assert "Cooperation in 2026" in html(client.get(reverse("package_edit", args=[package.pk])))
    response = client.post(
        reverse("package_edit", args=[package.pk]),
        {"title": "Cooperation in 2026/27", "recipients": [world.partner_b.pk]},
    )
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.title == "Cooperation in 2026/27"
    assert list(package.recipients.values_list("pk", flat=True)) == [world.partner_b.pk]


def test_a_partner_that_answered_stays_among_the_recipients(world: World) -> None:
    package = package_of(world, world.partner_a, world.partner_b)
    answer(world, package.directions.get(), world.partner_a, AnswerKind.ACCEPT)
    response = client_for(world.officer).post(
        reverse("package_edit", args=[package.pk]),
        {"title": "Cooperation in 2026", "recipients": [world.partner_b.pk]},
    )
    assert "stays among the recipients" in html(response)
    assert package.recipients.count() == 2


# Directions: by hand, from the suggestions, withdrawn


def test_officer_proposes_a_direction(world: World) -> None:
    package = package_of(world, world.partner_a, names=(), send=False)
    specialty = Specialty.objects.get(code="185")
    client = client_for(world.officer)
    page = html(client.get(reverse("package_detail", args=[package.pk])))
    for name in ("direction-name", "direction-isced_fields", "direction-specialties"):
        assert f'name="{name}"' in page
    response = client.post(
        reverse("package_direction_add", args=[package.pk]),
        {
            "direction-name": "Oil and gas engineering",
            "direction-description": "Drilling and production.",
            "direction-isced_fields": ["0724"],
            "direction-specialties": [specialty.pk],
        },
        follow=True,
    )
    page = html(response)
    assert "Direction added." in page
    answers = section(page, "Directions and answers")
    assert "Oil and gas engineering" in answers
    assert "Drilling and production." in answers
    assert "Oil and gas engineering and technologies" in answers
    direction = package.directions.get()
    assert list(direction.fields.values_list("pk", flat=True)) == ["0724"]
    assert list(direction.specialties.all()) == [specialty]


def test_direction_without_name_or_field_is_refused(world: World) -> None:
    package = package_of(world, world.partner_a, names=(), send=False)
    client = client_for(world.officer)
    url = reverse("package_direction_add", args=[package.pk])
    page = html(client.post(url, {"direction-name": "Vague"}, follow=True))
    assert "at least one field or specialty" in page
    page = html(client.post(url, {"direction-isced_fields": ["0724"]}, follow=True))
    assert "This field is required." in page
    assert not Direction.objects.exists()


def teach(institution: Institution, code: str, level: int = StudyLevel.BACHELOR) -> None:
    specialty = Specialty.objects.filter(primary_field_id=code).order_by("code").first()
    Offering.objects.create(
        institution=institution,
        field_id=code,
        level=level,
        specialty=specialty if institution.is_home else None,
        title=f"Programme in {code}",
    )


def test_suggestions_listed_for_a_recipient_teaching_the_same_field(world: World) -> None:
    teach(world.home, "0724")
    teach(world.home, "0613")
    teach(world.partner_a, "0724")
    teach(world.partner_b, "0311")
    package = package_of(world, world.partner_a, world.partner_b, names=(), send=False)
    page = html(client_for(world.officer).get(reverse("package_detail", args=[package.pk])))
    ours_with_a = section(page, "Where our teaching coincides with Partner A University")
    assert "0724 Mining and extraction" in ours_with_a
    assert 'name="field" value="0724"' in ours_with_a
    assert "0613" not in ours_with_a
    ours_with_b = section(page, "Where our teaching coincides with Partner B University")
    assert "No coinciding fields" in ours_with_b
    assert 'name="field"' not in ours_with_b


def test_one_click_suggestion_creates_a_direction_tied_to_the_field(world: World) -> None:
    teach(world.home, "0724")
    teach(world.partner_a, "0724")
    package = package_of(world, world.partner_a, names=(), send=False)
    client = client_for(world.officer)
    response = client.post(
        reverse("package_suggestion_add", args=[package.pk]), {"field": "0724"}, follow=True
    )
    page = html(response)
    assert "Direction added: Mining and extraction." in page
    direction = package.directions.get()
    assert direction.name == "Mining and extraction"
    assert direction.names == {"uk": "Гірничо-видобувна промисловість"}
    assert list(direction.fields.values_list("pk", flat=True)) == ["0724"]
    home_specialties = set(
        world.home.offerings.exclude(specialty=None).values_list("specialty_id", flat=True)
    )
    assert set(direction.specialties.values_list("pk", flat=True)) == home_specialties
    assert "Mining and extraction" in section(page, "Directions and answers")


def test_one_click_suggestion_for_a_narrow_field_takes_its_detailed_fields(world: World) -> None:
    package = package_of(world, world.partner_a, names=(), send=False)
    client_for(world.officer).post(
        reverse("package_suggestion_add", args=[package.pk]), {"field": "072"}
    )
    direction = package.directions.get()
    codes = set(direction.fields.values_list("pk", flat=True))
    assert codes
    assert all(code.startswith("072") and len(code) == 4 for code in codes)


def test_one_click_suggestion_of_an_unknown_field_is_404(world: World) -> None:
    package = package_of(world, world.partner_a, names=(), send=False)
    response = client_for(world.officer).post(
        reverse("package_suggestion_add", args=[package.pk]), {"field": "zzzz"}
    )
    assert response.status_code == 404
    assert not Direction.objects.exists()


def test_officer_withdraws_a_direction(world: World) -> None:
    package = package_of(world, world.partner_a, names=("Oil and gas", "Rock blasting"))
    mining = direction_named(package, "Rock blasting")
    client = client_for(world.officer)
    response = client.post(reverse("direction_withdraw", args=[mining.pk]), follow=True)
    page = html(response)
    assert "Direction withdrawn." in page
    assert list(package.directions.values_list("name", flat=True)) == ["Oil and gas"]
    assert "Rock blasting" not in section(page, "Directions and answers")


def test_a_direction_of_a_closed_package_stays(world: World) -> None:
    package = package_of(world, world.partner_a)
    actions.close_package(world.officer, package)
    direction = package.directions.get()
    page = html(
        client_for(world.officer).post(
            reverse("direction_withdraw", args=[direction.pk]), follow=True
        )
    )
    assert "The proposal package is closed." in page
    assert Direction.objects.filter(pk=direction.pk).exists()
    assert reverse("direction_withdraw", args=[direction.pk]) not in page


# Sending, answering, closing


def test_officer_sends_a_package(world: World) -> None:
    package = package_of(world, world.partner_a, send=False)
    client = client_for(world.officer)
    page = html(client.post(reverse("package_send", args=[package.pk]), follow=True))
    assert "Sent to the partners." in page
    package.refresh_from_db()
    assert package.status == PackageStatus.SENT
    assert package.sent_on is not None
    # Now partner A sees it and may answer.
    partner_page = html(
        client_for(world.partner_a_coordinator).get(reverse("package_detail", args=[package.pk]))
    )
    assert reverse("direction_answer", args=[package.directions.get().pk]) in partner_page
    # Sending again is refused.
    page = html(client.post(reverse("package_send", args=[package.pk]), follow=True))
    assert "sent already" in page


def test_empty_package_is_not_sent(world: World) -> None:
    package = package_of(world, world.partner_a, names=(), send=False)
    page = html(
        client_for(world.officer).post(reverse("package_send", args=[package.pk]), follow=True)
    )
    assert "at least one direction" in page
    package.refresh_from_db()
    assert package.status == PackageStatus.DRAFT


def test_partner_accepts_a_direction(world: World) -> None:
    package = package_of(world, world.partner_a)
    direction = package.directions.get()
    client = client_for(world.partner_a_coordinator)
    response = client.post(
        reverse("direction_answer", args=[direction.pk]),
        {"answer": AnswerKind.ACCEPT, "comment": "Gladly, from September"},
        follow=True,
    )
    page = html(response)
    assert "Answer recorded." in page
    stored = DirectionAnswer.objects.get()
    assert (stored.institution_id, stored.answer, stored.comment) == (
        world.partner_a.pk,
        AnswerKind.ACCEPT,
        "Gladly, from September",
    )
    assert "Gladly, from September" in section(page, "Directions and answers")
    # Answering again replaces the answer.
    client.post(
        reverse("direction_answer", args=[direction.pk]),
        {"answer": AnswerKind.COUNTER, "comment": "Only for master students"},
    )
    stored = DirectionAnswer.objects.get()
    assert (stored.answer, stored.comment) == (AnswerKind.COUNTER, "Only for master students")


@pytest.mark.parametrize(
    ("persona", "answer", "comment", "institution", "send", "message"),
    [
        ("partner_a_coordinator", AnswerKind.DECLINE, "   ", None, True, "Say why you decline"),
        ("partner_a_coordinator", AnswerKind.COUNTER, "   ", None, True, "Say why you decline"),
        ("partner_a_coordinator", "maybe", "", None, True, "Select a valid choice"),
        ("officer", AnswerKind.ACCEPT, "", "partner_b", True, "not sent to this institution"),
        ("officer", AnswerKind.ACCEPT, "", None, True, "Say which partner answered."),
        ("officer", AnswerKind.ACCEPT, "", "partner_a", False, NOT_WITH_THE_PARTNERS),
    ],
    ids=[
        "decline without reason",
        "counter without reason",
        "unknown answer",
        "for an institution not among the recipients",
        "by an officer who does not say for whom",
        "to a draft package",
    ],
)
def test_refused_answer_shows_why_and_records_nothing(
    world: World,
    persona: str,
    answer: str,
    comment: str,
    institution: str | None,
    send: bool,
    message: str,
) -> None:
    package = package_of(world, world.partner_a, send=send)
    data: dict[str, Any] = {"answer": answer, "comment": comment}
    if institution is not None:
        data["institution"] = getattr(world, institution).pk
    page = html(
        client_for(getattr(world, persona)).post(
            reverse("direction_answer", args=[package.directions.get().pk]), data, follow=True
        )
    )
    assert message in page
    assert "Answer recorded." not in page
    assert not DirectionAnswer.objects.exists()


def test_officer_records_an_answer_on_a_partners_behalf(world: World) -> None:
    package = package_of(world, world.partner_a, world.partner_b)
    direction = package.directions.get()
    client = client_for(world.officer)
    response = client.post(
        reverse("direction_answer", args=[direction.pk]),
        {
            "answer": AnswerKind.DECLINE,
            "comment": "Their letter: no capacity",
            "institution": world.partner_b.pk,
        },
        follow=True,
    )
    page = html(response)
    assert "Answer recorded." in page
    stored = DirectionAnswer.objects.get()
    assert (stored.institution_id, stored.answer) == (world.partner_b.pk, AnswerKind.DECLINE)
    assert "Their letter: no capacity" in section(page, "Directions and answers")
    # Partner B sees the answer recorded for it, partner A does not.
    page_b = html(
        client_for(world.partner_b_coordinator).get(reverse("package_detail", args=[package.pk]))
    )
    assert "Their letter: no capacity" in page_b
    page_a = html(
        client_for(world.partner_a_coordinator).get(reverse("package_detail", args=[package.pk]))
    )
    assert "Their letter: no capacity" not in page_a


def test_officer_page_offers_recording_a_partners_answer(world: World) -> None:
    package = package_of(world, world.partner_a)
    page = html(client_for(world.officer).get(reverse("package_detail", args=[package.pk])))
    assert reverse("direction_answer", args=[package.directions.get().pk]) in page
    assert 'name="institution"' in page


def test_closed_package_refuses_answers(world: World) -> None:
    package = package_of(world, world.partner_a)
    direction = package.directions.get()
    client = client_for(world.officer)
    page = html(client.post(reverse("package_close", args=[package.pk]), follow=True))
    assert "Closed." in page
    package.refresh_from_db()
    assert package.status == PackageStatus.CLOSED
    partner = client_for(world.partner_a_coordinator)
    partner_page = html(partner.get(reverse("package_detail", args=[package.pk])))
    assert reverse("direction_answer", args=[direction.pk]) not in partner_page
    page = html(
        partner.post(
            reverse("direction_answer", args=[direction.pk]),
            {"answer": AnswerKind.ACCEPT},
            follow=True,
        )
    )
    assert NOT_WITH_THE_PARTNERS in page
    page = html(
        client.post(
            reverse("direction_answer", args=[direction.pk]),
            {"answer": AnswerKind.ACCEPT, "institution": world.partner_a.pk},
            follow=True,
        )
    )
    assert NOT_WITH_THE_PARTNERS in page
    assert not DirectionAnswer.objects.exists()
    # Nothing is proposed to, edited in, or closed again in a closed package.
    page = html(
        client.post(
            reverse("package_direction_add", args=[package.pk]),
            {"direction-name": "Late idea", "direction-isced_fields": ["0724"]},
            follow=True,
        )
    )
    assert "The proposal package is closed." in page
    assert package.directions.count() == 1
    assert reverse("package_edit", args=[package.pk]) not in page
    response = client.post(
        reverse("package_edit", args=[package.pk]),
        {"title": "Renamed", "recipients": [world.partner_a.pk]},
    )
    assert "The proposal package is closed." in html(response)
    page = html(client.post(reverse("package_close", args=[package.pk]), follow=True))
    assert "The proposal package is closed." in page
    package.refresh_from_db()
    assert package.title == "Cooperation in 2026"


# A protocol from the accepted directions


def protocol_data(partner: Institution, parent: Agreement, title: str) -> dict[str, Any]:
    prefix = f"protocol-{partner.pk}"
    return {
        f"{prefix}-institution": partner.pk,
        f"{prefix}-parent": parent.pk,
        f"{prefix}-title": title,
    }


def test_protocol_drafted_from_the_accepted_directions_only(
    world: World, shared: ProposalPackage
) -> None:
    parent = memorandum(world, world.partner_a)
    client = client_for(world.officer)
    page = html(client.get(reverse("package_detail", args=[shared.pk])))
    assert f'name="protocol-{world.partner_a.pk}-title"' in page
    # Partner B accepted nothing: no protocol form for it.
    assert f'name="protocol-{world.partner_b.pk}-title"' not in page
    response = client.post(
        reverse("package_protocol", args=[shared.pk, world.partner_a.pk]),
        protocol_data(world.partner_a, parent, "Protocol on oil and gas"),
    )
    protocol = Agreement.objects.get(kind=AgreementKind.PROTOCOL)
    assert response.status_code == 302
    assert response["Location"] == reverse("agreement_detail", args=[protocol.pk])
    assert protocol.status == AgreementStatus.DRAFT
    assert protocol.title == "Protocol on oil and gas"
    assert protocol.parent == parent
    assert list(protocol.directions.values_list("name", flat=True)) == ["Oil and gas"]
    assert set(protocol.parties.values_list("institution_id", flat=True)) == {
        world.home.pk,
        world.partner_a.pk,
    }
    page = html(client.get(response["Location"]))
    directions = section(page, "Directions")
    assert "Oil and gas" in directions
    assert "Rock blasting" not in directions
    # Partner A sees its protocol; partner B does not.
    client_a = client_for(world.partner_a_coordinator)
    assert "Oil and gas" in html(client_a.get(response["Location"]))
    client_b = client_for(world.partner_b_coordinator)
    assert client_b.get(response["Location"]).status_code == 404
    # A direction that became part of the protocol is not withdrawn any more.
    oil = direction_named(shared, "Oil and gas")
    page = html(client.post(reverse("direction_withdraw", args=[oil.pk]), follow=True))
    assert "part of an agreement and stays" in page
    assert Direction.objects.filter(pk=oil.pk).exists()


@pytest.mark.parametrize(
    ("partner", "message"),
    [
        pytest.param(
            "partner_b", "accepted no direction", id="with a partner that accepted nothing"
        ),
        pytest.param("partner_a", "Select a valid choice", id="under another partner's memorandum"),
    ],
)
def test_refused_protocol_shows_why_and_makes_nothing(
    world: World, shared: ProposalPackage, partner: str, message: str
) -> None:
    institution: Institution = getattr(world, partner)
    parent = memorandum(world, world.partner_b)
    page = html(
        client_for(world.officer).post(
            reverse("package_protocol", args=[shared.pk, institution.pk]),
            protocol_data(institution, parent, f"Protocol with {institution.name}"),
            follow=True,
        )
    )
    assert message in page
    assert not Agreement.objects.filter(kind=AgreementKind.PROTOCOL).exists()


def test_protocol_with_a_non_recipient_is_404(world: World) -> None:
    package = package_of(world, world.partner_a)
    parent = memorandum(world, world.partner_b)
    response = client_for(world.officer).post(
        reverse("package_protocol", args=[package.pk, world.partner_b.pk]),
        protocol_data(world.partner_b, parent, "Protocol with Partner B"),
    )
    assert response.status_code == 404
    assert not Agreement.objects.filter(kind=AgreementKind.PROTOCOL).exists()


# Query counts


def test_detail_query_count_does_not_grow(world: World) -> None:
    teach(world.home, "0724")
    teach(world.partner_a, "0724")
    small = package_of(world, world.partner_a, world.partner_b, names=("D0", "D1"))
    big = package_of(
        world, world.partner_a, world.partner_b, names=tuple(f"D{n}" for n in range(6))
    )
    specialty = Specialty.objects.get(code="185")
    for package in (small, big):
        for direction in package.directions.all():
            direction.specialties.add(specialty)
            answer(world, direction, world.partner_a, AnswerKind.ACCEPT)
            answer(world, direction, world.partner_b, AnswerKind.DECLINE, "No")
    for user in (world.officer, world.leadership, world.partner_a_coordinator):
        client = client_for(user)
        counts = []
        for package in (small, big):
            with CaptureQueriesContext(connection) as queries:
                html(client.get(reverse("package_detail", args=[package.pk])))
            counts.append(len(queries))
        assert counts[0] == counts[1], (user, counts)


def test_a_suggestion_already_proposed_is_marked_not_offered_again(world: World) -> None:
    teach(world.home, "0724")
    teach(world.partner_a, "0724")
    teach(world.home, "0613")
    teach(world.partner_a, "0613")
    package = package_of(world, world.partner_a, send=False)  # proposes a direction in 0724
    page = html(client_for(world.officer).get(reverse("package_detail", args=[package.pk])))
    suggestions = section(page, "Where our teaching coincides with Partner A University")
    assert 'name="field" value="0724"' not in suggestions
    assert 'name="field" value="0613"' in suggestions
    assert "proposed" in suggestions


def test_protocol_form_only_for_a_partner_with_a_memorandum(world: World) -> None:
    package = package_of(world, world.partner_a, world.partner_b)
    direction = direction_named(package, "Oil and gas production")
    answer(world, direction, world.partner_a, AnswerKind.ACCEPT)
    answer(world, direction, world.partner_b, AnswerKind.ACCEPT)
    memorandum(world, world.partner_a)
    page = html(client_for(world.officer).get(reverse("package_detail", args=[package.pk])))
    with_a = section(page, "A protocol with Partner A University")
    assert reverse("package_protocol", args=[package.pk, world.partner_a.pk]) in with_a
    with_b = section(page, "A protocol with Partner B University")
    assert reverse("package_protocol", args=[package.pk, world.partner_b.pk]) not in with_b
    assert "there is none with Partner B University yet" in with_b


def test_officer_records_a_partners_answer_from_the_page(world: World) -> None:
    package = package_of(world, world.partner_a)
    page = html(client_for(world.officer).get(reverse("package_detail", args=[package.pk])))
    assert "Record an answer received" in page
    assert f'name="institution" value="{world.partner_a.pk}"' in page
