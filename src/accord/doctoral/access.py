"""Who may see and change advisers, topics, candidates, recommendations and rounds.

- Home officers see and change everything and run recommendation rounds.
- Other home staff (leadership, faculty coordinators, advisers) see the adviser base, every
  topic, candidate and recommendation; an adviser changes their own profile and topics and
  reviews the candidates recommended to them.
- A partner coordinator sees the adviser base and the topics shared with their institution
  (public ones, those shared with all partners, and those shared with it by name), recommends
  their own candidates, and sees nothing of another partner's candidates.
- Anyone, signed in or not, sees the public topics.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accord.doctoral.models import (
    Adviser,
    Candidate,
    Recommendation,
    Round,
    Topic,
    Visibility,
)

Action = Literal["view", "change"]


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def own_adviser_id(user: Any) -> int | None:
    """The adviser profile the user signs in as, if any."""
    if not (_active(user) and user.is_home):
        return None
    return Adviser.objects.filter(user=user).values_list("pk", flat=True).first()


def shared_with(partner_id: int) -> Q:
    """Topics a partner sees: public ones, those for all partners, those shared with it."""
    return Q(visibility__in=[Visibility.PUBLIC, Visibility.PARTNERS]) | Q(
        visibility=Visibility.CHOSEN, shared_with=partner_id
    )


def topics_for(user: Any, action: Action = "view") -> QuerySet[Topic]:
    topics = Topic.objects.all()
    if action == "change":
        if _active(user) and user.is_home_officer:
            return topics
        adviser_id = own_adviser_id(user)
        return topics.filter(adviser_id=adviser_id) if adviser_id else topics.none()
    if _active(user) and (user.is_home_officer or user.is_home):
        return topics
    partner_id = user.partner_institution_id if _active(user) else None
    if partner_id is not None:
        # The shared_with join may repeat a topic; the subquery keeps each once.
        return topics.filter(pk__in=Topic.objects.filter(shared_with(partner_id)).values("pk"))
    return topics.filter(visibility=Visibility.PUBLIC)


def may_create_topic(user: Any) -> bool:
    return _active(user) and (user.is_home_officer or own_adviser_id(user) is not None)


def may_see_advisers(user: Any) -> bool:
    return _active(user) and (user.is_home or user.partner_institution_id is not None)


def advisers_for(user: Any, action: Action = "view") -> QuerySet[Adviser]:
    advisers = Adviser.objects.all()
    if not _active(user):
        return advisers.none()
    if user.is_home_officer:
        return advisers
    if action == "change":
        return advisers.filter(user=user) if user.is_home else advisers.none()
    return advisers if may_see_advisers(user) else advisers.none()


def candidates_for(user: Any, action: Action = "view") -> QuerySet[Candidate]:
    candidates = Candidate.objects.all()
    if not _active(user):
        return candidates.none()
    if user.is_home_officer:
        return candidates
    partner_id = user.partner_institution_id
    if partner_id is not None:
        return candidates.filter(institution_id=partner_id)
    if action == "view" and user.is_home:
        return candidates
    return candidates.none()


# A candidate's contact and CV: for those who handle the recommendation.
PERSONAL_FIELDS = ("email", "cv")


def personal_data(user: Any) -> ExpressionWrapper:
    """Whether ``user`` may see a candidate's e-mail and CV, as an expression on candidates:
    the recommending partner and home officers (who may change the candidate), and the advisers
    it is recommended to."""
    condition = Q(Exists(candidates_for(user, "change").filter(pk=OuterRef("pk"))))
    own = own_adviser_id(user)
    if own is not None:
        recommended = Recommendation.objects.filter(candidate=OuterRef("pk"), adviser_id=own)
        condition |= Q(Exists(recommended))
    return ExpressionWrapper(condition, output_field=BooleanField())


def may_see_personal_data(user: Any, candidate: Candidate) -> bool:
    return (
        candidates_for(user)
        .filter(pk=candidate.pk)
        .annotate(shown=personal_data(user))
        .filter(shown=True)
        .exists()
    )


def may_recommend(user: Any) -> bool:
    return _active(user) and (user.is_home_officer or user.partner_institution_id is not None)


def recommendations_for(user: Any) -> QuerySet[Recommendation]:
    recommendations = Recommendation.objects.all()
    if not _active(user):
        return recommendations.none()
    partner_id = user.partner_institution_id
    if partner_id is not None:
        return recommendations.filter(candidate__institution_id=partner_id)
    if user.is_home_officer or user.is_home:
        return recommendations
    return recommendations.none()


def may_review(user: Any, recommendation: Recommendation) -> bool:
    """The adviser a candidate is recommended to, or a home officer, takes the review's steps."""
    if not _active(user):
        return False
    return user.is_home_officer or recommendation.adviser_id == own_adviser_id(user)


def may_withdraw(user: Any, recommendation: Recommendation) -> bool:
    """The recommending partner, or a home officer, withdraws a recommendation."""
    if not _active(user):
        return False
    partner_id = user.partner_institution_id
    return user.is_home_officer or (
        partner_id is not None and recommendation.candidate.institution_id == partner_id
    )


def rounds_for(user: Any, action: Action = "view") -> QuerySet[Round]:
    rounds = Round.objects.all()
    if not _active(user):
        return rounds.none()
    if user.is_home_officer:
        return rounds
    if action == "view" and user.is_home:
        return rounds
    return rounds.none()


def may_run_rounds(user: Any) -> bool:
    return _active(user) and user.is_home_officer


def changeable(queryset_for: Any, user: Any, pk: int, message: str) -> Any:
    """The object ``pk`` from ``queryset_for(user, ...)``: 404 if the user cannot see it, 403
    with ``message`` if they may only see it."""
    obj = get_object_or_404(queryset_for(user), pk=pk)
    if not queryset_for(user, "change").filter(pk=pk).exists():
        raise PermissionDenied(message)
    return obj


def changeable_topic(user: Any, pk: int) -> Topic:
    return changeable(topics_for, user, pk, _("Only the topic's adviser changes it."))


def changeable_adviser(user: Any, pk: int) -> Adviser:
    return changeable(advisers_for, user, pk, _("Only the adviser or the office changes this."))


def changeable_candidate(user: Any, pk: int) -> Candidate:
    return changeable(
        candidates_for, user, pk, _("Only the recommending partner changes the candidate.")
    )


def changeable_round(user: Any, pk: int) -> Round:
    return changeable(rounds_for, user, pk, _("Only the office runs recommendation rounds."))
