"""The import page: upload, background job, progress and outcome."""

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.core.models import Job, JobStatus
from accord.institutions.models import Institution
from conftest import World, client_for


def _upload(records: list[dict[str, Any]], name: str = "universities.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(records).encode(), content_type="application/json")


def _university(name: str, domain: str, country: str = "AZ") -> dict[str, Any]:
    return {
        "name": name,
        "domains": [domain],
        "web_pages": [f"https://{domain}/"],
        "country": "Azerbaijan",
        "alpha_two_code": country,
        "state-province": None,
    }


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: Any) -> None:
    """The worker's own loop closes connections, which a test transaction cannot survive."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.parametrize("persona", ["leadership", "adviser", "partner_a_coordinator"])
def test_only_home_officers_import(world: World, persona: str) -> None:
    client = client_for(getattr(world, persona))
    assert client.get("/registry/import/").status_code == 403
    response = client.post("/registry/import/", {"uploads": _upload([_university("X", "x.az")])})
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_anonymous_is_sent_to_login(db: Any) -> None:
    response = client_for(None).get("/registry/import/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_upload_runs_in_the_background_after_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world.officer)
    records = [_university("Ganja State University", "gdu.edu.az")]
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/registry/import/", {"uploads": _upload(records)})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/registry/import/{job.pk}/"
    assert len(callbacks) == 1
    assert job.status == JobStatus.QUEUED
    assert not Institution.objects.filter(name="Ganja State University").exists()

    callbacks[0]()  # the transaction commits: the task is enqueued and, here, run at once

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.report["created"] == 1
    assert job.created_by == world.officer
    assert Institution.objects.filter(name="Ganja State University", country="AZ").exists()
    page = client.get(f"/registry/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert b"Created 1, updated 0" in page.content
    assert b"<html" not in page.content


def test_bad_file_fails_naming_the_record_and_imports_nothing(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    records = [_university("Good University", "good.az"), _university("", "nameless.az")]
    before = Institution.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.officer).post(
            "/registry/import/", {"uploads": _upload(records, "list.json")}
        )

    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "list.json: record 2" in job.error
    assert "no name" in job.error
    assert Institution.objects.count() == before
    page = client_for(world.officer).get(f"/registry/import/{job.pk}/")
    assert "Nothing was imported" in page.content.decode()


def test_status_page_polls_while_the_job_runs(world: World) -> None:
    job = Job.objects.create(kind="import-institutions", created_by=world.officer)
    page = client_for(world.officer).get(f"/registry/import/{job.pk}/")
    assert b'hx-trigger="every 1s"' in page.content
    assert (
        client_for(world.partner_a_coordinator).get(f"/registry/import/{job.pk}/").status_code
        == 403
    )


def test_two_files_of_one_name_are_both_imported_and_removed_afterwards(
    world: World, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any
) -> None:
    settings.ACCORD_UPLOAD_DIR = tmp_path
    first = _upload([_university("Nakhchivan State University", "ndu.edu.az")], "list.json")
    second = _upload([_university("Khazar University", "khazar.org")], "list.json")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.officer).post("/registry/import/", {"uploads": [first, second]})
    assert Job.objects.get().report["created"] == 2
    assert list((tmp_path / "imports").iterdir()) == []


@pytest.mark.parametrize("name", ["../../escape.json", "/etc/passwd", "a\\..\\b.json"])
def test_hostile_file_names_stay_in_the_upload_folder(
    world: World, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any, name: str
) -> None:
    settings.ACCORD_UPLOAD_DIR = tmp_path / "uploads"
    upload = _upload([_university("Lankaran State University", "lsu.edu.az")], name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.officer).post("/registry/import/", {"uploads": upload})
    assert response.status_code == 302
    assert Job.objects.get().status == JobStatus.DONE
    assert sorted(path.name for path in tmp_path.iterdir()) == ["uploads"]
