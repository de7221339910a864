"""Importing an adviser's publications from a CSV, XLSX or JSON file, all or nothing.

A table's first row names the columns, a JSON file is a list of objects (or an object whose
``publications`` is that list); either gives ``title`` (required), ``abstract``, ``year``,
``doi`` and, unless the file is imported for one adviser, ``adviser`` (their ORCID iD or
e-mail address). Every row is checked first and every problem listed with its place: a table's
line (as a spreadsheet numbers its rows: the header is line 1, an abstract spanning several
lines of a CSV file is still one line) and column, a JSON file's item (from 1) and field.
Only when every row passes are the publications written, in one transaction with an audit
entry each.

Who imports: the system (no actor) for anyone, a home officer for any adviser, an adviser for
themself; anyone else is refused with PermissionDenied.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from accord.core import audit, bulk
from accord.core.models import AuditAction
from accord.core.refusals import problem_listing
from accord.doctoral.models import ORCID, Adviser, Publication, validate_orcid

MAX_BYTES = 20 * 1024 * 1024
MAX_RECORDS = 50_000
MAX_ERRORS_KEPT = 1000

COLUMNS = ("title", "abstract", "year", "doi", "adviser")
TITLE_MAX = Publication._meta.get_field("title").max_length or 500
DOI_MAX = Publication._meta.get_field("doi").max_length or 200
YEAR_MIN, YEAR_MAX = 1900, 2100

TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
XLSX_SIGNATURE = b"PK\x03\x04"
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = (
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "doi.org/",
    "doi:",
)
ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")

Source = str | os.PathLike[str] | UploadedFile | IO[bytes] | IO[str]


class PublicationsRefused(Exception):
    """Nothing was imported. ``errors`` lists the first thousand problems, ``total`` counts
    them all."""

    def __init__(self, errors: list[str], total: int | None = None) -> None:
        self.errors = errors[:MAX_ERRORS_KEPT]
        self.total = max(len(errors), total or 0)
        super().__init__(self.listing(20))

    def listing(self, most: int = MAX_ERRORS_KEPT) -> str:
        """The summary and the first ``most`` problems, one per line."""
        return problem_listing(self.errors, self.total, most)


class UnreadableFile(PublicationsRefused):
    """The file as a whole cannot be read: too large, not UTF-8, not JSON, a wrong header..."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


# Reading the file -------------------------------------------------------------------------------


