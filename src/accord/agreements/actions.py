"""Changes to agreements and proposal packages: one transaction each, with its audit entries."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.agreements.lifecycle import AgreementAction, next_status
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    AnswerKind,
    Direction,
    DirectionAnswer,
    PackageStatus,
    ProposalPackage,
    Quota,
    VersionReason,
)
from accord.core import actions, audit
from accord.core.errors import Conflict
from accord.core.models import AuditAction
from accord.institutions.models import Institution

# An agreement in these states is changed by an amendment, which makes a new version.
EDITABLE_STATUSES = {
    AgreementStatus.DRAFT,
    AgreementStatus.NEGOTIATION,
    AgreementStatus.INTERNAL_APPROVAL,
}


def _known_institutions(ids: Iterable[int], field: str) -> list[int]:
    ids = list(dict.fromkeys(ids))
    found = set(Institution.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = [str(pk) for pk in ids if pk not in found]
    if unknown:
        raise ValidationError(
            {field: _("Unknown institutions: %(ids)s.") % {"ids": ", ".join(unknown)}}
        )
    return ids


def create_agreement(
    actor: Any,
    agreement: Agreement,
    institution_ids: list[int],
    directions: Iterable[Direction] = (),
) -> Agreement:
    """Create a draft agreement between two or more institutions."""
    ids = _known_institutions(institution_ids, "parties")
    if len(ids) < 2:
        raise ValidationError({"parties": _("An agreement needs at least two parties.")})
    with transaction.atomic():
        actions.create(actor, agreement)
        for pk in ids:
            actions.create(actor, AgreementParty(agreement=agreement, institution_id=pk))
        _link_directions(actor, agreement, directions)
    return agreement


def _link_directions(actor: Any, agreement: Agreement, directions: Iterable[Direction]) -> None:
    before = audit.snapshot(agreement)
    agreement.directions.add(*directions)
    after = audit.snapshot(agreement)
    if after != before:
        audit.record(actor, AuditAction.UPDATE, agreement, before, after)


def _locked(agreement: Agreement, revision: int | None = None) -> Agreement:
    """The stored agreement, locked; Conflict when ``revision`` is not the stored one."""
    stored = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if revision is not None and stored.revision != revision:
        raise Conflict(
            _(
                "Someone else changed this agreement while you were editing it "
                "(revision %(stored)s, yours %(yours)s). Reload it and make your change again."
            )
            % {"stored": stored.revision, "yours": revision}
        )
    return stored


def _touch(agreement: Agreement) -> None:
    Agreement.objects.filter(pk=agreement.pk).update(revision=F("revision") + 1)
    agreement.refresh_from_db(fields=["revision", "modified"])


def _require_editable(agreement: Agreement) -> None:
    if agreement.status not in EDITABLE_STATUSES:
        raise Conflict(
            _(
                "An agreement in state “%(status)s” is not edited any more; amend it, "
                "which makes a new version."
            )
            % {"status": agreement.get_status_display()}
        )


def update_agreement(
    actor: Any, agreement: Agreement, changes: dict[str, Any], revision: int | None
) -> Agreement:
    """Change an agreement still being drafted or negotiated.

    ``revision`` is the one the editor started from: a stale edit is refused with Conflict
    rather than overwriting what someone else saved meanwhile.
    """
    with transaction.atomic():
        stored = _locked(agreement, revision)
        _require_editable(stored)
        before = stored.modified
        actions.update(actor, agreement, changes)
        if agreement.modified != before:
            _touch(agreement)
    return agreement


def update_party(actor: Any, party: AgreementParty, changes: dict[str, Any]) -> AgreementParty:
    with transaction.atomic():
        stored = _locked(party.agreement)
        _require_editable(stored)
        actions.update(actor, party, changes)
        _touch(party.agreement)
    return party


def transition(actor: Any, agreement: Agreement, action: str) -> Agreement:
    """Move the agreement along its lifecycle; IllegalTransition if its state does not allow it.

    Putting a new version into effect retires the version it replaces.
    """
    with transaction.atomic():
        stored = _locked(agreement)
        target = next_status(stored.status, action)
        _set_status(actor, stored, target)
        previous = stored.previous
        if (
            action == AgreementAction.ACTIVATE
            and previous is not None
            and previous.status in {AgreementStatus.SIGNED, AgreementStatus.ACTIVE}
        ):
            _set_status(actor, previous, AgreementStatus.EXPIRED)
    agreement.status = target
    agreement.revision = stored.revision
    return agreement


def _set_status(actor: Any, agreement: Agreement, status: str) -> None:
    """A change of state is a change: it raises the revision too."""
    actions.set_state(actor, agreement, status, revision=F("revision") + 1)


def _years_later(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _renewed_term(
    start: datetime.date | None, end: datetime.date
) -> tuple[datetime.date, datetime.date | None, int]:
    """The term after ``end`` as long as ``start``-``end``, and that length in whole years.

    A term of whole years (1 September to 31 August) is renewed by calendar years; another
    one by the same number of days.
    """
    new_start = end + datetime.timedelta(days=1)
    if start is None:
        return new_start, None, 1
    years = round((new_start - start).days / 365.25)
    if years >= 1 and _years_later(start, years) == new_start:
        return new_start, _years_later(end, years), years
    return new_start, new_start + (end - start), max(1, years)


def _shift_year(academic_year: str, years: int) -> str:
    start = int(academic_year[:4]) + years
    return f"{start}/{start + 1}"


def new_version(actor: Any, agreement: Agreement, reason: VersionReason | str) -> Agreement:
    """A draft copy of a signed agreement that renews or amends it, linked to it.

    A renewal starts the day after the old one ends and lasts as long, its quotas moved on by
    as many academic years; an amendment keeps the dates and quotas, to be changed.
    """
    reason = VersionReason(reason)
    allowed = {
        VersionReason.RENEWAL: {
            AgreementStatus.SIGNED,
            AgreementStatus.ACTIVE,
            AgreementStatus.EXPIRED,
        },
        VersionReason.AMENDMENT: {AgreementStatus.SIGNED, AgreementStatus.ACTIVE},
    }.get(reason, set())
    with transaction.atomic():
        old = _locked(agreement)
        if old.status not in allowed:
            raise Conflict(
                _("An agreement in state “%(status)s” cannot be given a new version by %(reason)s.")
                % {"status": old.get_status_display(), "reason": reason.label.lower()}
            )
        pending = old.next_versions.filter(status__in=EDITABLE_STATUSES).first()
        if pending is not None:
            raise Conflict(
                _("Version %(number)s of this agreement is already being prepared.")
                % {"number": pending.version_number}
            )
        version = Agreement(
            **{
                field: getattr(old, field)
                for field in (
                    "kind",
                    "title",
                    "titles",
                    "text",
                    "texts",
                    "parent_id",
                    "areas",
                    "valid_from",
                    "valid_until",
                    "automatic_renewal",
                )
            },
            previous=old,
            version_number=old.version_number + 1,
            version_reason=reason,
        )
        years = 0
        if reason == VersionReason.RENEWAL and old.valid_until:
            version.valid_from, version.valid_until, years = _renewed_term(
                old.valid_from, old.valid_until
            )
        actions.create(actor, version)
        for party in old.parties.all():
            actions.create(
                actor,
                AgreementParty(
                    agreement=version,
                    institution_id=party.institution_id,
                    signatory_name=party.signatory_name,
                    signatory_position=party.signatory_position,
                ),
            )
        _link_directions(actor, version, old.directions.all())
        for quota in old.quotas.all():
            quota.pk = None
            quota.agreement = version
            quota.academic_year = _shift_year(quota.academic_year, years)
            actions.create(actor, quota)
    return version


def add_quota(actor: Any, quota: Quota) -> Quota:
    with transaction.atomic():
        _require_editable(_locked(quota.agreement))
        actions.create(actor, quota)
        _touch(quota.agreement)
    return quota


def update_quota(actor: Any, quota: Quota, changes: dict[str, Any]) -> Quota:
    with transaction.atomic():
        _require_editable(_locked(quota.agreement))
        actions.update(actor, quota, changes)
        _touch(quota.agreement)
    return quota


def delete_quota(actor: Any, quota: Quota) -> None:
    with transaction.atomic():
        _require_editable(_locked(quota.agreement))
        actions.delete(actor, quota)
        _touch(quota.agreement)


def add_direction(
    actor: Any,
    direction: Direction,
    fields: Iterable[Any] = (),
    specialties: Iterable[Any] = (),
    agreement: Agreement | None = None,
) -> Direction:
    """Propose a direction in a package, or add one to an agreement directly."""
    fields, specialties = list(fields), list(specialties)
    if not fields and not specialties:
        raise ValidationError(
            {"fields": _("Tie the direction to at least one field or specialty.")}
        )
    with transaction.atomic():
        if direction.package_id is not None:
            _require_open(_locked_package(direction.package))
        if agreement is not None:
            _require_editable(_locked(agreement))
        direction.full_clean()
        direction.save()
        direction.fields.set(fields)
        direction.specialties.set(specialties)
        if agreement is not None:
            _link_directions(actor, agreement, [direction])
            _touch(agreement)
        audit.record(actor, AuditAction.CREATE, direction, None, audit.snapshot(direction))
    return direction


def remove_direction(actor: Any, direction: Direction) -> None:
    """Withdraw a proposed direction (while the package is open) nobody has agreed yet."""
    with transaction.atomic():
        if direction.package_id is not None:
            _require_open(_locked_package(direction.package))
        if direction.agreements.exists():
            raise Conflict(_("The direction is part of an agreement and stays."))
        actions.delete(actor, direction)


# Proposal packages


def _locked_package(package: ProposalPackage | None) -> ProposalPackage:
    assert package is not None
    return ProposalPackage.objects.select_for_update().get(pk=package.pk)


def _require_open(package: ProposalPackage) -> None:
    if package.status == PackageStatus.CLOSED:
        raise Conflict(_("The proposal package is closed."))


def _recipients(ids: Iterable[int]) -> list[int]:
    ids = _known_institutions(ids, "recipients")
    if Institution.objects.home().filter(pk__in=ids).exists():
        raise ValidationError({"recipients": _("A package is sent to partners, not to ourselves.")})
    return ids


def create_package(
    actor: Any, package: ProposalPackage, recipient_ids: Iterable[int]
) -> ProposalPackage:
    ids = _recipients(recipient_ids)
    with transaction.atomic():
        package.full_clean()
        package.save()
        package.recipients.set(ids)
        audit.record(actor, AuditAction.CREATE, package, None, audit.snapshot(package))
    return package


def update_package(
    actor: Any,
    package: ProposalPackage,
    changes: dict[str, Any],
    recipient_ids: Iterable[int] | None = None,
) -> ProposalPackage:
    with transaction.atomic():
        stored = _locked_package(package)
        _require_open(stored)
        before = audit.snapshot(stored)
        for name, value in changes.items():
            setattr(stored, name, value)
        stored.full_clean()
        stored.save()
        if recipient_ids is not None:
            ids = _recipients(recipient_ids)
            removed = set(stored.recipients.values_list("pk", flat=True)) - set(ids)
            if (
                removed
                and DirectionAnswer.objects.filter(
                    direction__package=stored, institution_id__in=removed
                ).exists()
            ):
                raise ValidationError(
                    {"recipients": _("A partner that has answered stays among the recipients.")}
                )
            stored.recipients.set(ids)
        after = audit.snapshot(stored)
        if after != before:
            audit.record(actor, AuditAction.UPDATE, stored, before, after)
    package.refresh_from_db()
    return package


def send_package(actor: Any, package: ProposalPackage) -> ProposalPackage:
    """Open the package to its recipients' answers."""
    with transaction.atomic():
        stored = _locked_package(package)
        if stored.status != PackageStatus.DRAFT:
            raise Conflict(_("The package has been sent already."))
        if not stored.recipients.exists():
            raise ValidationError({"recipients": _("Choose the partners to send it to.")})
        if not stored.directions.exists():
            raise ValidationError({"directions": _("Propose at least one direction.")})
        actions.set_state(actor, stored, PackageStatus.SENT, sent_on=timezone.localdate())
    package.refresh_from_db()
    return package


