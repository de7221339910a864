"""Partners' copies of IIAs: importing them, comparing them with ours, approving them.

An import is all-or-nothing: the document is read safely, checked against the schema, and
every IIA in it must come from a partner we know and name the home university as the other
partner before anything is stored. Each copy is matched to our agreement by the iia-id the
partner gives for our copy (the "mapping").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from accord.agreements.models import Agreement, AgreementKind, MobilityType
from accord.core import audit
from accord.core.errors import Conflict
from accord.core.models import AuditAction
from accord.ewp import iia as ewp
from accord.ewp.models import IiaLink, PartnerIia
from accord.ewp.projection import KIND_OF, ensure_links
from accord.ewp.xml import XmlRefused, parse, serialize, validate
from accord.institutions.models import Institution

CONDITION_LABELS = {
    "mobilities_per_year": gettext_lazy("mobilities per year"),
    "first_year": gettext_lazy("first academic year"),
    "last_year": gettext_lazy("last academic year"),
    "languages": gettext_lazy("recommended languages"),
    "subject_areas": gettext_lazy("subject areas"),
    "other_info": gettext_lazy("other information"),
    "total_months": gettext_lazy("months per year"),
    "blended": gettext_lazy("blended"),
    "eqf_levels": gettext_lazy("EQF levels"),
    "total_days": gettext_lazy("days per year"),
    "sending_ounit": gettext_lazy("sending unit"),
    "receiving_ounit": gettext_lazy("receiving unit"),
    "mobilities_not_yet_defined": gettext_lazy("mobilities not yet defined"),
}


def conditions_data(iia: ewp.Iia) -> list[dict[str, Any]]:
    """The cooperation conditions as JSON-ready data, contacts left out (they are not agreed
    terms and are not hashed)."""
    specs = []
    for spec in iia.conditions:
        data = dataclasses.asdict(spec)
        del data["sending_contacts"], data["receiving_contacts"]
        specs.append(data)
    return specs


def _key(spec: dict[str, Any]) -> tuple[str, str, str, str]:
    return (spec["kind"], spec["sending_hei"], spec["receiving_hei"], spec["first_year"])


def _title(spec: dict[str, Any]) -> str:
    kinds = {kind: MobilityType(ours).label for ours, kind in KIND_OF.items()}
    return _("%(kind)s, %(sending)s → %(receiving)s, from %(year)s") % {
        "kind": kinds.get(spec["kind"], spec["kind"]),
        "sending": spec["sending_hei"],
        "receiving": spec["receiving_hei"],
        "year": spec["first_year"],
    }


def differences(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> list[str]:
    """Lines naming each condition that differs between our copy and the partner's."""
    lines = []
    mine = {_key(spec): spec for spec in ours}
    other = {_key(spec): spec for spec in theirs}
    for key in sorted(mine.keys() | other.keys()):
        if key not in other:
            lines.append(_("%(spec)s: only in our copy.") % {"spec": _title(mine[key])})
        elif key not in mine:
            lines.append(_("%(spec)s: only in the partner's copy.") % {"spec": _title(other[key])})
        else:
            for name, label in CONDITION_LABELS.items():
                a, b = mine[key].get(name), other[key].get(name)
                if a != b:
                    lines.append(
                        _("%(spec)s: %(field)s is %(ours)s in ours, %(theirs)s in theirs.")
                        % {"spec": _title(mine[key]), "field": label, "ours": a, "theirs": b}
                    )
    if [_key(s) for s in ours] != [_key(s) for s in theirs] and not lines:
        lines.append(_("The conditions are the same but in another order."))
    return lines


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            *(f"created {line}" for line in self.created),
            *(f"changed {line}" for line in self.changed),
            *(f"unchanged {line}" for line in self.unchanged),
        ]


@dataclass
class _Incoming:
    partner: Institution
    iia: ewp.Iia
    element: etree._Element
    hash: str
    valid: bool


