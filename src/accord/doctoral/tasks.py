"""Background work of doctoral cooperation: assigning a recommendation round."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from accord.core import actions, jobs
from accord.doctoral import assignment, matching
from accord.doctoral.models import Round, RoundStatus

JOB_KIND = "assign-round"
logger = logging.getLogger(__name__)


def _fail(actor: Any, round_id: int, job_id: str, message: str) -> None:
    with transaction.atomic():
        round_ = Round.objects.get(pk=round_id)
        actions.set_state(actor, round_, RoundStatus.FAILED, error=message)
    jobs.fail(job_id, message)


@task()
def assign_round(job_id: str, round_id: int, actor_id: int | None) -> None:
    """Assign a round's candidates; a refused problem (a fixed pair beyond an adviser's places)
    fails the round with the reason, leaving its previous placements as they were."""
    actor: Any = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    jobs.mark_running(job_id)
    try:
        round_ = matching.assign_round(actor, Round.objects.get(pk=round_id), jobs.reporter(job_id))
    except (assignment.AssignmentError, ValidationError) as error:
        _fail(actor, round_id, job_id, str(error))
        return
    except Exception:
        logger.exception("Assigning round %s failed", round_id)
        _fail(actor, round_id, job_id, _("The assignment stopped on an unexpected error."))
        raise
    jobs.finish(job_id, {"placed": round_.placements.count(), "total": round_.total_score})
