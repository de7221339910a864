"""``accord import-institutions FILE [FILE ...]``: load the Hipo university list and ROR dumps."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accord.core.commands import actor_from, add_actor_option
from accord.institutions import importers


class Command(BaseCommand):
    help = (
        "Import institutions from the Hipo world university list and ROR data dumps "
        "(schema v2 or v1). Every file is checked first; one bad record imports nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="JSON file to import.")
        add_actor_option(parser, "User the audit log names (default: system).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        actor = actor_from(options)
        try:
            sources = importers.read_files(options["files"])
        except importers.InvalidImportData as exc:
            raise CommandError(str(exc)) from exc
        show_progress = not options["no_progress"] and sys.stderr.isatty()
        total = sum(len(source.candidates) for source in sources)
        with tqdm(total=total, file=sys.stderr, disable=not show_progress, unit="record") as bar:
            report = importers.import_sources(
                sources, actor, progress=bar.update, stage=bar.set_description_str
            )
        for file in report.files:
            self.stdout.write(
                f"{file.label} ({file.format}): {file.records} records: created {file.created}, "
                f"duplicates merged {file.merged}, updated {file.updated}, "
                f"unchanged {file.unchanged}, skipped {file.withdrawn} (withdrawn)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"created {report.created}, updated {report.updated}, "
                f"unchanged {report.unchanged}, skipped {report.skipped} (withdrawn ROR records)"
            )
        )
        self.stdout.write(f"Elapsed: {time.monotonic() - started:.1f} s")
