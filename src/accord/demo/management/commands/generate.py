"""``accord generate``: fill the database with synthetic institutions and agreements for
benchmarks."""

import time
from argparse import ArgumentParser
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accord.demo import generate

DEFAULT_INSTITUTIONS = 10_000


class Command(BaseCommand):
    help = (
        "Create synthetic institutions (names in two languages, acronyms, domains, units, "
        "offered fields) and, with --agreements, agreements between them and the home "
        "university (parties, directions, quotas) for benchmarks. This is bench data, not "
        "records: it is written in bulk without audit entries. Refuses to run when generated "
        "institutions (or, with --agreements, generated agreements) exist, unless --append."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--institutions",
            type=int,
            help=f"How many institutions ({DEFAULT_INSTITUTIONS}; none if only --agreements "
            "is given).",
        )
        parser.add_argument(
            "--agreements",
            type=int,
            default=0,
            help="How many agreements to make among the generated institutions and the home "
            "university, after the institutions (0). A home university is generated if there "
            "is none.",
        )
        parser.add_argument(
            "--units-per-institution",
            type=int,
            default=4,
            help=f"Units in each institution's tree, 0 to {generate.MAX_UNITS_PER_INSTITUTION} (4).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed gives the same data (1)."
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="Add to the institutions and agreements generated before instead of refusing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        institutions, agreements = options["institutions"], options["agreements"]
        if institutions is None:
            institutions = 0 if agreements else DEFAULT_INSTITUTIONS
        if institutions < 0 or agreements < 0:
            raise CommandError("--institutions and --agreements cannot be negative.")
        existing = generate.generated_institutions().count()
        if institutions and existing and not options["append"]:
            raise CommandError(
                f"The database already has {existing} generated institutions. "
                "Pass --append to add more, or start from an empty database."
            )
        existing = generate.generated_agreements().count()
        if agreements and existing and not options["append"]:
            raise CommandError(
                f"The database already has {existing} generated agreements. "
                "Pass --append to add more, or start from an empty database."
            )
        started = time.perf_counter()
        try:
            with transaction.atomic():
                counts: Counter[str] = Counter()
                if institutions:
                    counts = generate.generate_registry(
                        institutions,
                        units_per_institution=options["units_per_institution"],
                        seed=options["seed"],
                    )
                if agreements:
                    counts.update(generate.generate_agreements(agreements, seed=options["seed"]))
        except ValueError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Generated in {elapsed:.1f} s (no audit entries):"))
        for name, number in counts.items():
            self.stdout.write(f"  {number:>8} {name}")
