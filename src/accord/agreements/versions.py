"""Versions of an agreement (renewals and amendments) and what differs between two of them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accord.agreements.models import Agreement, CooperationArea, ProposalPackage
from accord.core import audit
from accord.core.models import AuditEntry

# The agreement's first version (back along ``previous``), then every version made from it or
# from a later one, in one query.
_FAMILY = """
WITH RECURSIVE
    earlier(id, previous_id) AS (
        SELECT id, previous_id FROM {table} WHERE id = %s
        UNION
        SELECT a.id, a.previous_id FROM {table} a JOIN earlier e ON a.id = e.previous_id
    ),
    family(id) AS (
        SELECT id FROM earlier WHERE previous_id IS NULL
        UNION
        SELECT a.id FROM {table} a JOIN family f ON a.previous_id = f.id
    )
SELECT * FROM {table} WHERE id IN (SELECT id FROM family) ORDER BY id
"""


def versions(agreement: Agreement) -> list[Agreement]:
    """Every version of the agreement, the first first.

    Where a version was followed twice (amended again once the first amendment was signed),
    the chain goes on with the earlier of the two.
    """
    sql = _FAMILY.format(table=connection.ops.quote_name(Agreement._meta.db_table))
    following: dict[int | None, Agreement] = {}
    for member in Agreement.objects.raw(sql, [agreement.pk]):
        following.setdefault(member.previous_id, agreement if member == agreement else member)
    chain = [following[None]]
    while (version := following.get(chain[-1].pk)) is not None:
        chain.append(version)
    return chain


def negotiation_history(chain: list[Agreement]) -> QuerySet[AuditEntry]:
    """Every change to an agreement's versions (``chain``, see :func:`versions`) and their
    parts, and to the proposal packages its directions came from: who proposed, answered with
    what reason, amended what, when."""
    packages = ProposalPackage.objects.filter(directions__agreements__in=chain).distinct()
    return audit.history(*chain, *packages)


@dataclass
class Difference:
    """One thing that differs; texts carry their changed lines, sets what came and went."""

    label: str
    before: str = ""
    after: str = ""
    lines: list[tuple[str, str]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _facts(agreement: Agreement) -> dict[str, str]:
    facts = {
        _("Kind"): agreement.get_kind_display(),
        _("Made under"): str(agreement.parent or "—"),
        _("Signed on"): str(agreement.signed_on or "—"),
        _("Valid from"): str(agreement.valid_from or "—"),
        _("Valid until"): str(agreement.valid_until or "—"),
        _("Renewed automatically"): _("yes") if agreement.automatic_renewal else _("no"),
        _("Title") + " (en)": agreement.title,
    }
    for language, title in sorted(agreement.titles.items()):
        facts[f"{_('Title')} ({language})"] = title
    return facts


def _texts(agreement: Agreement) -> dict[str, str]:
    return {"en": agreement.text, **agreement.texts}


def _sets(agreement: Agreement) -> dict[str, set[str]]:
    return {
        _("Areas of cooperation"): {str(CooperationArea(area).label) for area in agreement.areas},
        _("Parties"): {
            " — ".join(filter(None, [str(p.institution), p.signatory_name, p.signatory_position]))
            for p in agreement.parties.select_related("institution")
        },
        _("Directions"): {direction.name for direction in agreement.directions.all()},
        _("Quotas"): {str(quota) for quota in agreement.quotas.select_related("direction")},
    }


def compare(old: Agreement, new: Agreement) -> list[Difference]:
    """What changed from ``old`` to ``new``: facts, texts line by line, parties, directions, quotas."""
    differences = []
    old_facts, new_facts = _facts(old), _facts(new)
    for label in dict.fromkeys([*old_facts, *new_facts]):
        before, after = old_facts.get(label, "—"), new_facts.get(label, "—")
        if before != after:
            differences.append(Difference(label, before, after))
    old_texts, new_texts = _texts(old), _texts(new)
    for language in sorted(old_texts.keys() | new_texts.keys()):
        before, after = old_texts.get(language, ""), new_texts.get(language, "")
        if before != after:
            lines = [
                (line[0], line[2:])
                for line in difflib.ndiff(before.splitlines(), after.splitlines())
                if line[0] in "+- "
            ]
            differences.append(Difference(f"{_('Text')} ({language})", lines=lines))
    old_sets, new_sets = _sets(old), _sets(new)
    for label, before_set in old_sets.items():
        after_set = new_sets[label]
        if before_set != after_set:
            differences.append(
                Difference(
                    label,
                    added=sorted(after_set - before_set),
                    removed=sorted(before_set - after_set),
                )
            )
    return differences
