"""Changes to advisers, topics, candidates, recommendations and rounds: one transaction each,
with its audit entries.

A recommendation goes recommended -> interview scheduled -> interviewed -> admitted or
declined; the adviser (or a home officer) takes those steps, and the recommending partner may
withdraw it until it is decided.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core import actions, audit, jobs
from accord.core.errors import Conflict
from accord.core.models import AuditAction
from accord.doctoral import access, tasks
from accord.doctoral.models import (
    OPEN_STATUSES,
    Adviser,
    Candidate,
    Level,
    Message,
    Publication,
    Recommendation,
    RecommendationStatus,
    Round,
    RoundPair,
    RoundStatus,
    Topic,
    Visibility,
)
from accord.institutions.models import Institution

S = RecommendationStatus


class Step(models.TextChoices):
    SCHEDULE = "schedule", gettext_lazy("Schedule an interview")
    INTERVIEWED = "interviewed", gettext_lazy("Record the interview")
    ADMIT = "admit", gettext_lazy("Admit")
    DECLINE = "decline", gettext_lazy("Decline")
    WITHDRAW = "withdraw", gettext_lazy("Withdraw")


# step -> (the states it may start from, the state it leads to)
STEPS: dict[Step, tuple[frozenset[str], S]] = {
    Step.SCHEDULE: (frozenset({S.RECOMMENDED, S.INTERVIEW}), S.INTERVIEW),
    Step.INTERVIEWED: (frozenset({S.INTERVIEW}), S.INTERVIEWED),
    Step.ADMIT: (OPEN_STATUSES, S.ADMITTED),
    Step.DECLINE: (OPEN_STATUSES, S.DECLINED),
    Step.WITHDRAW: (OPEN_STATUSES, S.WITHDRAWN),
}


class IllegalStep(Conflict):
    """A step the recommendation's current state does not allow."""


def allowed_steps(user: Any, recommendation: Recommendation) -> list[Step]:
    """The steps open to ``user`` on ``recommendation`` now."""
    reviews = access.may_review(user, recommendation)
    withdraws = access.may_withdraw(user, recommendation)
    return [
        step
        for step, (sources, _target) in STEPS.items()
        if recommendation.status in sources and (withdraws if step == Step.WITHDRAW else reviews)
    ]


# Advisers and publications ---------------------------------------------------------------------


def create_adviser(actor: Any, adviser: Adviser) -> Adviser:
    return actions.create(actor, adviser)


def update_adviser(actor: Any, adviser: Adviser, changes: dict[str, Any]) -> Adviser:
    return actions.update(actor, adviser, changes)


def _delete_guarded(actor: Any, obj: models.Model, message: str) -> None:
    try:
        actions.delete(actor, obj)
    except ProtectedError:
        raise Conflict(message) from None


def delete_adviser(actor: Any, adviser: Adviser) -> None:
    _delete_guarded(
        actor,
        adviser,
        _("%(adviser)s has topics or recommended candidates; they stay on record.")
        % {"adviser": adviser},
    )


def add_publication(actor: Any, publication: Publication) -> Publication:
    return actions.create(actor, publication)


def delete_publication(actor: Any, publication: Publication) -> None:
    actions.delete(actor, publication)


# Topics -----------------------------------------------------------------------------------------


def _check_sharing(topic: Topic, partners: Iterable[Institution]) -> list[Institution]:
    chosen = list(partners)
    if topic.visibility == Visibility.CHOSEN and not chosen:
        raise ValidationError({"shared_with": _("Choose the partners who see the topic.")})
    if any(partner.is_home for partner in chosen):
        raise ValidationError({"shared_with": _("Share topics with partners, not with us.")})
    return chosen if topic.visibility == Visibility.CHOSEN else []


def save_topic(
    actor: Any,
    topic: Topic,
    partners: Iterable[Institution] = (),
    changes: dict[str, Any] | None = None,
) -> Topic:
    """Create ``topic`` (no pk) or apply ``changes`` to it, sharing it with ``partners`` when
    its visibility is "chosen partners"; one audit entry shows the fields and the partners."""
    if actor is not None:
        allowed = (
            access.may_create_topic(actor)
            if topic.pk is None
            else access.topics_for(actor, "change").filter(pk=topic.pk).exists()
        )
        if not allowed:
            raise PermissionDenied(_("Only the topic's adviser changes it."))
    with transaction.atomic():
        if topic.pk is None:
            topic.full_clean()
            chosen = _check_sharing(topic, partners)
            topic.save()
            topic.shared_with.set(chosen)
            audit.record(actor, AuditAction.CREATE, topic, None, audit.snapshot(topic))
            return topic
        stored = Topic.objects.select_for_update().get(pk=topic.pk)
        before = audit.snapshot(stored)
        for name, value in (changes or {}).items():
            setattr(stored, name, value)
        stored.full_clean()
        chosen = _check_sharing(stored, partners)
        stored.save()
        stored.shared_with.set(chosen)
        after = audit.snapshot(stored)
        if after != before:
            audit.record(actor, AuditAction.UPDATE, stored, before, after)
    topic.refresh_from_db()
    return topic


