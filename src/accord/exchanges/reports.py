"""Figures on exchanges: the use of each quota, the balance of incoming and outgoing people with
each partner, and the places a partner may still nominate people for.

Each is computed in a fixed number of queries however many quotas or mobilities there are:
quotas in one, the counted mobilities grouped in another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, F, IntegerField, Q, QuerySet, Sum, When

from accord.agreements.models import Agreement, AgreementStatus, Flow, MobilityType, Quota
from accord.exchanges import access
from accord.exchanges.models import Mobility
from accord.exchanges.rules import COUNTED, QuotaKey, QuotaUse
from accord.institutions.models import localised

ZERO = Decimal(0)
TENTH = Decimal("0.1")
_TYPE_ORDER = {value: index for index, value in enumerate(MobilityType.values)}


# The use of quotas


@dataclass(kw_only=True)
class QuotaRow(QuotaUse):
    """One quota (or a quota-less key that counted mobilities were let into) with its use."""

    key: QuotaKey
    agreement_title: str
    direction_name: str
    # Counted mobilities let in beyond the quota by a home officer.
    overrides: int = 0

    @property
    def mobility_type_label(self) -> str:
        return str(MobilityType(self.key.mobility_type).label)

    @property
    def flow_label(self) -> str:
        return str(Flow(self.key.flow).label)

    @property
    def free_months(self) -> Decimal | None:
        if self.months is None:
            return None
        return max(ZERO, Decimal(self.months) - self.used_months)

    @property
    def over_quota(self) -> bool:
        return self.used_people > self.people or (
            self.months is not None and self.used_months > self.months
        )

    @property
    def has_place(self) -> bool:
        """Whether one more person may still be nominated within the quota."""
        return self.free_people > 0 and (self.months is None or self.used_months < self.months)


def _months(total: Decimal | None) -> Decimal:
    """A sum of months to one decimal, as the mobilities' months are (SQLite adds in floats)."""
    return (total or ZERO).quantize(TENTH)


def _sort_key(row: QuotaRow) -> tuple[Any, ...]:
    key = row.key
    return (
        key.academic_year,
        key.agreement_id,
        row.direction_name,
        key.direction_id,
        _TYPE_ORDER.get(key.mobility_type, len(_TYPE_ORDER)),
        key.flow,
    )


def _quota_rows(
    quotas: QuerySet[Quota], agreements: QuerySet[Agreement] | None = None
) -> list[QuotaRow]:
    """The use of ``quotas`` in two queries; with ``agreements``, also a row for each key of
    theirs that counted mobilities take without any quota (let in by an override)."""
    rows: dict[QuotaKey, QuotaRow] = {}
    for quota in quotas.select_related("agreement", "direction").only(
        "pk",
        *QuotaKey._fields,
        "people",
        "months",
        "agreement__title",
        "agreement__titles",
        "direction__name",
        "direction__names",
    ):
        key = QuotaKey(*(getattr(quota, name) for name in QuotaKey._fields))
        rows[key] = QuotaRow(
            key=key,
            quota_id=quota.pk,
            people=quota.people,
            months=quota.months,
            agreement_title=quota.agreement.display_title,
            direction_name=quota.direction.display_name,
        )
    counted = Mobility.objects.filter(COUNTED)
    names: tuple[str, ...] = ()
    if agreements is not None:
        counted = counted.filter(agreement__in=agreements)
        names = ("agreement__title", "agreement__titles", "direction__name", "direction__names")
    elif rows:
        counted = counted.filter(agreement_id__in={key.agreement_id for key in rows})
    else:
        return []
    grouped = (
        counted.values(*QuotaKey._fields, *names)
        .annotate(
            used_people=Count("pk"),
            used_months=Sum("months"),
            overrides=Count("pk", filter=~Q(quota_override="")),
        )
        .order_by()
    )
    for found in grouped:
        key = QuotaKey(*(found[name] for name in QuotaKey._fields))
        row = rows.get(key)
        if row is None:
            if not names:
                continue
            row = rows[key] = QuotaRow(
                key=key,
                quota_id=None,
                people=0,
                months=None,
                agreement_title=localised(found["agreement__titles"], found["agreement__title"]),
                direction_name=localised(found["direction__names"], found["direction__name"]),
            )
        row.used_people = found["used_people"]
        row.used_months = _months(found["used_months"])
        row.overrides = found["overrides"]
    return sorted(rows.values(), key=_sort_key)


def quota_use_rows(agreements: QuerySet[Agreement]) -> list[QuotaRow]:
    """Every quota of ``agreements`` with the people and months its counted mobilities take,
    and a row for each quota-less key that counted mobilities were let into."""
    return _quota_rows(Quota.objects.filter(agreement__in=agreements), agreements)


def open_places(partner_id: int) -> list[QuotaRow]:
    """The incoming quotas (people the partner sends to the home university) of the agreements
    in effect that the partner is party to, with their use."""
    quotas = Quota.objects.filter(
        agreement__status=AgreementStatus.ACTIVE,
        agreement__parties__institution_id=partner_id,
        flow=Flow.INCOMING,
    )
    return _quota_rows(quotas)


# Balances with partners


