"""The steps a mobility goes through, the states each may start from, and which side takes it.

nominated -> accepted -> ongoing -> completed; a nomination may be rejected by the receiving
side, and the sending side may withdraw it until it is completed.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.errors import Conflict
from accord.exchanges.models import MobilityStatus as S


class Side(StrEnum):
    SENDING = "sending"
    RECEIVING = "receiving"


class MobilityStep(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")
    START = "start", _("Record the arrival")
    COMPLETE = "complete", _("Record as completed")
    WITHDRAW = "withdraw", _("Withdraw")


# step -> (the states it may start from, the state it leads to, the side that takes it)
STEPS: dict[MobilityStep, tuple[frozenset[S], S, Side]] = {
    MobilityStep.ACCEPT: (frozenset({S.NOMINATED}), S.ACCEPTED, Side.RECEIVING),
    MobilityStep.REJECT: (frozenset({S.NOMINATED}), S.REJECTED, Side.RECEIVING),
    MobilityStep.START: (frozenset({S.ACCEPTED}), S.ONGOING, Side.RECEIVING),
    MobilityStep.COMPLETE: (frozenset({S.ONGOING}), S.COMPLETED, Side.RECEIVING),
    MobilityStep.WITHDRAW: (
        frozenset({S.NOMINATED, S.ACCEPTED, S.ONGOING}),
        S.WITHDRAWN,
        Side.SENDING,
    ),
}


class IllegalStep(Conflict):
    """A step the mobility's current state does not allow."""


def _step(step: str) -> tuple[frozenset[S], S, Side]:
    try:
        return STEPS[MobilityStep(step)]
    except ValueError:
        raise IllegalStep(_("Unknown step: %(step)s.") % {"step": step}) from None


def next_status(status: str, step: str) -> S:
    """The state ``step`` leads to from ``status``; IllegalStep if it is not allowed."""
    sources, target, _side = _step(step)
    if status not in sources:
        raise IllegalStep(
            _("A mobility in state “%(status)s” cannot be changed by “%(step)s”.")
            % {"status": S(status).label, "step": MobilityStep(step).label}
        )
    return target


def side_of(step: str) -> Side:
    """The side that takes ``step``; IllegalStep for an unknown step."""
    return _step(step)[2]


def allowed_steps(status: str, sides: set[Side]) -> list[MobilityStep]:
    """The steps open from ``status`` to a user acting for ``sides``."""
    return [
        step
        for step, (sources, _target, side) in STEPS.items()
        if status in sources and side in sides
    ]
