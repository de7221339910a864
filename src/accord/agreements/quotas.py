"""Places agreements allow, added up per agreement, academic year and flow."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from accord.agreements.models import Agreement, Quota


@dataclass(frozen=True)
class QuotaTotal:
    agreement_id: int
    academic_year: str
    flow: str
    people: int
    months: int


def quota_totals(agreements: QuerySet[Agreement]) -> list[QuotaTotal]:
    """Places (people and months) per agreement, academic year and flow, in one query."""
    rows = (
        Quota.objects.filter(agreement__in=agreements)
        .values("agreement_id", "academic_year", "flow")
        .annotate(total_people=Sum("people"), total_months=Sum("months"))
        .order_by("agreement_id", "academic_year", "flow")
    )
    return [
        QuotaTotal(
            agreement_id=row["agreement_id"],
            academic_year=row["academic_year"],
            flow=row["flow"],
            people=row["total_people"] or 0,
            months=row["total_months"] or 0,
        )
        for row in rows
    ]
