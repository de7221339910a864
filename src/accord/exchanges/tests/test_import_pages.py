"""The import page, its API and command: upload, background job with progress, outcome, and
who may import."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from accord.core.models import Job, JobStatus
from accord.exchanges.models import Mobility
from accord.exchanges.tabular import MOBILITY_COLUMNS, write_csv
from conftest import PERSONAS, assert_login_redirect, client_for, error_fields, user_of

from .conftest import Exchanges
from .test_importer import row


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: Any, tmp_path: Path) -> None:
    """The worker's own loop closes connections, which a test transaction cannot survive."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.ACCORD_UPLOAD_DIR = tmp_path / "uploads"


def upload(rows: list[dict[str, Any]], name: str = "m.csv") -> SimpleUploadedFile:
    lines = [",".join(MOBILITY_COLUMNS)]
    lines += [",".join(str(r.get(column, "")) for column in MOBILITY_COLUMNS) for r in rows]
    return SimpleUploadedFile(name, "\n".join(lines).encode(), content_type="text/csv")


IMPORTERS = {"officer", "faculty_coordinator", "partner_a_coordinator", "partner_b_coordinator"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_open_the_import_page(ex: Exchanges, persona: str) -> None:
    response = client_for(user_of(ex.world, persona)).get("/mobilities/import/")
    if persona == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == (200 if persona in IMPORTERS else 403)


def test_partner_a_imports_its_nominations_in_the_background(
    ex: Exchanges, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(ex.world.partner_a_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/mobilities/import/", {"upload": upload([row(ex)])})
    job = Job.objects.get()
    assert response["Location"] == f"/mobilities/import/{job.pk}/"
    assert job.status == JobStatus.DONE
    assert job.report["mobilities_created"] == 1
    assert Mobility.objects.get().nominated_by == ex.world.partner_a_coordinator
    page = client.get(f"/mobilities/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert "1 mobility imported" in page.content.decode()
    # Another partner does not follow it; a home officer does.
    assert (
        client_for(ex.world.partner_b_coordinator).get(f"/mobilities/import/{job.pk}/").status_code
        == 404
    )
    assert client_for(ex.world.officer).get(f"/mobilities/import/{job.pk}/").status_code == 200


def test_a_refused_file_lists_its_problems_and_leaves_nothing(
    ex: Exchanges, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [row(ex), row(ex, email="b@example.az", planned_end="soon")]
    with django_capture_on_commit_callbacks(execute=True):
        client_for(ex.world.officer).post("/mobilities/import/", {"upload": upload(rows)})
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "Line 3, column planned_end" in job.error
    assert not Mobility.objects.exists()
    page = client_for(ex.world.officer).get(f"/mobilities/import/{job.pk}/")
    assert "Nothing was imported" in page.content.decode()


def test_the_upload_folder_is_emptied_after_the_job(
    ex: Exchanges, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(ex.world.officer).post("/mobilities/import/", {"upload": upload([row(ex)])})
    assert list((Path(settings.ACCORD_UPLOAD_DIR) / "imports").iterdir()) == []


@pytest.mark.parametrize("name", ["m.pdf", "m.json"])
def test_a_file_of_another_kind_is_refused_on_the_form(ex: Exchanges, name: str) -> None:
    response = client_for(ex.world.officer).post(
        "/mobilities/import/", {"upload": upload([row(ex)], name)}
    )
    assert response.status_code == 200
    assert "Upload a .csv or .xlsx file." in response.content.decode()
    assert not Job.objects.exists()


def test_the_api_starts_an_import_and_reports_it(
    ex: Exchanges, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(ex.world.partner_a_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/mobilities/import", {"file": upload([row(ex)])})
    assert response.status_code == 202
    job_id = response.json()["id"]
    status = client.get(f"/api/imports/{job_id}").json()
    assert (status["status"], status["report"]["mobilities_created"]) == ("done", 1)
    assert (
        client_for(ex.world.partner_b_coordinator).get(f"/api/imports/{job_id}").status_code == 404
    )


@pytest.mark.parametrize(
    ("persona", "status"), [("anonymous", 401), ("leadership", 403), ("adviser", 403)]
)
def test_the_api_refuses_those_who_may_not_import(ex: Exchanges, persona: str, status: int) -> None:
    client = client_for(user_of(ex.world, persona))
    response = client.post("/api/mobilities/import", {"file": upload([row(ex)])})
    assert response.status_code == status
    assert not Job.objects.exists()


def test_the_api_names_the_file_field_for_a_wrong_kind(ex: Exchanges) -> None:
    response = client_for(ex.world.officer).post(
        "/api/mobilities/import", {"file": upload([row(ex)], "m.txt")}
    )
    assert response.status_code == 422
    assert "file" in error_fields(response)


def test_the_command_imports_and_reports(ex: Exchanges, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write_csv(path, MOBILITY_COLUMNS, [[row(ex).get(c, "") for c in MOBILITY_COLUMNS]])
    out = io.StringIO()
    call_command("import_mobilities", str(path), "--check", stdout=out)
    assert "nothing written" in out.getvalue()
    assert not Mobility.objects.exists()
    call_command("import_mobilities", str(path), "--actor", "partner_a", stdout=out)
    assert "mobilities imported: 1; people registered: 1" in out.getvalue()
    assert Mobility.objects.get().nominated_by == ex.world.partner_a_coordinator


def test_the_command_lists_every_problem(ex: Exchanges, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    rows = [row(ex, email=f"{n}@example.az", citizenship="??") for n in range(30)]
    write_csv(path, MOBILITY_COLUMNS, ([r.get(c, "") for c in MOBILITY_COLUMNS] for r in rows))
    with pytest.raises(CommandError) as refused:
        call_command("import_mobilities", str(path))
    message = str(refused.value)
    assert "30 problems" in message
    assert "Line 31, column citizenship" in message
