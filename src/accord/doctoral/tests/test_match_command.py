"""``accord match assign``: CSV files in, the optimal assignment out, and every problem of the
files listed with its line and column, with nothing written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SCORES = """candidate,adviser,score
c1,a1,10
c1,a2,9
c2,a1,9
c2,a2,1
c3,a2,0.5
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def assign(*arguments: str | Path) -> str:
    """Run ``match assign`` with ``arguments``; what it printed."""
    out = io.StringIO()
    call_command("match", "assign", *(str(argument) for argument in arguments), stdout=out)
    return out.getvalue()


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def refusal(tmp_path: Path, *arguments: str | Path) -> str:
    """The CommandError of a run that must write nothing."""
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError) as refused:
        assign(*arguments, "--out", out)
    assert not out.exists()
    return str(refused.value)


def test_writes_the_optimal_assignment_and_prints_the_total(tmp_path: Path) -> None:
    scores = write(tmp_path, "scores.csv", SCORES)
    out = tmp_path / "out.csv"
    printed = assign("--scores", scores, "--capacity", "1", "--out", out)
    assert rows(out) == [
        ["candidate", "adviser", "score"],
        ["c1", "a2", "9.0"],
        ["c2", "a1", "9.0"],
    ]
    assert "assigned 2 of 3 candidates (1 unassigned); total score 18.000000" in printed
    assert "Elapsed:" in printed


def test_capacities_from_the_advisers_file_and_the_default(tmp_path: Path) -> None:
    scores = write(tmp_path, "scores.csv", SCORES)
    advisers = write(tmp_path, "advisers.csv", "adviser,capacity\na1,2\na9,4\n")
    out = tmp_path / "out.csv"
    printed = assign("--scores", scores, "--advisers", advisers, "--capacity", "1", "--out", out)
    assert rows(out)[1:] == [["c1", "a1", "10.0"], ["c2", "a1", "9.0"], ["c3", "a2", "0.5"]]
    assert "total score 19.500000" in printed


def test_partner_quota_limits_each_partner(tmp_path: Path) -> None:
    scores = write(tmp_path, "scores.csv", SCORES)
    candidates = write(
        tmp_path, "candidates.csv", "candidate,partner\nc1,Baku\nc2,Baku\nc3,\nc4,Krakow\n"
    )
    out = tmp_path / "out.csv"
    printed = assign(
        "--scores", scores, "--candidates", candidates, "--capacity", "5",
        "--partner-quota", "1", "--out", out,
    )  # fmt: skip
    assert rows(out)[1:] == [["c1", "a1", "10.0"], ["c3", "a2", "0.5"]]
    assert "assigned 2 of 4 candidates (2 unassigned)" in printed


def test_every_problem_of_the_scores_file_is_listed_by_line_and_column(tmp_path: Path) -> None:
    scores = write(
        tmp_path,
        "scores.csv",
        "candidate,adviser,score\nc1,a1,0.5\nc1,a2,abc\n,a1,1\nc1,a1,0.7\nc2,a1,nan\n",
    )
    message = refusal(tmp_path, "--scores", scores, "--capacity", "1")
    assert message.splitlines() == [
        "Nothing was assigned: 4 problems.",
        "scores.csv line 3, column score: 'abc' is not a number",
        "scores.csv line 4, column candidate: empty",
        "scores.csv line 6, column score: 'nan' is not a finite number",
        "scores.csv line 5: candidate 'c1' and adviser 'a1' already have a score on line 2",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "scores.csv: the file is empty"),
        ("candidate,adviser,score\n", "scores.csv: no scores after the header"),
        ("candidate,score\nc1,1\n", "scores.csv line 1: missing columns: adviser"),
    ],
)
def test_a_scores_file_without_scores_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    scores = write(tmp_path, "scores.csv", text)
    assert problem in refusal(tmp_path, "--scores", scores, "--capacity", "1")


def test_problems_of_the_advisers_and_candidates_files(tmp_path: Path) -> None:
    scores = write(tmp_path, "scores.csv", SCORES)
    advisers = write(tmp_path, "advisers.csv", "capacity,adviser\n-1,a1\ntwo,a3\n3,a1\n")
    candidates = write(tmp_path, "candidates.csv", "candidate,partner\nc1,Baku\nc1,Krakow\n")
    message = refusal(
        tmp_path, "--scores", scores, "--advisers", advisers, "--candidates", candidates
    )
    assert message.splitlines()[1:] == [
        "advisers.csv line 2, column capacity: '-1' is negative",
        "advisers.csv line 3, column capacity: 'two' is not a whole number",
        "advisers.csv line 4, column adviser: 'a1' is already on line 2",
        "candidates.csv line 3, column candidate: 'c1' is already on line 2",
        "scores.csv line 3, column adviser: 'a2' is not in advisers.csv, and there is no "
        "default capacity",
        "scores.csv line 4, column candidate: 'c2' is not in candidates.csv",
        "scores.csv line 6, column candidate: 'c3' is not in candidates.csv",
    ]


def test_only_the_first_thousand_problems_are_listed(tmp_path: Path) -> None:
    bad_rows = "".join(f"c{n},a1,x\n" for n in range(1500))
    scores = write(tmp_path, "scores.csv", "candidate,adviser,score\n" + bad_rows)
    lines = refusal(tmp_path, "--scores", scores, "--capacity", "1").splitlines()
    assert lines[0] == "Nothing was assigned: 1500 problems."
    assert len(lines) == 1 + 1000 + 1
    assert lines[-1] == "… and 500 more."


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    message = refusal(tmp_path, "--scores", tmp_path / "nowhere.csv", "--capacity", "1")
    assert "nowhere.csv: No such file or directory" in message


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "Give the advisers' capacities: --advisers, --capacity or both."),
        (("--capacity", "-1"), "--capacity: -1 is negative."),
        (("--capacity", "1", "--partner-quota", "2"), "--partner-quota needs --candidates"),
    ],
)
def test_options_that_do_not_fit_are_refused(
    tmp_path: Path, arguments: tuple[str, ...], message: str
) -> None:
    scores = write(tmp_path, "scores.csv", SCORES)
    assert message in refusal(tmp_path, "--scores", scores, *arguments)
