"""The rules a mobility must meet against its agreement and quota.

Written over facts loaded up front (:class:`AgreementFacts`, :class:`QuotaUse`), so a single
nomination and an import of 100,000 rows check exactly the same things, the import without a
query per row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from accord.agreements.models import (
    ACADEMIC_YEAR,
    Agreement,
    AgreementStatus,
    Flow,
    MobilityType,
    Quota,
)
from accord.exchanges.models import COUNTED_STATUSES, Mobility


@dataclass(frozen=True)
class AgreementFacts:
    pk: int
    title: str
    status: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    party_ids: frozenset[int]
    direction_ids: frozenset[int]


def agreement_facts(agreement_ids: Iterable[int]) -> dict[int, AgreementFacts]:
    """What the rules need to know of each agreement, in three queries."""
    ids = set(agreement_ids)
    parties: dict[int, set[int]] = {pk: set() for pk in ids}
    directions: dict[int, set[int]] = {pk: set() for pk in ids}
    through = Agreement.directions.through
    for agreement_id, institution_id in Agreement.objects.filter(pk__in=ids).values_list(
        "pk", "parties__institution_id"
    ):
        if institution_id is not None:
            parties[agreement_id].add(institution_id)
    for agreement_id, direction_id in through.objects.filter(agreement_id__in=ids).values_list(
        "agreement_id", "direction_id"
    ):
        directions[agreement_id].add(direction_id)
    return {
        pk: AgreementFacts(
            pk=pk,
            title=title,
            status=status,
            valid_from=valid_from,
            valid_until=valid_until,
            party_ids=frozenset(parties[pk]),
            direction_ids=frozenset(directions[pk]),
        )
        for pk, title, status, valid_from, valid_until in Agreement.objects.filter(
            pk__in=ids
        ).values_list("pk", "title", "status", "valid_from", "valid_until")
    }


def agreement_problems(
    mobility: Mobility, facts: AgreementFacts | None, home_id: int | None
) -> dict[str, str]:
    """What keeps ``mobility`` from being made under its agreement, by field."""
    problems: dict[str, str] = {}
    if home_id is None:
        return {"flow": _("The home university is not registered yet.")}
    home_side, home_field = (
        (mobility.sending_institution_id, "sending_institution")
        if mobility.flow == Flow.OUTGOING
        else (mobility.receiving_institution_id, "receiving_institution")
    )
    if home_side != home_id:
        problems[home_field] = (
            _("An outgoing mobility is sent by the home university.")
            if mobility.flow == Flow.OUTGOING
            else _("An incoming mobility is received by the home university.")
        )
    match = ACADEMIC_YEAR.match(mobility.academic_year or "")
    if (
        match
        and mobility.planned_start
        and mobility.planned_start.year
        not in {
            int(match[1]),
            int(match[2]),
        }
    ):
        problems["planned_start"] = _("The stay starts outside academic year %(year)s.") % {
            "year": mobility.academic_year
        }
    if facts is None:
        problems["agreement"] = _("Unknown agreement.")
        return problems
    if facts.status != AgreementStatus.ACTIVE:
        problems["agreement"] = _(
            "The agreement “%(title)s” is not in effect (%(status)s); mobilities are nominated "
            "under an agreement in effect."
        ) % {"title": facts.title, "status": AgreementStatus(facts.status).label}
    elif (
        facts.valid_from and mobility.planned_start and mobility.planned_start < facts.valid_from
    ) or (facts.valid_until and mobility.planned_end and mobility.planned_end > facts.valid_until):
        problems["agreement"] = _(
            "The stay is not within the agreement's validity (%(start)s to %(end)s)."
        ) % {"start": facts.valid_from or "…", "end": facts.valid_until or "…"}
    for name in ("sending_institution", "receiving_institution"):
        if getattr(mobility, f"{name}_id") not in facts.party_ids and name not in problems:
            problems[name] = _("The institution is not a party to the agreement.")
    if mobility.direction_id not in facts.direction_ids:
        problems["direction"] = _("The direction is not one of the agreement's.")
    return problems


class QuotaKey(NamedTuple):
    agreement_id: int
    direction_id: int
    mobility_type: str
    flow: str
    academic_year: str


def key_of(mobility: Mobility) -> QuotaKey:
    return QuotaKey(
        mobility.agreement_id,
        mobility.direction_id,
        mobility.mobility_type,
        mobility.flow,
        mobility.academic_year,
    )


@dataclass
class QuotaUse:
    """Places a quota allows and those its counted mobilities take."""

    quota_id: int | None
    people: int
    months: int | None
    used_people: int = 0
    used_months: Decimal = field(default_factory=Decimal)

    @property
    def free_people(self) -> int:
        return max(0, self.people - self.used_people)

    def take(self, months: Decimal) -> None:
        self.used_people += 1
        self.used_months += months

    def release(self, months: Decimal) -> None:
        self.used_people -= 1
        self.used_months -= months

    def shortfall(self, months: Decimal) -> bool:
        """Whether one more stay of ``months`` would go beyond what the quota allows."""
        if self.used_people + 1 > self.people:
            return True
        return self.months is not None and self.used_months + months > self.months


COUNTED = Q(status__in=[str(status) for status in COUNTED_STATUSES])


def quota_use(
    agreement_ids: Iterable[int], keys: Iterable[QuotaKey] = (), exclude: int | None = None
) -> dict[QuotaKey, QuotaUse]:
    """The use of every quota of the agreements, and of ``keys`` that have none (allowing
    nothing), in two queries.

    ``exclude`` leaves one mobility out of the count: the one being changed.
    """
    ids = set(agreement_ids)
    use = {key: QuotaUse(quota_id=None, people=0, months=None) for key in keys}
    for pk, agreement_id, direction_id, kind, flow, year, people, months in Quota.objects.filter(
        agreement_id__in=ids
    ).values_list(
        "pk",
        "agreement_id",
        "direction_id",
        "mobility_type",
        "flow",
        "academic_year",
        "people",
        "months",
    ):
        key = QuotaKey(agreement_id, direction_id, kind, flow, year)
        use[key] = QuotaUse(quota_id=pk, people=people, months=months)
    counted = Mobility.objects.filter(COUNTED, agreement_id__in=ids)
    if exclude is not None:
        counted = counted.exclude(pk=exclude)
    rows = (
        counted.values_list(
            "agreement_id", "direction_id", "mobility_type", "flow", "academic_year"
        )
        .annotate(people=Count("pk"), months=Sum("months"))
        .order_by()
    )
    for agreement_id, direction_id, kind, flow, year, people, months in rows:
        key = QuotaKey(agreement_id, direction_id, kind, flow, year)
        found = use.setdefault(key, QuotaUse(quota_id=None, people=0, months=None))
        # SQLite adds decimals as floats: back to the tenth of a month they are kept in.
        used = Decimal(months or 0).quantize(Decimal("0.1"))
        found.used_people, found.used_months = people, used
    return use


def describe(key: QuotaKey, direction_name: str) -> str:
    return " · ".join(
        [
            direction_name,
            str(MobilityType(key.mobility_type).label),
            str(Flow(key.flow).label),
            key.academic_year,
        ]
    )


def shortfall_message(key: QuotaKey, use: QuotaUse, direction_name: str) -> str:
    """Why one more nomination does not fit: the quota named, what it allows, what is used."""
    name = describe(key, direction_name)
    if use.quota_id is None:
        return _("The agreement has no quota for %(quota)s.") % {"quota": name}
    if use.used_people + 1 > use.people:
        return _(
            "The quota %(quota)s allows %(allowed)s people; %(used)s are already nominated."
        ) % {"quota": name, "allowed": use.people, "used": use.used_people}
    return _("The quota %(quota)s allows %(allowed)s months; %(used)s are already taken.") % {
        "quota": name,
        "allowed": use.months,
        "used": use.used_months,
    }
