"""Agreement documents: the agreement as a PDF in parallel languages, and its signed scans.

The PDF puts two languages side by side (e.g. Ukrainian | English), each column with its headings
in its own language. Signed scans are PDF files kept in private storage, with their size and
SHA-256 checksum; they are created and deleted with an audit entry, and a file is never left
behind by an upload that did not make it into the database.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.http import content_disposition_header
from django.utils.text import capfirst, get_valid_filename, slugify
from django.utils.translation import gettext as _

from accord.agreements import access
from accord.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementParty,
    CooperationArea,
    Direction,
    Quota,
)
from accord.core import actions
from accord.core.languages import LANGUAGE_CODE, language_name
from accord.institutions.models import Institution, country_name

ENGLISH = "en"
PDF_SIGNATURE = b"%PDF-"


# Languages ------------------------------------------------------------------------------------


def _other_languages(agreement: Agreement) -> list[str]:
    return [code for code in agreement.languages if code != ENGLISH]


def default_languages(agreement: Agreement) -> tuple[str, ...]:
    """The agreement's first language other than English, with English; English alone if none."""
    others = _other_languages(agreement)
    return (others[0], ENGLISH) if others else (ENGLISH,)


def language_pairs(agreement: Agreement) -> list[tuple[str, ...]]:
    """The language pairs offered for the PDF: each other language with English."""
    return [(code, ENGLISH) for code in _other_languages(agreement)] or [(ENGLISH,)]


def parse_languages(agreement: Agreement, value: str | None) -> tuple[str, ...]:
    """The languages asked for as ``"uk,en"``: one or two that the agreement is written in.

    Empty means :func:`default_languages`; anything else wrong is a ValidationError on
    ``languages``.
    """
    if not value or not value.strip():
        return default_languages(agreement)
    codes = tuple(code.strip().lower() for code in value.split(","))
    if not 1 <= len(codes) <= 2 or len(set(codes)) != len(codes):
        raise ValidationError(
            {"languages": _("Name one language or two different ones, e.g. uk,en.")}
        )
    supported = {code for code, _name in settings.LANGUAGES}
    unknown = [
        code
        for code in codes
        if not LANGUAGE_CODE.match(code)
        or (code not in supported and code not in agreement.languages)
    ]
    if unknown:
        raise ValidationError(
            {
                "languages": _("Unknown language: %(codes)s. This agreement is in: %(available)s.")
                % {"codes": ", ".join(unknown)[:50], "available": ", ".join(agreement.languages)}
            }
        )
    missing = [code for code in codes if code not in agreement.languages]
    if missing:
        raise ValidationError(
            {
                "languages": _(
                    "This agreement has no title or text in %(languages)s. It is in: %(available)s."
                )
                % {
                    "languages": ", ".join(language_name(code) for code in missing),
                    "available": ", ".join(agreement.languages),
                }
            }
        )
    return codes


# The PDF ---------------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines."""
    parts = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [part.strip() for part in parts if part.strip()]


def _title(agreement: Agreement, language: str) -> str:
    return agreement.titles.get(language) or agreement.title


def _text(agreement: Agreement, language: str) -> str:
    if language == ENGLISH:
        return agreement.texts.get(ENGLISH) or agreement.text
    return agreement.texts.get(language, "")


def _direction_name(direction: Direction, language: str) -> str:
    return direction.names.get(language) or direction.name


