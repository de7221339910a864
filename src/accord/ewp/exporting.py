"""Documents Accord publishes to EWP: our IIAs, our institutions and units, approvals."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from lxml import etree

from accord.ewp import iia as ewp
from accord.ewp.directory import (
    institutions_response,
    institutions_with_details,
    ounits_response,
)
from accord.ewp.models import PartnerIia
from accord.ewp.projection import (
    NotExportable,
    Projection,
    ensure_links,
    erasmus_agreements,
    projections,
)
from accord.ewp.xml import APPROVAL_V2, IIAS_INDEX_V7, validate
from accord.institutions.models import Institution, Unit


def home_institution() -> Institution:
    home = Institution.objects.home().first()
    if home is None or not home.ewp_hei_id:
        raise NotExportable(_("Give the home university its EWP hei-id first."))
    return home


def our_iias(agreements: QuerySet | None = None) -> tuple[list[Projection], list[str]]:
    """Our Erasmus+ IIAs as EWP sees them, and a line for each that cannot be."""
    home = home_institution()
    chosen = list(agreements if agreements is not None else erasmus_agreements())
    ensure_links(chosen)
    return projections(chosen, home)


def iias_response(projected: Iterable[Projection]) -> etree._Element:
    root = ewp.get_response([p.iia for p in projected])
    validate(root)
    return root


def index_response(iia_ids: Iterable[str]) -> etree._Element:
    root = etree.Element(f"{{{IIAS_INDEX_V7}}}iias-index-response", nsmap={None: IIAS_INDEX_V7})
    for iia_id in iia_ids:
        etree.SubElement(root, f"{{{IIAS_INDEX_V7}}}iia-id").text = iia_id
    validate(root)
    return root


def approvals_response(copies: Iterable[PartnerIia]) -> etree._Element:
    """Our approvals of the partner's copies (IIAs Approval v2)."""
    root = etree.Element(f"{{{APPROVAL_V2}}}iias-approval-response", nsmap={None: APPROVAL_V2})
    for copy in copies:
        approval = etree.SubElement(root, f"{{{APPROVAL_V2}}}approval")
        etree.SubElement(approval, f"{{{APPROVAL_V2}}}iia-id").text = copy.iia_id
        etree.SubElement(approval, f"{{{APPROVAL_V2}}}iia-hash").text = copy.approved_hash
    validate(root)
    return root


def institutions_document(institutions: QuerySet[Institution]) -> etree._Element:
    root = institutions_response(institutions_with_details(institutions))
    validate(root)
    return root


def ounits_document(units: QuerySet[Unit]) -> etree._Element:
    root = ounits_response(units.prefetch_related("contacts").order_by("pk"))
    validate(root)
    return root
