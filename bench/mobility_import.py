"""Importing mobilities from CSV: Accord's importer on a generated file, rows per second and peak
memory, and (with --compare) the same file imported with django-import-export.

    .venv/bin/python bench/mobility_import.py [--rows 100000] [--partners 100] [--compare]
    scripts/throwaway-postgres .venv/bin/python bench/mobility_import.py --compare

Without DATABASE_URL it runs on SQLite in a temporary ACCORD_DATA_DIR made here and removed
afterwards; with DATABASE_URL, on that database, which must hold no institutions. It generates
the home university, ``--partners`` partners, an active protocol with each (two directions,
quotas for every mobility type, flow and year large enough for the file) and a CSV file of
``--rows`` incoming and outgoing mobilities of distinct people. Each import runs on the same
file and starts from the same database (the rows of the one before are deleted first).
"""

from __future__ import annotations

import argparse
import datetime
import random
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import harness

YEARS = ("2026/2027", "2027/2028")
FIRST_NAMES = ("Aysel", "Nigar", "Orkhan", "Elvin", "Olena", "Taras", "Iryna", "Leyla", "Murad")
LAST_NAMES = ("Mammadova", "Aliyev", "Huseynova", "Shevchenko", "Kovalenko", "Bondarenko")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=100)
    parser.add_argument("--compare", action="store_true", help="also run django-import-export")
    return parser.parse_args()


def build_world(partners: int, rows: int) -> tuple[Any, list[Any]]:
    """The home university, its partners and an active protocol with each; returns the home
    university and the protocols."""
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

    home, institutions = harness.home_and_partners(partners)
    places = rows  # more than a quota can ever need: the bench measures the import, not refusals
    protocols = []
    for partner in institutions:
        protocol = Agreement.objects.create(
            kind=AgreementKind.PROTOCOL,
            title=f"Protocol with {partner.name}",
            status=AgreementStatus.ACTIVE,
            valid_from=datetime.date(2026, 9, 1),
            valid_until=datetime.date(2029, 8, 31),
        )
        AgreementParty.objects.bulk_create(
            AgreementParty(agreement=protocol, institution=institution)
            for institution in (home, partner)
        )
        directions = Direction.objects.bulk_create(
            Direction(name=name) for name in ("Information technology", "Oil and gas production")
        )
        protocol.directions.add(*directions)
        Quota.objects.bulk_create(
            Quota(
                agreement=protocol,
                direction=direction,
                mobility_type=kind,
                flow=flow,
                academic_year=year,
                people=places,
            )
            for direction in directions
            for kind in MobilityType.values
            for flow in Flow.values
            for year in YEARS
        )
        protocols.append((protocol, partner))
    return home, protocols


def write_file(path: Path, rows: int, home: Any, protocols: list[Any]) -> None:
    from accord.exchanges.tabular import MOBILITY_COLUMNS, write_csv

    generator = random.Random(7)

    def row(n: int) -> dict[str, Any]:
        protocol, partner = generator.choice(protocols)
        flow = generator.choice(("incoming", "outgoing"))
        year = generator.choice(YEARS)
        start = datetime.date(int(year[:4]), 9, 1) + datetime.timedelta(generator.randrange(60))
        sending, receiving = (partner, home) if flow == "incoming" else (home, partner)
        return {
            "first_name": generator.choice(FIRST_NAMES),
            "last_name": generator.choice(LAST_NAMES),
            "person_kind": "student",
            "citizenship": "AZ" if flow == "incoming" else "UA",
            "email": f"person{n}@example.org",
            "mobility_type": generator.choice(("student_studies", "student_traineeship")),
            "flow": flow,
            "sending_institution": sending.erasmus_code or sending.name,
            "receiving_institution": receiving.erasmus_code or receiving.name,
            "agreement": protocol.pk,
            "direction": generator.choice(("Information technology", "Oil and gas production")),
            "academic_year": year,
            "planned_start": start.isoformat(),
            "planned_end": (start + datetime.timedelta(generator.randrange(60, 150))).isoformat(),
            "ects_planned": "30",
            "language": "en",
        }

    write_csv(
        path,
        MOBILITY_COLUMNS,
        (
            [values.get(column, "") for column in MOBILITY_COLUMNS]
            for values in map(row, range(rows))
        ),
    )


def clear() -> None:
    from accord.core.models import AuditEntry
    from accord.exchanges.models import Mobility, Person

    Mobility.objects.all().delete()
    Person.objects.all().delete()
    AuditEntry.objects.filter(object_type__startswith="exchanges.").delete()


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(arguments: argparse.Namespace) -> None:
    from accord.exchanges.importer import import_mobilities
    from accord.exchanges.models import Mobility

    harness.migrate_empty()
    home, protocols = build_world(arguments.partners, arguments.rows)
    harness.print_environment()

    def timed(label: str, action: Callable[[], object]) -> float:
        """Import with ``action`` into a database without mobilities; print and return seconds."""
        clear()
        started = time.perf_counter()
        action()
        seconds = time.perf_counter() - started
        assert Mobility.objects.count() == arguments.rows
        rate = arguments.rows / seconds
        print(f"| {label} | {seconds:.1f} | {rate:,.0f} | {peak_mb():.0f} |", flush=True)
        return seconds

    with tempfile.TemporaryDirectory(prefix="accord-import-") as folder:
        path = Path(folder) / "mobilities.csv"
        write_file(path, arguments.rows, home, protocols)
        print(f"file: {arguments.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB\n")
        print("| importer | seconds | rows/s | peak RSS so far (MB) |")
        print("| --- | ---: | ---: | ---: |", flush=True)
        accord = timed("Accord import-mobilities", lambda: import_mobilities(path, None))
        if arguments.compare:
            import import_export_side

            other = timed("django-import-export", lambda: import_export_side.run(path))
            print(f"\nAccord is {other / accord:.1f} times as fast.")


if __name__ == "__main__":
    harness.main(run, arguments())