def delete_topic(actor: Any, topic: Topic) -> None:
    _delete_guarded(
        actor,
        topic,
        _("Candidates are recommended for “%(topic)s”; close it instead.") % {"topic": topic},
    )


# Candidates and recommendations -----------------------------------------------------------------


def _check_partner(actor: Any, institution_id: int | None) -> None:
    partner_id = getattr(actor, "partner_institution_id", None)
    if partner_id is not None and institution_id != partner_id:
        raise PermissionDenied(_("Partners recommend their own candidates only."))


def _check_recommender(actor: Any, institution_id: int | None) -> None:
    """A candidate belongs to a partner: the actor's own, when the actor is a partner."""
    _check_partner(actor, institution_id)
    if Institution.objects.home().filter(pk=institution_id or 0).exists():
        raise ValidationError({"institution": _("Candidates are recommended by partners.")})


def create_candidate(actor: Any, candidate: Candidate) -> Candidate:
    _check_recommender(actor, candidate.institution_id)
    candidate.recommended_by = actor if getattr(actor, "is_authenticated", False) else None
    return actions.create(actor, candidate)


def update_candidate(actor: Any, candidate: Candidate, changes: dict[str, Any]) -> Candidate:
    _check_recommender(actor, changes.get("institution_id", candidate.institution_id))
    return actions.update(actor, candidate, changes)


def delete_candidate(actor: Any, candidate: Candidate) -> None:
    """Delete a candidate with no decision on record (their recommendations are locked while
    this is checked, so that none is decided meanwhile)."""
    with transaction.atomic():
        recommendations = Recommendation.objects.select_for_update().filter(candidate=candidate)
        if recommendations.exclude(status__in=[*OPEN_STATUSES, S.WITHDRAWN]).exists():
            raise Conflict(
                _("%(candidate)s has a decision on record; the record stays.")
                % {"candidate": candidate}
            )
        actions.delete(actor, candidate)


def _open_for(actor: Any, candidate: Candidate, topic: Topic, today: datetime.date) -> None:
    """Refuse a topic the actor or the candidate's partner does not see, or that takes no
    candidates now."""
    if not access.topics_for(actor).filter(pk=topic.pk).exists():
        raise ValidationError({"topic": _("This topic is not shared with your institution.")})
    shared = Topic.objects.filter(access.shared_with(candidate.institution_id), pk=topic.pk)
    if not shared.exists():
        raise ValidationError(
            {"topic": _("This topic is not shared with the candidate's institution.")}
        )
    if not topic.is_open:
        raise ValidationError({"topic": _("This topic takes no more candidates.")})
    if topic.deadline is not None and topic.deadline < today:
        raise ValidationError(
            {"topic": _("Candidates for this topic were due by %(day)s.") % {"day": topic.deadline}}
        )


def recommend(
    actor: Any,
    candidate: Candidate,
    *,
    topic: Topic | None = None,
    adviser: Adviser | None = None,
    level: int = Level.DOCTORATE,
    motivation: str = "",
) -> Recommendation:
    """Recommend ``candidate`` for ``topic`` (its adviser is implied) or to ``adviser``."""
    if not access.may_recommend(actor) and actor is not None:
        raise PermissionDenied(_("Partners and the office recommend candidates."))
    _check_partner(actor, candidate.institution_id)
    if topic is None and adviser is None:
        raise ValidationError({"topic": _("Choose a topic or an adviser.")})
    if topic is not None:
        _open_for(actor, candidate, topic, timezone.localdate())
        adviser = topic.adviser
    assert adviser is not None
    if not adviser.institution.is_home:
        raise ValidationError({"adviser": _("Candidates are recommended to our advisers.")})
    recommendation = Recommendation(
        candidate=candidate,
        adviser=adviser,
        topic=topic,
        level=topic.level if topic is not None else level,
        motivation=motivation,
    )
    try:
        return actions.create(actor, recommendation)
    except IntegrityError:
        # A twin made at the same moment: the same refusal as the constraint's check.
        raise ValidationError(
            {
                "topic" if topic is not None else "adviser": _(
                    "This candidate is already recommended."
                )
            }
        ) from None


