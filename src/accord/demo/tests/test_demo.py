"""``accord demo``: the founding story as data, loaded once however often it runs."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accord.accounts.models import ApiToken, Role, RoleGrant, User
from accord.agreements.models import (
    Agreement,
    AnswerKind,
    DirectionAnswer,
    PackageStatus,
    ProposalPackage,
    Quota,
)
from accord.core.audit import MASKED
from accord.core.models import AuditEntry
from accord.demo import story
from accord.institutions.models import (
    Contact,
    Institution,
    InstitutionDomain,
    InstitutionName,
    InternationalStudents,
    NameKind,
    Offering,
    PartnerStatus,
    Unit,
    UnitKind,
)

KHPI = 'National Technical University "Kharkiv Polytechnic Institute"'
BSU = "Baku State University"
AZTU = "Azerbaijan Technical University"
ASOIU = "Azerbaijan State Oil and Industry University"

PERSONA_ACCOUNTS = {
    "officer": (KHPI, Role.IRO_OFFICER),
    "rector": (KHPI, Role.LEADERSHIP),
    "coordinator": (KHPI, Role.FACULTY_COORDINATOR),
    "adviser": (KHPI, Role.ADVISER),
    "aztu": (AZTU, Role.PARTNER_COORDINATOR),
    "bsu": (BSU, Role.PARTNER_COORDINATOR),
    "asoiu": (ASOIU, Role.PARTNER_COORDINATOR),
}


@pytest.fixture
def demo(db: Any) -> str:
    """Load the story; returns what the command printed."""
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def institution(name: str) -> Institution:
    return Institution.objects.get(name=name)


def counts() -> dict[str, int]:
    models: list[Any] = [
        Institution,
        InstitutionName,
        InstitutionDomain,
        InternationalStudents,
        Unit,
        Contact,
        Offering,
        User,
        RoleGrant,
        ApiToken,
        AuditEntry,
        Agreement,
        ProposalPackage,
        DirectionAnswer,
        Quota,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_loads_the_four_universities(demo: str) -> None:
    assert set(Institution.objects.values_list("name", "partner_status")) == {
        (KHPI, PartnerStatus.HOME),
        (BSU, PartnerStatus.PARTNER),
        (AZTU, PartnerStatus.PARTNER),
        (ASOIU, PartnerStatus.PARTNER),
    }
    assert {i.country for i in Institution.objects.exclude(name=KHPI)} == {"AZ"}
    assert {i.city for i in Institution.objects.exclude(name=KHPI)} == {"Baku"}
    assert institution(KHPI).city == "Kharkiv"


def test_story_figures(demo: str) -> None:
    bsu, aztu, asoiu = institution(BSU), institution(AZTU), institution(ASOIU)
    assert (bsu.founded_year, aztu.founded_year, asoiu.founded_year) == (1919, 1950, 1920)
    assert (bsu.student_count, bsu.faculty_count) == (20000, 17)
    assert aztu.specialty_count == 70
    assert (
        asoiu.faculty_count,
        asoiu.department_count,
        asoiu.laboratory_count,
        asoiu.international_student_count,
    ) == (7, 28, 6, 300)
    assert set(asoiu.international_students.values_list("country", flat=True)) == {
        "TR",
        "RU",
        "CN",
        "GR",
        "IR",
        "SY",
        "US",
        "GB",
    }


def test_bsu_units(demo: str) -> None:
    units = institution(BSU).units
    centres = set(units.filter(kind=UnitKind.CENTRE).values_list("name", flat=True))
    assert {
        "Center for Nano Research",
        "Center for Information Technologies",
        "International Research Center",
        "Career Center",
        "Korean Center",
        "Russian Center",
    } <= centres
    for kind in (UnitKind.MUSEUM, UnitKind.LIBRARY, UnitKind.PUBLISHING_HOUSE):
        assert units.filter(kind=kind).count() == 1, kind
    assert units.get(kind=UnitKind.MUSEUM).names == {"az": "Muzey", "uk": "Музей"}


def test_units_form_a_tree(demo: str) -> None:
    department = Unit.objects.get(name="Department of Oil, Gas and Condensate Production")
    assert department.parent is not None
    assert department.parent.kind == UnitKind.INSTITUTE
    assert department.institution == institution(KHPI)


def test_names_in_english_ukrainian_and_azerbaijani(demo: str) -> None:
    for name in (KHPI, BSU, AZTU, ASOIU):
        found = institution(name)
        official = set(
            found.names.filter(kind=NameKind.OFFICIAL).values_list("language", flat=True)
        )
        assert {"uk", "az"} <= official, name
        assert found.name  # the English name
        assert found.names.filter(language="en", kind=NameKind.ACRONYM).exists()
    assert institution(BSU).names.get(language="az", kind=NameKind.OFFICIAL).name == (
        "Bakı Dövlət Universiteti"
    )
    # Findable in every language.
    assert set(Institution.objects.search("baki dovlet")) == {institution(BSU)}
    assert set(Institution.objects.search("Азербайджанський технічний")) == {institution(AZTU)}
    assert set(Institution.objects.search("ADNSU")) == {institution(ASOIU)}


def test_coinciding_specialties(demo: str) -> None:
    """Oil and gas production (0724), fuel processing (0711), IT (0613): KhPI and ASOIU both."""
    khpi, asoiu = institution(KHPI), institution(ASOIU)
    for field in ("0724", "0711", "0613"):
        assert Offering.objects.filter(institution=khpi, field_id=field).exists(), field
        assert Offering.objects.filter(institution=asoiu, field_id=field).exists(), field
    khpi_fields = set(khpi.offerings.values_list("field_id", flat=True))
    asoiu_fields = set(asoiu.offerings.values_list("field_id", flat=True))
    assert {"0724", "0711", "0613"} <= khpi_fields & asoiu_fields
    oil = Offering.objects.filter(institution=khpi, field_id="0724")
    assert {o.specialty.code for o in oil if o.specialty} == {"185"}
    assert set(oil.values_list("level", flat=True)) == {6, 7, 8}


@pytest.mark.parametrize("username", PERSONA_ACCOUNTS)
def test_one_account_per_persona_logs_in_with_the_demo_password(demo: str, username: str) -> None:
    institution_name, role = PERSONA_ACCOUNTS[username]
    user = User.objects.get(username=username)
    assert user.institution == institution(institution_name)
    assert user.role_set == {role}
    client = Client()
    assert client.login(username=username, password=story.DEMO_PASSWORD)
    assert not Client().login(username=username, password="wrong password")
    assert client.get("/api/me").json()["roles"] == [role]
    assert username in demo


def test_demo_partner_sees_only_its_own_university_and_the_home_one(demo: str) -> None:
    client = Client()
    assert client.login(username="aztu", password=story.DEMO_PASSWORD)
    names = {item["name"] for item in client.get("/api/institutions").json()["items"]}
    assert names == {KHPI, AZTU}


def test_admin_account(demo: str) -> None:
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password(story.DEMO_PASSWORD)


def test_the_story_is_audited(demo: str) -> None:
    assert (
        AuditEntry.objects.filter(object_type="institutions.institution", action="create").count()
        == 4
    )
    user_entries = AuditEntry.objects.filter(object_type="accounts.user")
    assert user_entries.count() == len(PERSONA_ACCOUNTS) + 1
    assert {entry.after["password"] for entry in user_entries if entry.after} == {MASKED}


def test_running_twice_creates_nothing_new(demo: str) -> None:
    first = counts()
    assert first["Institution"] == 4
    out = StringIO()
    call_command("demo", stdout=out)
    assert counts() == first
    assert "Demo story loaded" in out.getvalue()


def test_running_again_restores_changed_story_figures(demo: str) -> None:
    Institution.objects.filter(name=BSU).update(student_count=1)
    call_command("demo", stdout=StringIO())
    assert institution(BSU).student_count == 20000


def test_demo_refuses_a_database_with_its_own_users(db: Any) -> None:
    User.objects.create_user("registrar", password="pass-for-tests")
    with pytest.raises(CommandError, match="registrar"):
        call_command("demo", stdout=StringIO())
    assert not Institution.objects.exists()
    call_command("demo", "--force", stdout=StringIO())
    assert Institution.objects.filter(partner_status="home").count() == 1


def test_demo_reloads_into_a_demo_database_with_added_users(db: Any) -> None:
    call_command("demo", stdout=StringIO())
    User.objects.create_user("tried-the-admin", password="pass-for-tests")
    call_command("demo", stdout=StringIO())
    assert User.objects.filter(username="tried-the-admin").exists()


def test_demo_signs_the_memorandum_with_aztu(db: Any) -> None:
    call_command("demo", stdout=StringIO())
    memorandum = Agreement.objects.get(kind="memorandum")
    parties = {party.institution.name for party in memorandum.parties.all()}
    assert parties == {
        'National Technical University "Kharkiv Polytechnic Institute"',
        "Azerbaijan Technical University",
    }
    assert memorandum.status == "active"
    assert "student_exchange" in memorandum.areas
    assert "phd_training" in memorandum.areas
    assert "Меморандум" in memorandum.titles["uk"]
    call_command("demo", stdout=StringIO())
    assert Agreement.objects.filter(kind="memorandum").count() == 1


def test_demo_proposals_answers_and_the_protocol_with_aztu(demo: str) -> None:
    package = ProposalPackage.objects.get()
    assert package.status == PackageStatus.SENT
    assert {i.name for i in package.recipients.all()} == {BSU, AZTU, ASOIU}
    assert [d.name for d in package.directions.all()] == [
        "Oil and gas production",
        "Gas and solid fuel processing",
        "Information technology",
    ]
    answers = {
        (a.institution.name, a.direction.name): a.answer
        for a in DirectionAnswer.objects.select_related("institution", "direction")
    }
    assert answers[(ASOIU, "Oil and gas production")] == AnswerKind.ACCEPT
    assert answers[(AZTU, "Oil and gas production")] == AnswerKind.COUNTER
    assert answers[(BSU, "Oil and gas production")] == AnswerKind.DECLINE
    assert (BSU, "Gas and solid fuel processing") not in answers
    protocol = Agreement.objects.get(kind="protocol")
    assert protocol.parent == Agreement.objects.get(kind="memorandum")
    assert protocol.status == "active"
    assert [d.name for d in protocol.directions.all()] == ["Information technology"]
    assert {p.institution.name for p in protocol.parties.all()} == {KHPI, AZTU}
    assert protocol.quotas.count() == 15
    assert set(protocol.quotas.values_list("academic_year", flat=True)) == {
        "2026/2027",
        "2027/2028",
        "2028/2029",
    }
    assert "ə" in protocol.texts["az"]
    assert (protocol.valid_from, protocol.valid_until) == (
        datetime.date(2026, 9, 1),
        datetime.date(2029, 8, 31),
    )
