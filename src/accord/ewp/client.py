"""Calling a partner's EWP endpoints: requests signed with our key, answers checked against
the schemas before anything is stored."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone
from lxml import etree

from accord.core import audit
from accord.core.models import AuditAction
from accord.ewp import copies, httpsig, keys
from accord.ewp import iia as ewp
from accord.ewp.exporting import home_institution
from accord.ewp.models import EwpPartner, IiaLink
from accord.ewp.xml import APPROVAL_V2, IIAS_V7, XmlRefused, max_bytes, parse, serialize, validate
from accord.institutions.models import Institution

TIMEOUT = 30
# iia_id values per get request: the least a server must accept.
BATCH = 10


class PullFailed(Exception):
    """A partner's endpoint could not be reached or refused the request."""


def register_partner(
    actor: Any, institution: Institution, url: str, public_key: str | None
) -> EwpPartner:
    """Create or change the partner's endpoints (and key, when given), audited."""
    with transaction.atomic():
        partner, created = EwpPartner.objects.select_for_update().get_or_create(
            institution=institution
        )
        before = None if created else audit.snapshot(partner)
        partner.api_url = url
        if public_key is not None:
            partner.public_key = public_key
        partner.full_clean()
        partner.save()
        action = AuditAction.CREATE if created else AuditAction.UPDATE
        audit.record(actor, action, partner, before, audit.snapshot(partner))
    return partner


def fetch(partner: EwpPartner, path: str, params: list[tuple[str, str]]) -> etree._Element:
    """GET ``path`` under the partner's endpoints, signed; the answer parsed and validated."""
    url = partner.api_url.rstrip("/") + "/" + path + ("?" + urlencode(params) if params else "")
    headers = httpsig.sign("GET", url, b"", keys.private_key())
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read(max_bytes() + 1)
    except urllib.error.HTTPError as error:
        raise PullFailed(
            f"{url} answered {error.code}: {_developer_message(error.read(65536))}"
        ) from error
    except (urllib.error.URLError, OSError) as error:
        raise PullFailed(f"{url} cannot be reached: {getattr(error, 'reason', error)}") from error
    root = parse(body)
    validate(root)
    return root


def _developer_message(body: bytes) -> str:
    try:
        root = parse(body)
    except XmlRefused:
        return body[:200].decode(errors="replace")
    return " ".join(root.itertext()).strip()


def _their_iias(partner: EwpPartner) -> bytes:
    """Every IIA the partner shows us, gathered into one get-response."""
    index = fetch(partner, "iias/index", [])
    ids = [element.text or "" for element in index]
    gathered = etree.Element(f"{{{IIAS_V7}}}iias-get-response", nsmap={None: IIAS_V7})
    for start in range(0, len(ids), BATCH):
        response = fetch(partner, "iias/get", [("iia_id", i) for i in ids[start : start + BATCH]])
        if etree.QName(response).namespace != IIAS_V7:
            raise PullFailed("The partner's get endpoint does not answer IIAs v7.")
        for element in ewp.iia_elements(response):
            gathered.append(element)
    return serialize(gathered)


def _their_approvals(actor: Any, partner: EwpPartner) -> list[str]:
    """Ask which of our IIAs with the partner it approved, and with which hash."""
    links = list(
        IiaLink.objects.filter(agreement__parties__institution=partner.institution).order_by("pk")
    )
    if not links:
        return []
    lines = []
    for start in range(0, len(links), BATCH):
        batch = {link.iia_id: link for link in links[start : start + BATCH]}
        response = fetch(partner, "iias/approval", [("iia_id", i) for i in batch])
        approved = {
            element.findtext(f"{{{APPROVAL_V2}}}iia-id"): element.findtext(
                f"{{{APPROVAL_V2}}}iia-hash"
            )
            for element in response
        }
        with transaction.atomic():
            for iia_id, link in batch.items():
                before = audit.snapshot(link, include=["partner_approved_hash"])
                link.partner_approved_hash = approved.get(iia_id) or ""
                link.partner_checked = timezone.now()
                link.save(update_fields=["partner_approved_hash", "partner_checked"])
                after = audit.snapshot(link, include=["partner_approved_hash"])
                if before != after:
                    audit.record(actor, AuditAction.UPDATE, link, before, after)
                    lines.append(f"approval of {iia_id}: {link.partner_approved_hash or 'none'}")
    return lines


def pull(actor: Any, partner: EwpPartner) -> tuple[copies.ImportReport, list[str]]:
    home = home_institution()
    report = copies.import_copies(actor, _their_iias(partner), home, partner.institution)
    return report, _their_approvals(actor, partner)
