"""``accord generate``: fill the registry with synthetic institutions for benchmarks."""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.demo import generate


class Command(BaseCommand):
    help = (
        "Create synthetic institutions (names in two languages, acronyms, domains, units, "
        "offered fields) for benchmarks. This is bench data, not records: it is written in "
        "bulk without audit entries. Refuses to run when generated institutions exist, "
        "unless --append."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--institutions", type=int, default=10_000, help="How many (10000).")
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
            help="Add to the institutions generated before instead of refusing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["institutions"] < 0:
            raise CommandError("--institutions cannot be negative.")
        existing = generate.generated_institutions().count()
        if existing and not options["append"]:
            raise CommandError(
                f"The database already has {existing} generated institutions. "
                "Pass --append to add more, or start from an empty database."
            )
        started = time.perf_counter()
        try:
            counts = generate.generate_registry(
                options["institutions"],
                units_per_institution=options["units_per_institution"],
                seed=options["seed"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Generated in {elapsed:.1f} s (no audit entries):"))
        for name, number in counts.items():
            self.stdout.write(f"  {number:>8} {name}")
