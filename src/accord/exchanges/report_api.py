"""REST endpoints for the exchange reports: quota use, balances, a partner's open places.

Access as on the pages: an agreement's quota use to whoever sees the agreement (404 otherwise),
balances to those who see exchanges (a partner coordinator only their own), open places to
partner coordinators alone.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from accord.agreements.access import agreements_for
from accord.agreements.models import Flow, MobilityType
from accord.exchanges import access, reports

router = Router(tags=["exchanges"])


class QuotaUseOut(Schema):
    quota: int | None = Field(
        alias="quota_id", description="None for mobilities let in where no quota exists."
    )
    agreement: int = Field(alias="key.agreement_id")
    agreement_title: str
    direction: int = Field(alias="key.direction_id")
    direction_name: str
    mobility_type: MobilityType = Field(alias="key.mobility_type")
    flow: Flow = Field(alias="key.flow")
    academic_year: str = Field(alias="key.academic_year")
    people: int = Field(description="Places (people) the quota allows.")
    months: int | None = Field(description="Months in all the quota allows; None: no limit.")
    used_people: int
    used_months: float
    free_people: int
    free_months: float | None
    over_quota: bool
    overrides: int = Field(description="Counted mobilities let in beyond the quota.")


class BalanceOut(Schema):
    partner: int = Field(
        alias="partner_id", description="The institution on the other side from the home one."
    )
    partner_name: str
    academic_year: str
    incoming_people: int
    incoming_months: float
    outgoing_people: int
    outgoing_months: float
    people_difference: int = Field(description="Incoming minus outgoing.")
    months_difference: float


class BalanceFilter(Schema):
    academic_year: str | None = Field(None, pattern=r"^\d{4}/\d{4}$", examples=["2026/2027"])


@router.get("/agreements/{pk}/quota-use", response=list[QuotaUseOut])
def agreement_quota_use(request: HttpRequest, pk: int) -> Any:
    """People and months each quota of the agreement allows and its counted mobilities take."""
    visible = agreements_for(request.user)
    get_object_or_404(visible.only("pk"), pk=pk)
    return reports.quota_use_rows(visible.filter(pk=pk))


@router.get("/balances", response=list[BalanceOut])
def exchange_balances(request: HttpRequest, filters: Query[BalanceFilter]) -> Any:
    """Incoming and outgoing people and months per partner and academic year."""
    if not access.may_see_exchanges(request.user):
        raise PermissionDenied(_("You do not see exchanges."))
    return reports.balances(reports.balance_mobilities(request.user), filters.academic_year)


@router.get("/portal/places", response=list[QuotaUseOut])
def open_places(request: HttpRequest) -> Any:
    """The incoming places the agreements in effect give the coordinator's institution."""
    partner_id = getattr(request.user, "partner_institution_id", None)
    if partner_id is None:
        raise PermissionDenied(_("Only partner coordinators have open places."))
    return reports.open_places(partner_id)
