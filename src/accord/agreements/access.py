"""Who may see and change which agreements, at the queryset level.

- Home officers see and change every agreement; they alone create, approve and sign.
- Other home staff see every agreement.
- A partner coordinator sees only the agreements their institution is party to.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import QuerySet

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
