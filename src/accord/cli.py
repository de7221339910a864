"""The ``accord`` command: Django's management commands under friendlier names.

``accord demo``, ``accord serve``, ``accord import-institutions FILE`` and every other
management command; dashes in a command name may stand for underscores.
"""

import os
import sys

ALIASES = {"serve": "runserver"}


def main(argv: list[str] | None = None) -> None:
    """Run a management command named on the command line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    # The command's name, and after "help" the name of the command to explain.
    positions = [1, 2] if args[1:2] == ["help"] else [1]
    for position in positions:
        if len(args) > position and not args[position].startswith("-"):
            name = args[position]
            args[position] = ALIASES.get(name, name.replace("-", "_"))
    args[0] = "accord"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
