"""``accord import-institutions``: the real Hipo and ROR files, and small files written here."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accord.accounts.models import User
from accord.core.models import AuditAction, AuditEntry
from accord.institutions.models import (
    Institution,
    InstitutionDomain,
    InstitutionKind,
    InstitutionName,
    NameKind,
    PartnerStatus,
)

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").exists())
DATA = REPO_ROOT.parent / "shared" / "data"
HIPO = DATA / "university-domains" / "world_universities_and_domains.json"
ROR_V2 = DATA / "ror" / "ror_v2_sample.json"
ROR_V1 = DATA / "ror" / "ror_v1_ua_az_not_in_v2.json"
needs_data = pytest.mark.skipif(not ROR_V1.exists(), reason=f"shared data not found in {DATA}")

KHPI_HIPO_NAME = "National Technical University (Kharkiv Polytechnical Institute)"
KHPI_ROR_NAME = 'National Technical University "Kharkiv Polytechnic Institute"'


def run(*files: Path, actor: str | None = None) -> str:
    """Run the command quietly and return what it printed."""
    out = io.StringIO()
    options: dict[str, Any] = {"stdout": out, "no_progress": True}
    if actor:
        options["actor"] = actor
    call_command("import_institutions", *[str(f) for f in files], **options)
    return out.getvalue()


def write(path: Path, records: Any) -> Path:
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def hipo(name: str, domains: list[str], country: str = "UA") -> dict[str, Any]:
    return {
        "name": name,
        "domains": domains,
        "web_pages": [f"https://{domains[0]}/"] if domains else [],
        "country": "Ukraine",
        "alpha_two_code": country,
        "state-province": None,
    }


def ror_v2(
    ror_id: str,
    name: str,
    domains: list[str],
    *,
    status: str = "active",
    established: int | None = 1885,
    labels: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    names = [{"lang": "en", "types": ["ror_display", "label"], "value": name}]
    names += [{"lang": lang, "types": ["label"], "value": value} for lang, value in labels]
    return {
        "id": f"https://ror.org/{ror_id}",
        "names": names,
        "locations": [
            {"geonames_id": 706483, "geonames_details": {"country_code": "UA", "name": "Kharkiv"}}
        ],
        "types": ["education"],
        "domains": domains,
        "links": [{"type": "website", "value": f"https://{domains[0]}/"}] if domains else [],
        "established": established,
        "external_ids": [],
        "status": status,
        "relationships": [],
        "admin": {},
    }


@needs_data
@pytest.mark.django_db
def test_v1_file_creates_baku_state_and_asoiu_searchable_in_azerbaijani() -> None:
    output = run(ROR_V1)

    assert "created 104, updated 0, unchanged 0, skipped 12" in output
    bsu = Institution.objects.get(ror_id="054gw3b40")
    assert (bsu.name, bsu.country, bsu.city, bsu.founded_year) == (
        "Baku State University",
        "AZ",
        "Baku",
        1919,
    )
    assert bsu.kind == InstitutionKind.UNIVERSITY
    assert bsu.partner_status == PartnerStatus.NONE
    assert bsu.names.filter(language="az", kind=NameKind.OFFICIAL).get().name == (
        "Bakı Dövlət Universiteti"
    )
    assert list(Institution.objects.search("Bakı Dövlət Universiteti")) == [bsu]
    asoiu = Institution.objects.get(ror_id="05mmnns11")
    assert list(Institution.objects.search("Azərbaycan Dövlət Neft və Sənaye")) == [asoiu]
    assert list(Institution.objects.search("ASOIU")) == [asoiu]
    # v1 records have no domains, and none are guessed from their links.
    assert not InstitutionDomain.objects.exists()
    # Withdrawn: Bohdan Khmelnytsky National University of Cherkasy.
    assert not Institution.objects.filter(ror_id="020bgft86").exists()
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT).count() == 104


@needs_data
@pytest.mark.django_db
def test_full_import_merges_khpi_and_a_second_run_changes_nothing() -> None:
    output = run(HIPO, ROR_V2, ROR_V1)

    assert "skipped 30 (withdrawn" in output
    # KhPI is in both files with the same domain: one institution, ROR's name, Hipo's as alias.
    khpi = Institution.objects.get(domains__domain="kpi.kharkov.ua")
    assert (khpi.ror_id, khpi.name, khpi.city, khpi.founded_year) == (
        "00yp5c433",
        KHPI_ROR_NAME,
        "Kharkiv",
        1885,
    )
    assert khpi.names.filter(kind=NameKind.ALIAS, language="en", name=KHPI_HIPO_NAME).exists()
    assert not Institution.objects.filter(name=KHPI_HIPO_NAME).exists()
    assert list(Institution.objects.search("Kharkiv Polytechnical Institute")) == [khpi]
    assert list(Institution.objects.search("Харківський політехнічний")) == [khpi]
    # Baku State University: v1 record and Hipo entry (same name and country).
    bsu = Institution.objects.get(ror_id="054gw3b40")
    assert [d.domain for d in bsu.domains.all()] == ["bsu.edu.az"]
    assert Institution.objects.filter(name="Baku State University").count() == 1
    # ASOIU: the Hipo name is one of the v1 record's aliases.
    asoiu = Institution.objects.get(ror_id="05mmnns11")
    assert [d.domain for d in asoiu.domains.all()] == ["asoiu.edu.az"]
    # Two ROR records share nas.gov.ua but are two organisations; the domain stays with one.
    institutes = Institution.objects.filter(ror_id__in=["011j9ed60", "02ev2rd07"])
    assert institutes.count() == 2
    assert InstitutionDomain.objects.filter(domain="nas.gov.ua").count() == 1
    assert all(i.search_text for i in Institution.objects.all()[:100])

    counts = (
        Institution.objects.count(),
        InstitutionName.objects.count(),
        InstitutionDomain.objects.count(),
        AuditEntry.objects.count(),
    )
    again = run(HIPO, ROR_V2, ROR_V1)

    assert f"created 0, updated 0, unchanged {counts[0]}, skipped 30" in again
    assert counts == (
        Institution.objects.count(),
        InstitutionName.objects.count(),
        InstitutionDomain.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db
def test_user_entered_values_are_kept_and_empty_fields_filled(tmp_path: Path) -> None:
    user = User.objects.create_user(username="officer")
    khpi = Institution.objects.create(
        name="KhPI (our spelling)",
        country="UA",
        city="Kharkiv city",
        partner_status=PartnerStatus.HOME,
        ror_id="00yp5c433",
    )
    InstitutionName.objects.create(institution=khpi, language="uk", name="ХПІ (наша назва)")
    record = ror_v2(
        "00yp5c433",
        KHPI_ROR_NAME,
        ["kpi.kharkov.ua"],
        labels=[("uk", "Національний технічний університет «ХПІ»")],
    )

    output = run(write(tmp_path / "khpi.json", [record]), actor="officer")

    assert "created 0, updated 1, unchanged 0" in output
    khpi.refresh_from_db()
    assert (khpi.name, khpi.city, khpi.partner_status) == (
        "KhPI (our spelling)",
        "Kharkiv city",
        PartnerStatus.HOME,
    )
    assert (khpi.founded_year, khpi.website) == (1885, "https://kpi.kharkov.ua/")
    names = {(n.language, n.kind, n.name) for n in khpi.names.all()}
    # The user's Ukrainian name stays the official one; ROR's is added beside it.
    assert names == {
        ("uk", NameKind.OFFICIAL, "ХПІ (наша назва)"),
        ("uk", NameKind.ALIAS, "Національний технічний університет «ХПІ»"),
        ("en", NameKind.ALIAS, KHPI_ROR_NAME),
    }
    assert list(Institution.objects.search("kpi.kharkov.ua")) == [khpi]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_name, entry.institution_id) == (
        AuditAction.IMPORT,
        "officer",
        khpi.pk,
    )
    assert entry.actor == user
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["city"], entry.after["city"]) == ("Kharkiv city", "Kharkiv city")
    assert (entry.before["founded_year"], entry.after["founded_year"]) == (None, 1885)
    assert entry.after["domains"] == ["kpi.kharkov.ua"]


@pytest.mark.django_db
def test_duplicates_inside_one_file_are_merged(tmp_path: Path) -> None:
    path = write(
        tmp_path / "hipo.json",
        [
            hipo("Example University", ["example.edu.ua"]),
            hipo("Example Univ.", ["www.example.edu.ua", "example.edu.ua"]),
            hipo("Other University", ["other.edu.ua"]),
        ],
    )

    output = run(path)

    assert "created 2, duplicates merged 1" in output
    assert "created 2, updated 0, unchanged 0, skipped 0" in output
    example = Institution.objects.get(name="Example University")
    assert sorted(d.domain for d in example.domains.all()) == [
        "example.edu.ua",
        "www.example.edu.ua",
    ]
    assert [n.name for n in example.names.all()] == ["Example Univ."]
    assert AuditEntry.objects.count() == 2


@pytest.mark.django_db
def test_withdrawn_ror_records_are_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ror.json",
        [
            ror_v2("00yp5c433", KHPI_ROR_NAME, ["kpi.kharkov.ua"]),
            ror_v2("020bgft86", "Withdrawn University", ["gone.edu.ua"], status="withdrawn"),
        ],
    )

    output = run(path)

    assert "created 1, updated 0, unchanged 0, skipped 1 (withdrawn" in output
    assert list(Institution.objects.values_list("ror_id", flat=True)) == ["00yp5c433"]


GOOD = [hipo("Example University", ["example.edu.ua"])]
NO_NAME = hipo("", ["noname.edu.ua"])
BAD_COUNTRY = hipo("Somewhere University", ["somewhere.edu"], country="ZZ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param([*GOOD, NO_NAME], "record 2 (no name or id): no name", id="no-name"),
        pytest.param(
            [*GOOD, BAD_COUNTRY],
            "record 2 (Somewhere University): unknown country code 'ZZ'",
            id="bad-country",
        ),
        pytest.param(
            [ror_v2("00yp5c43x", "Bad Id University", [])],
            "record 1 (Bad Id University): bad ROR id '00yp5c43x'",
            id="bad-ror-id",
        ),
        pytest.param(
            [ror_v2("00yp5c433", KHPI_ROR_NAME, [], established=20)],
            "founding year 20 is outside 800..2100",
            id="bad-year",
        ),
        pytest.param({"name": "Example University"}, "not a JSON array", id="not-an-array"),
        pytest.param('[{"name": "Example University",', "not valid JSON", id="invalid-json"),
        pytest.param([{"title": "Example"}], "record 1 is not in a known format", id="unknown"),
    ],
)
@pytest.mark.django_db
def test_a_bad_file_imports_nothing(tmp_path: Path, content: Any, message: str) -> None:
    Institution.objects.create(name="Existing University", country="UA")
    bad = tmp_path / "bad.json"
    bad.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        run(bad)

    assert f"{bad}: " in str(raised.value)
    assert message in str(raised.value)
    assert Institution.objects.count() == 1
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_bad_record_in_the_second_file_imports_nothing_from_the_first(tmp_path: Path) -> None:
    good = write(tmp_path / "good.json", GOOD)
    bad = write(tmp_path / "bad.json", [*GOOD, BAD_COUNTRY, NO_NAME])

    with pytest.raises(CommandError) as raised:
        run(good, bad)

    message = str(raised.value)
    assert message.startswith("2 problem(s) found, nothing was imported")
    assert f"{bad}: record 2 (Somewhere University): unknown country code 'ZZ'" in message
    assert f"{bad}: record 3 (no name or id): no name" in message
    assert str(good) + ":" not in message
    assert not Institution.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_only_the_first_twenty_problems_are_listed(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.json", [hipo(f"U{i}", [f"u{i}.edu"], country="ZZ") for i in range(25)]
    )

    with pytest.raises(CommandError) as raised:
        run(bad)

    message = str(raised.value)
    assert message.startswith("25 problem(s) found")
    assert "record 20 (U19)" in message
    assert "record 21 (U20)" not in message
    assert "... and 5 more" in message


@pytest.mark.django_db
def test_an_unknown_actor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run(write(tmp_path / "hipo.json", GOOD), actor="nobody")

    assert not Institution.objects.exists()
