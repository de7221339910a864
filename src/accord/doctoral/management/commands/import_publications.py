"""``accord import-publications FILE``: advisers' publications from a CSV, XLSX or JSON file."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.commands import actor_from, add_actor_option
from accord.doctoral import publications


class Command(BaseCommand):
    help = (
        "Import publications from a CSV (UTF-8; comma, semicolon or tab), XLSX or JSON file. "
        "A table's first row names the columns, JSON gives a list of objects: title, abstract, "
        "year, doi, and adviser (their ORCID iD or e-mail) unless --adviser names them for the "
        "whole file. Every row is checked first; one bad row imports nothing, and every "
        "problem is listed with its line and column."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="CSV, XLSX or JSON file.")
        parser.add_argument(
            "--adviser",
            metavar="ORCID|EMAIL|ID",
            help="The adviser every publication of the file is for (no adviser column needed).",
        )
        add_actor_option(
            parser,
            "Import as this user, with their rights (default: the system, for every adviser).",
        )
        parser.add_argument("--check", action="store_true", help="Check the file; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = actor_from(options)
        adviser = None
        if options["adviser"]:
            try:
                adviser = publications.find_adviser(options["adviser"])
            except LookupError as error:
                raise CommandError(str(error)) from error
        run = (
            publications.check_publications
            if options["check"]
            else publications.import_publications
        )
        try:
            count = run(actor, options["file"], adviser)
        except publications.PublicationsRefused as refused:
            raise CommandError(refused.listing()) from refused
        except (PermissionDenied, OSError) as error:
            raise CommandError(str(error)) from error
        if options["check"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Every row passed: {count} publications to import; nothing written (--check)."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Publications imported: {count}"))
