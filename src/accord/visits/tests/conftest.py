"""A visit to partner A with follow-up actions, recorded the way the office records it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from accord.accounts.models import User
from accord.visits import actions
from accord.visits.models import FollowUp, Visit
from conftest import World


def days(count: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=count)


@dataclass
class Trip:
    visit: Visit
    # Owned by the adviser: open and overdue, open and due later, done lately.
    overdue: FollowUp
    open: FollowUp
    done: FollowUp


def record_visit(world: World, title: str = "Visit to Baku", **fields: Any) -> Visit:
    visit = Visit(
        title=title,
        starts_on=fields.pop("starts_on", datetime.date(2018, 4, 23)),
        ends_on=fields.pop("ends_on", datetime.date(2018, 4, 26)),
        city="Baku",
        country="AZ",
        **fields,
    )
    return actions.create_visit(world.officer, visit, [world.partner_a.pk])


def add_follow_up(
    world: World, visit: Visit, title: str, owner: User, due_in: int, done_in: int | None = None
) -> FollowUp:
    follow_up = FollowUp(
        visit=visit,
        title=title,
        owner=owner,
        due_on=days(due_in),
        done_on=None if done_in is None else days(done_in),
    )
    return actions.create_follow_up(world.officer, follow_up)


@pytest.fixture
def trip(world: World) -> Trip:
    visit = record_visit(
        world,
        delegation="The rector",
        discussion="Exchange of students and teachers",
        outcomes="A memorandum to sign",
    )
    return Trip(
        visit=visit,
        overdue=add_follow_up(world, visit, "Send the proposal package", world.adviser, -3),
        open=add_follow_up(world, visit, "Send the PhD topics", world.adviser, 10),
        done=add_follow_up(world, visit, "Prepare the proposals", world.adviser, -20, -5),
    )
