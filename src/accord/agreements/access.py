"""Who may see and change which agreements, at the queryset level.

- Home officers see and change every agreement; they alone create, approve and sign.
- Other home staff see every agreement.
- A partner coordinator sees only the agreements their institution is party to, the proposal
  packages sent to it, and its own answers, never another partner's.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accord.agreements.models import (
    Agreement,
    Direction,
    DirectionAnswer,
    PackageStatus,
    ProposalPackage,
)
from accord.core.models import AuditEntry

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


def packages_for(user: Any, action: Action = "view") -> QuerySet[ProposalPackage]:
    """Home staff see every package; a partner sees those sent to it, once sent."""
    packages = ProposalPackage.objects.all()
    if not user.is_authenticated or not user.is_active:
        return packages.none()
    if user.is_home_officer:
        return packages
    if action == "change":
        return packages.none()
    if user.is_home:
        return packages
    partner_id = user.partner_institution_id
    if partner_id is None:
        return packages.none()
    return packages.filter(recipients=partner_id).exclude(status=PackageStatus.DRAFT)


def changeable_package(user: Any, pk: int) -> ProposalPackage:
    """404 if the user cannot see the package, 403 if they may only see it."""
    package = get_object_or_404(packages_for(user), pk=pk)
    if not packages_for(user, "change").filter(pk=pk).exists():
        raise PermissionDenied(_("Only officers of the home university change proposal packages."))
    return package


def answering_institution(user: Any, institution_id: int | None) -> int:
    """Whose answer the user records: a partner's coordinator answers for their institution,
    a home officer for any recipient (an answer received by letter); 403 for anyone else."""
    if user.is_home_officer:
        if institution_id is None:
            raise ValidationError({"institution": _("Say which partner answered.")})
        return institution_id
    partner_id = user.partner_institution_id
    if partner_id is None or (institution_id is not None and institution_id != partner_id):
        raise PermissionDenied(_("You answer only for your own institution."))
    return int(partner_id)


def answers_for(user: Any) -> QuerySet[DirectionAnswer]:
    """Answers the user may read: all for home staff, their own institution's for a partner."""
    answers = DirectionAnswer.objects.all()
    if user.is_home:
        return answers
    return answers.filter(institution_id=user.partner_institution_id)


def directions_for(user: Any, action: Action = "view") -> QuerySet[Direction]:
    """Directions of the packages and agreements the user may see (or change)."""
    return Direction.objects.filter(
        Q(package__in=packages_for(user, action)) | Q(agreements__in=agreements_for(user, action))
    ).distinct()


def require_officer(user: Any) -> None:
    """403 unless the user is an officer of the home university."""
    if not (user.is_authenticated and user.is_home_officer):
        raise PermissionDenied(_("Only officers of the home university do this."))


def visible_history(user: Any, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    """History entries the user may read: a partner does not see other partners' answers, nor
    the package entries that name every recipient."""
    if user.is_home:
        return entries
    others_answers = Q(object_type=DirectionAnswer._meta.label_lower) & ~Q(
        institution_id=user.partner_institution_id
    )
    # A package's own entries list every recipient.
    packages = Q(object_type=ProposalPackage._meta.label_lower)
    return entries.exclude(others_answers | packages)
