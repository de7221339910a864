"""``accord demo``: load the founding story and print the demo accounts."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.demo import story


class Command(BaseCommand):
    help = "Load the demo story (KhPI and its Azerbaijani partners) and print the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the story even though the database has users of its own.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The story creates accounts with a published password: keep it out of real databases.
        others = story.foreign_users()
        if others and not options["force"]:
            raise CommandError(
                f"This database has users of its own ({', '.join(others)}...); the demo story "
                "creates accounts with a published password. Use --force to load it anyway."
            )
        loaded = story.load()
        self.stdout.write(
            self.style.SUCCESS(f"Demo story loaded. Accounts (password: {story.DEMO_PASSWORD}):")
        )
        for username, role, institution in loaded.accounts:
            self.stdout.write(f"  {username:<12} {role:<32} {institution}")
        if loaded.refused_nomination:
            self.stdout.write(
                f"In the story, a nomination beyond the quota was refused: "
                f"{loaded.refused_nomination}"
            )
        self.stdout.write("Open http://127.0.0.1:8000/ and log in with one of them.")
