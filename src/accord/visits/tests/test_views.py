"""Visit pages and the task list: what they show, forms and their errors, and query counts."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from accord.core.models import AuditEntry
from accord.visits import actions
from accord.visits.models import FollowUp, Visit
from accord.visits.tests.conftest import Trip, add_follow_up, days, record_visit
from conftest import World, client_for


def _rows(page: str, heading: str) -> list[str]:
    """The table rows following a heading."""
    section = page.split(heading, 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", section, flags=re.S)[1:]


def test_list_newest_first_with_institutions_and_open_follow_ups(world: World, trip: Trip) -> None:
    record_visit(world, "Later visit", starts_on=days(-30), ends_on=None)
    page = client_for(world.leadership).get(reverse("visit_list")).content.decode()
    assert page.index("Later visit") < page.index(trip.visit.title)
    row = next(row for row in _rows(page, "<h1>") if trip.visit.title in row)
    assert "Partner A University" in row
    assert "<td>2</td>" in row  # two open follow-ups
    assert reverse("visit_create") not in page


def test_list_filters_by_institution_met(world: World, trip: Trip) -> None:
    other = record_visit(world, "Visit to Krakow")
    actions.update_visit(world.officer, other, {}, [world.partner_b.pk])
    client = client_for(world.officer)
    page = client.get(reverse("visit_list"), {"institution": world.partner_b.pk}).content.decode()
    assert "Visit to Krakow" in page
    assert trip.visit.title not in page
    assert reverse("visit_create") in page


def test_list_is_paginated(world: World, settings: Any) -> None:
    settings.ACCORD_PAGE_SIZE = 2
    for number in range(5):
        record_visit(world, f"Visit number {number}", starts_on=days(-number), ends_on=None)
    client = client_for(world.officer)
    first = client.get(reverse("visit_list")).content.decode()
    assert "Visit number 0" in first
    assert "Visit number 2" not in first
    third = client.get(reverse("visit_list"), {"page": 3}).content.decode()
    assert "Visit number 4" in third


def test_detail_shows_every_fact_follow_ups_and_history(world: World, trip: Trip) -> None:
    page = client_for(world.leadership).get(reverse("visit_detail", args=[trip.visit.pk]))
    text = page.content.decode()
    for fact in ("The rector", "Exchange of students and teachers", "A memorandum to sign"):
        assert fact in text
    assert "Baku" in text
    assert "Azerbaijan" in text
    assert reverse("institution_detail", args=[world.partner_a.pk]) in text
    rows = _rows(text, "Follow-up actions</h2>")
    assert [trip.overdue.title in rows[0], trip.open.title in rows[1]] == [True, True]
    assert "Overdue" in rows[0]
    assert "Overdue" not in rows[1]
    assert "Overdue" not in rows[2]
    # Leadership does not own these: no buttons, no edit links.
    assert reverse("follow_up_done", args=[trip.open.pk]) not in text
    assert reverse("follow_up_edit", args=[trip.open.pk]) not in text
    assert reverse("visit_edit", args=[trip.visit.pk]) not in text
    history = page.context["history"]
    assert {entry.object_type for entry in history} == {"visits.visit", "visits.followup"}
    assert "History</h2>" in text


def test_owner_sees_done_and_reopen_buttons(world: World, trip: Trip) -> None:
    text = (
        client_for(world.adviser)
        .get(reverse("visit_detail", args=[trip.visit.pk]))
        .content.decode()
    )
    assert reverse("follow_up_done", args=[trip.open.pk]) in text
    assert reverse("follow_up_reopen", args=[trip.done.pk]) in text
    assert reverse("follow_up_edit", args=[trip.open.pk]) not in text


def test_officer_records_a_visit_through_the_form(world: World) -> None:
    client = client_for(world.officer)
    data = {
        "title": "Rector's visit to Baku",
        "kind": "outgoing",
        "starts_on": "2018-04-23",
        "ends_on": "2018-04-26",
        "city": "Baku",
        "country": "AZ",
        "delegation": "Yevgen Sokol",
        "institutions": [world.partner_a.pk, world.partner_b.pk],
        "outcomes": "A memorandum",
    }
    response = client.post(reverse("visit_create"), data)
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visit_detail", args=[visit.pk])
    assert set(visit.institutions.all()) == {world.partner_a, world.partner_b}
    entries = AuditEntry.objects.filter(object_type="visits.visit").order_by("id")
    assert [entry.action for entry in entries] == ["create", "update"]
    assert entries[1].changes == [
        ("institutions", [], sorted([world.partner_a.pk, world.partner_b.pk]))
    ]


def test_visit_form_names_the_field_in_error(world: World) -> None:
    client = client_for(world.officer)
    data = {"title": "X", "kind": "outgoing", "starts_on": "2018-04-26", "ends_on": "2018-04-23"}
    response = client.post(reverse("visit_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"] == ["A visit cannot end before it starts."]
    assert not Visit.objects.exists()
    missing = client.post(reverse("visit_create"), {"kind": "outgoing", "ends_on": "2018-04-23"})
    assert set(missing.context["form"].errors) == {"title", "starts_on"}


def test_editing_audits_only_what_changed(world: World, trip: Trip) -> None:
    client = client_for(world.officer)
    url = reverse("visit_edit", args=[trip.visit.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["institutions"] = [world.partner_a.pk]
    data["starts_on"], data["ends_on"] = "2018-04-23", "2018-04-26"
    data["city"] = "Ganja"
    assert client.post(url, data).status_code == 302
    entry = AuditEntry.objects.filter(object_type="visits.visit", action="update").latest("id")
    assert entry.changes == [("city", "Baku", "Ganja")]
    assert entry.actor == world.officer


def test_follow_up_form_offers_only_home_staff_as_owners(world: World, trip: Trip) -> None:
    client = client_for(world.officer)
    url = reverse("follow_up_create", args=[trip.visit.pk])
    owners = set(client.get(url).context["form"].fields["owner"].queryset)
    assert owners == {world.officer, world.leadership, world.faculty_coordinator, world.adviser}
    data = {"title": "Call", "owner": world.partner_a_coordinator.pk, "due_on": "2030-01-01"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not FollowUp.objects.filter(title="Call").exists()
    data["owner"] = world.adviser.pk
    data["concerns"] = world.partner_a.pk
    assert client.post(url, data).status_code == 302
    created = FollowUp.objects.get(title="Call")
    assert (created.visit, created.owner, created.concerns) == (
        trip.visit,
        world.adviser,
        world.partner_a,
    )


def test_follow_up_form_offers_the_institutions_met(world: World, trip: Trip) -> None:
    form = (
        client_for(world.officer)
        .get(reverse("follow_up_create", args=[trip.visit.pk]))
        .context["form"]
    )
    assert list(form.fields["concerns"].queryset) == [world.partner_a]


def test_a_follow_up_stays_out_of_the_partners_history(world: World, trip: Trip) -> None:
    """Follow-ups are internal: the partner's own history page and endpoint do not show them."""
    add_follow_up(world, trip.visit, "Internal note about partner A", world.adviser, 3)
    FollowUp.objects.filter(title="Internal note about partner A").update(concerns=world.partner_a)
    follow_up = FollowUp.objects.get(title="Internal note about partner A")
    actions.update_follow_up(world.officer, follow_up, {"notes": "Confidential"})
    client = client_for(world.partner_a_coordinator)
    page = client.get(reverse("institution_detail", args=[world.partner_a.pk])).content.decode()
    assert "Internal note" not in page
    assert "Visit to Baku" not in page
    history = client.get(f"/api/institutions/{world.partner_a.pk}/history").json()
    assert all(item["object_type"].split(".")[0] != "visits" for item in history["items"])