def _single_response(element: etree._Element) -> str:
    root = etree.Element(element.getparent().tag, nsmap=element.getparent().nsmap)
    root.append(etree.fromstring(etree.tostring(element)))
    return serialize(root).decode()


def read_copies(
    data: bytes, home: Institution, partner: Institution | None = None
) -> list[_Incoming]:
    """Every IIA of a get-response, checked; :class:`XmlRefused` names the first problem."""
    root = parse(data)
    elements = ewp.iia_elements(root)
    validate(root)
    known = {
        i.ewp_hei_id: i for i in Institution.objects.exclude(ewp_hei_id="").exclude(pk=home.pk)
    }
    incoming = []
    seen: set[tuple[str, str]] = set()
    for number, element in enumerate(elements, start=1):
        iia = ewp.read_iia(element)
        owner, other = iia.partners[0], iia.partners[1]
        where = _("IIA %(number)s (iia-id %(id)s)") % {"number": number, "id": owner.iia_id or "-"}
        if not owner.iia_id:
            raise XmlRefused(_("%(where)s: the first partner has no iia-id.") % {"where": where})
        if other.hei_id != home.ewp_hei_id:
            raise XmlRefused(
                _("%(where)s: the second partner is %(hei)s, not the home university (%(home)s).")
                % {"where": where, "hei": other.hei_id, "home": home.ewp_hei_id}
            )
        if (owner.hei_id, owner.iia_id) in seen:
            raise XmlRefused(
                _("%(where)s: the document holds this iia-id twice.") % {"where": where}
            )
        seen.add((owner.hei_id, owner.iia_id))
        institution = known.get(owner.hei_id)
        if institution is None:
            raise XmlRefused(
                _("%(where)s: no partner has the hei-id %(hei)s.")
                % {"where": where, "hei": owner.hei_id}
            )
        if partner is not None and institution.pk != partner.pk:
            raise XmlRefused(
                _("%(where)s: it comes from %(hei)s, not from %(partner)s.")
                % {"where": where, "hei": owner.hei_id, "partner": partner.ewp_hei_id}
            )
        # Hashes are computed IIA by IIA: the official template looks across the document.
        if ewp.namespace_of(element) == ewp.IIAS_V7:
            computed, valid = ewp.iia_hash(element), ewp.valid_for_approval(element)
        else:
            computed, valid = ewp.hash_of(iia), False
        incoming.append(_Incoming(institution, iia, element, computed, valid))
    return incoming


def _mappable(incoming: list[_Incoming]) -> dict[tuple[int, str], int]:
    """(partner, our iia-id it names) → our agreement, where the copy may be mapped: the
    agreement is with that partner, and no other copy of the partner is mapped to it."""
    named = [item.iia.partners[1].iia_id for item in incoming]
    links = IiaLink.objects.filter(iia_id__in=named, agreement__kind=AgreementKind.ERASMUS_IIA)
    parties = dict.fromkeys(
        links.values_list("agreement__parties__institution_id", "iia_id", "agreement_id")
    )
    taken = set(
        PartnerIia.objects.filter(agreement__ewp__iia_id__in=named).values_list(
            "institution_id", "agreement_id"
        )
    )
    return {
        (institution_id, iia_id): agreement_id
        for institution_id, iia_id, agreement_id in parties
        if (institution_id, agreement_id) not in taken
    }


