"""Assigning candidates to advisers (``accord.doctoral.assignment.solve``) on generated scores:
seconds and peak memory of each method, and the optimum checked against a linear program.

    .venv/bin/python bench/assignment.py [--no-lp] [--repeat 3] [--seed 1]

Cases (scores uniform in [0, 1), fixed seed):

- dense: 5,000 candidates × 1,000 advisers, every pair scored, capacity 6 (6,000 places), by
  both methods (``auto`` takes the dense one);
- sparse: 50,000 candidates × 5,000 advisers, 50 advisers scored per candidate (2.5 million
  pairs), capacity 6: 30,000 places for 50,000 candidates, so capacities bind; by the flow (the
  dense method would need a 50,000 × 30,000 matrix, 12 GB);
- sparse, partner quotas: the same, the candidates spread over 100 partners, at most 250
  assigned per partner (25,000 in all); by the flow, the only method that keeps quotas;
- sparse, CSV files: the sparse case through ``accord match assign``'s files: reading
  scores.csv (2.5 million rows), solving and writing the result.

Each run is a process of its own, so that its peak resident memory is its own; the figure
includes the generated scores. ``solve`` runs ``--repeat`` times: the fastest and the median
run are given, as other work on the machine slows some runs down. Each case's total is checked
against its linear program (HiGHS, dual simplex), whose optimum is the assignment's since the
constraint matrix is totally unimodular; the two methods are checked against each other. The
LPs take minutes (the dense one about three, and 4 GB); ``--no-lp`` skips them.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from multiprocessing import get_context
from pathlib import Path

import harness
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import linprog

from accord.doctoral import scorefiles
from accord.doctoral.assignment import Method, Problem, ScoreArrays, solve

CAPACITY = 6
SPARSE_PER_CANDIDATE = 50
PARTNERS, PARTNER_QUOTA = 100, 250
TOLERANCE = 1e-6  # relative, between the solver's total and a check's


@dataclass(frozen=True)
class Scores:
    candidates: int
    advisers: int
    candidate: npt.NDArray[np.int64]
    adviser: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    partner: npt.NDArray[np.int64] | None = None


@dataclass(frozen=True)
class Outcome:
    case: str
    detail: str
    assigned: int
    total: float
    seconds: list[float]
    rss_before_mb: float
    peak_mb: float
    checks: list[tuple[str, float, float]]  # method, total, seconds


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-lp", action="store_true", help="skip the linear programs (minutes)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of solve per case")
    parsed = parser.parse_args()
    if parsed.repeat < 1:
        parser.error("--repeat: at least 1")
    return parsed


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Generated scores


def dense(seed: int) -> Scores:
    candidates, advisers = 5_000, 1_000
    matrix = np.random.default_rng(seed).random((candidates, advisers))
    candidate, adviser = np.divmod(np.arange(matrix.size, dtype=np.int64), advisers)
    return Scores(candidates, advisers, candidate, adviser, matrix.ravel())


def sparse(seed: int, partners: bool = False) -> Scores:
    candidates, advisers = 50_000, 5_000
    generator = np.random.default_rng(seed)
    adviser = np.concatenate(
        [generator.choice(advisers, SPARSE_PER_CANDIDATE, replace=False) for _ in range(candidates)]
    ).astype(np.int64)
    candidate = np.repeat(np.arange(candidates, dtype=np.int64), SPARSE_PER_CANDIDATE)
    score = generator.random(adviser.size)
    partner = generator.integers(0, PARTNERS, candidates) if partners else None
    return Scores(candidates, advisers, candidate, adviser, score, partner)


CASES: dict[str, Callable[[int], Scores]] = {
    "dense": dense,
    "sparse": sparse,
    "sparse, partner quotas": partial(sparse, partners=True),
}
# (case, method), each case checked against its LP on its first run
RUNS: list[tuple[str, Method]] = [
    ("dense", "dense"),
    ("dense", "flow"),
    ("sparse", "flow"),
    ("sparse, partner quotas", "flow"),
]


def problem_of(scores: Scores) -> Problem:
    partner_of = None if scores.partner is None else scores.partner.tolist()
    return Problem(
        candidates=range(scores.candidates),
        advisers=range(scores.advisers),
        scores=ScoreArrays(scores.candidate, scores.adviser, scores.score),
        capacity=CAPACITY,
        partner_of=partner_of,
        partner_quota=None if partner_of is None else PARTNER_QUOTA,
    )


# Checks


def by_linear_program(scores: Scores) -> float:
    """The LP optimum: at most one adviser per candidate, CAPACITY per adviser, and the quota
    per partner when there are partners."""
    pairs = np.arange(scores.score.size)
    ones = np.ones(scores.score.size)

    def rows(of: npt.NDArray[np.int64], count: int) -> sp.csr_matrix:
        return sp.csr_matrix((ones, (of, pairs)), shape=(count, scores.score.size))

    blocks = [rows(scores.candidate, scores.candidates), rows(scores.adviser, scores.advisers)]
    limits = [np.ones(scores.candidates), np.full(scores.advisers, CAPACITY)]
    if scores.partner is not None:
        blocks.append(rows(scores.partner[scores.candidate], PARTNERS))
        limits.append(np.full(PARTNERS, PARTNER_QUOTA))
    result = linprog(
        -scores.score,
        A_ub=sp.vstack(blocks).tocsr(),
        b_ub=np.concatenate(limits),
        bounds=(0, 1),
        method="highs-ds",
    )
    if result.status != 0:
        raise RuntimeError(f"The linear program failed: {result.message}")
    return float(-result.fun)


def timed_check(scores: Scores) -> tuple[str, float, float]:
    started = time.perf_counter()
    total = by_linear_program(scores)
    return "LP, HiGHS dual simplex", total, time.perf_counter() - started


# Cases, each in a process of its own


def run_case(case: str, method: Method, seed: int, lp: bool, repeat: int) -> Outcome:
    scores = CASES[case](seed)
    problem = problem_of(scores)
    before = peak_mb()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = solve(problem, method)
        seconds.append(time.perf_counter() - started)
    peak = peak_mb()
    return Outcome(
        case,
        f"{scores.candidates:,} × {scores.advisers:,}, {scores.score.size:,} pairs; {method}",
        len(result.pairs),
        result.total,
        seconds,
        before,
        peak,
        [timed_check(scores)] if lp else [],
    )


def run_files(seed: int) -> Outcome:
    """The sparse case through the command's files: scores.csv read, solved, result written."""
    scores = sparse(seed)
    with tempfile.TemporaryDirectory(prefix="accord-assignment-") as folder:
        path, out = Path(folder) / "scores.csv", Path(folder) / "out.csv"
        write_scores(path, scores)
        before = peak_mb()
        started = time.perf_counter()
        problem = scorefiles.read_problem(path, capacity=CAPACITY)
        read = time.perf_counter()
        result = solve(problem)
        solved = time.perf_counter()
        scorefiles.write_assignment(out, result.pairs)
        seconds = [time.perf_counter() - started]
    return Outcome(
        "sparse, CSV files",
        f"read {read - started:.1f} s, solve {solved - read:.1f} s, then written",
        len(result.pairs),
        result.total,
        seconds,
        before,
        peak_mb(),
        [],
    )


