"""Erasmus Without Paper at scale: exporting and validating 10,000 IIAs, and importing as many.

    .venv/bin/python bench/ewp.py [--iias 10000] [--partners 100]
    scripts/throwaway-postgres .venv/bin/python bench/ewp.py

It generates the home university, ``--partners`` partners and ``--iias`` Erasmus+ agreements
spread over them, each with one direction, quotas for outgoing students and incoming teachers
over two academic years, and the Erasmus+ terms those need. Then it times:

- the first export, which gives every agreement its EWP iia-id (audited), and a second one;
- building the IIAs v7 get-response, validating it against the schema, and writing it;
- importing the same IIAs as partners' copies (each partner first, the home university
  second), as new copies and again unchanged.

Peak memory is the process's maximum resident size after each step.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from typing import Any

import harness

YEARS = ("2026/2027", "2027/2028")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iias", type=int, default=10_000)
    parser.add_argument("--partners", type=int, default=100)
    return parser.parse_args()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, action: Callable[[], Any], rows: list[tuple[str, str, str]]) -> Any:
    started = time.perf_counter()
    result = action()
    rows.append((label, f"{time.perf_counter() - started:.2f}", f"{peak_mb():.0f}"))
    return result


def generate(iias: int, partners: int) -> None:
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
    from accord.ewp.models import MobilityTerms

    home, others = harness.home_and_partners(partners, hei_ids=True)
    agreements = Agreement.objects.bulk_create(
        Agreement(
            kind=AgreementKind.ERASMUS_IIA, title=f"Erasmus+ {n}", status=AgreementStatus.ACTIVE
        )
        for n in range(iias)
    )
    direction = Direction.objects.create(name="Chemical engineering")
    direction.fields.set(["0711"])
    Agreement.directions.through.objects.bulk_create(
        Agreement.directions.through(agreement=a, direction=direction) for a in agreements
    )
    AgreementParty.objects.bulk_create(
        party
        for n, agreement in enumerate(agreements)
        for party in (
            AgreementParty(agreement=agreement, institution=home),
            AgreementParty(agreement=agreement, institution=others[n % partners]),
        )
    )
    specs = (
        (MobilityType.STUDENT_STUDIES, Flow.OUTGOING, 2, 10),
        (MobilityType.TEACHING_STAFF, Flow.INCOMING, 1, None),
    )
    Quota.objects.bulk_create(
        Quota(
            agreement=agreement,
            direction=direction,
            mobility_type=kind,
            flow=flow,
            academic_year=year,
            people=people,
            months=months,
        )
        for agreement in agreements
        for kind, flow, people, months in specs
        for year in YEARS
    )
    MobilityTerms.objects.bulk_create(
        MobilityTerms(
            agreement=agreement,
            mobility_type=kind,
            flow=flow,
            languages=["en B2"],
            eqf_levels=[6, 7] if kind == MobilityType.STUDENT_STUDIES else [],
        )
        for agreement in agreements
        for kind, flow, _people, _months in specs
    )


def hostile(rows: list[tuple[str, str, str]]) -> None:
    """How long refusing hostile documents takes."""
    from django.conf import settings

    from accord.ewp.xml import XmlRefused, parse

    laughs = ['<!ENTITY a0 "ha">'] + [
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
    ]
    cases = {
        "refuse: billion laughs": f"<!DOCTYPE r [{''.join(laughs)}]><r>&a9;</r>".encode(),
        "refuse: external entity": b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        "refuse: entities in UTF-16": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r ['
        '<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'.encode("utf-16"),
        f"refuse: {settings.EWP_MAX_DOCUMENT_MB + 50} MB document": b"<r>"
        + b"x" * ((settings.EWP_MAX_DOCUMENT_MB + 50) * 1024 * 1024)
        + b"</r>",
        "refuse: 100,000 nested elements": b"<a>" * 100_000 + b"</a>" * 100_000,
    }
    for label, data in cases.items():

        def refused(data: bytes = data) -> None:
            try:
                parse(data)
            except XmlRefused:
                return
            raise AssertionError("not refused")

        started = time.perf_counter()
        refused()
        rows.append((label, f"{time.perf_counter() - started:.4f}", f"{peak_mb():.0f}"))


def run(options: argparse.Namespace) -> None:
    from accord.ewp import iia as ewp
    from accord.ewp.copies import import_copies
    from accord.ewp.exporting import home_institution, iias_response, our_iias
    from accord.ewp.models import PartnerIia
    from accord.ewp.xml import serialize

    harness.migrate_empty()
    harness.print_environment()
    rows: list[tuple[str, str, str]] = []
    timed(
        f"generate {options.iias:,} agreements",
        lambda: generate(options.iias, options.partners),
        rows,
    )
    harness.maintain()
    timed("first export: projection, giving each its iia-id", our_iias, rows)
    projected, problems = timed("export: projection", our_iias, rows)
    assert not problems, problems[:3]
    assert len(projected) == options.iias
    root = timed(
        "export: build the get-response and validate it", lambda: iias_response(projected), rows
    )
    data = timed("export: serialise", lambda: serialize(root), rows)
    rows.append(("  document size (MB)", f"{len(data) / 1024 / 1024:.1f}", ""))

    def as_partners() -> bytes:
        for number, item in enumerate(projected):
            item.iia.partners.reverse()
            item.iia.partners[0].iia_id = f"partner-copy-{number}"
        return serialize(ewp.get_response([item.iia for item in projected]))

    copies = timed("prepare partners' copies (not Accord's work)", as_partners, rows)
    home = home_institution()
    report = timed("import: new copies", lambda: import_copies(None, copies, home), rows)
    assert len(report.created) == options.iias
    report = timed(
        "import: the same again (unchanged)", lambda: import_copies(None, copies, home), rows
    )
    assert len(report.unchanged) == options.iias
    assert PartnerIia.objects.count() == options.iias
    hostile(rows)
    print()
    print("| step | seconds | peak MB |")
    print("|---|--:|--:|")
    for label, seconds, memory in rows:
        print(f"| {label} | {seconds} | {memory} |")


if __name__ == "__main__":
    harness.main(run, arguments())
