"""Background work of the partner registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django_tasks import task

from accord.core import jobs
from accord.institutions import importers


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
    actor: Any = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None

    def work() -> dict[str, Any]:
        sources = importers.read_files(paths)
        reporter = _ProgressReporter(job_id, sum(len(source.candidates) for source in sources))
        report = importers.import_sources(
            sources, actor, progress=reporter.advance, stage=reporter.set_stage
        )
        return {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "skipped": report.skipped,
            "files": [
                {"name": Path(file.label).name, "records": file.records, "created": file.created}
                for file in report.files
            ],
        }

    def describe(error: Exception) -> str:
        message = str(error)
        for path in paths:
            # Name the files as the user uploaded them, not by where they were kept.
            message = message.replace(path, Path(path).name)
        return message

    jobs.run_import(job_id, folder, work, (importers.InvalidImportData,), describe)
