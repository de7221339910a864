"""Background jobs: started in a request, enqueued once its transaction commits, run by
``accord db_worker``, followed by the user on a page that polls their progress."""

from __future__ import annotations

from functools import partial
from typing import Any, TypedDict

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from accord.core.models import Job, JobStatus

PROGRESS_TTL = 24 * 3600


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
