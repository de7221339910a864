"""Who may see and change which people and mobilities, at the queryset level.

- Home officers see and change everything and may let a nomination exceed its quota.
- Leadership and faculty coordinators of the home university see every mobility and person;
  a faculty coordinator nominates and handles the home side of mobilities of their units (of
  the whole university when their role is not limited to a unit).
- A partner coordinator sees the mobilities their institution sends or receives and the people
  in them, nominates their own people, answers nominations sent to them, and sees nothing of
  other partners.
- Contact details and dates of birth are shown only to those who may change the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accord.accounts.models import Role
from accord.agreements.models import Flow
from accord.exchanges.lifecycle import Side
from accord.exchanges.models import Mobility, Person
from accord.institutions.models import Institution, Unit

Action = Literal["view", "change"]

VIEWING_ROLES = frozenset({Role.LEADERSHIP, Role.FACULTY_COORDINATOR})


def _active(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def home_id() -> int | None:
    return Institution.objects.home().values_list("pk", flat=True).first()


def coordinated_units(user: Any) -> set[int] | None:
    """The home units whose exchanges a faculty coordinator handles, with the units under them;
    None when the role covers the whole university, an empty set when the user has no such role.
    """
    if not (_active(user) and user.is_home and user.has_role(Role.FACULTY_COORDINATOR)):
        return set()
    granted = set(
        user.role_grants.filter(role=Role.FACULTY_COORDINATOR).values_list("unit_id", flat=True)
    )
    if None in granted:
        return None
    children: dict[int, list[int]] = {}
    for pk, parent_id in Unit.objects.filter(institution_id=user.institution_id).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    units, pending = set(), list(granted)
    while pending:
        unit = pending.pop()
        if unit not in units:
            units.add(unit)
            pending.extend(children.get(unit, []))
    return units


def may_see_exchanges(user: Any) -> bool:
    return _active(user) and (
        user.is_home_officer
        or (user.is_home and bool(user.role_set & VIEWING_ROLES))
        or user.partner_institution_id is not None
    )


def _home_side(units: set[int] | None) -> Q:
    """Mobilities whose home side is one of ``units`` (every one when None)."""
    if units is None:
        return Q()
    return Q(flow=Flow.OUTGOING, sending_unit__in=units) | Q(
        flow=Flow.INCOMING, receiving_unit__in=units
    )


def mobilities_for(user: Any, action: Action = "view") -> QuerySet[Mobility]:
    mobilities = Mobility.objects.all()
    if not _active(user):
        return mobilities.none()
    if user.is_home_officer:
        return mobilities
    partner_id = user.partner_institution_id
    if partner_id is not None:
        mine = Q(sending_institution_id=partner_id) | Q(receiving_institution_id=partner_id)
        return mobilities.filter(mine)
    if action == "view" and user.is_home and user.role_set & VIEWING_ROLES:
        return mobilities
    units = coordinated_units(user)
    if action == "change" and units != set():
        return mobilities.filter(_home_side(units))
    return mobilities.none()


@dataclass(frozen=True)
class Scope:
    """What a user acts for in exchanges, worked out once: every side (home officers and the
    server's own commands), one partner institution, or home units (None: all of them)."""

    everything: bool = False
    partner_id: int | None = None
    units: set[int] | None = field(default_factory=set)


def scope_of(user: Any) -> Scope:
    """``user`` None is the server itself (a command run without --as): it acts for everyone."""
    if user is None or (_active(user) and user.is_home_officer):
        return Scope(everything=True)
    if not _active(user):
        return Scope()
    if user.partner_institution_id is not None:
        return Scope(partner_id=user.partner_institution_id)
    return Scope(units=coordinated_units(user))


def sides(user: Any, mobility: Mobility, scope: Scope | None = None) -> set[Side]:
    """The sides of ``mobility`` the user acts for (pass ``scope`` when asking for many)."""
    scope = scope or scope_of(user)
    if scope.everything:
        return {Side.SENDING, Side.RECEIVING}
    home_side = Side.SENDING if mobility.flow == Flow.OUTGOING else Side.RECEIVING
    partner_side = Side.RECEIVING if home_side == Side.SENDING else Side.SENDING
    if scope.partner_id is not None:
        return {partner_side} if mobility.partner_id == scope.partner_id else set()
    home_unit = (
        mobility.sending_unit_id if home_side == Side.SENDING else mobility.receiving_unit_id
    )
    if scope.units is None or (home_unit is not None and home_unit in scope.units):
        return {home_side}
    return set()


def may_nominate(user: Any, mobility: Mobility, scope: Scope | None = None) -> bool:
    """Whether the user may nominate (or, while nominated, edit) ``mobility``: they act for
    its sending side."""
    return Side.SENDING in sides(user, mobility, scope)


def may_override_quota(user: Any) -> bool:
    return _active(user) and user.is_home_officer


def people_for(user: Any, action: Action = "view") -> QuerySet[Person]:
    people = Person.objects.all()
    if not _active(user):
        return people.none()
    if user.is_home_officer:
        return people
    partner_id = user.partner_institution_id
    if partner_id is not None:
        if action == "change":
            return people.filter(institution_id=partner_id)
        received = Mobility.objects.filter(receiving_institution_id=partner_id)
        return people.filter(Q(institution_id=partner_id) | Q(pk__in=received.values("person_id")))
    if action == "view" and user.is_home and user.role_set & VIEWING_ROLES:
        return people
    units = coordinated_units(user)
    if units is None:
        return people.filter(institution_id=user.institution_id)
    if units:
        return people.filter(unit__in=units)
    return people.none()


def may_create_person(user: Any) -> bool:
    return _active(user) and (
        user.is_home_officer
        or user.partner_institution_id is not None
        or coordinated_units(user) != set()
    )


def may_see_personal_data(user: Any, person: Person) -> bool:
    return people_for(user, "change").filter(pk=person.pk).exists()


def changeable_person(user: Any, pk: int) -> Person:
    """404 if the user cannot see the person, 403 if they may only see them."""
    person = get_object_or_404(people_for(user), pk=pk)
    if not people_for(user, "change").filter(pk=pk).exists():
        raise PermissionDenied(_("Only the person's own institution changes their record."))
    return person


def changeable_mobility(user: Any, pk: int) -> Mobility:
    """The mobility to edit: 404 if unseen, 403 unless the user acts for its sending side (or
    is a home officer)."""
    mobility = get_object_or_404(mobilities_for(user), pk=pk)
    if not (user.is_home_officer or may_nominate(user, mobility)):
        raise PermissionDenied(_("Only the sending side changes a nomination."))
    return mobility


def require_officer(user: Any) -> None:
    if not (_active(user) and user.is_home_officer):
        raise PermissionDenied(_("Only officers of the home university do this."))
