"""Background work of the partner registry."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django_tasks import task

from accord.core import jobs
from accord.institutions import importers

logger = logging.getLogger(__name__)


class _ProgressReporter:
    """Turns the importer's callbacks into job progress, written about a hundred times a run."""

    def __init__(self, job_id: str, total: int) -> None:
        self.job_id, self.total = job_id, total
        self.stage, self.done, self.reported = "", 0, -1
        self.step = max(1, total // 100)

    def set_stage(self, stage: str) -> None:
        self.stage = stage
        jobs.report_progress(self.job_id, stage, self.done, self.total)

    def advance(self, count: int) -> None:
        self.done += count
        if self.done - self.reported >= self.step or self.done == self.total:
            self.reported = self.done
            jobs.report_progress(self.job_id, self.stage, self.done, self.total)


@task()
def import_institutions(job_id: str, folder: str, paths: list[str], actor_id: int | None) -> None:
    """Import uploaded institution files; ``folder`` and the files in it are removed afterwards."""
    jobs.mark_running(job_id)
    actor: Any = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        sources = importers.read_files(paths)
        reporter = _ProgressReporter(job_id, sum(len(source.candidates) for source in sources))
        report = importers.import_sources(
            sources, actor, progress=reporter.advance, stage=reporter.set_stage
        )
    except importers.InvalidImportData as error:
        message = str(error)
        for path in paths:
            # Name the files as the user uploaded them, not by where they were kept.
            message = message.replace(path, Path(path).name)
        jobs.fail(job_id, message)
        return
    except Exception:
        # Nothing was written (one transaction); say so rather than leave the job running.
        logger.exception("Import job %s failed", job_id)
        jobs.fail(
            job_id, gettext("The import stopped on an unexpected error; nothing was imported.")
        )
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    jobs.finish(
        job_id,
        {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "skipped": report.skipped,
            "files": [
                {"name": Path(file.label).name, "records": file.records, "created": file.created}
                for file in report.files
            ],
        },
    )
