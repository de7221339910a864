"""Import jobs end as done, refused or failed, and always remove their uploaded files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accord.core import jobs
from accord.core.models import Job, JobStatus


class Refused(Exception):
    pass


def _run(tmp_path: Path, work: Any) -> Job:
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "file.csv").write_text("x")
    job = Job.objects.create(kind="test")
    jobs.run_import(str(job.pk), str(folder), work, (Refused,), lambda e: f"refused: {e}")
    assert not folder.exists()
    job.refresh_from_db()
    return job


def test_a_finished_job_keeps_its_report(db: Any, tmp_path: Path) -> None:
    job = _run(tmp_path, lambda: {"rows": 3})
    assert (job.status, job.report) == (JobStatus.DONE, {"rows": 3})


def test_a_refusal_is_described(db: Any, tmp_path: Path) -> None:
    def work() -> dict[str, Any]:
        raise Refused("line 2")

    job = _run(tmp_path, work)
    assert (job.status, job.error) == (JobStatus.FAILED, "refused: line 2")


def test_an_unexpected_error_fails_the_job_and_is_raised(db: Any, tmp_path: Path) -> None:
    def work() -> dict[str, Any]:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        _run(tmp_path, work)
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "nothing was imported" in job.error
    assert not (tmp_path / "upload").exists()