def close_package(actor: Any, package: ProposalPackage) -> ProposalPackage:
    with transaction.atomic():
        stored = _locked_package(package)
        _require_open(stored)
        actions.set_state(actor, stored, PackageStatus.CLOSED)
    package.refresh_from_db()
    return package


def answer_direction(
    actor: Any,
    direction: Direction,
    institution_id: int,
    answer: AnswerKind | str,
    comment: str = "",
    partner_unit_id: int | None = None,
) -> DirectionAnswer:
    """Record (or change) one partner's answer to one proposed direction."""
    with transaction.atomic():
        package = _locked_package(direction.package)
        if package.status != PackageStatus.SENT:
            raise Conflict(_("Answers are taken while the package is with the partners."))
        if not package.recipients.filter(pk=institution_id).exists():
            raise ValidationError(
                {"institution": _("The package was not sent to this institution.")}
            )
        existing = (
            DirectionAnswer.objects.select_for_update()
            .filter(direction=direction, institution_id=institution_id)
            .first()
        )
        values = {"answer": answer, "comment": comment, "partner_unit_id": partner_unit_id}
        if existing is None:
            return actions.create(
                actor, DirectionAnswer(direction=direction, institution_id=institution_id, **values)
            )
        return actions.update(actor, existing, values)


def protocol_from_package(
    actor: Any,
    package: ProposalPackage,
    institution_id: int,
    parent: Agreement,
    title: str,
    titles: dict[str, str] | None = None,
) -> Agreement:
    """A draft protocol with one partner under its memorandum, carrying the accepted directions."""
    if not package.recipients.filter(pk=institution_id).exists():
        raise ValidationError({"institution": _("The package was not sent to this institution.")})
    if not parent.parties.filter(institution_id=institution_id).exists():
        raise ValidationError(
            {"parent": _("The partner is not a party to the agreement the protocol is made under.")}
        )
    accepted = Direction.objects.filter(
        package=package,
        answers__institution_id=institution_id,
        answers__answer=AnswerKind.ACCEPT,
    )
    if not accepted.exists():
        raise ValidationError({"institution": _("The partner has accepted no direction yet.")})
    home_ids = list(Institution.objects.home().values_list("pk", flat=True))
    protocol = Agreement(
        kind=AgreementKind.PROTOCOL,
        title=title,
        titles=titles or {},
        parent=parent,
        areas=list(parent.areas),
    )
    return create_agreement(actor, protocol, [*home_ids, institution_id], accepted)
