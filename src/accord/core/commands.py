"""What the import commands share: acting as a named user, for the audit log and for rights."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser


def add_actor_option(parser: CommandParser, help_text: str) -> None:
    parser.add_argument("--actor", metavar="USERNAME", help=help_text)


def actor_from(options: dict[str, Any]) -> Any:
    """The user ``--actor`` names, or None (the system) when it is not given."""
    if not options["actor"]:
        return None
    actor = get_user_model().objects.filter(username=options["actor"]).first()
    if actor is None:
        raise CommandError(f"No user named {options['actor']!r}.")
    return actor
