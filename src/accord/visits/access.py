"""Who may see and change which visits and follow-up actions, at the queryset level.

Visits are the home office's own record of its negotiations:

- Home officers (and superusers) see, create, change and delete every visit and follow-up.
- Other home staff (leadership, faculty coordinators, advisers) see every visit and follow-up,
  change none, and mark their own follow-ups done or open again.
- Partner coordinators and anyone else see nothing here.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accord.accounts.models import HOME_ROLES, User
from accord.institutions.models import PartnerStatus
from accord.visits.models import FollowUp, Visit

Action = Literal["view", "change"]


def visits_for(user: Any, action: Action = "view") -> QuerySet[Visit]:
    visits = Visit.objects.all()
    if not user.is_authenticated or not user.is_active:
        return visits.none()
    if user.is_home_officer:
        return visits
    if action == "view" and user.is_home:
        return visits
    return visits.none()


def follow_ups_for(user: Any, action: Action = "view") -> QuerySet[FollowUp]:
    follow_ups = FollowUp.objects.all()
    if not user.is_authenticated or not user.is_active:
        return follow_ups.none()
    if user.is_home_officer:
        return follow_ups
    if action == "view" and user.is_home:
        return follow_ups
    return follow_ups.none()


def follow_ups_to_mark(user: Any) -> QuerySet[FollowUp]:
    """Follow-ups the user may mark done or open again: their own; every one for officers."""
    follow_ups = FollowUp.objects.all()
    if not user.is_authenticated or not user.is_active:
        return follow_ups.none()
    if user.is_home_officer:
        return follow_ups
    if user.is_home:
        return follow_ups.filter(owner=user)
    return follow_ups.none()


def can_create_visit(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_home_officer)


def may_see_visits(user: Any) -> bool:
    """Whether the visits and tasks pages have anything for the user."""
    return bool(user.is_authenticated and user.is_active and (user.is_home or user.is_home_officer))


def home_staff() -> QuerySet[User]:
    """Active users of the home university holding a home role: who may own a follow-up."""
    return (
        User.objects.filter(
            is_active=True,
            institution__partner_status=PartnerStatus.HOME,
            role_grants__role__in=[str(role) for role in HOME_ROLES],
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def changeable_visit(user: Any, pk: int) -> Visit:
    """The visit to change: 404 if the user cannot see it, 403 if they may only see it."""
    visit = get_object_or_404(visits_for(user), pk=pk)
    if not visits_for(user, "change").filter(pk=pk).exists():
        raise PermissionDenied(_("Only officers of the home university change visits."))
    return visit


def changeable_follow_up(user: Any, pk: int) -> FollowUp:
    """The follow-up to change or delete, with the same 404/403 rule."""
    follow_up = get_object_or_404(follow_ups_for(user).select_related("visit"), pk=pk)
    if not follow_ups_for(user, "change").filter(pk=pk).exists():
        raise PermissionDenied(_("Only officers of the home university change follow-up actions."))
    return follow_up


def markable_follow_up(user: Any, pk: int) -> FollowUp:
    """The follow-up to mark done or open again: 404 if unseen, 403 if someone else's."""
    follow_up = get_object_or_404(follow_ups_for(user).select_related("visit"), pk=pk)
    if not follow_ups_to_mark(user).filter(pk=pk).exists():
        raise PermissionDenied(_("Only its owner or an officer marks a follow-up action done."))
    return follow_up
