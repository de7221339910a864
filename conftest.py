"""Test personas shared by every app's tests: created once per test database.

home officer, leadership, faculty coordinator, adviser (home university); coordinators of
partner A and partner B; anonymous is simply no login.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import Role, RoleGrant, User
from accord.institutions.models import Institution, PartnerStatus


@dataclass
class World:
    home: Institution
    partner_a: Institution
    partner_b: Institution
    officer: User
    leadership: User
    faculty_coordinator: User
    adviser: User
    partner_a_coordinator: User
    partner_b_coordinator: User


def _user(username: str, institution: Institution, role: Role) -> User:
    user = User.objects.create_user(
        username=username, password="pass-for-tests", institution=institution
    )
    RoleGrant.objects.create(user=user, role=role)
    return user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Real hashers take a quarter of a second a password; tests need no such strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: Any) -> World:
    """The home university, two partners and one user per persona."""
    home = Institution.objects.create(
        name="Home University", country="UA", city="Kharkiv", partner_status=PartnerStatus.HOME
    )
    partner_a = Institution.objects.create(
        name="Partner A University", country="AZ", city="Baku", partner_status=PartnerStatus.PARTNER
    )
    partner_b = Institution.objects.create(
        name="Partner B University",
        country="PL",
        city="Krakow",
        partner_status=PartnerStatus.PARTNER,
    )
    for institution in (home, partner_a, partner_b):
        institution.rebuild_search_text()
        institution.save()
    return World(
        home=home,
        partner_a=partner_a,
        partner_b=partner_b,
        officer=_user("officer", home, Role.IRO_OFFICER),
        leadership=_user("rector", home, Role.LEADERSHIP),
        faculty_coordinator=_user("faculty", home, Role.FACULTY_COORDINATOR),
        adviser=_user("adviser", home, Role.ADVISER),
        partner_a_coordinator=_user("partner_a", partner_a, Role.PARTNER_COORDINATOR),
        partner_b_coordinator=_user("partner_b", partner_b, Role.PARTNER_COORDINATOR),
    )


def client_for(user: User | None) -> Client:
    """A test client logged in as ``user`` (anonymous for None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
