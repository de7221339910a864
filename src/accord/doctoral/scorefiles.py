"""The CSV files of ``accord match assign``: reading them into an assignment problem, and
writing the assignment.

Each file is UTF-8 with a header row naming its columns, in any order (other columns are
ignored):

- scores: ``candidate,adviser,score``, one row per pair that may be assigned;
- advisers: ``adviser,capacity``, how many candidates an adviser takes at most;
- candidates: ``candidate,partner``, each candidate's partner university (empty for none).

Every problem is reported with its file, line and column, and reading goes on past it, so that
one run lists them all (the first :data:`MAX_PROBLEMS_KEPT`, and how many there are).
"""

from __future__ import annotations

import csv
import math
from array import array
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from accord.doctoral.assignment import Problem, ScoreArrays

MAX_PROBLEMS_KEPT = 1000
SCORE_COLUMNS = ("candidate", "adviser", "score")
ADVISER_COLUMNS = ("adviser", "capacity")
CANDIDATE_COLUMNS = ("candidate", "partner")


@dataclass(frozen=True)
class FileProblem:
    """What is wrong where: a file, and within it a line and a column when they are known."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        place = self.file
        if self.line is not None:
            place += f" line {self.line}"
        if self.column is not None:
            place += f", column {self.column}"
        return f"{place}: {self.message}"


class ScoreFilesRefused(Exception):
    """The files have problems. ``problems`` keeps the first thousand, ``total`` counts all."""

    def __init__(self, problems: list[FileProblem], total: int) -> None:
        self.problems, self.total = problems, total
        super().__init__(self.listing())

    def listing(self) -> str:
        """The summary and the problems kept, one per line."""
        noun = "problem" if self.total == 1 else "problems"
        lines = [f"Nothing was assigned: {self.total} {noun}."]
        lines += [str(problem) for problem in self.problems]
        if self.total > len(self.problems):
            lines.append(f"… and {self.total - len(self.problems)} more.")
        return "\n".join(lines)


@dataclass
class _Problems:
    """The problems found so far: the first MAX_PROBLEMS_KEPT, and how many in all."""

    kept: list[FileProblem] = field(default_factory=list)
    total: int = 0

    def add(
        self, file: str, message: str, line: int | None = None, column: str | None = None
    ) -> None:
        self.total += 1
        if len(self.kept) < MAX_PROBLEMS_KEPT:
            self.kept.append(FileProblem(file, message, line, column))


@dataclass
class _Scores:
    """The scores file as read: names in order of first appearance, and per row the positions
    of its candidate and adviser, its score and its line."""

    candidates: dict[str, int] = field(default_factory=dict)
    advisers: dict[str, int] = field(default_factory=dict)
    candidate: array[int] = field(default_factory=lambda: array("q"))
    adviser: array[int] = field(default_factory=lambda: array("q"))
    score: array[float] = field(default_factory=lambda: array("d"))
    line: array[int] = field(default_factory=lambda: array("q"))


def read_problem(
    scores: Path,
    advisers: Path | None = None,
    candidates: Path | None = None,
    capacity: int | None = None,
    partner_quota: int | None = None,
) -> Problem[str, str]:
    """The assignment problem the files describe. An adviser the advisers file does not list
    takes ``capacity`` candidates (without it, every adviser must be listed); with a candidates
    file, every candidate must be in it, and those it alone lists are unassigned candidates.
    ScoreFilesRefused lists every problem found."""
    problems = _Problems()
    table = _read_scores(scores, problems)
    capacities, listed = _read_advisers(advisers, problems) if advisers else ({}, set())
    partners = _read_candidates(candidates, problems) if candidates else {}
    if capacity is None:
        listing = advisers.name if advisers else "an advisers file"
        unlisted = f"%(name)s is not in {listing}, and there is no default capacity"
        _check_listed(table, "adviser", listed, unlisted, scores.name, problems)
    if candidates:
        unlisted = f"%(name)s is not in {candidates.name}"
        _check_listed(table, "candidate", partners, unlisted, scores.name, problems)
    if problems.total:
        raise ScoreFilesRefused(problems.kept, problems.total)
    default = 0 if capacity is None else capacity  # without one, every adviser is listed
    candidate_names = _all_names(table.candidates, partners)
    adviser_names = _all_names(table.advisers, capacities)
    return Problem(
        candidates=candidate_names,
        advisers=adviser_names,
        scores=ScoreArrays(
            np.frombuffer(table.candidate, dtype=np.int64),
            np.frombuffer(table.adviser, dtype=np.int64),
            np.frombuffer(table.score, dtype=np.float64),
        ),
        capacity=[capacities.get(name, default) for name in adviser_names],
        partner_of=[partners.get(name) for name in candidate_names] if candidates else None,
        partner_quota=partner_quota,
    )


def write_assignment(path: Path, pairs: Sequence[tuple[object, object, float]]) -> None:
    """The pairs as CSV, ``candidate,adviser,score``; scores written to their full precision."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SCORE_COLUMNS)
        writer.writerows((candidate, adviser, repr(score)) for candidate, adviser, score in pairs)


# Reading


