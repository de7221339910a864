"""Background work of exchanges: importing a large file with its progress shown."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth import get_user_model
from django_tasks import task

from accord.core import jobs
from accord.exchanges import importer
from accord.exchanges.tabular import UnreadableFile

JOB_KIND = "import-mobilities"


@task()
def import_mobilities(job_id: str, folder: str, path: str, actor_id: int | None) -> None:
    """Import an uploaded file of mobilities; ``folder`` and the file in it are removed after."""
    actor: Any = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None

    def work() -> dict[str, Any]:
        return asdict(importer.import_mobilities(path, actor, jobs.reporter(job_id)))

    def describe(error: Exception) -> str:
        return error.listing() if isinstance(error, importer.ImportRefused) else str(error)

    jobs.run_import(job_id, folder, work, (importer.ImportRefused, UnreadableFile), describe)
