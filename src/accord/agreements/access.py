"""Who may see and change which agreements, at the queryset level.

- Home officers see and change every agreement; they alone create, approve and sign.
- Other home staff see every agreement.
- A partner coordinator sees only the agreements their institution is party to.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accord.agreements.models import Agreement

Action = Literal["view", "change"]


def agreements_for(user: Any, action: Action = "view") -> QuerySet[Agreement]:
    agreements = Agreement.objects.all()
    if not user.is_authenticated or not user.is_active:
        return agreements.none()
    if user.is_home_officer:
        return agreements
    if action == "change":
        return agreements.none()
    if user.is_home:
        return agreements
    partner_id = user.partner_institution_id
    if partner_id is None:
        return agreements.none()
    return agreements.filter(parties__institution_id=partner_id).distinct()


def changeable_agreement(user: Any, queryset: QuerySet[Agreement], pk: int) -> Agreement:
    """The agreement to change, from ``queryset`` (the user's visible ones): 404 if it is not
    there, 403 if the user may only see it."""
    agreement = get_object_or_404(queryset, pk=pk)
    if not agreements_for(user, "change").filter(pk=pk).exists():
        raise PermissionDenied(_("Only officers of the home university move agreements along."))
    return agreement
