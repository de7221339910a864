"""The back office: visits with their follow-up actions inline, every change audited."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accord.accounts.models import User
from accord.core.models import AuditEntry
from accord.visits.models import FollowUp
from accord.visits.tests.conftest import Trip, days
from conftest import World, client_for


def _form_data(client: Any, url: str) -> dict[str, Any]:
    response = client.get(url)
    data: dict[str, Any] = {}
    form = response.context["adminform"].form
    for name, value in form.initial.items():
        if value is None:
            continue
        data[name] = [item.pk for item in value] if name == "institutions" else value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name, field in management.fields.items():
            data[f"{formset.formset.prefix}-{name}"] = management.initial.get(name, field.initial)
    return data


def test_follow_up_added_inline_is_audited(world: World, trip: Trip, superuser: User) -> None:
    client = client_for(superuser)
    url = reverse("admin:visits_visit_change", args=[trip.visit.pk])
    data = _form_data(client, url)
    prefix = "follow_ups"
    existing = int(data[f"{prefix}-INITIAL_FORMS"])
    for index, item in enumerate(trip.visit.follow_ups.order_by("done_on", "due_on", "id")):
        data.update(
            {
                f"{prefix}-{index}-id": item.pk,
                f"{prefix}-{index}-visit": trip.visit.pk,
                f"{prefix}-{index}-title": item.title,
                f"{prefix}-{index}-owner": item.owner_id,
                f"{prefix}-{index}-due_on": item.due_on,
                f"{prefix}-{index}-done_on": item.done_on or "",
            }
        )
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": existing + 1,
            f"{prefix}-{existing}-title": "Added in the back office",
            f"{prefix}-{existing}-owner": world.partner_a_coordinator.pk,
            f"{prefix}-{existing}-due_on": days(3),
        }
    )
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "owned by staff of the home university" in refused.content.decode()
    assert not FollowUp.objects.filter(title="Added in the back office").exists()
    data[f"{prefix}-{existing}-owner"] = world.leadership.pk
    response = client.post(url, data)
    assert response.status_code == 302
    created = FollowUp.objects.get(title="Added in the back office")
    entry = AuditEntry.objects.get(object_type="visits.followup", object_id=str(created.pk))
    assert (entry.action, entry.actor) == ("create", superuser)


def test_follow_up_changelist_opens(world: World, trip: Trip, superuser: User) -> None:
    response = client_for(superuser).get(reverse("admin:visits_followup_changelist"))
    assert response.status_code == 200
    assert trip.open.title in response.content.decode()
