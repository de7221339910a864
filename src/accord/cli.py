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
    if len(args) > 1 and not args[1].startswith("-"):
        name = args[1]
        args[1] = ALIASES.get(name, name.replace("-", "_"))
    args[0] = "accord"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
