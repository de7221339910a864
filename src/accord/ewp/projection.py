"""Our Erasmus+ agreements projected to EWP IIAs.

An agreement becomes one IIA between the home university and its partner: quotas of one
mobility type and flow become one mobility specification per run of consecutive academic years
with the same numbers (EWP gives one number per year for a whole range), its directions' fields
the subject areas, and the agreement's Erasmus+ terms the languages, EQF levels and the rest.
PhD research stays have no EWP counterpart and stay out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Direction,
    Flow,
    MobilityType,
    Quota,
)
from accord.core import audit
from accord.core.models import AuditAction
from accord.ewp import iia as ewp
from accord.ewp.directory import contact_xml
from accord.ewp.models import IiaLink, MobilityTerms, PartnerIia
from accord.institutions.models import Contact, Institution

KIND_OF = {
    MobilityType.STUDENT_STUDIES: "student-studies",
    MobilityType.STUDENT_TRAINEESHIP: "student-traineeship",
    MobilityType.TEACHING_STAFF: "staff-teacher",
    MobilityType.TRAINING_STAFF: "staff-training",
}
IN_EFFECT = {AgreementStatus.SIGNED, AgreementStatus.ACTIVE}


class NotExportable(ValueError):
    """Why an agreement cannot be written as an EWP IIA."""


@dataclass
class Projection:
    agreement: Agreement
    iia: ewp.Iia
    partner: Institution


def erasmus_agreements() -> QuerySet[Agreement]:
    """Erasmus+ IIAs with what their projection reads, in a fixed number of queries."""
    return (
        Agreement.objects.filter(kind=AgreementKind.ERASMUS_IIA)
        .select_related("ewp")
        .prefetch_related(
            Prefetch("parties", queryset=AgreementParty.objects.select_related("institution")),
            Prefetch(
                "quotas",
                queryset=Quota.objects.select_related("direction"),
            ),
            "mobility_terms",
            Prefetch("partner_copies", queryset=PartnerIia.objects.order_by("-received", "-pk")),
        )
        .order_by("pk")
    )


@dataclass
class Related:
    """What many agreements share, read once: their directions' fields and their parties'
    contacts (institution-wide ones)."""

    fields: dict[int, list[str]]
    contacts: dict[int, list[Contact]]

    @classmethod
    def of(cls, agreements: Iterable[Agreement]) -> Related:
        directions: set[int] = set()
        institutions: set[int] = set()
        for agreement in agreements:
            directions.update(q.direction_id for q in agreement.quotas.all())
            institutions.update(p.institution_id for p in agreement.parties.all())
        fields: dict[int, list[str]] = defaultdict(list)
        links = Direction.fields.through.objects.filter(direction_id__in=directions)
        for direction_id, code in links.values_list("direction_id", "field_id"):
            fields[direction_id].append(code)
        contacts: dict[int, list[Contact]] = defaultdict(list)
        for contact in Contact.objects.filter(unit=None, institution_id__in=institutions).order_by(
            "pk"
        ):
            contacts[contact.institution_id].append(contact)
        return cls(fields, contacts)


def ensure_links(agreements: Iterable[Agreement]) -> None:
    """Give every agreement its EWP iia-id, once and for good (audited)."""
    missing = [a for a in agreements if not hasattr(a, "ewp")]
    if not missing:
        return
    with transaction.atomic():
        links = IiaLink.objects.bulk_create([IiaLink(agreement=a) for a in missing])
        audit.record_many(
            audit.entry(None, AuditAction.CREATE, link, None, {"iia_id": link.iia_id})
            for link in links
        )
    for agreement, link in zip(missing, links, strict=True):
        agreement.ewp = link


def _isced(code: str) -> str:
    """Four digits, as IIAs v7 wants: a broad or narrow field "not further defined"."""
    return (code + "00")[:4] if len(code) < 4 else code


def _runs(quotas: list[Quota]) -> list[list[Quota]]:
    """Consecutive academic years with the same places and months."""
    by_year: dict[str, list[Quota]] = defaultdict(list)
    for quota in quotas:
        by_year[quota.academic_year].append(quota)
    years = sorted(by_year)
    runs: list[list[Quota]] = []
    previous: tuple[int, int | None, int] | None = None
    for year in years:
        group = by_year[year]
        key = (
            sum(q.people for q in group),
            sum(q.months or 0 for q in group) or None,
            int(year[:4]),
        )
        if previous is not None and key[:2] == previous[:2] and key[2] == previous[2] + 1:
            runs[-1].extend(group)
        else:
            runs.append(list(group))
        previous = key
    return runs


def _spec(
    related: Related,
    kind: str,
    flow: str,
    run: list[Quota],
    home: Institution,
    partner: Institution,
    terms: MobilityTerms | None,
) -> ewp.MobilitySpec:
    years = sorted({q.academic_year for q in run})
    first_year = [q for q in run if q.academic_year == years[0]]
    people = sum(q.people for q in first_year)
    months = sum(q.months or 0 for q in first_year)
    codes = sorted({_isced(code) for q in run for code in related.fields[q.direction_id]})
    units = {q.direction.responsible_unit_id for q in run if q.direction.responsible_unit_id}
    home_unit = str(units.pop()) if len(units) == 1 else ""
    outgoing = flow == Flow.OUTGOING
    sending, receiving = (home, partner) if outgoing else (partner, home)
    spec = ewp.MobilitySpec(
        kind=kind,
        sending_hei=sending.ewp_hei_id,
        receiving_hei=receiving.ewp_hei_id,
        sending_ounit=home_unit if outgoing else "",
        receiving_ounit="" if outgoing else home_unit,
        first_year=years[0],
        last_year=years[-1],
        mobilities_per_year=str(people),
        subject_areas=[ewp.SubjectArea(code) for code in codes],
    )
    if spec.is_student and months:
        spec.total_months = str(months)
    if terms is not None:
        spec.languages = [ewp.LanguageSkill(lang, level) for lang, level in terms.language_skills()]
        spec.eqf_levels = sorted(terms.eqf_levels) if spec.is_student else []
        spec.blended = terms.blended
        if not spec.is_student and terms.days_per_year is not None:
            spec.total_days = f"{terms.days_per_year.normalize():f}"
        spec.other_info = terms.other_info or None
    return spec


def _partner(related: Related, party: AgreementParty, iia_id: str, signed_on: str) -> ewp.Partner:
    institution = party.institution
    signing = None
    if party.signatory_name:
        signing = contact_xml(
            Contact(person_name=party.signatory_name, position=party.signatory_position),
            tag=f"{{{ewp.IIAS_V7}}}signing-contact",
        )
    return ewp.Partner(
        hei_id=institution.ewp_hei_id,
        iia_id=iia_id,
        signing_contact=signing,
        signing_date=signed_on if signing else "",
        contacts=[contact_xml(c) for c in related.contacts[institution.pk]],
    )


def project(agreement: Agreement, home: Institution, related: Related) -> Projection:
    """``agreement`` (from :func:`erasmus_agreements`, linked) as an IIA of our own."""
    if not home.ewp_hei_id:
        raise NotExportable(_("The home university has no EWP hei-id."))
    parties = list(agreement.parties.all())
    ours = [p for p in parties if p.institution_id == home.pk]
    others = [p for p in parties if p.institution_id != home.pk]
    if not ours or len(others) != 1:
        raise NotExportable(_("An EWP IIA is between the home university and exactly one partner."))
    partner = others[0].institution
    if not partner.ewp_hei_id:
        raise NotExportable(_("The partner %(name)s has no EWP hei-id.") % {"name": partner.name})
    terms = {(t.mobility_type, t.flow): t for t in agreement.mobility_terms.all()}
    groups: dict[tuple[str, str], list[Quota]] = defaultdict(list)
    for quota in agreement.quotas.all():
        if quota.mobility_type in KIND_OF:
            groups[(quota.mobility_type, quota.flow)].append(quota)
    if not groups:
        raise NotExportable(_("The agreement has no Erasmus+ quotas."))
    conditions: list[ewp.MobilitySpec] = []
    for (mobility_type, flow), quotas in sorted(
        groups.items(),
        key=lambda item: (
            list(KIND_OF).index(MobilityType(item[0][0])),
            item[0][1] == Flow.INCOMING,
        ),
    ):
        kind = KIND_OF[MobilityType(mobility_type)]
        term = terms.get((mobility_type, flow))
        if kind in ewp.LANGUAGE_REQUIRED and not (term and term.languages):
            raise NotExportable(
                _("%(kind)s, %(flow)s: Erasmus+ needs at least one recommended language.")
                % {"kind": MobilityType(mobility_type).label, "flow": Flow(flow).label}
            )
        conditions.extend(
            _spec(related, kind, flow, run, home, partner, term) for run in _runs(quotas)
        )
    copies = list(agreement.partner_copies.all())
    signed_on = agreement.signed_on.isoformat() if agreement.signed_on else ""
    iia = ewp.Iia(
        partners=[
            _partner(related, ours[0], agreement.ewp.iia_id, signed_on),
            _partner(related, others[0], copies[0].iia_id if copies else "", signed_on),
        ],
        conditions=conditions,
        in_effect=agreement.status in IN_EFFECT,
        terminated=agreement.status == AgreementStatus.TERMINATED,
    )
    iia.partners[0].iia_code = str(agreement.pk)
    return Projection(agreement, iia, partner)


def projections(
    agreements: Iterable[Agreement], home: Institution
) -> tuple[list[Projection], list[str]]:
    """The agreements that project, and a line for each that does not."""
    done, problems = [], []
    chosen = list(agreements)
    related = Related.of(chosen)
    for agreement in chosen:
        try:
            done.append(project(agreement, home, related))
        except NotExportable as problem:
            problems.append(f"{agreement.pk} {agreement.title}: {problem}")
    return done, problems
