"""Importing institutions from public registries: the Hipo world university list and ROR
(Research Organization Registry) data dumps in schema v2 and v1.

Every file is read and checked before anything is written. Records are merged with each other
and with the registry (same ROR id, else a shared web domain, else the same name in the same
country); matched institutions only get their empty fields filled and missing names and domains
added, so importing the same files again changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accord.core import audit
from accord.core.models import AuditAction, AuditEntry
from accord.institutions.models import (
    Institution,
    InstitutionDomain,
    InstitutionKind,
    InstitutionName,
    NameKind,
    is_country_code,
    normalise_name,
)

MAX_ERRORS_SHOWN = 20
FIRST_YEAR, LAST_YEAR = 800, 2100
# ISO 639-2 "undetermined": ROR gives most acronyms and some labels without a language.
UNKNOWN_LANGUAGE = "und"

ROR_PREFIX = "https://ror.org/"
_ROR_ID = re.compile(r"^0[0-9a-hjkmnp-tv-z]{6}[0-9]{2}$")
_ROR_DIGITS = "0123456789abcdefghjkmnpqrstvwxyz"
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")

# The first ROR type found in this order decides: a university that also funds is a university.
KIND_BY_ROR_TYPE: dict[str, InstitutionKind] = {
    "education": InstitutionKind.UNIVERSITY,
    "healthcare": InstitutionKind.HEALTHCARE,
    "facility": InstitutionKind.RESEARCH,
    "government": InstitutionKind.GOVERNMENT,
    "company": InstitutionKind.COMPANY,
    "nonprofit": InstitutionKind.NONPROFIT,
    "funder": InstitutionKind.OTHER,
    "archive": InstitutionKind.OTHER,
    "other": InstitutionKind.OTHER,
}

_FILLABLE_FIELDS = ("city", "founded_year", "website", "ror_id")
_MAX_LENGTHS = {"name": 300, "city": 120, "website": 200}
_validate_url = URLValidator(schemes=["http", "https"])


class SourceFormat(StrEnum):
    """The file formats understood, in the order their records are merged (most trusted first)."""

    ROR_V2 = "ROR v2"
    ROR_V1 = "ROR v1"
    HIPO = "Hipo university list"


class InvalidImportData(Exception):
    """Some file or record cannot be imported; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {error}" for error in errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(errors)} problem(s) found, nothing was imported:\n{shown}{tail}")


@dataclass
class Candidate:
    """One record, normalised: what it says about one institution."""

    name: str
    country: str
    city: str = ""
    kind: str = InstitutionKind.UNIVERSITY
    founded_year: int | None = None
    website: str = ""
    ror_id: str = ""
    # (language, NameKind, name): names other than ``name``.
    names: list[tuple[str, str, str]] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = []
        for language, kind, text in self.names:
            if not text or text == self.name:
                continue
            # Another official English name would replace ``name`` wherever names are shown.
            if kind == NameKind.OFFICIAL and language == "en":
                kind = NameKind.ALIAS
            names.append((language, kind, text))
        self.names = _distinct(names)
        self.domains = _distinct(domain for domain in self.domains if domain)


@dataclass
class SourceFile:
    """A checked input file: its records as candidates, withdrawn ROR records left out."""

    label: str
    format: SourceFormat
    candidates: list[Candidate]
    withdrawn: int = 0


@dataclass
class FileReport:
    """What became of one file's records."""

    label: str
    format: SourceFormat
    records: int
    created: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0


@dataclass
class ImportReport:
    """Totals per institution (``created``, ``updated``, ``unchanged``) and per file."""

    files: list[FileReport]
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def skipped(self) -> int:
        """Records left out; withdrawn ROR records are the only ones."""
        return sum(file.withdrawn for file in self.files)


# Reading and checking -------------------------------------------------------------------------