@dataclass(frozen=True)
class Balance:
    """People and months exchanged with one partner in one academic year."""

    partner_id: int
    partner_name: str
    academic_year: str
    incoming_people: int
    incoming_months: Decimal
    outgoing_people: int
    outgoing_months: Decimal

    @property
    def people_difference(self) -> int:
        """Incoming minus outgoing: above zero, the partner sends more than it receives."""
        return self.incoming_people - self.outgoing_people

    @property
    def months_difference(self) -> Decimal:
        return self.incoming_months - self.outgoing_months


def _partner_is(partner_id: int) -> Q:
    """Mobilities with ``partner_id`` on the other side from the home university."""
    return Q(flow=Flow.INCOMING, sending_institution_id=partner_id) | Q(
        flow=Flow.OUTGOING, receiving_institution_id=partner_id
    )


def balances(mobilities: QuerySet[Mobility], year: str | None = None) -> list[Balance]:
    """Counted people and months per partner and academic year, in one query; the partner is
    the sending institution of an incoming mobility, the receiving one of an outgoing."""
    if year:
        mobilities = mobilities.filter(academic_year=year)
    incoming, outgoing = Q(flow=Flow.INCOMING), Q(flow=Flow.OUTGOING)
    grouped = (
        mobilities.filter(COUNTED)
        .annotate(
            partner=Case(
                When(incoming, then=F("sending_institution_id")),
                default=F("receiving_institution_id"),
                output_field=IntegerField(),
            ),
            partner_name=Case(
                When(incoming, then=F("sending_institution__name")),
                default=F("receiving_institution__name"),
                output_field=CharField(),
            ),
        )
        .values("partner", "partner_name", "academic_year")
        .annotate(
            incoming_people=Count("pk", filter=incoming),
            incoming_months=Sum("months", filter=incoming),
            outgoing_people=Count("pk", filter=outgoing),
            outgoing_months=Sum("months", filter=outgoing),
        )
        .order_by("partner_name", "partner", "academic_year")
    )
    return [
        Balance(
            partner_id=row["partner"],
            partner_name=row["partner_name"],
            academic_year=row["academic_year"],
            incoming_people=row["incoming_people"],
            incoming_months=_months(row["incoming_months"]),
            outgoing_people=row["outgoing_people"],
            outgoing_months=_months(row["outgoing_months"]),
        )
        for row in grouped
    ]


def balance_mobilities(user: Any) -> QuerySet[Mobility]:
    """The mobilities whose balance ``user`` may see: every one for home staff who see
    exchanges, only those with their own institution for a partner coordinator."""
    if not access.may_see_exchanges(user):
        return Mobility.objects.none()
    mobilities = access.mobilities_for(user)
    partner_id = user.partner_institution_id
    if partner_id is not None:
        mobilities = mobilities.filter(_partner_is(partner_id))
    return mobilities


def academic_years(mobilities: QuerySet[Mobility]) -> list[str]:
    """The academic years of the counted ``mobilities``, newest first."""
    years = mobilities.filter(COUNTED).values_list("academic_year", flat=True)
    return list(years.order_by("-academic_year").distinct())


# The balance chart: paired horizontal bars, drawn as SVG by exchanges/_chart_balances.html

CHART_WIDTH = 720
LABEL_WIDTH = 240
VALUE_WIDTH = 56
BAR_HEIGHT = 14
BAR_GAP = 2
GROUP_GAP = 14
LEGEND_HEIGHT = 28


@dataclass(frozen=True)
class ChartBar:
    label: str
    value: Decimal
    y: int
    width: float


@dataclass
class ChartGroup:
    """One partner's pair of bars, incoming above outgoing."""

    partner_name: str
    incoming: Decimal
    outgoing: Decimal
    y: int = 0
    bars: list[ChartBar] = field(default_factory=list)


@dataclass(frozen=True)
class Chart:
    measure: str
    groups: list[ChartGroup]
    width: int = CHART_WIDTH
    height: int = LEGEND_HEIGHT
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def balance_chart(rows: Iterable[Balance], measure: str = "people") -> Chart:
    """The geometry of a chart of incoming against outgoing ``measure`` (people or months)
    per partner, the academic years of ``rows`` added up."""
    groups: dict[int, ChartGroup] = {}
    for row in rows:
        group = groups.setdefault(row.partner_id, ChartGroup(row.partner_name, ZERO, ZERO))
        group.incoming += getattr(row, f"incoming_{measure}")
        group.outgoing += getattr(row, f"outgoing_{measure}")
    ordered = list(groups.values())
    largest = max([g.incoming for g in ordered] + [g.outgoing for g in ordered] + [ZERO])
    scale = (CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH) / float(largest) if largest else 0.0
    y = LEGEND_HEIGHT
    for group in ordered:
        group.y = y
        group.bars = [
            ChartBar(
                label=str(Flow(flow).label),
                value=value,
                y=y + index * (BAR_HEIGHT + BAR_GAP),
                width=round(float(value) * scale, 1),
            )
            for index, (flow, value) in enumerate(
                ((Flow.INCOMING, group.incoming), (Flow.OUTGOING, group.outgoing))
            )
        ]
        y += 2 * BAR_HEIGHT + BAR_GAP + GROUP_GAP
    return Chart(measure=measure, groups=ordered, height=y)