# The task list


def test_task_list_shows_my_open_items_by_due_date_and_recent_done(
    world: World, trip: Trip
) -> None:
    add_follow_up(world, trip.visit, "Due first", world.adviser, -10)
    add_follow_up(world, trip.visit, "Somebody else's", world.leadership, -1)
    add_follow_up(world, trip.visit, "Done long ago", world.adviser, -90, -60)
    response = client_for(world.adviser).get(reverse("task_list"))
    text = response.content.decode()
    open_rows = _rows(text, "To do</h2>")
    assert [row.count("Overdue") for row in open_rows] == [1, 1, 0]
    expected = ["Due first", trip.overdue.title, trip.open.title]
    assert [title in row for row, title in zip(open_rows, expected, strict=True)] == [True] * 3
    assert [item.title for item in response.context["open"]] == [
        "Due first",
        trip.overdue.title,
        trip.open.title,
    ]
    assert [item.title for item in response.context["done"]] == [trip.done.title]
    assert "Somebody else's" not in text
    assert "Done long ago" not in text
    assert reverse("follow_up_done", args=[trip.open.pk]) in text
    assert "?who=everyone" not in text


def test_officer_switches_to_everyones(world: World, trip: Trip) -> None:
    add_follow_up(world, trip.visit, "Leadership's own", world.leadership, 4)
    client = client_for(world.officer)
    mine = client.get(reverse("task_list"))
    assert list(mine.context["open"]) == []
    assert "?who=everyone" in mine.content.decode()
    everyone = client.get(reverse("task_list"), {"who": "everyone"})
    assert {item.title for item in everyone.context["open"]} == {
        trip.overdue.title,
        trip.open.title,
        "Leadership's own",
    }
    assert world.adviser.username in everyone.content.decode()


def test_others_cannot_switch_to_everyones(world: World, trip: Trip) -> None:
    add_follow_up(world, trip.visit, "Leadership's own", world.leadership, 4)
    response = client_for(world.adviser).get(reverse("task_list"), {"who": "everyone"})
    assert "Leadership's own" not in response.content.decode()
    assert response.context["everyone"] is False


def test_marking_done_from_the_task_list_comes_back_to_it(world: World, trip: Trip) -> None:
    client = client_for(world.adviser)
    response = client.post(
        reverse("follow_up_done", args=[trip.open.pk]), {"next": reverse("task_list")}
    )
    assert response["Location"] == reverse("task_list")
    assert FollowUp.objects.get(pk=trip.open.pk).done_on == days(0)
    away = client.post(
        reverse("follow_up_reopen", args=[trip.open.pk]), {"next": "https://example.com/"}
    )
    assert away["Location"] == reverse("visit_detail", args=[trip.visit.pk])
    assert FollowUp.objects.get(pk=trip.open.pk).done_on is None


def test_page_query_counts_do_not_grow(
    world: World, trip: Trip, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.officer)
    pages = [reverse("visit_list"), reverse("task_list") + "?who=everyone"]
    counts = {}
    for url in pages:
        with django_assert_max_num_queries(20) as captured:
            client.get(url)
        counts[url] = len(captured)
    for number in range(8):
        visit = record_visit(world, f"Visit {number}")
        add_follow_up(world, visit, f"Follow-up {number}", world.leadership, number)
    for url in pages:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)
    with django_assert_max_num_queries(20):
        client.get(reverse("visit_detail", args=[trip.visit.pk]))