def _distinct(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _language(value: Any) -> str:
    code = _text(value).lower()
    return code if _LANGUAGE.match(code) else UNKNOWN_LANGUAGE


def _website(urls: Iterable[Any]) -> str:
    """The first usable http(s) address; a missing or odd one is no reason to refuse a record."""
    for value in urls:
        url = _text(value)
        if not url or len(url) > _MAX_LENGTHS["website"]:
            continue
        try:
            _validate_url(url)
        except ValidationError:
            continue
        return url
    return ""


def _kind(types: Iterable[Any]) -> str:
    given = {_text(value).lower() for value in types}
    for ror_type, kind in KIND_BY_ROR_TYPE.items():
        if ror_type in given:
            return kind
    return InstitutionKind.OTHER


def ror_id_is_valid(ror_id: str) -> bool:
    """A ROR id's form and its ISO 7064 mod 97-10 check digits (e.g. ``00yp5c433``)."""
    if not _ROR_ID.match(ror_id):
        return False
    number = 0
    for char in ror_id[:7]:
        number = number * 32 + _ROR_DIGITS.index(char)
    return 98 - (number * 100) % 97 == int(ror_id[7:])


def _detect(record: dict[str, Any]) -> SourceFormat | None:
    if isinstance(record.get("names"), list) and "locations" in record:
        return SourceFormat.ROR_V2
    if "labels" in record and isinstance(record.get("country"), dict):
        return SourceFormat.ROR_V1
    if "alpha_two_code" in record and "domains" in record:
        return SourceFormat.HIPO
    return None


def _ror_display_name(record: dict[str, Any]) -> str:
    for entry in _list(record.get("names")):
        if "ror_display" in _list(_dict(entry).get("types")):
            return _text(_dict(entry).get("value"))
    return ""


def _describe(record: dict[str, Any]) -> str:
    """How an error message names a record: its name, else its id."""
    name = _text(record.get("name")) or _ror_display_name(record)
    return name or _text(record.get("id")) or "no name or id"


def _parse_ror_v2(record: dict[str, Any]) -> Candidate:
    entries = [_dict(entry) for entry in _list(record.get("names"))]
    display = next((e for e in entries if "ror_display" in _list(e.get("types"))), {})
    english = next(
        (e for e in entries if e.get("lang") == "en" and "label" in _list(e.get("types"))), None
    )
    # Institution.name is the English name; ROR's display name is sometimes in another language.
    chosen = display if display.get("lang") == "en" or english is None else english
    name = _text(chosen.get("value"))
    names: list[tuple[str, str, str]] = []
    for entry in entries:
        types = _list(entry.get("types"))
        if "acronym" in types:
            kind = NameKind.ACRONYM
        elif "label" in types or "ror_display" in types:
            kind = NameKind.OFFICIAL
        else:
            kind = NameKind.ALIAS
        names.append((_language(entry.get("lang")), kind, _text(entry.get("value"))))
    location = _dict(_list(record.get("locations"))[0]) if record.get("locations") else {}
    place = _dict(location.get("geonames_details"))
    links = [_dict(link) for link in _list(record.get("links"))]
    return Candidate(
        name=name,
        country=_text(place.get("country_code")).upper(),
        city=_text(place.get("name")),
        kind=_kind(_list(record.get("types"))),
        founded_year=record.get("established"),
        website=_website(link.get("value") for link in links if link.get("type") == "website"),
        ror_id=_text(record.get("id")).removeprefix(ROR_PREFIX),
        names=names,
        domains=[_text(domain).lower() for domain in _list(record.get("domains"))],
    )


def _parse_ror_v1(record: dict[str, Any]) -> Candidate:
    names: list[tuple[str, str, str]] = [
        (_language(_dict(label).get("iso639")), NameKind.OFFICIAL, _text(_dict(label).get("label")))
        for label in _list(record.get("labels"))
    ]
    names += [
        (UNKNOWN_LANGUAGE, NameKind.ALIAS, _text(alias)) for alias in _list(record.get("aliases"))
    ]
    names += [
        (UNKNOWN_LANGUAGE, NameKind.ACRONYM, _text(acronym))
        for acronym in _list(record.get("acronyms"))
    ]
    address = _dict(_list(record.get("addresses"))[0]) if record.get("addresses") else {}
    return Candidate(
        name=_text(record.get("name")),
        country=_text(_dict(record.get("country")).get("country_code")).upper(),
        city=_text(address.get("city")),
        kind=_kind(_list(record.get("types"))),
        founded_year=record.get("established"),
        website=_website(_list(record.get("links"))),
        ror_id=_text(record.get("id")).removeprefix(ROR_PREFIX),
        names=names,
    )


def _parse_hipo(record: dict[str, Any]) -> Candidate:
    return Candidate(
        name=_text(record.get("name")),
        country=_text(record.get("alpha_two_code")).upper(),
        kind=InstitutionKind.UNIVERSITY,
        website=_website(_list(record.get("web_pages"))),
        domains=[_text(domain).lower().rstrip(".") for domain in _list(record.get("domains"))],
    )


_PARSERS: dict[SourceFormat, Callable[[dict[str, Any]], Candidate]] = {
    SourceFormat.ROR_V2: _parse_ror_v2,
    SourceFormat.ROR_V1: _parse_ror_v1,
    SourceFormat.HIPO: _parse_hipo,
}


def _problems(candidate: Candidate, fmt: SourceFormat) -> list[str]:
    """What is wrong with a parsed record (empty when nothing is)."""
    problems = []
    if not candidate.name:
        problems.append("no name")
    elif len(candidate.name) > _MAX_LENGTHS["name"]:
        problems.append(f"name longer than {_MAX_LENGTHS['name']} characters")
    if not candidate.country:
        problems.append("no country code")
    elif not is_country_code(candidate.country):
        problems.append(f"unknown country code {candidate.country!r}")
    if len(candidate.city) > _MAX_LENGTHS["city"]:
        problems.append(f"city longer than {_MAX_LENGTHS['city']} characters")
    if fmt != SourceFormat.HIPO and not ror_id_is_valid(candidate.ror_id):
        problems.append(f"bad ROR id {candidate.ror_id!r}" if candidate.ror_id else "no ROR id")
    year: Any = candidate.founded_year
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        problems.append(f"founding year {year!r} is not a year")
    elif year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        problems.append(f"founding year {year} is outside {FIRST_YEAR}..{LAST_YEAR}")
    problems += [
        f"bad domain {domain!r}" for domain in candidate.domains if not _DOMAIN.match(domain)
    ]
    problems += [
        f"other name longer than {_MAX_LENGTHS['name']} characters: {text[:40]!r}..."
        for _language, _kind, text in candidate.names
        if len(text) > _MAX_LENGTHS["name"]
    ]
    return problems


def _read_file(path: Path, errors: list[str]) -> SourceFile | None:
    """Parse one file, adding every problem to ``errors``; None when it cannot be used at all."""
    label = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        errors.append(f"{label}: cannot be read ({exc.strerror or exc})")
        return None
    except UnicodeDecodeError:
        errors.append(f"{label}: not UTF-8 text")
        return None
    except json.JSONDecodeError as exc:
        errors.append(f"{label}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
        return None
    if not isinstance(data, list) or not data:
        errors.append(f"{label}: not a JSON array of institution records")
        return None
    first = data[0] if isinstance(data[0], dict) else {}
    fmt = _detect(first)
    if fmt is None:
        errors.append(
            f"{label}: record 1 is not in a known format (Hipo university list, ROR v2 or ROR v1)"
        )
        return None
    source = SourceFile(label=label, format=fmt, candidates=[])
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            errors.append(f"{label}: record {number}: not a JSON object")
            continue
        where = f"{label}: record {number} ({_describe(record)})"
        detected = _detect(record)
        # An unrecognised record is parsed anyway, so the message says which fields are missing.
        if detected is not None and detected != fmt:
            errors.append(f"{where}: a {detected} record in a {fmt} file")
            continue
        if _text(record.get("status")).lower() == "withdrawn":
            source.withdrawn += 1
            continue
        candidate = _PARSERS[fmt](record)
        problems = _problems(candidate, fmt)
        if problems:
            errors.append(f"{where}: {'; '.join(problems)}")
        else:
            source.candidates.append(candidate)
    return source


def read_files(paths: Sequence[str | Path]) -> list[SourceFile]:
    """Read and check every file; raise :class:`InvalidImportData` if any file or record is bad."""
    errors: list[str] = []
    sources = [_read_file(Path(path), errors) for path in paths]
    if errors:
        raise InvalidImportData(errors)
    return [source for source in sources if source is not None]


# Merging --------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Entry:
    """An institution being imported into: one already stored, or one to create."""

    institution: Institution
    is_new: bool
    names: list[tuple[str, str, str]] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    new_names: list[InstitutionName] = field(default_factory=list)
    new_domains: list[str] = field(default_factory=list)
    changed_fields: set[str] = field(default_factory=set)
    # Taken just before the first change, for the audit entry.
    before: dict[str, Any] | None = None
    official_languages: set[str] = field(default_factory=set)
    # Normalised: every name the institution has; (name, country) keys that find it.
    texts: set[str] = field(default_factory=set)
    match_keys: set[tuple[str, str]] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return bool(self.changed_fields or self.new_names or self.new_domains)

    def snapshot(self) -> dict[str, Any]:
        """The audit snapshot, with the names and domains that the institution row lacks."""
        return {
            **audit.snapshot(self.institution),
            "names": sorted(f"{name} ({language}, {kind})" for language, kind, name in self.names),
            "domains": sorted(self.domains),
        }


def _match_key(name: str, country: str) -> tuple[str, str] | None:
    normalised = normalise_name(name)
    return (normalised, country) if normalised else None


def _identifies(language: str, kind: str) -> bool:
    """Whether a name may match institutions: acronyms are ambiguous, and aliases in other
    languages are often romanisations that collide ("Shinshū" is not Shinshu University)."""
    if kind == NameKind.ALIAS:
        return language in ("en", UNKNOWN_LANGUAGE)
    return kind == NameKind.OFFICIAL


class _Registry:
    """Lookups of the stored and the incoming institutions, kept in memory for the whole run."""

    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self.by_ror: dict[str, _Entry] = {}
        self.by_domain: dict[str, _Entry] = {}
        self.by_name: dict[tuple[str, str], list[_Entry]] = {}

    @classmethod
    def load(cls) -> _Registry:
        """Every stored institution with its names and domains, in three queries."""
        registry = cls()
        entries: dict[int, _Entry] = {}
        for institution in Institution.objects.order_by("pk"):
            entries[institution.pk] = registry._add(_Entry(institution, is_new=False))
        names = InstitutionName.objects.values_list("institution_id", "language", "kind", "name")
        for institution_id, language, kind, name in names.order_by("pk"):
            registry._add_name(
                entries[institution_id], language, kind, name, _identifies(language, kind)
            )
        domains = InstitutionDomain.objects.values_list("institution_id", "domain")
        for institution_id, domain in domains.order_by("pk"):
            entries[institution_id].domains.append(domain)
            registry.by_domain[domain] = entries[institution_id]
        return registry

    def _add(self, entry: _Entry) -> _Entry:
        self.entries.append(entry)
        institution = entry.institution
        if institution.ror_id:
            self.by_ror[institution.ror_id] = entry
        entry.texts.add(normalise_name(institution.name))
        self._add_match_key(entry, institution.name)
        return entry

    def _add_match_key(self, entry: _Entry, name: str) -> None:
        key = _match_key(name, entry.institution.country)
        if key is not None and key not in entry.match_keys:
            entry.match_keys.add(key)
            self.by_name.setdefault(key, []).append(entry)

    def _add_name(
        self, entry: _Entry, language: str, kind: str, name: str, identifies: bool
    ) -> None:
        entry.names.append((language, kind, name))
        entry.texts.add(normalise_name(name))
        if kind == NameKind.OFFICIAL:
            entry.official_languages.add(language)
        if identifies:
            self._add_match_key(entry, name)

    def find(self, candidate: Candidate) -> _Entry | None:
        """The institution a record describes: same ROR id, else a shared domain, else a name."""
        if candidate.ror_id and candidate.ror_id in self.by_ror:
            return self.by_ror[candidate.ror_id]
        for domain in candidate.domains:
            entry = self.by_domain.get(domain)
            if entry is not None and _compatible(entry, candidate):
                return entry
        names = [candidate.name]
        names += [name for language, kind, name in candidate.names if _identifies(language, kind)]
        for name in names:
            key = _match_key(name, candidate.country)
            for entry in self.by_name.get(key, []) if key else []:
                if _compatible(entry, candidate):
                    return entry
        return None

    def create(self, candidate: Candidate) -> _Entry:
        """A new institution from a record that matched none."""
        institution = Institution(
            name=candidate.name, country=candidate.country, kind=candidate.kind
        )
        entry = self._add(_Entry(institution, is_new=True))
        self.merge(entry, candidate)
        return entry

    def merge(self, entry: _Entry, candidate: Candidate) -> bool:
        """Fill the entry's empty fields, add missing names and domains; True if it changed."""
        institution = entry.institution
        changed = False

        def note_change() -> None:
            nonlocal changed
            if entry.before is None and not entry.is_new:
                entry.before = entry.snapshot()
            changed = True

        for name in _FILLABLE_FIELDS:
            value = getattr(candidate, name)
            if value and not getattr(institution, name):
                note_change()
                setattr(institution, name, value)
                entry.changed_fields.add(name)
        if candidate.ror_id and institution.ror_id == candidate.ror_id:
            self.by_ror.setdefault(candidate.ror_id, entry)
        # The record's own name becomes an English alias when the institution is known by another.
        offered = [("en", NameKind.ALIAS, candidate.name), *candidate.names]
        for language, offered_kind, name in offered:
            kind = offered_kind
            # The official name in a language, once set (perhaps by a user), is the one shown.
            if kind == NameKind.OFFICIAL and language in entry.official_languages:
                kind = NameKind.ALIAS
            if kind != NameKind.OFFICIAL and normalise_name(name) in entry.texts:
                continue
            note_change()
            self._add_name(entry, language, kind, name, _identifies(language, offered_kind))
            entry.new_names.append(
                InstitutionName(institution=institution, language=language, kind=kind, name=name)
            )
        for domain in candidate.domains:
            # A domain another institution owns stays with it.
            if domain not in self.by_domain:
                note_change()
                self.by_domain[domain] = entry
                entry.domains.append(domain)
                entry.new_domains.append(domain)
        return changed


def _compatible(entry: _Entry, candidate: Candidate) -> bool:
    """False when both have a ROR id and the ids differ: ROR says they are two organisations."""
    ror_id = entry.institution.ror_id
    return not (ror_id and candidate.ror_id and ror_id != candidate.ror_id)


# Writing --------------------------------------------------------------------------------------

_BATCH = 500


def _refresh_search_text(institutions: list[Institution]) -> None:
    for start in range(0, len(institutions), _BATCH):
        batch = institutions[start : start + _BATCH]
        models.prefetch_related_objects(batch, "names", "domains")
        for institution in batch:
            institution.rebuild_search_text()
        Institution.objects.bulk_update(batch, ["search_text"])


def _write(registry: _Registry, actor: Any) -> None:
    created = [entry for entry in registry.entries if entry.is_new]
    updated = [entry for entry in registry.entries if not entry.is_new and entry.changed]
    Institution.objects.bulk_create([entry.institution for entry in created], batch_size=_BATCH)
    now = timezone.now()
    changed_fields = {name for entry in updated for name in entry.changed_fields}
    to_update = [entry.institution for entry in updated]
    for institution in to_update:
        # bulk_update skips auto_now.
        institution.modified = now
    if to_update:
        Institution.objects.bulk_update(
            to_update, [*sorted(changed_fields), "modified"], batch_size=_BATCH
        )
    touched = created + updated
    InstitutionName.objects.bulk_create(
        [name for entry in touched for name in entry.new_names], batch_size=1000
    )
    InstitutionDomain.objects.bulk_create(
        [
            InstitutionDomain(institution=entry.institution, domain=domain)
            for entry in touched
            for domain in entry.new_domains
        ],
        batch_size=1000,
    )
    _refresh_search_text([entry.institution for entry in touched])
    entries: list[AuditEntry] = [
        audit.entry(actor, AuditAction.IMPORT, entry.institution, None, entry.snapshot())
        for entry in created
    ]
    entries += [
        audit.entry(actor, AuditAction.IMPORT, entry.institution, entry.before, entry.snapshot())
        for entry in updated
    ]
    audit.record_many(entries)


def import_sources(
    sources: Sequence[SourceFile],
    actor: Any = None,
    progress: Callable[[int], object] | None = None,
    stage: Callable[[str], object] | None = None,
) -> ImportReport:
    """Merge checked files into the registry in one transaction.

    ``progress(n)`` is called after n more records, ``stage(what)`` when a step begins.

    ROR files are merged before the Hipo list whatever the order given, so a new institution
    takes ROR's official name and the Hipo name becomes an alias.
    """
    order = list(SourceFormat)
    reports = [
        FileReport(
            source.label,
            source.format,
            records=len(source.candidates) + source.withdrawn,
            withdrawn=source.withdrawn,
        )
        for source in sources
    ]
    with transaction.atomic():
        if stage is not None:
            stage(gettext_noop("Reading the registry"))
        registry = _Registry.load()
        if stage is not None:
            stage(gettext_noop("Merging"))
        matched: set[_Entry] = set()
        for source, report in sorted(
            zip(sources, reports, strict=True), key=lambda pair: order.index(pair[0].format)
        ):
            for candidate in source.candidates:
                entry = registry.find(candidate)
                if entry is None:
                    registry.create(candidate)
                    report.created += 1
                elif entry.is_new:
                    registry.merge(entry, candidate)
                    report.merged += 1
                else:
                    matched.add(entry)
                    if registry.merge(entry, candidate):
                        report.updated += 1
                    else:
                        report.unchanged += 1
                if progress is not None:
                    progress(1)
        if stage is not None:
            stage(gettext_noop("Writing"))
        _write(registry, actor)
    changed = sum(1 for entry in matched if entry.changed)
    return ImportReport(
        files=reports,
        created=sum(1 for entry in registry.entries if entry.is_new),
        updated=changed,
        unchanged=len(matched) - changed,
    )
