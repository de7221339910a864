"""The back office: every registered model opens, and changes made there are audited."""

from io import StringIO
from typing import Any

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from accord.accounts.models import User
from accord.core.models import AuditAction, AuditEntry
from accord.institutions.models import Institution, Specialty
from conftest import World, client_for

MODELS = [model for model in admin.site._registry if model._meta.app_label != "auth"]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_changelists_open_for_staff_only(world: World, superuser: User, model: Any) -> None:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client_for(superuser).get(url).status_code == 200
    denied = client_for(world.officer).get(url)
    assert denied.status_code == 302
    assert reverse("admin:login") in denied["Location"]


def test_admin_change_is_audited(world: World, superuser: User) -> None:
    url = reverse("admin:institutions_institution_change", args=[world.partner_a.pk])
    form = client_for(superuser).get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"city": "Ganja", "successor": ""})
    for prefix in ("names", "domains", "international_students"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client_for(superuser).post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Institution.objects.get(pk=world.partner_a.pk).city == "Ganja"
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(world.partner_a.pk))
    assert entry.changes == [("city", "Baku", "Ganja")]
    assert entry.actor == superuser


def test_admin_change_of_many_to_many_links_is_audited(world: World, superuser: User) -> None:
    specialty = Specialty.objects.get(scheme="ua-2015", code="185")
    url = reverse("admin:institutions_specialty_change", args=[specialty.pk])
    form = client_for(superuser).get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["fields"] = ["0724", "0711"]
    data["primary_field"] = "0724"
    response = client_for(superuser).post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(object_type="institutions.specialty")
    assert entry.changes == [("fields", ["0724"], ["0711", "0724"])]


def test_change_pages_open_on_the_demo_story(db: Any) -> None:
    """Every model's change page, with its inlines, opens for an object of the founding story."""
    call_command("demo", stdout=StringIO())
    client = client_for(User.objects.get(username="admin"))
    opened = []
    for model in MODELS:
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
        )
        assert client.get(url).status_code == 200, url
        opened.append(model._meta.label)
    assert {"agreements.Agreement", "agreements.ProposalPackage", "visits.Visit"} <= set(opened)
