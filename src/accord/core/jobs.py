"""Background jobs: started in a request, enqueued once its transaction commits, run by
``accord db_worker``, followed by the user on a page that polls their progress."""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext
from django_tasks.base import Task

from accord.core.models import Job, JobStatus

PROGRESS_TTL = 24 * 3600
logger = logging.getLogger(__name__)


class Progress(TypedDict):
    stage: str
    done: int
    total: int


def start(kind: str, actor: Any, task: Task[Any, Any], *args: Any) -> Job:
    """Record a job and enqueue ``task(job_id, *args)`` after the current transaction commits."""
    created_by = actor if getattr(actor, "is_authenticated", False) else None
    job = Job.objects.create(kind=kind, created_by=created_by)
    transaction.on_commit(partial(task.enqueue, str(job.pk), *args))
    return job


def _key(job_id: str) -> str:
    return f"accord:job-progress:{job_id}"


def report_progress(job_id: str, stage: str, done: int, total: int) -> None:
    cache.set(_key(job_id), Progress(stage=stage, done=done, total=total), PROGRESS_TTL)


def progress(job_id: str) -> Progress | None:
    value: Progress | None = cache.get(_key(job_id))
    return value


def mark_running(job_id: str) -> None:
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING)


def finish(job_id: str, report: dict[str, Any]) -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.DONE, report=report, finished=timezone.now()
    )
    cache.delete(_key(job_id))


def fail(job_id: str, error: str) -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=error, finished=timezone.now()
    )
    cache.delete(_key(job_id))


def reporter(job_id: str) -> Callable[[str, int, int], None]:
    """A ``progress(stage, done, total)`` callback for a job, writing at most twice a second."""
    last_stage, last_time = "", 0.0

    def report(stage: str, done: int, total: int) -> None:
        nonlocal last_stage, last_time
        now = time.monotonic()
        if stage != last_stage or done >= total or now - last_time >= 0.5:
            last_stage, last_time = stage, now
            report_progress(job_id, stage, done, total)

    return report


def _safe_file_name(name: str | None, default: str) -> str:
    try:
        return get_valid_filename(Path(name or "").name)
    except SuspiciousFileOperation:
        return default


def save_uploads(uploads: Iterable[UploadedFile], default_name: str) -> tuple[Path, list[str]]:
    """Keep uploaded files for a background job: a new folder under ACCORD_UPLOAD_DIR/imports,
    one subfolder per file so that two files of the same name do not overwrite each other.
    Returns the folder (the job removes it) and the files' paths."""
    folder = Path(settings.ACCORD_UPLOAD_DIR) / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    paths = []
    for index, upload in enumerate(uploads):
        path = folder / str(index) / _safe_file_name(upload.name, default_name)
        path.parent.mkdir()
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        paths.append(str(path))
    return folder, paths


def run_import(
    job_id: str,
    folder: str,
    work: Callable[[], dict[str, Any]],
    refusals: tuple[type[Exception], ...],
    describe: Callable[[Exception], str] = str,
) -> None:
    """Run an import job: ``work`` returns its report; a refusal (one of ``refusals``) fails the
    job with ``describe(error)``; any other error fails it saying nothing was imported (imports
    write in one transaction) and is raised for the worker's log. ``folder``, holding the
    uploaded files, is removed in every case."""
    mark_running(job_id)
    try:
        report = work()
    except refusals as error:
        fail(job_id, describe(error))
        return
    except Exception:
        logger.exception("Import job %s failed", job_id)
        fail(job_id, gettext("The import stopped on an unexpected error; nothing was imported."))
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    finish(job_id, report)