def write_scores(path: Path, scores: Scores) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("candidate,adviser,score\n")
        for candidate, adviser, score in zip(
            scores.candidate.tolist(), scores.adviser.tolist(), scores.score.tolist(), strict=True
        ):
            handle.write(f"c{candidate},a{adviser},{score!r}\n")


def in_own_process(action: Callable[..., Outcome], *args: object) -> Outcome:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(action, *args).result()


# Report


def print_outcome(outcome: Outcome) -> None:
    print(
        f"| {outcome.case} | {outcome.detail} | {outcome.assigned:,} | {outcome.total:.6f} "
        f"| {min(outcome.seconds):.2f} / {statistics.median(outcome.seconds):.2f} "
        f"| {outcome.rss_before_mb:,.0f} → {outcome.peak_mb:,.0f} |",
        flush=True,
    )
    for method, total, seconds in outcome.checks:
        print_check(f"{method}, {seconds:.1f} s", total, outcome.total)


def print_check(label: str, reference: float, total: float) -> None:
    difference = abs(total - reference) / abs(reference)
    verdict = "agrees" if difference <= TOLERANCE else "DISAGREES"
    print(
        f"|   check: {label} | | | {reference:.6f} | relative difference {difference:.1e}: "
        f"{verdict} | |",
        flush=True,
    )


def print_load(when: str) -> None:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{'load':>12}: {load} (1, 5, 15 min, {when})")


def run(arguments: argparse.Namespace) -> None:
    harness.print_environment()
    for package in ("numpy", "scipy", "ortools"):
        print(f"{package:>12}: {version(package)}")
    print_load("before the run")
    print(
        "\n| case | size | assigned | total score | solve s, fastest / median "
        "| peak RSS MB (before solve → peak) |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: |", flush=True)
    first: dict[str, tuple[Method, float]] = {}  # each case's first method and total
    for case, method in RUNS:
        lp = not arguments.no_lp and case not in first
        outcome = in_own_process(run_case, case, method, arguments.seed, lp, arguments.repeat)
        print_outcome(outcome)
        other, total = first.setdefault(case, (method, outcome.total))
        if other != method:
            print_check(f"the {other} method", total, outcome.total)
    print_outcome(in_own_process(run_files, arguments.seed))
    print()
    print_load("after the run")


if __name__ == "__main__":
    harness.main(run, arguments())
