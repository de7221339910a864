"""``accord match``: assigning candidates to advisers from CSV files (``assign``), and scoring the
expertise models on the reviewer-assignment gold standard (``goldstandard``)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.doctoral import assignment, scorefiles

ASSIGN_HELP = (
    "Assign candidates to advisers for the highest total score (exact, not greedy). "
    "Each candidate gets at most one adviser, and only one their pair has a score for; a pair "
    "whose score is zero or less is never assigned. The files are checked first: if any has "
    "problems, every one is listed with its line and column, and nothing is written."
)


class Command(BaseCommand):
    help = (
        "Match PhD candidates with advisers: 'assign' from CSV files of scores, capacities and "
        "partners; 'goldstandard' scores an expertise model on the reviewer-assignment gold "
        "standard. See 'accord match assign --help' and 'accord match goldstandard --help'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        assign = actions.add_parser("assign", help=ASSIGN_HELP, description=ASSIGN_HELP)
        assign.add_argument(
            "--scores",
            type=Path,
            required=True,
            metavar="FILE",
            help="CSV file with the columns candidate,adviser,score: the pairs that may be "
            "assigned.",
        )
        assign.add_argument(
            "--advisers",
            type=Path,
            metavar="FILE",
            help="CSV file with the columns adviser,capacity: how many candidates each takes.",
        )
        assign.add_argument(
            "--capacity",
            type=int,
            metavar="K",
            help="Capacity of the advisers --advisers does not list (give --advisers, --capacity "
            "or both; without --capacity every adviser must be in --advisers).",
        )
        assign.add_argument(
            "--candidates",
            type=Path,
            metavar="FILE",
            help="CSV file with the columns candidate,partner: each candidate's partner "
            "university, empty for none. Every candidate of --scores must be listed; those only "
            "listed here count as unassigned.",
        )
        assign.add_argument(
            "--partner-quota",
            type=int,
            metavar="N",
            help="Assign at most N candidates of each partner (needs --candidates).",
        )
        assign.add_argument(
            "--out",
            type=Path,
            required=True,
            metavar="FILE",
            help="CSV file to write: candidate,adviser,score.",
        )
        gold = actions.add_parser(
            "goldstandard",
            help="Score an expertise model on the gold standard for reviewer assignment "
            "(Stelmakh et al.): loss and easy and hard accuracy, means over its 10 versions.",
        )
        gold.add_argument(
            "--data",
            type=Path,
            required=True,
            metavar="DIR",
            help="The gold standard's data folder.",
        )
        gold.add_argument(
            "--model",
            default="lexical",
            help="Expertise model: lexical (default), semantic or hybrid.",
        )
        gold.add_argument(
            "--out",
            type=Path,
            required=True,
            metavar="FILE",
            help="JSON file to write the predictions to: {version: {participant: {paper: score}}}.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "assign":
            self.assign(options)
        else:
            self.goldstandard(options)

    def assign(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        _check_limits(options)
        try:
            problem = scorefiles.read_problem(
                options["scores"],
                options["advisers"],
                options["candidates"],
                options["capacity"],
                options["partner_quota"],
            )
        except scorefiles.ScoreFilesRefused as refused:
            raise CommandError(refused.listing()) from refused
        solving = time.monotonic()
        result = assignment.solve(problem)
        solved = time.monotonic()
        try:
            scorefiles.write_assignment(options["out"], result.pairs)
        except OSError as error:
            raise CommandError(f"{options['out']}: {error.strerror or error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"assigned {len(result.pairs)} of {len(problem.candidates)} candidates "
                f"({len(result.unassigned)} unassigned); total score {result.total:.6f}"
            )
        )
        self.stdout.write(
            f"Elapsed: {time.monotonic() - started:.1f} s "
            f"(solving: {solved - solving:.1f} s, {result.method} method)"
        )

    def goldstandard(self, options: dict[str, Any]) -> None:
        # Imported here, so that 'assign' does not depend on the expertise models.
        from accord.doctoral.expertise import MODELS, goldstandard, semantic, semantic_available

        started = time.monotonic()
        model = options["model"]
        if model not in MODELS:
            raise CommandError(f"--model: choose one of {', '.join(MODELS)}.")
        if model != "lexical" and not semantic_available():
            raise CommandError(f"The {model} model needs: make semantic, or {semantic.INSTALL}.")
        try:
            benchmark = goldstandard.load(options["data"])
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(
                f"Cannot read the gold standard in {options['data']}: {error}"
            ) from error
        predictions = goldstandard.predict(
            benchmark, model, progress=lambda version: self.stderr.write(f"predicting {version}")
        )
        try:
            options["out"].write_text(json.dumps(predictions), encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{options['out']}: {error.strerror or error}") from error
        metrics = goldstandard.evaluate(benchmark, predictions)
        self.stdout.write(
            self.style.SUCCESS(
                f"{model}: loss {metrics.loss:.3f}, easy {metrics.easy:.3f}, "
                f"hard {metrics.hard:.3f}"
            )
        )
        self.stdout.write(f"Elapsed: {time.monotonic() - started:.1f} s")


def _check_limits(options: dict[str, Any]) -> None:
    """CommandError for capacity and quota options that are missing, negative or without the
    file they need."""
    if options["advisers"] is None and options["capacity"] is None:
        raise CommandError("Give the advisers' capacities: --advisers, --capacity or both.")
    if options["partner_quota"] is not None and options["candidates"] is None:
        raise CommandError("--partner-quota needs --candidates, to know each candidate's partner.")
    for option in ("capacity", "partner_quota"):
        if options[option] is not None and options[option] < 0:
            raise CommandError(f"--{option.replace('_', '-')}: {options[option]} is negative.")