def import_copies(
    actor: Any, data: bytes, home: Institution, partner: Institution | None = None
) -> ImportReport:
    """Store the partner's copies in ``data`` (a v7 or v6 get-response), all or nothing."""
    incoming = read_copies(data, home, partner)
    report = ImportReport()
    links = _mappable(incoming)
    with transaction.atomic():
        stored_copies = {
            (copy.institution_id, copy.iia_id): copy
            for copy in PartnerIia.objects.select_for_update().filter(
                institution__in={item.partner.pk for item in incoming},
                iia_id__in=[item.iia.iia_id for item in incoming],
            )
        }
        new: list[PartnerIia] = []
        entries = []
        # One copy of a partner per agreement, in this document too.
        mapped_now: set[int] = set()
        for item in incoming:
            owner = item.iia.partners[0]
            values = {
                "iia_code": owner.iia_code,
                "in_effect": item.iia.in_effect,
                "published_hash": item.iia.hash,
                "hash": item.hash,
                "valid_for_approval": item.valid,
                "conditions": conditions_data(item.iia),
                "xml": _single_response(item.element),
            }
            mapped = links.get((item.partner.pk, item.iia.partners[1].iia_id))
            stored = stored_copies.get((item.partner.pk, owner.iia_id))
            unmapped = stored is None or stored.agreement_id is None
            if mapped is not None and unmapped and mapped not in mapped_now:
                values["agreement_id"] = mapped
                mapped_now.add(mapped)
            label = f"{item.partner.ewp_hei_id} {owner.iia_id}"
            if stored is None:
                new.append(PartnerIia(institution=item.partner, iia_id=owner.iia_id, **values))
                report.created.append(label)
                continue
            changed = [name for name, value in values.items() if getattr(stored, name) != value]
            if changed == ["xml"] or not changed:
                report.unchanged.append(label)
                continue
            before = audit.snapshot(stored)
            for name, value in values.items():
                setattr(stored, name, value)
            stored.save()
            entries.append(
                audit.entry(actor, AuditAction.UPDATE, stored, before, audit.snapshot(stored))
            )
            names = ", ".join(n.replace("_id", "").replace("_", " ") for n in changed if n != "xml")
            report.changed.append(f"{label}: {names}")
        for copy in PartnerIia.objects.bulk_create(new, batch_size=500):
            entries.append(audit.entry(actor, AuditAction.CREATE, copy, None, audit.snapshot(copy)))
        audit.record_many(entries)
    return report


def approve(actor: Any, copy: PartnerIia) -> PartnerIia:
    """Record our approval of the partner's copy as it stands (its hash)."""
    with transaction.atomic():
        stored = PartnerIia.objects.select_for_update().get(pk=copy.pk)
        if stored.agreement_id is None:
            raise Conflict(_("Map the partner's copy to our agreement before approving it."))
        if not stored.valid_for_approval:
            raise Conflict(_("The partner's copy still carries values not yet defined."))
        if stored.published_hash != stored.hash:
            raise Conflict(
                _("The hash the partner published does not match the conditions it sent.")
            )
        before = audit.snapshot(stored)
        stored.approved_hash = stored.hash
        stored.approved_on = timezone.now()
        stored.save(update_fields=["approved_hash", "approved_on"])
        audit.record(actor, AuditAction.UPDATE, stored, before, audit.snapshot(stored))
    return stored


def map_copy(actor: Any, copy: PartnerIia, agreement_id: int | None) -> PartnerIia:
    """Say which of our agreements the partner's copy is a copy of (None to unmap)."""
    with transaction.atomic():
        stored = PartnerIia.objects.select_for_update().get(pk=copy.pk)
        if agreement_id is not None:
            agreement = Agreement.objects.filter(
                pk=agreement_id,
                kind=AgreementKind.ERASMUS_IIA,
                parties__institution=stored.institution,
            ).first()
            if agreement is None:
                raise Conflict(
                    _(
                        "The partner's copy can only be mapped to one of our Erasmus+ agreements with it."
                    )
                )
            ensure_links([agreement])
            if PartnerIia.objects.filter(agreement_id=agreement_id).exclude(pk=stored.pk).exists():
                raise Conflict(
                    _("Another copy of the partner is already mapped to this agreement.")
                )
        before = audit.snapshot(stored)
        stored.agreement_id = agreement_id
        stored.save(update_fields=["agreement"])
        audit.record(actor, AuditAction.UPDATE, stored, before, audit.snapshot(stored))
    return stored
