"""Importing people and mobilities through the API: upload a file, follow the job."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from accord.core import jobs
from accord.core.models import JobStatus
from accord.exchanges.import_views import (
    check_upload,
    import_jobs_for,
    require_importer,
    start_import,
)

router = Router(tags=["exchanges"])


class ImportProgress(Schema):
    stage: str
    done: int
    total: int


class ImportJobOut(Schema):
    id: str
    status: JobStatus
    created: datetime.datetime
    finished: datetime.datetime | None
    progress: ImportProgress | None
    report: dict[str, Any]
    error: str


def _out(job: Any) -> dict[str, Any]:
    return {
        "id": str(job.pk),
        "status": job.status,
        "created": job.created,
        "finished": job.finished,
        "progress": jobs.progress(str(job.pk)),
        "report": job.report,
        "error": job.error,
    }


@router.post("/mobilities/import", response={202: ImportJobOut})
def import_mobilities(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Upload a CSV (UTF-8) or XLSX file of people and mobilities (multipart, field ``file``).
    The import runs in the background, all or nothing: follow it at ``/imports/{id}``, whose
    ``error`` lists every problem by line and column when it refused the file."""
    require_importer(request.user)
    try:
        check_upload(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    return Status(202, _out(start_import(request.user, file)))


@router.get("/imports/{pk}", response=ImportJobOut)
def import_status(request: HttpRequest, pk: uuid.UUID) -> Any:
    """An import's status, progress while it runs, and its report or errors when finished."""
    require_importer(request.user)
    return _out(get_object_or_404(import_jobs_for(request.user), pk=pk))