def take_step(
    actor: Any,
    recommendation: Recommendation,
    step: str,
    *,
    interview_at: datetime.datetime | None = None,
    interview_place: str = "",
    note: str = "",
) -> Recommendation:
    """Move a recommendation along; the adviser schedules and records the interview and
    decides, the recommending partner withdraws."""
    try:
        chosen = Step(step)
    except ValueError:
        raise IllegalStep(_("Unknown step: %(step)s.") % {"step": step}) from None
    with transaction.atomic():
        stored = (
            Recommendation.objects.select_for_update()
            .select_related("candidate")
            .get(pk=recommendation.pk)
        )
        allowed = (
            access.may_withdraw(actor, stored)
            if chosen == Step.WITHDRAW
            else access.may_review(actor, stored)
        )
        if not allowed:
            raise PermissionDenied(
                _("Only the recommending partner withdraws a recommendation.")
                if chosen == Step.WITHDRAW
                else _("Only the adviser reviews the candidates recommended to them.")
            )
        sources, target = STEPS[chosen]
        if stored.status not in sources:
            raise IllegalStep(
                _("A recommendation in state “%(status)s” cannot be changed by “%(step)s”.")
                % {"status": S(stored.status).label, "step": chosen.label}
            )
        fields: dict[str, Any] = {}
        if chosen == Step.SCHEDULE:
            if interview_at is None:
                raise ValidationError({"interview_at": _("Give the interview's date and time.")})
            fields = {"interview_at": interview_at, "interview_place": interview_place}
        elif chosen in {Step.ADMIT, Step.DECLINE}:
            if chosen == Step.ADMIT:
                _check_places(stored)
            fields = {"decision_note": note, "decided": timezone.now()}
        actions.set_state(actor, recommendation, target, shown=list(fields), **fields)
        if note and chosen not in {Step.ADMIT, Step.DECLINE}:
            post_message(actor, recommendation, note)
    return recommendation


def _check_places(recommendation: Recommendation) -> None:
    """Refuse an admission beyond the topic's places or the adviser's capacity; the adviser's
    and the topic's rows stay locked until the admission commits, so two admissions for the
    last place cannot both pass."""
    adviser = Adviser.objects.select_for_update().get(pk=recommendation.adviser_id)
    admitted = Recommendation.objects.filter(status=S.ADMITTED)
    if adviser.current_students + admitted.filter(adviser=adviser).count() >= adviser.capacity:
        raise Conflict(
            _("%(adviser)s has no free place: capacity %(capacity)s is taken.")
            % {"adviser": adviser, "capacity": adviser.capacity}
        )
    if recommendation.topic_id is None:
        return
    topic = Topic.objects.select_for_update().get(pk=recommendation.topic_id)
    if admitted.filter(topic=topic).count() >= topic.places:
        raise Conflict(
            _("Every place of “%(topic)s” is taken (%(places)s).")
            % {"topic": topic, "places": topic.places}
        )


def post_message(actor: Any, recommendation: Recommendation, text: str) -> Message:
    """A message from anyone who sees the recommendation: its partner, home staff."""
    if (
        actor is not None
        and not access.recommendations_for(actor).filter(pk=recommendation.pk).exists()
    ):
        raise PermissionDenied(_("Only those who see the recommendation write about it."))
    if not text.strip():
        raise ValidationError({"text": _("Write the message.")})
    author = actor if getattr(actor, "is_authenticated", False) else None
    return actions.create(actor, Message(recommendation=recommendation, author=author, text=text))


# Rounds -----------------------------------------------------------------------------------------


def create_round(actor: Any, round_: Round) -> Round:
    round_.created_by = actor if getattr(actor, "is_authenticated", False) else None
    return actions.create(actor, round_)


def _check_draft(round_: Round) -> None:
    if round_.status == RoundStatus.RUNNING:
        raise Conflict(_("The round is being assigned; wait until it ends."))


def add_rule(actor: Any, pair: RoundPair) -> RoundPair:
    _check_draft(pair.round)
    return actions.create(actor, pair)


def delete_rule(actor: Any, pair: RoundPair) -> None:
    _check_draft(pair.round)
    actions.delete(actor, pair)


def delete_round(actor: Any, round_: Round) -> None:
    _check_draft(round_)
    actions.delete(actor, round_)


def start_round(actor: Any, round_: Round) -> Any:
    """Mark the round running and assign it in the background; returns the job to follow."""
    with transaction.atomic():
        stored = Round.objects.select_for_update().get(pk=round_.pk)
        _check_draft(stored)
        actions.set_state(actor, round_, RoundStatus.RUNNING, error="")
        actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        return jobs.start(tasks.JOB_KIND, actor, tasks.assign_round, round_.pk, actor_id)
