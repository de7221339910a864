"""Test personas shared by every app's tests: created once per test database, and the helpers
that more than one test module uses (imported as ``from conftest import ...``).

home officer, leadership, faculty coordinator, adviser (home university); coordinators of
partner A and partner B; anonymous is simply no login.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accord.accounts.models import Role, RoleGrant, User
from accord.agreements import actions as agreement_actions
from accord.agreements.models import Agreement, AgreementKind
from accord.core.models import AuditEntry
from accord.institutions import actions as institution_actions
from accord.institutions.models import (
    Contact,
    Institution,
    NameKind,
    Offering,
    PartnerStatus,
    Unit,
    UnitKind,
)
from accord.institutions.tests.factories import ContactFactory, OfferingFactory, UnitFactory


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


# Settings naming folders that tests write to, wherever they point; any other setting naming a
# place in the data folder (ACCORD_DATA_DIR, var/ by default) is moved along with them.
_WRITTEN_FOLDERS = ("MEDIA_ROOT", "STATIC_ROOT", "ACCORD_UPLOAD_DIR", "ACCORD_PRIVATE_DIR")


@pytest.fixture(scope="session", autouse=True)
def _data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data folder of this test process's own (under pytest-xdist each worker has its own base
    temp) for the files tests write (signed scans and CVs, uploads waiting for a job, media) and
    for the file cache (job progress, keyed by job id): never the repository's var/, nor a
    folder another worker, whose job ids also start from 1, reads and writes."""
    folder = tmp_path_factory.mktemp("data")
    data_dir = Path(settings.DATA_DIR)
    moved: dict[str, Any] = {}
    for name in dir(settings):
        value = getattr(settings, name)
        if name.startswith("_") or not name.isupper() or not isinstance(value, Path):
            continue
        if name in _WRITTEN_FOLDERS:
            moved[name] = folder / name.lower()
        elif value.is_relative_to(data_dir):
            moved[name] = folder / value.relative_to(data_dir)
    moved["CACHES"] = {
        alias: {**cache, "LOCATION": str(folder / "cache" / alias)}
        if cache["BACKEND"].endswith(".FileBasedCache")
        else cache
        for alias, cache in settings.CACHES.items()
    }
    with override_settings(**moved):
        yield folder


@pytest.fixture(autouse=True)
def _empty_data_folder(_data_folder: Path) -> Iterator[None]:
    """Each test finds the data folder empty, whatever the tests before it in this process left
    there (a test may also point a folder setting at a tmp_path of its own)."""
    yield
    for path in _data_folder.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


@pytest.fixture(autouse=True)
def _site_language() -> Any:
    """Each test starts in the site's language, whatever language an earlier one left active."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


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


@pytest.fixture
def superuser(world: World) -> User:
    """A superuser for the back office."""
    return User.objects.create_superuser("root", "root@example.org", "pass-for-tests")


def client_for(user: User | None) -> Client:
    """A test client logged in as ``user`` (anonymous for None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# Personas: the names of the world's users, and "anonymous" for no login.

PERSONAS = (
    "officer",
    "leadership",
    "faculty_coordinator",
    "adviser",
    "partner_a_coordinator",
    "partner_b_coordinator",
    "anonymous",
)
SIGNED_IN = tuple(persona for persona in PERSONAS if persona != "anonymous")
HOME_STAFF = ("leadership", "faculty_coordinator", "adviser")
PARTNERS = ("partner_a_coordinator", "partner_b_coordinator")
# Expected outcomes besides a status code: sent to log in, or let through.
LOGIN = "login"
OK = "ok"


def user_of(world: World, persona: str) -> User | None:
    return None if persona == "anonymous" else getattr(world, persona)


def view_outcome(persona: str, *, api: bool = False) -> str | int:
    """What a persona gets for one of partner A's records when only looking: anonymous is
    sent to log in (401 from the API), partner B finds nothing (404), the rest see it."""
    if persona == "anonymous":
        return 401 if api else LOGIN
    return 404 if persona == "partner_b_coordinator" else OK


def change_outcome(persona: str, *, partner_a_may: bool = False, api: bool = False) -> str | int:
    """What a persona gets when changing one of partner A's records: the officer (and partner
    A's coordinator where ``partner_a_may``) gets through, anonymous is sent to log in (401
    from the API), partner B finds nothing (404), the rest are refused (403)."""
    if persona == "officer" or (partner_a_may and persona == "partner_a_coordinator"):
        return OK
    if persona == "anonymous":
        return 401 if api else LOGIN
    return 404 if persona == "partner_b_coordinator" else 403


# Pages


def assert_login_redirect(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def section(page: str, heading: str) -> str:
    """The part of a page from the <h2> ``heading`` to the next <h2>."""
    start = page.index(f"<h2>{heading}</h2>")
    end = page.find("<h2>", start + 4)
    return page[start : end if end != -1 else len(page)]


def count_queries(client: Client, url: str, params: dict[str, Any] | None = None) -> int:
    """The number of queries a GET of ``url`` makes (it must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries.captured_queries)


# The JSON API


def send_json(client: Client, method: str, url: str, data: Any = None) -> Any:
    return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")


def error_fields(response: Any) -> set[str]:
    """Every name mentioned in the ``loc`` of the errors of a 422 answer."""
    assert response.status_code == 422, response.content
    return {str(part) for error in response.json()["detail"] for part in error["loc"]}


def error_text(response: Any) -> str:
    return " ".join(error["msg"] for error in response.json()["detail"])


def entries_of(obj: Any) -> list[AuditEntry]:
    """The audit entries of ``obj``, oldest first."""
    return list(
        AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("id")
    )


# Records


def memorandum(world: World, partner: Institution, title: str | None = None) -> Agreement:
    """A draft memorandum of the home university with ``partner``."""
    agreement = Agreement(
        kind=AgreementKind.MEMORANDUM, title=title or f"Memorandum with {partner.name}"
    )
    return agreement_actions.create_agreement(world.officer, agreement, [world.home.pk, partner.pk])


def name_partner_a(world: World, domains: list[str] | None = None) -> Institution:
    """Partner A with its names in Azerbaijani and Ukrainian, its acronym, and ``domains``
    (when given)."""
    return institution_actions.update_institution(
        world.officer,
        world.partner_a,
        {},
        names=[
            {"language": "az", "name": "Bakı Dövlət Universiteti"},
            {"language": "uk", "name": "Бакинський державний університет"},
            {"language": "en", "kind": NameKind.ACRONYM, "name": "BSU"},
        ],
        domains=domains,
    )


@dataclass
class Children:
    institution: Institution
    unit: Unit
    contact: Contact
    offering: Offering


@pytest.fixture
def children(world: World) -> dict[str, Children]:
    """A unit, a contact and an offering of partner A and of the home university."""
    result = {}
    for key in ("partner_a", "home"):
        institution = getattr(world, key)
        unit = UnitFactory.create(
            institution=institution, kind=UnitKind.FACULTY, name=f"Faculty {key}"
        )
        result[key] = Children(
            institution=institution,
            unit=unit,
            contact=ContactFactory.create(institution=institution, unit=unit),
            offering=OfferingFactory.create(institution=institution, unit=unit),
        )
    return result
