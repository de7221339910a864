"""Changes to agreements: one transaction each, with its audit entry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.agreements.lifecycle import next_status
from accord.agreements.models import Agreement, AgreementParty
from accord.core import actions, audit
from accord.core.models import AuditAction
from accord.institutions.models import Institution


def create_agreement(actor: Any, agreement: Agreement, institution_ids: list[int]) -> Agreement:
    """Create a draft agreement between two or more institutions."""
    ids = list(dict.fromkeys(institution_ids))
    found = set(Institution.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = [str(pk) for pk in ids if pk not in found]
    if unknown:
        raise ValidationError(
            {"parties": _("Unknown institutions: %(ids)s.") % {"ids": ", ".join(unknown)}}
        )
    if len(ids) < 2:
        raise ValidationError({"parties": _("An agreement needs at least two parties.")})
    with transaction.atomic():
        actions.create(actor, agreement)
        for pk in ids:
            actions.create(actor, AgreementParty(agreement=agreement, institution_id=pk))
    return agreement


def transition(actor: Any, agreement: Agreement, action: str) -> Agreement:
    """Move the agreement along its lifecycle; IllegalTransition if its state does not allow it."""
    with transaction.atomic():
        stored = Agreement.objects.select_for_update().get(pk=agreement.pk)
        target = next_status(stored.status, action)
        before = audit.snapshot(stored) | {"status": stored.status}
        stored.status = target
        stored.save(update_fields=["status", "modified"])
        audit.record(
            actor, AuditAction.UPDATE, stored, before, audit.snapshot(stored) | {"status": target}
        )
    agreement.status = target
    return agreement
