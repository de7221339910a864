"""Where two institutions' teaching coincides: directions worth proposing.

Offerings are compared by their ISCED-F detailed field, then, for the narrow fields with no
detailed match, by the narrow field above them. A coincidence ranks higher the more programmes
each side teaches in it and the more levels (bachelor, master, PhD) both teach.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from accord.institutions.models import Field, Institution, Offering, Specialty

Match = Literal["detailed", "narrow"]
# An offering: detailed field code, specialty id, level, programme title.
Row = tuple[str, int | None, int, str]


@dataclass
class Suggestion:
    field: Field
    match: Match
    home_programmes: int
    partner_programmes: int
    common_levels: list[int]
    home_specialties: list[Specialty]

    @property
    def score(self) -> int:
        return min(self.home_programmes, self.partner_programmes) + 2 * len(self.common_levels)


class _Teaching:
    """One institution's programmes, levels and specialties per field code."""

    def __init__(self, institution: Institution) -> None:
        self.rows = list(
            Offering.objects.filter(institution=institution).values_list(
                "field_id", "specialty_id", "level", "title"
            )
        )

    def by(self, match: Match) -> dict[str, list[Row]]:
        grouped: dict[str, list[Row]] = defaultdict(list)
        for field_id, specialty_id, level, title in self.rows:
            # ISCED-F codes nest: 0713 lies in the narrow field 071.
            grouped[field_id if match == "detailed" else field_id[:3]].append(
                (field_id, specialty_id, level, title)
            )
        return grouped


def suggest_directions(home: Institution, partner: Institution) -> list[Suggestion]:
    """Coinciding fields of ``home`` and ``partner``, the strongest first."""
    ours, theirs = _Teaching(home), _Teaching(partner)
    raw: list[tuple[str, Match, list[Row], list[Row]]] = []
    detailed_ours, detailed_theirs = ours.by("detailed"), theirs.by("detailed")
    for code in detailed_ours.keys() & detailed_theirs.keys():
        raw.append((code, "detailed", detailed_ours[code], detailed_theirs[code]))
    covered = {code[:3] for code, *_rest in raw}
    narrow_ours, narrow_theirs = ours.by("narrow"), theirs.by("narrow")
    for code in (narrow_ours.keys() & narrow_theirs.keys()) - covered:
        raw.append((code, "narrow", narrow_ours[code], narrow_theirs[code]))
    fields = Field.objects.in_bulk([code for code, *_rest in raw])
    specialties = Specialty.objects.in_bulk(
        {specialty for *_head, home_rows, _partner in raw for _f, specialty, _l, _t in home_rows}
        - {None}
    )
    suggestions = [
        Suggestion(
            field=fields[code],
            match=match,
            home_programmes=len({(f, s, t) for f, s, _l, t in home_rows}),
            partner_programmes=len({(f, s, t) for f, s, _l, t in partner_rows}),
            common_levels=sorted(
                {level for *_h, level, _t in home_rows} & {level for *_h, level, _t in partner_rows}
            ),
            home_specialties=sorted(
                {specialties[s] for _f, s, _l, _t in home_rows if s is not None},
                key=lambda specialty: specialty.code,
            ),
        )
        for code, match, home_rows, partner_rows in raw
    ]
    suggestions.sort(key=lambda s: (s.match != "detailed", -s.score, s.field.code))
    return suggestions
