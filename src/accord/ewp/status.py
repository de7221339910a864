"""Where an Erasmus+ agreement stands in EWP: our copy and its hash, the partner's copies and
where they differ, who approved what, and the Erasmus+ terms; for the page and the API alike."""

from __future__ import annotations

from dataclasses import dataclass

from accord.agreements.models import Agreement, Flow, MobilityType
from accord.ewp import copies
from accord.ewp import iia as ewp
from accord.ewp.exporting import our_iias
from accord.ewp.models import EwpPartner, IiaLink, MobilityTerms, PartnerIia
from accord.ewp.projection import KIND_OF, NotExportable, Projection, erasmus_agreements
from accord.institutions.models import Institution


@dataclass
class CopyStatus:
    copy: PartnerIia
    differences: list[str]
    may_approve: bool


@dataclass
class EwpStatus:
    agreement: Agreement
    ours: Projection | None
    our_hash: str
    problem: str
    link: IiaLink | None
    partner_approved: bool
    copies: list[CopyStatus]
    partners: list[tuple[Institution, bool]]
    terms: list[tuple[MobilityType, Flow, MobilityTerms | None]]


def reachable(institution_ids: list[int]) -> set[int]:
    """Those of the institutions with a hei-id and registered EWP endpoints."""
    return set(
        EwpPartner.objects.filter(
            institution_id__in=institution_ids, institution__ewp_hei_id__gt="", api_url__gt=""
        ).values_list("institution_id", flat=True)
    )


def _terms(agreement: Agreement) -> list[tuple[MobilityType, Flow, MobilityTerms | None]]:
    """Each EWP mobility type and flow the agreement has quotas for, with its terms if set."""
    kept = {(t.mobility_type, t.flow): t for t in agreement.mobility_terms.all()}
    pairs = sorted(
        {(q.mobility_type, q.flow) for q in agreement.quotas.all() if q.mobility_type in KIND_OF},
        key=lambda pair: (list(KIND_OF).index(MobilityType(pair[0])), pair[1]),
    )
    return [(MobilityType(kind), Flow(flow), kept.get((kind, flow))) for kind, flow in pairs]


def ewp_status(pk: int) -> EwpStatus:
    """The status of the Erasmus+ agreement ``pk`` (its visibility checked by the caller)."""
    ours, problem = None, ""
    try:
        projected, problems = our_iias(erasmus_agreements().filter(pk=pk))
    except NotExportable as error:
        problem = str(error)
    else:
        if problems:
            problem = problems[0].split(": ", 1)[-1]
        else:
            ours = projected[0]
    # Read after the projection, which gives the agreement its iia-id on the first visit.
    agreement = erasmus_agreements().get(pk=pk)
    link = getattr(agreement, "ewp", None)
    our_conditions = copies.conditions_data(ours.iia) if ours else []
    our_hash = ewp.hash_of(ours.iia) if ours else ""
    partner_copies = [
        CopyStatus(
            copy,
            copies.differences(our_conditions, copy.conditions) if ours else [],
            copy.valid_for_approval and copy.published_hash == copy.hash,
        )
        for copy in agreement.partner_copies.select_related("institution")
    ]
    partners = [p.institution for p in agreement.parties.all() if not p.institution.is_home]
    in_network = reachable([p.pk for p in partners])
    return EwpStatus(
        agreement=agreement,
        ours=ours,
        our_hash=our_hash,
        problem=problem,
        link=link,
        partner_approved=bool(our_hash)
        and link is not None
        and link.partner_approved_hash == our_hash,
        copies=partner_copies,
        partners=[(p, p.pk in in_network) for p in partners],
        terms=_terms(agreement),
    )