def _date(value: date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else "—"


def _label(model: type[Any], field: str) -> str:
    return str(capfirst(model._meta.get_field(field).verbose_name))


def _labels() -> dict[str, str]:
    """The document's headings and labels in the active language."""
    return {
        "kind": _("Kind"),
        "parties": _("Parties"),
        "institution": _("Institution"),
        "country": _label(Institution, "country"),
        "signatory": _label(AgreementParty, "signatory_name"),
        "position": _label(AgreementParty, "signatory_position"),
        "signed_on": _("Signed on"),
        "valid": _("Valid"),
        "renewal": _label(Agreement, "automatic_renewal"),
        "areas": _("Areas of cooperation"),
        "directions": str(capfirst(Direction._meta.verbose_name_plural)),
        "fields": _label(Direction, "fields"),
        "specialties": _label(Direction, "specialties"),
        "quotas": str(capfirst(Quota._meta.verbose_name_plural)),
        "direction": _label(Quota, "direction"),
        "mobility_type": _label(Quota, "mobility_type"),
        "flow": _label(Quota, "flow"),
        "academic_year": _label(Quota, "academic_year"),
        "people": _label(Quota, "people"),
        "months": _label(Quota, "months"),
        "text": _label(Agreement, "text"),
        "signature": _("Signature"),
        "date": _("Date"),
    }


def _column(
    agreement: Agreement,
    language: str,
    parties: Sequence[AgreementParty],
    directions: Sequence[Direction],
) -> dict[str, Any]:
    """Everything one language's column shows, rendered in that language."""
    with translation.override(language):
        return {
            "language": language,
            "language_name": language_name(language),
            "labels": _labels(),
            "kind": agreement.get_kind_display(),
            "title": _title(agreement, language),
            "signed_on": _date(agreement.signed_on),
            "valid_from": _date(agreement.valid_from),
            "valid_until": _date(agreement.valid_until),
            "parties": [
                {
                    "name": party.institution.display_name,
                    "country": country_name(party.institution.country),
                    "signatory": party.signatory_name,
                    "position": party.signatory_position,
                }
                for party in parties
            ],
            "areas": [
                str(CooperationArea(area).label)
                for area in agreement.areas
                if area in CooperationArea.values
            ],
            "directions": [
                {
                    "name": _direction_name(direction, language),
                    "fields": [f"{field.code} {field.name}" for field in direction.fields.all()],
                    "specialties": [
                        f"{specialty.code} {specialty.name}"
                        for specialty in direction.specialties.all()
                    ],
                }
                for direction in directions
            ],
        }


def _both(values: Sequence[str]) -> str:
    """One value per language, each said once: "Напрям / Direction", "2026/2027"."""
    return " / ".join(dict.fromkeys(value for value in values if value))


def _quota_rows(quotas: Sequence[Quota], languages: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for quota in quotas:
        mobility_types, flows = [], []
        for language in languages:
            with translation.override(language):
                mobility_types.append(quota.get_mobility_type_display())
                flows.append(quota.get_flow_display())
        rows.append(
            {
                "direction": _both(
                    [_direction_name(quota.direction, language) for language in languages]
                ),
                "mobility_type": _both(mobility_types),
                "flow": _both(flows),
                "academic_year": quota.academic_year,
                "people": quota.people,
                "months": "—" if quota.months is None else quota.months,
            }
        )
    return rows


def document_context(agreement: Agreement, languages: Sequence[str]) -> dict[str, Any]:
    """What ``agreements/document.html`` shows for ``agreement`` in ``languages``."""
    parties = list(
        agreement.parties.select_related("institution")
        .prefetch_related("institution__names")
        .order_by("id")
    )
    directions = list(agreement.directions.prefetch_related("fields", "specialties"))
    quotas = list(
        agreement.quotas.select_related("direction").order_by(
            "academic_year", "direction_id", "mobility_type", "flow"
        )
    )
    columns = [_column(agreement, language, parties, directions) for language in languages]
    headings = {key: _both([column["labels"][key] for column in columns]) for key in _labels()}
    texts = [_paragraphs(_text(agreement, language)) for language in languages]
    return {
        "agreement": agreement,
        "languages": list(languages),
        "columns": columns,
        "headings": headings,
        "width": f"{100 / len(columns):.4g}%",
        "text_rows": [
            [
                {"language": language, "text": text}
                for language, text in zip(languages, row, strict=True)
            ]
            for row in itertools.zip_longest(*texts, fillvalue="")
        ],
        "quotas": _quota_rows(quotas, languages),
        "signatures": [
            [
                column["parties"][index]
                | {"labels": column["labels"], "language": column["language"]}
                for column in columns
            ]
            for index in range(len(parties))
        ],
        "automatic_renewal": agreement.automatic_renewal,
    }


def render_html(agreement: Agreement, languages: Sequence[str]) -> str:
    return render_to_string("agreements/document.html", document_context(agreement, languages))


def render_pdf(agreement: Agreement, languages: Sequence[str] | None = None) -> bytes:
    """The agreement as an A4 PDF with its text in parallel columns, one per language.

    ``languages`` defaults to :func:`default_languages`. Fonts come from the machine (DejaVu Sans
    covers Cyrillic and Azerbaijani letters); nothing is fetched from the network.
    """
    # Imported here: loading WeasyPrint's libraries takes time every process would pay at start.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    chosen = tuple(languages) if languages else default_languages(agreement)
    html = render_html(agreement, chosen)
    # Only inline data: a text that slipped a link through must not make the server fetch it.
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf: bytes = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    return pdf


def pdf_file_name(agreement: Agreement, languages: Sequence[str]) -> str:
    slug = slugify(agreement.title)[:60].strip("-") or "agreement"
    return f"{slug}-{agreement.pk}-{'-'.join(languages)}.pdf"


def pdf_response(agreement: Agreement, languages: Sequence[str]) -> HttpResponse:
    """The PDF, shown in the browser, saved under a name that says which agreement it is."""
    response = HttpResponse(render_pdf(agreement, languages), content_type="application/pdf")
    disposition = content_disposition_header(False, pdf_file_name(agreement, languages))
    response["Content-Disposition"] = disposition or "inline"
    response["Cache-Control"] = "private, no-store"
    return response


# Signed scans ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedUpload:
    """An upload found to be a PDF within the size limit, with its checksum."""

    name: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return int(settings.ACCORD_MAX_UPLOAD_MB) * 1024 * 1024


def safe_file_name(name: str | None) -> str:
    """The uploaded file's own name, without folders or odd characters, ending in ``.pdf``."""
    base = PurePosixPath(str(name or "").replace("\\", "/")).name
    try:
        cleaned = get_valid_filename(base)
    except SuspiciousFileOperation:
        cleaned = ""
    stem = cleaned[:-4] if cleaned.lower().endswith(".pdf") else cleaned
    # No hidden files and no names made of dots only.
    stem = stem.strip("._-")[:200] or "document"
    return f"{stem}.pdf"


def _too_large() -> ValidationError:
    return ValidationError(
        {
            "file": _("The file is larger than %(limit)s MB, the largest accepted.")
            % {"limit": settings.ACCORD_MAX_UPLOAD_MB}
        }
    )


def check_upload(upload: UploadedFile | None) -> CheckedUpload:
    """Read the upload once: refuse it unless it is a non-empty PDF within the size limit, and
    compute its size and SHA-256 on the way. Errors are ValidationErrors on ``file``."""
    if upload is None:
        raise ValidationError({"file": _("Choose a PDF file to upload.")})
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise _too_large()
    digest, size, head = hashlib.sha256(), 0, b""
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        if len(head) < len(PDF_SIGNATURE):
            head += chunk[: len(PDF_SIGNATURE) - len(head)]
            if len(head) == len(PDF_SIGNATURE) and head != PDF_SIGNATURE:
                break
        digest.update(chunk)
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if head != PDF_SIGNATURE:
        raise ValidationError(
            {"file": _("Only PDF files can be uploaded as signed scans; this file is not a PDF.")}
        )
    return CheckedUpload(name=safe_file_name(upload.name), size=size, sha256=digest.hexdigest())


def _remove_stored_file(document: AgreementDocument) -> None:
    if document.file.name:
        document.file.storage.delete(document.file.name)


def upload_document(
    actor: Any, agreement: Agreement, upload: UploadedFile | None
) -> AgreementDocument:
    """Keep a signed scan of ``agreement``, with its audit entry.

    The file is written inside the transaction and removed again if the transaction fails, so it
    runs as its own (durable) transaction: an enclosing one could roll back after the file stays.
    """
    checked = check_upload(upload)
    assert upload is not None
    document = AgreementDocument(
        agreement=agreement, name=checked.name, size=checked.size, sha256=checked.sha256
    )
    try:
        with transaction.atomic(durable=True):
            upload.seek(0)
            document.file.save(checked.name, upload, save=False)
            actions.create(actor, document)
    except BaseException:
        _remove_stored_file(document)
        raise
    return document


def delete_document(actor: Any, document: AgreementDocument) -> None:
    """Delete a signed scan, with its audit entry; the file goes once the deletion is committed."""
    name, storage = document.file.name, document.file.storage
    with transaction.atomic():
        actions.delete(actor, document)
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def download_response(document: AgreementDocument) -> FileResponse:
    """The scan as a download under its original (sanitised) name."""
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file of this signed scan is missing.")) from error
    response = FileResponse(
        handle, as_attachment=True, filename=document.name, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# The agreement page's documents section -----------------------------------------------------


@dataclass(frozen=True)
class PdfLink:
    languages: tuple[str, ...]

    @property
    def query(self) -> str:
        return ",".join(self.languages)

    @property
    def label(self) -> str:
        return " | ".join(language_name(code) for code in self.languages)


@dataclass(frozen=True)
class DocumentsSection:
    """What the documents section of an agreement's page shows to one user."""

    pdf_links: list[PdfLink]
    scans: list[AgreementDocument]
    may_upload: bool
    max_upload_mb: int


def documents_section(agreement: Agreement, user: Any) -> DocumentsSection:
    may_upload = access.agreements_for(user, "change").filter(pk=agreement.pk).exists()
    scans = AgreementDocument.objects.filter(agreement=agreement).order_by("-uploaded", "-id")
    return DocumentsSection(
        pdf_links=[PdfLink(pair) for pair in language_pairs(agreement)],
        scans=list(scans),
        may_upload=may_upload,
        max_upload_mb=int(settings.ACCORD_MAX_UPLOAD_MB),
    )
