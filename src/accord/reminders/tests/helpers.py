"""Small factories for the reminders' tests."""

from __future__ import annotations

import datetime
from typing import Any

from accord.accounts.models import User
from accord.agreements import actions as agreement_actions
from accord.agreements.models import Agreement, AgreementKind, AgreementStatus
from accord.institutions.models import Institution
from accord.visits.models import FollowUp, Visit
from conftest import World

TODAY = datetime.date(2026, 3, 2)


def days(count: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=count)


def agreement_with(
    world: World,
    *partners: Institution,
    valid_until: datetime.date | None,
    status: AgreementStatus = AgreementStatus.ACTIVE,
    **fields: Any,
) -> Agreement:
    """An agreement between the home university and ``partners``, in ``status``."""
    fields.setdefault("title", "Memorandum with " + " and ".join(p.name for p in partners))
    agreement = Agreement(kind=AgreementKind.MEMORANDUM, valid_until=valid_until, **fields)
    agreement_actions.create_agreement(
        world.officer, agreement, [world.home.pk, *(partner.pk for partner in partners)]
    )
    Agreement.objects.filter(pk=agreement.pk).update(status=status)
    agreement.refresh_from_db()
    return agreement


def follow_up(
    owner: User, due_on: datetime.date, title: str = "Send the PhD topics", **fields: Any
) -> FollowUp:
    visit = Visit.objects.create(title="Visit to Baku", starts_on=TODAY)
    return FollowUp.objects.create(visit=visit, title=title, owner=owner, due_on=due_on, **fields)
