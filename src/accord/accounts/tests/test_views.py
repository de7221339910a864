"""Login, logout, password change, the account page and its API tokens; the start page."""

from typing import Any

import pytest
from django.urls import reverse

from accord.accounts.actions import issue_token
from accord.accounts.models import ApiToken
from accord.core.models import AuditAction, AuditEntry
from conftest import World, client_for


def test_login_and_logout(world: World) -> None:
    client = client_for(None)
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "officer", "password": "pass-for-tests"})
    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("account")).status_code == 302


def test_wrong_password_is_refused(world: World) -> None:
    response = client_for(None).post(reverse("login"), {"username": "officer", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_password_change(world: World) -> None:
    client = client_for(world.partner_a_coordinator)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pass-for-tests",
            "new_password1": "a-much-longer-passphrase",
            "new_password2": "a-much-longer-passphrase",
        },
    )
    assert response.status_code == 302
    world.partner_a_coordinator.refresh_from_db()
    assert world.partner_a_coordinator.check_password("a-much-longer-passphrase")
    entry = AuditEntry.objects.get(object_type="accounts.user", action=AuditAction.UPDATE)
    assert (entry.before, entry.after) == ({"password": "********"}, {"password": "changed"})
    assert "a-much-longer-passphrase" not in str(entry.after)


@pytest.mark.parametrize("name", ["account", "password_change"])
def test_account_pages_need_a_login(db: Any, name: str) -> None:
    response = client_for(None).get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_token_is_shown_once_and_audited(world: World) -> None:
    client = client_for(world.partner_a_coordinator)
    page = client.post(reverse("account"), {"name": "nightly sync"}).content.decode()
    token = ApiToken.objects.get(user=world.partner_a_coordinator)
    raw = page.split("<code>")[1].split("</code>")[0]
    assert raw.startswith(token.prefix)
    assert raw not in client.get(reverse("account")).content.decode()
    assert ApiToken.objects.find_user(raw) == world.partner_a_coordinator
    entry = AuditEntry.objects.get(object_type="accounts.apitoken")
    assert entry.action == AuditAction.CREATE
    assert entry.actor == world.partner_a_coordinator


def test_account_page_lists_only_own_tokens(world: World) -> None:
    issue_token(world.partner_b_coordinator, "partner B's script")
    issue_token(world.partner_a_coordinator, "partner A's script")
    page = client_for(world.partner_a_coordinator).get(reverse("account")).content.decode()
    assert "partner A&#x27;s script" in page
    assert "partner B&#x27;s script" not in page


def test_only_the_owner_revokes_a_token(world: World) -> None:
    token, _raw = issue_token(world.partner_b_coordinator, "partner B's script")
    url = reverse("revoke_token", args=[token.pk])
    assert client_for(world.partner_a_coordinator).post(url).status_code == 404
    assert client_for(world.officer).post(url).status_code == 404
    assert client_for(None).post(url).status_code == 302
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert client_for(world.partner_b_coordinator).post(url).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert AuditEntry.objects.filter(
        object_type="accounts.apitoken", action=AuditAction.DELETE
    ).exists()


def test_start_page(world: World) -> None:
    anonymous = client_for(None).get(reverse("home")).content.decode()
    assert reverse("public_directory") in anonymous
    officer = client_for(world.officer).get(reverse("home"))
    counts = {status: total for status, _label, total in officer.context["status_counts"]}
    assert counts["partner"] == 2
    assert counts["home"] == 1
    partner = client_for(world.partner_a_coordinator).get(reverse("home"))
    counts = {status: total for status, _label, total in partner.context["status_counts"]}
    # A partner counts only what it may see: itself and the home university.
    assert counts["partner"] == 1