def _too_large() -> UnreadableFile:
    return UnreadableFile(
        _("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)}
    )


def _load(source: Source) -> tuple[str, bytes]:
    """The file's suffix (lower case, "" when it has none) and its bytes, within the limit."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.stat().st_size > MAX_BYTES:
            raise _too_large()
        return path.suffix.lower(), path.read_bytes()
    size = getattr(source, "size", None)
    if isinstance(size, int) and size > MAX_BYTES:
        raise _too_large()
    if getattr(source, "seekable", lambda: False)():
        source.seek(0)
    data: bytes | str = source.read(MAX_BYTES + 1)
    if isinstance(data, str):  # a file opened as text
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BYTES:
        raise _too_large()
    name = getattr(source, "name", "")
    return (Path(name).suffix.lower() if isinstance(name, str) else ""), data


def _format_of(suffix: str, data: bytes) -> str:
    """How to read the file (csv, xlsx or json): by its suffix, else by its first bytes."""
    if suffix in TABLE_SUFFIXES:
        return "csv"
    if suffix in {".xlsx", ".json"}:
        return suffix[1:]
    if suffix:
        raise UnreadableFile(
            _("Import a CSV, XLSX or JSON file, not a “%(suffix)s” file.") % {"suffix": suffix}
        )
    if data.startswith(XLSX_SIGNATURE):
        return "xlsx"
    start = data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    return "json" if start in (b"[", b"{") else "csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableFile(
            _("Line %(line)s is not UTF-8 text; save the file as CSV UTF-8.") % {"line": line}
        ) from None
    header = re.split(r"[\r\n]", text, maxsplit=1)[0]
    # The header names known columns, so the separator it holds most is the file's.
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise UnreadableFile(
            _("Line %(line)s: %(error)s") % {"line": reader.line_num, "error": error}
        ) from None


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableFile(
            _("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}
        ) from None
    try:
        if not workbook.worksheets:
            return
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_cell(value) for value in row]
    except Exception as error:
        raise UnreadableFile(
            _("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}
        ) from None
    finally:
        workbook.close()


@dataclass(frozen=True)
class _Malformed:
    """A row that cannot be read as the header's columns, and why."""

    message: str


def _table(
    rows: Iterator[list[str]], adviser_column: bool
) -> Iterator[tuple[int, dict[str, Any] | _Malformed]]:
    """(line, {column: text}) for every row that is not empty, the header checked."""
    header = next(rows, None)
    if header is None:
        raise UnreadableFile(_("The file is empty."))
    names = [name.strip().lower() for name in header]
    required = ["title", "adviser"] if adviser_column else ["title"]
    unknown = [name for name in names if name and name not in COLUMNS]
    missing = [name for name in required if name not in names]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if unknown or missing or repeated:
        problems = []
        if unknown:
            problems.append(_("unknown columns: %(names)s") % {"names": ", ".join(unknown)})
        if missing:
            problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
        if repeated:
            problems.append(_("repeated columns: %(names)s") % {"names": ", ".join(repeated)})
        problems.append(_("the columns are %(names)s") % {"names": ", ".join(COLUMNS)})
        raise UnreadableFile(_("Line 1: %(problems)s.") % {"problems": "; ".join(problems)})
    for line, row in enumerate(rows, start=2):
        if not any(value.strip() for value in row):
            continue
        if any(value.strip() for value in row[len(names) :]):
            message = _(
                "The line has %(count)s values but the first line names %(columns)s columns; "
                "put quotes around texts that contain the separator."
            ) % {"count": len(row), "columns": len(names)}
            yield line, _Malformed(message)
            continue
        yield line, {name: value for name, value in zip(names, row, strict=False) if name}


def _json_items(data: bytes) -> Iterator[tuple[int, Any]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UnreadableFile(_("The file is not UTF-8 text.")) from None
    except json.JSONDecodeError as error:
        raise UnreadableFile(
            _("The file is not valid JSON (line %(line)s, column %(column)s: %(error)s).")
            % {"line": error.lineno, "column": error.colno, "error": error.msg}
        ) from None
    except (ValueError, RecursionError):
        raise UnreadableFile(_("The file is not JSON this import can read.")) from None
    if isinstance(document, dict) and isinstance(document.get("publications"), list):
        document = document["publications"]
    if not isinstance(document, list):
        raise UnreadableFile(
            _("Give a list of publications, or an object whose “publications” is that list.")
        )
    yield from enumerate(document, start=1)


# Places and values -----------------------------------------------------------------------------


def _where(json_file: bool, number: int, field: str, message: str) -> str:
    """A problem as the listing shows it: its line and column, or its item and field."""
    values = {"number": number, "field": field, "message": message}
    if json_file:
        if field:
            return _("Item %(number)s, field %(field)s: %(message)s") % values
        return _("Item %(number)s: %(message)s") % values
    if field:
        return _("Line %(number)s, column %(field)s: %(message)s") % values
    return _("Line %(number)s: %(message)s") % values


def _shown(value: Any) -> str:
    """A value as a message quotes it, cut short when long."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


def _key(title: str) -> str:
    """What two titles share when they are the same title: case and spacing aside."""
    return " ".join(title.split()).casefold()


class _Problems:
    """One row's problems, by field."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.found.append((field, message))

    def text(self, raw: dict[str, Any], field: str, required: bool = False) -> str:
        value = raw.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(field, _("Give text here, not %(value)s.") % {"value": _shown(value)})
            return ""
        text = value.strip()
        if required and not text:
            self.add(field, _("This value is required."))
        elif "\x00" in text:
            self.add(field, _("The text contains a null character."))
        else:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                self.add(field, _("The text contains characters that are not valid Unicode."))
        return text

    def title(self, raw: dict[str, Any]) -> str:
        title = self.text(raw, "title", required=True)
        if len(title) > TITLE_MAX:
            self.add(
                "title",
                _("The title has %(length)s characters; %(most)s at most.")
                % {"length": len(title), "most": TITLE_MAX},
            )
        return title

    def year(self, raw: dict[str, Any]) -> int | None:
        value = raw.get("year")
        year: int | None = None
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            year = value
        elif isinstance(value, float) and value.is_integer():
            year = int(value)
        elif isinstance(value, str):
            text = value.strip()
            if text.isascii() and text.isdigit() and len(text) <= 9:
                year = int(text)
        if year is None:
            self.add("year", _("“%(value)s” is not a year.") % {"value": _shown(value)})
            return None
        if not YEAR_MIN <= year <= YEAR_MAX:
            self.add(
                "year",
                _("%(year)s is not between %(first)s and %(last)s.")
                % {"year": year, "first": YEAR_MIN, "last": YEAR_MAX},
            )
            return None
        return year

    def doi(self, raw: dict[str, Any]) -> str:
        """The DOI as 10.prefix/suffix, a doi.org link or "doi:" taken off."""
        text = self.text(raw, "doi")
        for prefix in DOI_PREFIXES:
            if text.lower().startswith(prefix):
                text = text[len(prefix) :].strip()
                break
        if text and not DOI.match(text):
            self.add(
                "doi", _("“%(value)s” is not a DOI (10.1000/xyz123).") % {"value": _shown(text)}
            )
        elif len(text) > DOI_MAX:
            self.add(
                "doi",
                _("The DOI has %(length)s characters; %(most)s at most.")
                % {"length": len(text), "most": DOI_MAX},
            )
        return text


# Advisers ---------------------------------------------------------------------------------------


def _orcid(text: str) -> str | None:
    """The ORCID iD ``text`` writes (a link, or 16 characters without dashes), else None."""
    for prefix in ORCID_PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    text = text.upper()
    if re.fullmatch(r"\d{15}[\dX]", text):
        text = "-".join(text[start : start + 4] for start in range(0, 16, 4))
    return text if ORCID.match(text) else None


def _resolve(reference: str, by_number: bool = False) -> Adviser | str:
    """The adviser an ORCID iD or an e-mail address (or, ``by_number``, their number) names,
    or the message why none is found."""
    text = reference.strip()
    orcid = _orcid(text)
    if orcid is None and by_number and text.isascii() and text.isdigit():
        found = Adviser.objects.filter(pk=int(text)).first()
        return found or _("There is no adviser number %(number)s.") % {"number": text}
    if orcid is not None:
        try:
            validate_orcid(orcid)
        except ValidationError as error:
            return str(error.messages[0])
        found = Adviser.objects.filter(orcid=orcid).first()
        return found or _("No adviser has the ORCID iD %(orcid)s.") % {"orcid": orcid}
    try:
        validate_email(text)
    except ValidationError:
        return _("“%(value)s” is neither an ORCID iD nor an e-mail address.") % {
            "value": _shown(text)
        }
    advisers = list(Adviser.objects.filter(email__iexact=text)[:2])
    if not advisers:
        return _("No adviser has the e-mail address %(email)s.") % {"email": text}
    if len(advisers) > 1:
        return _("Several advisers have the e-mail address %(email)s; give the ORCID iD.") % {
            "email": text
        }
    return advisers[0]


def find_adviser(reference: str) -> Adviser:
    """The adviser an ORCID iD, an e-mail address or a number names; LookupError (with the
    reason as its message) when there is none."""
    found = _resolve(reference, by_number=True)
    if isinstance(found, str):
        raise LookupError(found)
    return found


def _active(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def _is_officer(actor: Any) -> bool:
    return actor is None or (_active(actor) and bool(actor.is_home_officer))


def _own(actor: Any, adviser: Adviser) -> bool:
    return _active(actor) and adviser.user_id is not None and adviser.user_id == actor.pk


def _refuse_actor() -> PermissionDenied:
    return PermissionDenied(
        _("Only the office, or the adviser themself, imports an adviser's publications.")
    )


# The import -------------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    publication: Publication


class _Import:
    """One file checked for one actor, and written when every row passes."""

    def __init__(self, actor: Any, adviser: Adviser | None) -> None:
        self.actor, self.fixed = actor, adviser
        self.officer = _is_officer(actor)
        if adviser is not None and not (self.officer or _own(actor, adviser)):
            raise _refuse_actor()
        if adviser is None and not (
            self.officer or (_active(actor) and Adviser.objects.filter(user=actor).exists())
        ):
            raise _refuse_actor()
        self.json_file = False
        self.rows: list[_Row] = []
        self.errors: list[str] = []
        self.total = 0
        self.advisers: dict[str, Adviser | str] = {}
        self.stored: dict[int, set[str]] = {}
        self.seen: dict[tuple[int, str], int] = {}
        self.unknown_fields: set[str] = set()
        self.denied: str | None = None

    def fail(self, number: int, field: str, message: str) -> None:
        self.total += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(_where(self.json_file, number, field, message))

    # Pass one

    def records(self, source: Source) -> Iterator[tuple[int, Any]]:
        suffix, data = _load(source)
        kind = _format_of(suffix, data)
        self.json_file = kind == "json"
        if kind == "json":
            return _json_items(data)
        rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
        return _table(rows, adviser_column=self.fixed is None)

    def check(self, source: Source) -> list[_Row]:
        """Every row checked; PublicationsRefused listing every problem, PermissionDenied for
        a row of an adviser the actor may not import for."""
        for count, (number, raw) in enumerate(self.records(source), start=1):
            if count > MAX_RECORDS:
                raise UnreadableFile(
                    _("The file lists more than %(most)s publications; split it.")
                    % {"most": f"{MAX_RECORDS:,}"}
                )
            self.row(number, raw)
        if self.denied is not None:
            raise PermissionDenied(self.denied)
        if self.total:
            raise PublicationsRefused(self.errors, self.total)
        if not self.rows:
            raise UnreadableFile(_("The file lists no publications."))
        return self.rows

    def row(self, number: int, raw: Any) -> None:
        if isinstance(raw, _Malformed):
            self.fail(number, "", raw.message)
            return
        if not isinstance(raw, dict):
            self.fail(number, "", _("Give each publication as an object with a “title”."))
            return
        if self.json_file:
            raw = self.known_fields(number, raw)
        problems = _Problems()
        title = problems.title(raw)
        abstract = problems.text(raw, "abstract")
        year = problems.year(raw)
        doi = problems.doi(raw)
        adviser = self.adviser(number, raw, problems)
        if adviser is not None and not any(field == "title" for field, _text in problems.found):
            self.duplicate(number, adviser, title, problems)
        publication = None
        if not problems.found and adviser is not None:
            publication = Publication(
                adviser=adviser, title=title, abstract=abstract, year=year, doi=doi
            )
            try:
                # What the checks above cover, and whatever the model comes to require.
                publication.clean_fields(exclude=["adviser"])
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        problems.add(field, message)
        for field, message in problems.found:
            self.fail(number, field, message)
        if publication is not None and not problems.found:
            self.rows.append(_Row(number, publication))

    def known_fields(self, number: int, raw: dict[str, Any]) -> dict[str, Any]:
        """A JSON item's fields by their lower-case names; each unknown name is a problem of
        the first item that gives it."""
        fields = {key.strip().lower(): value for key, value in raw.items()}
        for name in fields:
            if name not in COLUMNS and name not in self.unknown_fields:
                self.unknown_fields.add(name)
                self.fail(
                    number,
                    _shown(name),
                    _("Unknown field; the fields are %(names)s.") % {"names": ", ".join(COLUMNS)},
                )
        return fields

    def adviser(self, number: int, raw: dict[str, Any], problems: _Problems) -> Adviser | None:
        """The adviser the row is for: the file's, or the one its ``adviser`` names."""
        reference = problems.text(raw, "adviser", required=self.fixed is None)
        if not reference:
            return self.fixed
        found = self.advisers.get(reference)
        if found is None:
            found = self.advisers[reference] = _resolve(reference)
        if isinstance(found, str):
            problems.add("adviser", found)
            return None
        if self.fixed is not None and found.pk != self.fixed.pk:
            problems.add(
                "adviser",
                _("The file is imported for %(adviser)s, not %(named)s.")
                % {"adviser": self.fixed, "named": found},
            )
            return None
        if not (self.officer or _own(self.actor, found)):
            if self.denied is None:
                values = {"number": number, "adviser": found}
                self.denied = (
                    _("Item %(number)s is for %(adviser)s; you import only your own publications.")
                    if self.json_file
                    else _(
                        "Line %(number)s is for %(adviser)s; you import only your own publications."
                    )
                ) % values
            return None
        return found

    def stored_titles(self, adviser: Adviser) -> set[str]:
        if adviser.pk not in self.stored:
            titles = Publication.objects.filter(adviser=adviser).values_list("title", flat=True)
            self.stored[adviser.pk] = {_key(title) for title in titles}
        return self.stored[adviser.pk]

    def duplicate(self, number: int, adviser: Adviser, title: str, problems: _Problems) -> None:
        """A title the adviser already has, or one an earlier row gives them, is a problem."""
        key = _key(title)
        if key in self.stored_titles(adviser):
            problems.add("title", self.already_stored(adviser))
            return
        earlier = self.seen.setdefault((adviser.pk, key), number)
        if earlier != number:
            message = (
                _("The same publication as item %(number)s.")
                if self.json_file
                else _("The same publication as on line %(number)s.")
            )
            problems.add("title", message % {"number": earlier})

    @staticmethod
    def already_stored(adviser: Adviser) -> str:
        return _("%(adviser)s already has a publication with this title.") % {"adviser": adviser}

    # Pass two

    def write(self, rows: list[_Row]) -> int:
        """Insert the publications with an audit entry each, in one transaction; the advisers
        are locked and their titles compared again, in case another import came first."""
        with transaction.atomic():
            adviser_ids = sorted({row.publication.adviser_id for row in rows})
            list(Adviser.objects.select_for_update().filter(pk__in=adviser_ids).values_list("pk"))
            stored = {
                (adviser_id, _key(title))
                for adviser_id, title in Publication.objects.filter(
                    adviser_id__in=adviser_ids
                ).values_list("adviser_id", "title")
            }
            for row in rows:
                publication = row.publication
                if (publication.adviser_id, _key(publication.title)) in stored:
                    self.fail(row.number, "title", self.already_stored(publication.adviser))
            if self.total:
                raise PublicationsRefused(self.errors, self.total)
            publications = [row.publication for row in rows]
            bulk.insert(publications)
            audit.record_many(
                audit.entry(self.actor, AuditAction.CREATE, obj, None, audit.snapshot(obj))
                for obj in publications
            )
        return len(publications)


def check_publications(actor: Any, source: Source, adviser: Adviser | None = None) -> int:
    """The number of publications the file would add; nothing is written. Raises as
    :func:`import_publications` does."""
    return len(_Import(actor, adviser).check(source))


def import_publications(actor: Any, source: Source, adviser: Adviser | None = None) -> int:
    """Add the publications ``source`` lists (a path, or an uploaded or open file), to
    ``adviser`` or to the advisers its ``adviser`` column names; the number added.

    PublicationsRefused (UnreadableFile for a file that cannot be read at all) lists every
    problem and nothing is written; PermissionDenied when the actor may not import for an
    adviser the import concerns. A missing path raises OSError.
    """
    job = _Import(actor, adviser)
    return job.write(job.check(source))