def _rows(
    path: Path, columns: Sequence[str], problems: _Problems
) -> Iterator[tuple[int, list[str]]]:
    """(line, values of ``columns``) for each row with any value; a file that cannot be read
    or lacks a column is a problem, and yields nothing (more)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                problems.add(path.name, "the file is empty")
                return
            names = [name.strip().lower() for name in header]
            missing = [column for column in columns if column not in names]
            if missing:
                problems.add(path.name, f"missing columns: {', '.join(missing)}", line=1)
                return
            at = [names.index(column) for column in columns]
            width = len(names)
            for line, row in enumerate(reader, start=2):
                if any(row):
                    if len(row) < width:
                        row += [""] * (width - len(row))
                    yield line, [row[i].strip() for i in at]
    except UnicodeDecodeError:
        problems.add(path.name, "not UTF-8 text; save the file as CSV UTF-8")
    except csv.Error as error:
        problems.add(path.name, str(error))
    except OSError as error:
        problems.add(path.name, error.strerror or str(error))


def _read_scores(path: Path, problems: _Problems) -> _Scores:
    table, file = _Scores(), path.name
    candidates, advisers = table.candidates, table.advisers
    for line, (candidate, adviser, text) in _rows(path, SCORE_COLUMNS, problems):
        score = _number(text, file, line, problems)
        if not candidate:
            problems.add(file, "empty", line, "candidate")
        if not adviser:
            problems.add(file, "empty", line, "adviser")
        if candidate and adviser and score is not None:
            table.candidate.append(candidates.setdefault(candidate, len(candidates)))
            table.adviser.append(advisers.setdefault(adviser, len(advisers)))
            table.score.append(score)
            table.line.append(line)
    if not table.line and not problems.total:
        problems.add(file, "no scores after the header")
    _check_repeated_pairs(table, file, problems)
    return table


def _number(text: str, file: str, line: int, problems: _Problems) -> float | None:
    try:
        number = float(text)
    except ValueError:
        problems.add(file, f"{text!r} is not a number", line, "score")
        return None
    if not math.isfinite(number):
        problems.add(file, f"{text!r} is not a finite number", line, "score")
        return None
    return number


def _check_repeated_pairs(table: _Scores, file: str, problems: _Problems) -> None:
    """A problem for each row scoring a pair that an earlier row scored."""
    keys = _pair_keys(table)
    ordered = np.sort(keys)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not repeated.size:
        return
    candidates, advisers = list(table.candidates), list(table.advisers)
    first_lines: dict[int, int] = {}
    for row in np.flatnonzero(np.isin(keys, repeated)).tolist():
        line = first_lines.setdefault(int(keys[row]), table.line[row])
        if line != table.line[row]:
            problems.add(
                file,
                f"candidate {candidates[table.candidate[row]]!r} and adviser "
                f"{advisers[table.adviser[row]]!r} already have a score on line {line}",
                table.line[row],
            )


def _pair_keys(table: _Scores) -> npt.NDArray[np.int64]:
    """One integer per row, the same for rows of the same candidate and adviser."""
    candidate = np.frombuffer(table.candidate, dtype=np.int64)
    return candidate * len(table.advisers) + np.frombuffer(table.adviser, dtype=np.int64)


def _read_advisers(path: Path, problems: _Problems) -> tuple[dict[str, int], set[str]]:
    """Each adviser's capacity, and the advisers listed (with a valid capacity or not)."""
    capacities: dict[str, int] = {}
    lines: dict[str, int] = {}
    for line, (adviser, text) in _rows(path, ADVISER_COLUMNS, problems):
        capacity = _capacity(text, path.name, line, problems)
        if not adviser:
            problems.add(path.name, "empty", line, "adviser")
        elif adviser in lines:
            problems.add(
                path.name, f"{adviser!r} is already on line {lines[adviser]}", line, "adviser"
            )
        elif capacity is not None:
            capacities[adviser] = capacity
        lines.setdefault(adviser, line)
    return capacities, set(lines)


def _capacity(text: str, file: str, line: int, problems: _Problems) -> int | None:
    try:
        capacity = int(text)
    except ValueError:
        problems.add(file, f"{text!r} is not a whole number", line, "capacity")
        return None
    if capacity < 0:
        problems.add(file, f"{text!r} is negative", line, "capacity")
        return None
    return capacity


def _read_candidates(path: Path, problems: _Problems) -> dict[str, str | None]:
    partners: dict[str, str | None] = {}
    lines: dict[str, int] = {}
    for line, (candidate, partner) in _rows(path, CANDIDATE_COLUMNS, problems):
        if not candidate:
            problems.add(path.name, "empty", line, "candidate")
        elif candidate in lines:
            problems.add(
                path.name, f"{candidate!r} is already on line {lines[candidate]}", line, "candidate"
            )
        else:
            partners[candidate] = partner or None
            lines[candidate] = line
    return partners


def _check_listed(
    table: _Scores,
    column: str,
    listed: Collection[str],
    message: str,
    file: str,
    problems: _Problems,
) -> None:
    """A problem, ``message``, for each name in the scores' ``column`` that ``listed`` leaves
    out, on the first line that gives it."""
    names = table.candidates if column == "candidate" else table.advisers
    missing = [(name, position) for name, position in names.items() if name not in listed]
    if not missing:
        return
    positions = table.candidate if column == "candidate" else table.adviser
    _, first_rows = np.unique(np.frombuffer(positions, dtype=np.int64), return_index=True)
    for name, position in missing:
        problems.add(file, message % {"name": repr(name)}, table.line[first_rows[position]], column)


def _all_names(seen: dict[str, int], listed: Mapping[str, object]) -> list[str]:
    """The names the scores give, then those only the other file lists."""
    return [*seen, *(name for name in listed if name not in seen)]
