"""The lifecycle of an agreement: named actions and the states each may start from.

draft -> negotiation -> internal approval -> signed -> active -> expired, and termination of a
signed or active agreement. Anything else is refused.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.agreements.models import AgreementStatus as S
from accord.core.errors import Conflict


class AgreementAction(models.TextChoices):
    PROPOSE = "propose", _("Open negotiation")
    SUBMIT_FOR_APPROVAL = "submit_for_approval", _("Submit for internal approval")
    RETURN_TO_NEGOTIATION = "return_to_negotiation", _("Return to negotiation")
    SIGN = "sign", _("Record as signed")
    ACTIVATE = "activate", _("Put into effect")
    EXPIRE = "expire", _("Record as expired")
    TERMINATE = "terminate", _("Terminate")


# action -> (the states it may start from, the state it leads to)
TRANSITIONS: dict[AgreementAction, tuple[frozenset[S], S]] = {
    AgreementAction.PROPOSE: (frozenset({S.DRAFT}), S.NEGOTIATION),
    AgreementAction.SUBMIT_FOR_APPROVAL: (frozenset({S.NEGOTIATION}), S.INTERNAL_APPROVAL),
    AgreementAction.RETURN_TO_NEGOTIATION: (frozenset({S.INTERNAL_APPROVAL}), S.NEGOTIATION),
    AgreementAction.SIGN: (frozenset({S.INTERNAL_APPROVAL}), S.SIGNED),
    AgreementAction.ACTIVATE: (frozenset({S.SIGNED}), S.ACTIVE),
    AgreementAction.EXPIRE: (frozenset({S.ACTIVE}), S.EXPIRED),
    AgreementAction.TERMINATE: (frozenset({S.SIGNED, S.ACTIVE}), S.TERMINATED),
}


class IllegalTransition(Conflict):
    """An action the agreement's current state does not allow."""


def next_status(status: str, action: str) -> S:
    """The state ``action`` leads to from ``status``; IllegalTransition if it is not allowed."""
    try:
        sources, target = TRANSITIONS[AgreementAction(action)]
    except ValueError:
        raise IllegalTransition(_("Unknown action: %(action)s.") % {"action": action}) from None
    if status not in sources:
        raise IllegalTransition(
            _("An agreement in state “%(status)s” cannot be changed by “%(action)s”.")
            % {"status": S(status).label, "action": AgreementAction(action).label}
        )
    return target


def allowed_actions(status: str) -> list[AgreementAction]:
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]
