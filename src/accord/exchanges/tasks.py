"""Background work of exchanges: importing a large file with its progress shown."""

from __future__ import annotations

import logging
import shutil
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django_tasks import task

from accord.core import jobs
from accord.exchanges import importer
from accord.exchanges.tabular import UnreadableFile

logger = logging.getLogger(__name__)

JOB_KIND = "import-mobilities"


@task()
def import_mobilities(job_id: str, folder: str, path: str, actor_id: int | None) -> None:
    """Import an uploaded file of mobilities; ``folder`` and the file in it are removed after."""
    jobs.mark_running(job_id)
    actor: Any = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        report = importer.import_mobilities(path, actor, jobs.reporter(job_id))
    except importer.ImportRefused as refused:
        jobs.fail(job_id, refused.listing())
        return
    except UnreadableFile as error:
        jobs.fail(job_id, str(error))
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
            "rows": report.rows,
            "people_created": report.people_created,
            "people_found": report.people_found,
            "mobilities_created": report.mobilities_created,
            "overrides": report.overrides,
        },
    )
