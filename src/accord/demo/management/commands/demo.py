"""``accord demo``: load the founding story and print the demo accounts."""

from typing import Any

from django.core.management.base import BaseCommand

from accord.demo import story


class Command(BaseCommand):
    help = "Load the demo story (KhPI and its Azerbaijani partners) and print the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = story.load()
        self.stdout.write(
            self.style.SUCCESS(f"Demo story loaded. Accounts (password: {story.DEMO_PASSWORD}):")
        )
        for username, role, institution in accounts:
            self.stdout.write(f"  {username:<12} {role:<32} {institution}")
        self.stdout.write("Open http://127.0.0.1:8000/ and log in with one of them.")
