"""``accord import-mobilities FILE``: people and mobilities from a CSV or XLSX file."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accord.core.commands import actor_from, add_actor_option
from accord.exchanges import importer
from accord.exchanges.tabular import MOBILITY_COLUMNS, UnreadableFile


class Command(BaseCommand):
    help = (
        "Import people and mobilities from a CSV (UTF-8) or XLSX file whose first row names "
        f"the columns ({', '.join(MOBILITY_COLUMNS)}). Every row is checked first; one bad row "
        "imports nothing, and every problem is listed with its line and column."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="CSV or XLSX file.")
        add_actor_option(
            parser, "Import as this user, with their rights (default: the system, for every side)."
        )
        parser.add_argument("--check", action="store_true", help="Check the file; write nothing.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        actor = actor_from(options)
        show = not options["no_progress"] and sys.stderr.isatty()
        with tqdm(file=sys.stderr, disable=not show, unit="row") as bar:

            def progress(stage: str, done: int, total: int) -> None:
                bar.set_description_str(stage)
                bar.total = total
                bar.n = done
                bar.refresh()

            job = importer.MobilityImport(actor, progress)
            try:
                job.check(options["file"])
                report = None if options["check"] else job.write(options["file"])
            except importer.ImportRefused as refused:
                raise CommandError(refused.listing()) from refused
            except (UnreadableFile, OSError) as error:
                raise CommandError(str(error)) from error
        if report is None:
            self.stdout.write(self.style.SUCCESS("Every row passed; nothing written (--check)."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"mobilities imported: {report.mobilities_created}; people registered: "
                    f"{report.people_created}, already known: {report.people_found}; "
                    f"quota overrides: {report.overrides}"
                )
            )
        self.stdout.write(f"Elapsed: {time.monotonic() - started:.1f} s")
