"""Importing people and mobilities: all rows checked, every problem named by line and column,
nothing written unless all pass."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from accord.core.models import AuditEntry
from accord.exchanges.importer import ImportRefused, import_mobilities
from accord.exchanges.models import Mobility, Person
from accord.exchanges.tabular import MOBILITY_COLUMNS, write_csv

from .conftest import Exchanges


def row(ex: Exchanges, **fields: Any) -> dict[str, Any]:
    """An incoming student of partner A under its protocol; ``fields`` change columns."""
    return {
        "first_name": "Aysel",
        "last_name": "Mammadova",
        "person_kind": "student",
        "citizenship": "AZ",
        "email": "aysel@example.az",
        "mobility_type": "student_studies",
        "flow": "incoming",
        "sending_institution": ex.world.partner_a.name,
        "receiving_institution": str(ex.world.home.pk),
        "agreement": str(ex.protocol_a.pk),
        "direction": "Information technology",
        "academic_year": "2026/2027",
        "planned_start": "2026-09-15",
        "planned_end": "15.12.2026",
    } | fields


def csv_file(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "mobilities.csv"
    write_csv(path, MOBILITY_COLUMNS, ([r.get(c, "") for c in MOBILITY_COLUMNS] for r in rows))
    return path


def refusal(path: Path, actor: Any) -> list[tuple[int, str]]:
    before = Mobility.objects.count()
    with pytest.raises(ImportRefused) as refused:
        import_mobilities(path, actor)
    assert Mobility.objects.count() == before
    return [(error.line, error.column) for error in refused.value.errors]


def test_a_good_file_is_imported_with_an_audit_entry_per_record(
    ex: Exchanges, tmp_path: Path
) -> None:
    # Codes or their labels, in any case.
    rows = [
        row(ex),
        row(
            ex,
            email="nigar@example.az",
            first_name="Nigar",
            flow="INCOMING",
            mobility_type="Student studies",
        ),
    ]
    report = import_mobilities(csv_file(tmp_path, rows), ex.world.partner_a_coordinator)
    assert (report.mobilities_created, report.people_created) == (2, 2)
    mobility = Mobility.objects.get(person__first_name="Nigar")
    assert mobility.months == Decimal("3.1")
    assert mobility.nominated_by == ex.world.partner_a_coordinator
    assert AuditEntry.objects.filter(object_type="exchanges.mobility").count() == 2
    assert AuditEntry.objects.filter(object_type="exchanges.person").count() == 2


def test_every_problem_is_named_and_nothing_is_written(ex: Exchanges, tmp_path: Path) -> None:
    rows = [
        row(ex, sending_institution="Nowhere University"),
        row(ex, email="b@example.az", planned_end="2026-02-30"),
        row(ex, email="c@example.az", citizenship="ZZ", flow="sideways"),
        row(ex, email="d@example.az"),
        row(ex, email="d@example.az"),
        row(ex, email="e@example.az"),
        row(ex, email="f@example.az"),
    ]
    assert refusal(csv_file(tmp_path, rows), ex.world.officer) == [
        (2, "sending_institution"),
        (3, "planned_end"),
        (4, "citizenship"),
        (4, "flow"),
        (6, "planned_start"),
        (8, "agreement"),
    ]
    assert not Person.objects.exists()


def test_the_quota_message_names_the_quota(ex: Exchanges, tmp_path: Path) -> None:
    rows = [row(ex, email=f"{n}@example.az") for n in range(3)]
    with pytest.raises(ImportRefused, match="Line 4, column agreement: The quota Information"):
        import_mobilities(csv_file(tmp_path, rows), ex.world.officer)


def test_an_officer_exceeds_the_quota_with_a_reason(ex: Exchanges, tmp_path: Path) -> None:
    rows = [row(ex, email=f"{n}@example.az") for n in range(2)]
    rows.append(row(ex, email="x@example.az", quota_override="Rector's order 12"))
    report = import_mobilities(csv_file(tmp_path, rows), ex.world.officer)
    assert report.overrides == 1


def test_a_partner_cannot_override(ex: Exchanges, tmp_path: Path) -> None:
    rows = [row(ex, email=f"{n}@example.az", quota_override="please") for n in range(3)]
    assert refusal(csv_file(tmp_path, rows), ex.world.partner_a_coordinator) == [(4, "agreement")]


def test_a_partner_imports_only_its_own_nominations(ex: Exchanges, tmp_path: Path) -> None:
    rows = [row(ex), row(ex, email="y@example.az", status="completed")]
    assert refusal(csv_file(tmp_path, rows), ex.world.partner_b_coordinator) == [
        (2, "sending_institution"),
        (3, "status"),
    ]


def test_a_registered_person_is_found_and_their_mobility_not_repeated(
    ex: Exchanges, tmp_path: Path
) -> None:
    person = ex.person(ex.world.partner_a, email="Aysel@example.az")
    ex.nominate(person=person)
    assert refusal(csv_file(tmp_path, [row(ex)]), ex.world.officer) == [(2, "planned_start")]
    report = import_mobilities(
        csv_file(tmp_path, [row(ex, planned_start="2027-02-01", planned_end="2027-05-31")]),
        ex.world.officer,
    )
    assert (report.people_created, report.people_found) == (0, 1)
    assert person.mobilities.count() == 2


def test_an_xlsx_file_is_read(ex: Exchanges, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(MOBILITY_COLUMNS))
    values = row(ex)
    sheet.append([values.get(column, None) for column in MOBILITY_COLUMNS])
    path = tmp_path / "mobilities.xlsx"
    workbook.save(path)
    assert import_mobilities(path, ex.world.officer).mobilities_created == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"first_name,nickname\n", "unknown columns: nickname"),
        (b"first_name\n", "missing columns: last_name"),
        ("first_name\n".encode("utf-16"), "UTF-8"),
    ],
)
def test_an_unreadable_file_is_refused(
    ex: Exchanges, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(Exception, match=message):
        import_mobilities(path, ex.world.officer)


def test_the_import_asks_the_database_the_same_number_of_times_for_more_rows(
    ex: Exchanges, tmp_path: Path
) -> None:
    def queries(count: int) -> int:
        rows = [
            row(
                ex,
                email=f"{count}-{n}@example.az",
                mobility_type="teaching_staff" if n % 2 else "student_studies",
            )
            for n in range(count)
        ]
        path = csv_file(tmp_path, rows)
        with CaptureQueriesContext(connection) as captured:
            import_mobilities(path, ex.world.officer, None)
        Mobility.objects.all().delete()
        return len(captured)

    ex.protocol_a.quotas.update(people=100, months=None)
    queries(2)  # the importing user's roles are read once and kept on the user
    assert queries(4) == queries(40)


@pytest.mark.parametrize("batch_size", [1, 2000])
def test_two_rows_of_one_new_person_register_them_once(
    ex: Exchanges, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    monkeypatch.setattr("accord.exchanges.importer.BATCH_SIZE", batch_size)
    ex.protocol_a.quotas.update(people=10, months=None)
    rows = [
        row(ex),
        row(ex, email="other@example.az"),
        row(ex, planned_start="2027-02-01", planned_end="2027-05-31"),
    ]
    report = import_mobilities(csv_file(tmp_path, rows), ex.world.officer)
    assert (report.people_created, report.mobilities_created) == (2, 3)
    person = Person.objects.get(email="aysel@example.az")
    assert person.mobilities.count() == 2
