"""Expertise fit between candidates and topics or advisers, read from the database, and the
assignment of a round's candidates to advisers.

An adviser is profiled by their publications (title and abstract each) and their expertise
keywords; a topic by its titles and descriptions in every language and its
adviser's publications; a candidate by their research interests and education. The index over
advisers or topics is built once per process and rebuilt when any of them changes.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from accord.core import audit
from accord.core.models import AuditAction
from accord.doctoral import access, assignment, expertise
from accord.doctoral.models import (
    OPEN_STATUSES,
    Adviser,
    Candidate,
    PairRule,
    Placement,
    Publication,
    Recommendation,
    RecommendationStatus,
    Round,
    RoundStatus,
    Topic,
)
from accord.institutions.models import PartnerStatus

Progress = Callable[[str, int, int], None]
# The stages a round's progress names (translated where shown).
SCORING = gettext_noop("Scoring the candidates")
ASSIGNING = gettext_noop("Finding the best assignment")
# How many advisers each candidate of a round is scored against (the best fits).
ROUND_CANDIDATE_ADVISERS = 50


@dataclass(frozen=True)
class Fit:
    """One ranked record and why it ranks there: the words shared, the publications behind it."""

    obj: Any
    score: float
    terms: tuple[str, ...]
    evidence: tuple[str, ...]


def _publications(adviser_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    texts: dict[int, list[str]] = defaultdict(list)
    publications = Publication.objects.order_by("adviser_id", "-year", "id")
    if adviser_ids is not None:
        publications = publications.filter(adviser_id__in=list(adviser_ids))
    for adviser_id, title, abstract in publications.values_list("adviser_id", "title", "abstract"):
        texts[adviser_id].append(f"{title}. {abstract}" if abstract else title)
    return texts


def _adviser_profiles(advisers: Sequence[Adviser]) -> list[expertise.Profile]:
    """Publications and keywords: what any viewer may be shown as the reason for a fit (an
    adviser's topics are left out, as some of them are hidden from some partners)."""
    works = _publications(adviser.pk for adviser in advisers)
    return [
        expertise.Profile(
            key=adviser.pk,
            texts=(*works[adviser.pk], *([adviser.keywords] if adviser.keywords.strip() else [])),
        )
        for adviser in advisers
    ]


def _topic_profiles(topics: Sequence[Topic]) -> list[expertise.Profile]:
    works = _publications({topic.adviser_id for topic in topics})
    return [
        expertise.Profile(key=topic.pk, texts=(topic.text, *works[topic.adviser_id]))
        for topic in topics
    ]


class _Indexes:
    """Indexes over every adviser and every topic, rebuilt when their records change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[tuple[str, str], tuple[Any, expertise.ExpertiseIndex]] = {}

    @staticmethod
    def _fingerprint() -> Any:
        return (
            Adviser.objects.aggregate(n=Count("pk"), last=Max("modified")),
            Topic.objects.aggregate(n=Count("pk"), last=Max("modified")),
            Publication.objects.aggregate(n=Count("pk"), last=Max("pk")),
        )

    def get(self, kind: str, model: str) -> expertise.ExpertiseIndex:
        fingerprint = self._fingerprint()
        with self._lock:
            cached = self._built.get((kind, model))
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
            if kind == "advisers":
                profiles = _adviser_profiles(
                    list(Adviser.objects.filter(institution__partner_status=PartnerStatus.HOME))
                )
            else:
                profiles = _topic_profiles(list(Topic.objects.all()))
            index = expertise.build_index(profiles, model)
            self._built[(kind, model)] = (fingerprint, index)
            return index


indexes = _Indexes()


def _fits(
    matches: Iterable[expertise.Match],
    objects: dict[Any, Any],
    texts: dict[Any, Sequence[str]],
    limit: int,
) -> list[Fit]:
    fits = []
    for match in matches:
        obj = objects.get(match.key)
        if obj is None:
            continue
        own = texts.get(match.key, ())
        evidence = tuple(own[i].split(". ", 1)[0] for i in match.evidence if i < len(own))
        fits.append(Fit(obj, match.score, match.terms, evidence))
        if len(fits) == limit:
            break
    return fits


def _profile_texts(kind: str, keys: Iterable[int]) -> dict[Any, Sequence[str]]:
    if kind == "advisers":
        advisers = list(Adviser.objects.filter(pk__in=list(keys)))
        return {profile.key: profile.texts for profile in _adviser_profiles(advisers)}
    topics = list(Topic.objects.filter(pk__in=list(keys)))
    return {profile.key: profile.texts for profile in _topic_profiles(topics)}


def rank_topics(
    user: Any, candidate: Candidate, limit: int = 10, model: str = "lexical"
) -> list[Fit]:
    """The topics open to ``candidate`` (shared with their partner, open, not past their
    deadline) that ``user`` sees, best fit first."""
    today = timezone.localdate()
    eligible = set(
        access.topics_for(user)
        .filter(access.shared_with(candidate.institution_id), is_open=True)
        .exclude(deadline__lt=today)
        .values_list("pk", flat=True)
    )
    best = indexes.get("topics", model).rank(candidate.text, limit, among=eligible)
    topics = Topic.objects.filter(pk__in=[m.key for m in best]).select_related("adviser")
    found = {topic.pk: topic for topic in topics}
    return _fits(best, found, _profile_texts("topics", found), limit)


def rank_advisers(
    user: Any, candidate: Candidate, limit: int = 10, model: str = "lexical"
) -> list[Fit]:
    """The home advisers ``user`` sees, best fit for ``candidate`` first."""
    matches = indexes.get("advisers", model).rank(candidate.text, limit)
    visible = access.advisers_for(user).filter(pk__in=[m.key for m in matches])
    advisers = {adviser.pk: adviser for adviser in visible.select_related("unit")}
    return _fits(matches, advisers, _profile_texts("advisers", advisers), limit)


def rank_candidates(user: Any, topic: Topic, limit: int = 20, model: str = "lexical") -> list[Fit]:
    """Candidates ``user`` sees with an undecided recommendation, best fit for ``topic`` first;
    the evidence is the candidate's own words the topic shares."""
    candidates = list(
        access.candidates_for(user)
        .filter(recommendations__status__in=OPEN_STATUSES, recommendations__level=topic.level)
        .select_related("institution")
        .distinct()
    )
    if not candidates:
        return []
    profiles = [expertise.Profile(key=c.pk, texts=(c.text,)) for c in candidates]
    matches = expertise.build_index(profiles, model).rank(topic.text)
    return _fits(matches, {c.pk: c for c in candidates}, {}, limit)


# Rounds -----------------------------------------------------------------------------------------


def round_candidates(round_: Round) -> QuerySet[Candidate]:
    """The candidates a round assigns: those with an undecided recommendation of its level."""
    open_ = Recommendation.objects.filter(status__in=OPEN_STATUSES, level=round_.level)
    return Candidate.objects.filter(pk__in=open_.values("candidate_id")).order_by("pk")


def free_places(advisers: QuerySet[Adviser]) -> dict[int, int]:
    """Each adviser's places left: capacity less current students and those admitted here."""
    admitted = Count(
        "recommendations", filter=Q(recommendations__status=RecommendationStatus.ADMITTED)
    )
    return {
        pk: max(capacity - current - taken, 0)
        for pk, capacity, current, taken in advisers.annotate(taken=admitted).values_list(
            "pk", "capacity", "current_students", "taken"
        )
    }


def _round_scores(
    round_: Round,
    candidates: list[Candidate],
    open_advisers: set[int],
    forced: set[tuple[int, int]],
    progress: Progress,
) -> list[tuple[int, int, float]]:
    """(candidate, adviser, fit) for each candidate's best advisers with free places (in a round
    limited to recommended pairs, among those the candidate was recommended to), and for every
    forced pair whatever its rank."""
    index = indexes.get("advisers", round_.model)
    recommended: dict[int, set[int]] = defaultdict(set)
    if round_.recommended_only:
        for candidate_id, adviser_id in Recommendation.objects.filter(
            status__in=OPEN_STATUSES, level=round_.level
        ).values_list("candidate_id", "adviser_id"):
            recommended[candidate_id].add(adviser_id)
    forced_for: dict[int, set[int]] = defaultdict(set)
    for candidate_id, adviser_id in forced:
        forced_for[candidate_id].add(adviser_id)
    triples: list[tuple[int, int, float]] = []
    for done, candidate in enumerate(candidates, start=1):
        scores = index.scores(candidate.text)
        eligible = recommended[candidate.pk] if round_.recommended_only else open_advisers
        best = sorted(
            eligible & open_advisers, key=lambda adviser_id: -scores.get(adviser_id, 0.0)
        )[:ROUND_CANDIDATE_ADVISERS]
        chosen = set(best) | forced_for[candidate.pk]
        triples.extend((candidate.pk, pk, scores.get(pk, 0.0)) for pk in sorted(chosen))
        progress(SCORING, done, len(candidates))
    return triples


def assign_round(actor: Any, round_: Round, progress: Progress = lambda *_: None) -> Round:
    """Assign the round's candidates to advisers, maximising the total fit under each adviser's
    free places, the round's places per partner and its pair rules; the placements replace the
    round's previous ones, with an audit entry for the round."""
    candidates = list(round_candidates(round_))
    places = free_places(Adviser.objects.filter(institution__partner_status=PartnerStatus.HOME))
    rules = list(round_.rules.values_list("candidate_id", "adviser_id", "rule"))
    forced = {(c, a) for c, a, rule in rules if rule == PairRule.FORCED}
    open_advisers = {pk for pk, free in places.items() if free > 0}
    triples = _round_scores(round_, candidates, open_advisers, forced, progress)
    progress(ASSIGNING, 0, 1)
    # Advisers without free places stay in the problem, so that a pair forced on one of them
    # is refused for that reason.
    problem = assignment.Problem(
        candidates=[c.pk for c in candidates],
        advisers=list(places),
        scores=triples,
        capacity=list(places.values()),
        partner_of=[c.institution_id for c in candidates],
        partner_quota=round_.partner_quota,
        conflicts={(c, a) for c, a, rule in rules if rule == PairRule.CONFLICT},
        forced=forced,
    )
    result = assignment.solve(problem)
    with transaction.atomic():
        stored = Round.objects.select_for_update().get(pk=round_.pk)
        before = audit.snapshot(stored, include=["status", "total_score"])
        stored.placements.all().delete()
        Placement.objects.bulk_create(
            Placement(round=stored, candidate_id=c, adviser_id=a, score=s)
            for c, a, s in result.pairs
        )
        stored.candidates.set(candidates)
        stored.status = RoundStatus.DONE
        stored.total_score = result.total
        stored.error = ""
        stored.finished = timezone.now()
        stored.save()
        audit.record(
            actor,
            AuditAction.UPDATE,
            stored,
            before,
            {
                **audit.snapshot(stored, include=["status", "total_score"]),
                "placed": len(result.pairs),
            },
        )
    progress(ASSIGNING, 1, 1)
    return stored
