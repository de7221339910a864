"""Who may see and change which registry records, decided once, at the queryset level.

- Home officers (and superusers) see and change everything.
- Other home staff (leadership, faculty coordinators, advisers) see everything, change nothing.
- A partner coordinator sees their own institution and the home university, and changes only
  their own institution's profile, units, contacts and offerings.
- Anyone else sees nothing here (the public directory is separate).
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accord.institutions.models import Institution, InstitutionQuerySet, PartnerStatus

Action = Literal["view", "change"]


def institutions_for(user: Any, action: Action = "view") -> InstitutionQuerySet:
    institutions = Institution.objects.all()
    if not user.is_authenticated or not user.is_active:
        return institutions.none()
    if user.is_home_officer:
        return institutions
    if user.is_home:
        return institutions if action == "view" else institutions.none()
    partner_id = user.partner_institution_id
    if partner_id is None:
        return institutions.none()
    if action == "view":
        return institutions.filter(pk=partner_id) | institutions.filter(
            partner_status=PartnerStatus.HOME
        )
    return institutions.filter(pk=partner_id)


def can_create_institution(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_home_officer)


def institution_children_for(
    user: Any, model: type[Model], action: Action = "view"
) -> QuerySet[Any]:
    """Units, contacts, offerings or names of the institutions the user may see or change."""
    return model._default_manager.filter(institution__in=institutions_for(user, action))


def changeable_institution(user: Any, pk: int) -> Institution:
    """The institution to change: 404 if the user cannot see it, 403 if they may only see it."""
    institution = get_object_or_404(institutions_for(user), pk=pk)
    if not institutions_for(user, "change").filter(pk=pk).exists():
        raise PermissionDenied(_("You may not change this institution."))
    return institution


def changeable_child(user: Any, model: type[Model], pk: int) -> Any:
    """A unit, contact or offering to change, with the same 404/403 rule."""
    obj = get_object_or_404(institution_children_for(user, model), pk=pk)
    changeable_institution(user, obj.institution_id)
    return obj
