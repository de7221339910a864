"""People and mobilities as tables: the columns the import reads and the export writes, CSV
and XLSX readers, and exports that neutralise spreadsheet formulas."""

from __future__ import annotations

import csv
import datetime
import itertools
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from accord.exchanges.models import Mobility, Person
from accord.institutions.models import Institution

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The mobility table: what the import reads, in the order the export writes it.
MOBILITY_COLUMNS = (
    "first_name",
    "last_name",
    "person_kind",
    "citizenship",
    "email",
    "birth_date",
    "mobility_type",
    "flow",
    "sending_institution",
    "sending_unit",
    "receiving_institution",
    "receiving_unit",
    "agreement",
    "direction",
    "academic_year",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "ects_planned",
    "ects_achieved",
    "language",
    "funding",
    "status",
    "quota_override",
)
REQUIRED_COLUMNS = (
    "first_name",
    "last_name",
    "person_kind",
    "citizenship",
    "mobility_type",
    "flow",
    "sending_institution",
    "receiving_institution",
    "agreement",
    "direction",
    "academic_year",
    "planned_start",
    "planned_end",
)
PERSON_COLUMNS = (
    "first_name",
    "last_name",
    "kind",
    "citizenship",
    "institution",
    "unit",
    "email",
    "phone",
    "birth_date",
)
PERSONAL_COLUMNS = frozenset({"email", "phone", "birth_date"})

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX table this import can read."""


# Reading


def _cell(value: Any) -> str | datetime.date:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(path: Path) -> Iterator[list[str | datetime.date]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            sample = handle.read(8192)
            handle.seek(0)
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
        except csv.Error:
            dialect = csv.excel
        except UnicodeDecodeError:
            raise UnreadableFile(_("The file is not UTF-8 text; save it as CSV UTF-8.")) from None
        reader = csv.reader(handle, dialect)
        try:
            for row in reader:
                yield [_cell(value) for value in row]
        except UnicodeDecodeError:
            raise UnreadableFile(
                _("Line %(line)s is not UTF-8 text; save the file as CSV UTF-8.")
                % {"line": reader.line_num + 1}
            ) from None
        except csv.Error as error:
            raise UnreadableFile(
                _("Line %(line)s: %(error)s") % {"line": reader.line_num, "error": error}
            ) from None


def _xlsx_rows(path: Path) -> Iterator[list[str | datetime.date]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableFile(
            _("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(value) for value in row]
    finally:
        workbook.close()


def read_table(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of a CSV or XLSX file as (line number, {column: value}); the first row names
    the columns. Empty rows are skipped; UnreadableFile names what is wrong."""
    path = Path(path)
    rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    header = next(rows, None)
    if header is None:
        raise UnreadableFile(_("The file is empty."))
    names = [str(name).strip().lower() for name in header]
    unknown = [name for name in names if name and name not in MOBILITY_COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(_("unknown columns: %(names)s") % {"names": ", ".join(unknown)})
        if missing:
            problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
        raise UnreadableFile(_("Line 1: %(problems)s.") % {"problems": "; ".join(problems)})
    for line, row in enumerate(rows, start=2):
        if any(value != "" for value in row):
            yield line, dict(zip(names, row, strict=False))


def count_rows(path: str | Path) -> int:
    """The number of lines after the header, for progress bars (an upper bound for CSV)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        workbook = load_workbook(path, read_only=True)
        try:
            return max(0, (workbook.worksheets[0].max_row or 1) - 1)
        finally:
            workbook.close()
    with path.open("rb") as handle:
        return max(0, sum(1 for _line in handle) - 1)


# Writing


def safe(value: Any) -> Any:
    """A cell value as written: dates and numbers kept, text that a spreadsheet would run as a
    formula prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime.date | Decimal | int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _institution_code(institution: Institution | None) -> str:
    """How the export names an institution so that the import finds it again."""
    if institution is None:
        return ""
    return institution.erasmus_code or institution.ewp_hei_id or institution.name


def mobility_row(mobility: Mobility, personal: bool) -> list[Any]:
    person = mobility.person
    values = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "person_kind": person.kind,
        "citizenship": person.citizenship,
        "email": person.email if personal else "",
        "birth_date": person.birth_date if personal else None,
        "sending_institution": _institution_code(mobility.sending_institution),
        "sending_unit": mobility.sending_unit.name if mobility.sending_unit else "",
        "receiving_institution": _institution_code(mobility.receiving_institution),
        "receiving_unit": mobility.receiving_unit.name if mobility.receiving_unit else "",
        "agreement": mobility.agreement_id,
        "direction": mobility.direction.name,
    }
    return [
        safe(values[name] if name in values else getattr(mobility, name))
        for name in MOBILITY_COLUMNS
    ]


def person_row(person: Person, personal: bool) -> list[Any]:
    values = {
        "institution": _institution_code(person.institution),
        "unit": person.unit.name if person.unit else "",
    }
    return [
        safe(
            ""
            if name in PERSONAL_COLUMNS and not personal
            else values[name]
            if name in values
            else getattr(person, name)
        )
        for name in PERSON_COLUMNS
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _file_name(stem: str, fmt: str) -> str:
    return f"{stem}-{timezone.localdate().isoformat()}.{fmt}"


def table_response(
    stem: str, fmt: str, header: Iterable[str], rows: Iterable[list[Any]]
) -> HttpResponseBase:
    """A download of ``rows`` under ``header``: CSV streamed as it is written, XLSX built in a
    temporary file (write-only, so memory stays flat)."""
    name = _file_name(stem, fmt)
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(stem)
        sheet.append(list(header))
        for row in rows:
            sheet.append(row)
        # The response closes the file once it is sent.
        handle = tempfile.TemporaryFile()  # noqa: SIM115
        workbook.save(handle)
        handle.seek(0)
        return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_TYPE)
    writer = csv.writer(_Echo())
    # The byte order mark tells spreadsheet programs the file is UTF-8.
    table = itertools.chain([list(header)], rows)
    lines = itertools.chain(
        ["\ufeff"], (writer.writerow([_csv_text(value) for value in row]) for row in table)
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_text(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def mobilities_response(
    mobilities: QuerySet[Mobility], fmt: str, personal_ids: frozenset[int] | set[int] | None
) -> HttpResponseBase:
    """The mobilities as a CSV or XLSX download; contact details and dates of birth only of the
    people in ``personal_ids`` (everyone's when None)."""
    rows = (
        mobility_row(m, personal_ids is None or m.person_id in personal_ids)
        for m in mobilities.select_related(
            "person",
            "sending_institution",
            "sending_unit",
            "receiving_institution",
            "receiving_unit",
            "direction",
        ).iterator(chunk_size=2000)
    )
    return table_response("mobilities", fmt, MOBILITY_COLUMNS, rows)


def people_response(
    people: QuerySet[Person], fmt: str, personal_ids: frozenset[int] | set[int] | None
) -> HttpResponseBase:
    """The people as a CSV or XLSX download, personal data as for :func:`mobilities_response`."""
    rows = (
        person_row(p, personal_ids is None or p.pk in personal_ids)
        for p in people.select_related("institution", "unit").iterator(chunk_size=2000)
    )
    return table_response("people", fmt, PERSON_COLUMNS, rows)


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    """Write a plain CSV file (benchmarks and tests build import files with it)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(header))
        for row in rows:
            writer.writerow([_csv_text(value) for value in row])
