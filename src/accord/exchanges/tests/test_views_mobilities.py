"""Mobility pages (the list: test_views_lists.py): one mobility with its facts, history and
step buttons; nominating through the form, within the quota, beyond it, and with an officer's
override; editing a nomination."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accord.agreements.models import Flow, MobilityType
from accord.exchanges import actions
from accord.exchanges.models import Mobility, MobilityStatus, Person
from conftest import client_for, entries_of, html, section

from .conftest import END, START, YEAR, Exchanges


def nomination(ex: Exchanges, person: Person, partner: str = "a", **changes: Any) -> dict[str, Any]:
    """The nomination form as posted for an incoming student from ``partner``."""
    return {
        "person": person.pk,
        "mobility_type": MobilityType.STUDENT_STUDIES,
        "flow": Flow.INCOMING,
        "sending_institution": getattr(ex.world, f"partner_{partner}").pk,
        "receiving_institution": ex.world.home.pk,
        "agreement": getattr(ex, f"protocol_{partner}").pk,
        "direction": getattr(ex, f"direction_{partner}").pk,
        "academic_year": YEAR,
        "planned_start": START.isoformat(),
        "planned_end": END.isoformat(),
    } | changes


def fill_the_quota(ex: Exchanges) -> None:
    """Both student places from partner A to the home university taken."""
    ex.nominate()
    ex.nominate()


def message_texts(response: Any) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


# One mobility


def test_the_detail_shows_every_fact_and_the_history(ex: Exchanges) -> None:
    fill_the_quota(ex)
    mobility = ex.nominate(
        ex.world.officer,
        override="Rector's decision of 3 March",
        ects_planned=Decimal("30"),
        language="en",
        funding="erasmus",
        sending_unit=None,
        receiving_unit=ex.home_unit,
    )
    page = html(client_for(ex.world.leadership).get(reverse("mobility_detail", args=[mobility.pk])))
    for fact in (
        "Leyla Aliyeva",
        "Student studies",
        "Incoming",
        "Partner A University",
        "Home University",
        "Faculty of Computer Science",
        "Protocol with Partner A University",
        "Information technology",
        YEAR,
        "4.6",  # months
        "30.0",
        "Erasmus+",
        "Rector&#x27;s decision of 3 March",
        "Nominated",
    ):
        assert fact in page, fact
    assert reverse("person_detail", args=[mobility.person_id]) in page
    assert reverse("agreement_detail", args=[ex.protocol_a.pk]) in page
    history = section(page, "History")
    assert "officer" in history
    assert "Leyla Aliyeva" in history


# persona -> the steps open to them on partner A's incoming nomination, and whether they see
# the edit and delete buttons.
BUTTONS: dict[str, tuple[set[str], bool, bool]] = {
    "officer": ({"accept", "reject", "withdraw"}, True, True),
    "faculty_coordinator": ({"accept", "reject"}, False, False),
    "leadership": (set(), False, False),
    "partner_a_coordinator": ({"withdraw"}, True, False),
}


@pytest.mark.parametrize("persona", sorted(BUTTONS))
def test_the_detail_shows_the_buttons_the_user_may_use(ex: Exchanges, persona: str) -> None:
    mobility = ex.nominate(ex.world.partner_a_coordinator)
    steps, edit, delete = BUTTONS[persona]
    page = html(
        client_for(getattr(ex.world, persona)).get(reverse("mobility_detail", args=[mobility.pk]))
    )
    offered = {
        step
        for step in ("accept", "reject", "start", "complete", "withdraw")
        if reverse("mobility_step", args=[mobility.pk, step]) in page
    }
    assert offered == steps
    assert (reverse("mobility_edit", args=[mobility.pk]) in page) == edit
    assert (reverse("mobility_delete", args=[mobility.pk]) in page) == delete


def test_the_receiving_partner_takes_the_steps_through_the_buttons(ex: Exchanges) -> None:
    """An outgoing student nominated by the home university: partner A accepts, records the
    arrival on a date, then the completion with its date and the credits earned."""
    mobility = ex.nominate(ex.world.faculty_coordinator, flow=Flow.OUTGOING)
    client = client_for(ex.world.partner_a_coordinator)
    detail = reverse("mobility_detail", args=[mobility.pk])
    for step, data, status in (
        ("accept", {}, MobilityStatus.ACCEPTED),
        ("start", {"start-on": "2026-09-20"}, MobilityStatus.ONGOING),
        (
            "complete",
            {"complete-on": "2027-01-25", "complete-ects_achieved": "28.5"},
            MobilityStatus.COMPLETED,
        ),
    ):
        page = html(client.get(detail))
        url = reverse("mobility_step", args=[mobility.pk, step])
        assert f'action="{url}"' in page
        for name in data:
            assert f'name="{name}"' in page
        response = client.post(url, data)
        assert response["Location"] == detail
        assert Mobility.objects.get(pk=mobility.pk).status == status
    done = Mobility.objects.get(pk=mobility.pk)
    assert (done.actual_start, done.actual_end) == (
        datetime.date(2026, 9, 20),
        datetime.date(2027, 1, 25),
    )
    assert done.ects_achieved == Decimal("28.5")
    assert done.months == Decimal("4.3")
    page = html(client.get(detail))
    assert "28.5" in page
    assert "Completed" in page
    assert "/step/" not in page


@pytest.mark.parametrize(
    ("step", "message"),
    [("start", "cannot be changed by"), ("fly", "Unknown step")],
)
def test_a_refused_step_says_why_and_changes_nothing(
    ex: Exchanges, step: str, message: str
) -> None:
    mobility = ex.nominate()
    response = client_for(ex.world.officer).post(
        reverse("mobility_step", args=[mobility.pk, step]), {f"{step}-on": "2026-09-20"}
    )
    assert response["Location"] == reverse("mobility_detail", args=[mobility.pk])
    assert message in message_texts(response)
    stored = Mobility.objects.get(pk=mobility.pk)
    assert (stored.status, stored.actual_start) == (MobilityStatus.NOMINATED, None)
    assert len(entries_of(stored)) == 1


def test_a_step_with_a_bad_date_is_refused(ex: Exchanges) -> None:
    mobility = ex.nominate()
    actions.take_step(ex.world.officer, mobility, "accept")
    response = client_for(ex.world.officer).post(
        reverse("mobility_step", args=[mobility.pk, "start"]), {"start-on": "31/31/2026"}
    )
    assert "valid date" in message_texts(response)
    assert Mobility.objects.get(pk=mobility.pk).status == MobilityStatus.ACCEPTED


def test_the_officer_deletes_a_mobility(ex: Exchanges) -> None:
    mobility = ex.nominate()
    response = client_for(ex.world.officer).post(reverse("mobility_delete", args=[mobility.pk]))
    assert response["Location"] == reverse("mobility_list")
    assert not Mobility.objects.filter(pk=mobility.pk).exists()
    assert [entry.action for entry in entries_of(mobility)] == ["create", "delete"]


# Nominating


def test_partner_a_nominates_one_of_its_people_through_the_form(ex: Exchanges) -> None:
    person = ex.person(ex.world.partner_a, first_name="Rashad")
    client = client_for(ex.world.partner_a_coordinator)
    # What it posts for the fixed fields is ignored: it sends its own people to us.
    data = nomination(
        ex, person, flow=Flow.OUTGOING, sending_institution=ex.world.partner_b.pk, language="en"
    )
    response = client.post(reverse("mobility_create"), data)
    mobility = Mobility.objects.get()
    assert response["Location"] == reverse("mobility_detail", args=[mobility.pk])
    assert (mobility.person, mobility.flow, mobility.status) == (person, Flow.INCOMING, "nominated")
    assert (mobility.sending_institution, mobility.receiving_institution) == (
        ex.world.partner_a,
        ex.world.home,
    )
    assert mobility.nominated_by == ex.world.partner_a_coordinator
    assert mobility.language == "en"
    [entry] = entries_of(mobility)
    assert entry.actor == ex.world.partner_a_coordinator


def test_the_form_offers_a_partner_only_its_own(ex: Exchanges) -> None:
    ours = ex.person(ex.world.partner_a)
    ex.person(ex.world.partner_b)
    ex.person(ex.world.home)
    form = (
        client_for(ex.world.partner_a_coordinator).get(reverse("mobility_create")).context["form"]
    )
    assert list(form.fields["person"].queryset) == [ours]
    assert ex.protocol_a in form.fields["agreement"].queryset
    assert ex.protocol_b not in form.fields["agreement"].queryset
    assert list(form.fields["direction"].queryset) == [ex.direction_a]
    assert list(form.fields["sending_institution"].queryset) == [ex.world.partner_a]
    for name in ("flow", "sending_institution", "receiving_institution"):
        assert form.fields[name].disabled
    assert "override" not in form.fields


def test_the_faculty_coordinator_nominates_outgoing_people_of_the_home_university(
    ex: Exchanges,
) -> None:
    person = ex.person(ex.world.home, unit=ex.home_unit)
    client = client_for(ex.world.faculty_coordinator)
    form = client.get(reverse("mobility_create")).context["form"]
    assert list(form.fields["person"].queryset) == [person]
    assert ex.world.home not in form.fields["receiving_institution"].queryset
    data = nomination(ex, person, receiving_institution=ex.world.partner_a.pk)
    data["sending_unit"] = ex.home_unit.pk
    assert client.post(reverse("mobility_create"), data).status_code == 302
    mobility = Mobility.objects.get()
    assert (mobility.flow, mobility.sending_institution, mobility.sending_unit) == (
        Flow.OUTGOING,
        ex.world.home,
        ex.home_unit,
    )


def test_the_form_is_prefilled_from_the_address(ex: Exchanges) -> None:
    params: dict[str, Any] = {
        "agreement": ex.protocol_a.pk,
        "direction": ex.direction_a.pk,
        "mobility_type": MobilityType.TEACHING_STAFF,
        "flow": Flow.INCOMING,
        "academic_year": YEAR,
    }
    response = client_for(ex.world.partner_a_coordinator).get(reverse("mobility_create"), params)
    form = response.context["form"]
    for name, value in params.items():
        assert str(form[name].value()) == str(value), name
    page = html(response)
    assert f'<option value="{ex.protocol_a.pk}" selected>' in page


def test_the_form_names_the_field_in_error(ex: Exchanges) -> None:
    client = client_for(ex.world.partner_a_coordinator)
    data = nomination(ex, ex.person(ex.world.partner_a), planned_start="2026-08-01")
    response = client.post(reverse("mobility_create"), data)
    assert "validity" in " ".join(response.context["form"].errors["agreement"])
    assert not Mobility.objects.exists()


def test_the_quota_exceeded_message_appears_on_the_form_and_nothing_is_saved(
    ex: Exchanges,
) -> None:
    fill_the_quota(ex)
    before = list(Mobility.objects.values_list("pk", flat=True))
    client = client_for(ex.world.partner_a_coordinator)
    response = client.post(
        reverse("mobility_create"), nomination(ex, ex.person(ex.world.partner_a))
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "allows 2 people; 2 are already nominated" in errors
    assert "allows 2 people; 2 are already nominated" in html(response)
    assert "override" not in response.context["form"].fields
    assert list(Mobility.objects.values_list("pk", flat=True)) == before


def test_an_officer_overrides_the_quota_with_a_reason(ex: Exchanges) -> None:
    fill_the_quota(ex)
    client = client_for(ex.world.officer)
    data = nomination(ex, ex.person(ex.world.partner_a, first_name="Rashad"))
    refused = client.post(reverse("mobility_create"), data)
    form = refused.context["form"]
    assert "allows 2 people" in " ".join(form.non_field_errors())
    assert form.errors["override"] == ["To let it exceed the quota, give the reason here."]
    assert Mobility.objects.count() == 2
    response = client.post(reverse("mobility_create"), data | {"override": "Rector's decision"})
    mobility = Mobility.objects.get(person__first_name="Rashad")
    assert response["Location"] == reverse("mobility_detail", args=[mobility.pk])
    assert mobility.quota_override == "Rector's decision"
    page = html(client.get(response["Location"]))
    assert "Rector&#x27;s decision" in page


def test_editing_a_nomination_audits_what_changed(ex: Exchanges) -> None:
    mobility = ex.nominate(ex.world.partner_a_coordinator)
    client = client_for(ex.world.partner_a_coordinator)
    url = reverse("mobility_edit", args=[mobility.pk])
    form = client.get(url).context["form"]
    assert form["planned_end"].value() == END
    data = nomination(ex, mobility.person, planned_end="2027-01-15")
    assert client.post(url, data)["Location"] == reverse("mobility_detail", args=[mobility.pk])
    entry = entries_of(mobility)[-1]
    assert entry.changes == [("planned_end", "2027-01-31", "2027-01-15")]
    assert Mobility.objects.get(pk=mobility.pk).months == Decimal("4.1")


def test_a_change_beyond_the_quota_is_refused_on_the_form(ex: Exchanges) -> None:
    """Ten months of student studies: two stays of 4.6 fit, stretching one to 6.6 does not."""
    ex.nominate()
    mobility = ex.nominate(ex.world.partner_a_coordinator)
    client = client_for(ex.world.partner_a_coordinator)
    url = reverse("mobility_edit", args=[mobility.pk])
    response = client.post(url, nomination(ex, mobility.person, planned_end="2027-03-31"))
    assert "allows 10 months" in " ".join(response.context["form"].non_field_errors())
    assert Mobility.objects.get(pk=mobility.pk).planned_end == END
    assert len(entries_of(mobility)) == 1
