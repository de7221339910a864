"""REST endpoints for agreement documents: the PDF in two languages, and signed scans.

Mounted on the agreements router. Same access as the pages: anyone who may see the agreement reads,
home officers upload and delete; an agreement the user may not see is a 404.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from accord.agreements import access, documents
from accord.agreements.models import Agreement, AgreementDocument

router = Router(tags=["agreements"])

PDF = {
    200: {
        "description": "A PDF file.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class DocumentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    uploaded: datetime


def _visible(request: HttpRequest, pk: int) -> Agreement:
    return get_object_or_404(access.agreements_for(request.user), pk=pk)


def _changeable(request: HttpRequest, pk: int) -> Agreement:
    return access.changeable_agreement(request.user, access.agreements_for(request.user), pk)


@router.get("/agreements/{pk}/document.pdf", openapi_extra={"responses": PDF})
def agreement_pdf(request: HttpRequest, pk: int, languages: str = "") -> HttpResponse:
    """The agreement as a PDF, its text in parallel columns: ``languages=uk,en`` (default: the
    agreement's first language other than English, with English). 400 for a language the
    agreement is not written in."""
    agreement = _visible(request, pk)
    try:
        chosen = documents.parse_languages(agreement, languages)
    except ValidationError as error:
        raise HttpError(400, " ".join(error.messages)) from error
    return documents.pdf_response(agreement, chosen)


@router.get("/agreements/{pk}/documents", response=list[DocumentOut])
def list_documents(request: HttpRequest, pk: int) -> Any:
    """The agreement's signed scans, newest first."""
    agreement = _visible(request, pk)
    return AgreementDocument.objects.filter(agreement=agreement).order_by("-uploaded", "-id")


@router.post("/agreements/{pk}/documents", response={201: DocumentOut})
def upload_document(request: HttpRequest, pk: int, file: File[UploadedFile]) -> Any:
    """Upload a signed scan (multipart, field ``file``): a PDF within ``ACCORD_MAX_UPLOAD_MB``.
    Home officers only."""
    agreement = _changeable(request, pk)
    return Status(201, documents.upload_document(request.user, agreement, file))


@router.get("/agreements/{pk}/documents/{document_pk}", openapi_extra={"responses": PDF})
def download_document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    agreement = _visible(request, pk)
    document = get_object_or_404(agreement.documents.all(), pk=document_pk)
    return documents.download_response(document)


@router.delete("/agreements/{pk}/documents/{document_pk}", response={204: None})
def delete_document(request: HttpRequest, pk: int, document_pk: int) -> Any:
    """Delete a signed scan. Home officers only."""
    agreement = _changeable(request, pk)
    document = get_object_or_404(agreement.documents.all(), pk=document_pk)
    documents.delete_document(request.user, document)
    return Status(204, None)
