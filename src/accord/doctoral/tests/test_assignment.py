"""The assignment solver: optimal totals against an independent integer program (HiGHS), limits
never exceeded, conflicts and forced pairs, and refusals that name what is wrong."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from accord.doctoral.assignment import (
    Assignment,
    AssignmentError,
    Method,
    Problem,
    ScoreArrays,
    solve,
)

UNSCORED = math.nan


def matrix_problem(
    scores: list[list[float]], capacity: npt.ArrayLike = 1, **limits: Any
) -> Problem[str, str]:
    """Candidates c0, c1, … and advisers a0, a1, … scored by a matrix (NaN: unscored)."""
    rows, columns = np.shape(scores)
    return Problem(
        candidates=[f"c{i}" for i in range(rows)],
        advisers=[f"a{j}" for j in range(columns)],
        scores=ScoreArrays.from_matrix(scores),
        capacity=capacity,
        **limits,
    )


def chosen(result: Assignment[str, str]) -> set[tuple[str, str]]:
    return {(candidate, adviser) for candidate, adviser, _ in result.pairs}


def reference_total(problem: Problem[str, str]) -> float:
    """The optimum as an integer program solved by HiGHS, built from the problem directly."""
    assert isinstance(problem.scores, ScoreArrays)
    candidate = np.asarray(problem.scores.candidate)
    adviser = np.asarray(problem.scores.adviser)
    score = np.asarray(problem.scores.score, dtype=float)
    if not score.size:
        return 0.0
    names = [
        (problem.candidates[c], problem.advisers[a])
        for c, a in zip(candidate, adviser, strict=True)
    ]
    allowed = np.array([pair not in problem.conflicts for pair in names], dtype=bool)
    lower = np.array([pair in problem.forced for pair in names], dtype=float)
    rows = [candidate == c for c in range(len(problem.candidates))]
    bounds = [1] * len(rows)
    capacity = np.broadcast_to(np.asarray(problem.capacity), (len(problem.advisers),))
    for a, places in enumerate(capacity):
        rows.append(adviser == a)
        bounds.append(places)
    if problem.partner_quota is not None:
        assert problem.partner_of is not None
        assert isinstance(problem.partner_quota, int)
        partner = np.array([problem.partner_of[c] for c in candidate], dtype=object)
        for group in {p for p in problem.partner_of if p is not None}:
            rows.append(partner == group)
            bounds.append(problem.partner_quota)
    result = milp(
        -score,
        integrality=np.ones(score.size),
        options={"mip_rel_gap": 0},
        bounds=Bounds(lower, allowed.astype(float)),
        constraints=LinearConstraint(np.array(rows, dtype=float), -np.inf, bounds),
    )
    assert result.status == 0, result.message
    return float(-result.fun)


def assert_within_limits(problem: Problem[str, str], result: Assignment[str, str]) -> None:
    candidates = Counter(candidate for candidate, _, _ in result.pairs)
    assert max(candidates.values(), default=0) <= 1
    capacity = np.broadcast_to(np.asarray(problem.capacity), (len(problem.advisers),))
    load = Counter(adviser for _, adviser, _ in result.pairs)
    for position, adviser in enumerate(problem.advisers):
        assert load[adviser] <= capacity[position]
    if problem.partner_quota is not None:
        assert problem.partner_of is not None
        assert isinstance(problem.partner_quota, int)
        partner_of = dict(zip(problem.candidates, problem.partner_of, strict=True))
        per_partner = Counter(partner_of[candidate] for candidate in candidates)
        per_partner.pop(None, None)
        assert max(per_partner.values(), default=0) <= problem.partner_quota
    assert not chosen(result) & set(problem.conflicts)
    assert set(problem.forced) <= chosen(result)
    assert set(result.unassigned) == set(problem.candidates) - set(candidates)
    assert math.isclose(result.total, math.fsum(score for _, _, score in result.pairs))


# The optimum


def test_beats_the_greedy_choice() -> None:
    """Greedy takes the best pair (c0, a0) first and is left with 10 + 1; the optimum is 18."""
    problem = matrix_problem([[10, 9], [9, 1]])
    result = solve(problem)
    assert result.pairs == [("c0", "a1", 9.0), ("c1", "a0", 9.0)]
    assert result.total == 18.0
    assert result.unassigned == []


def test_capacities_let_an_adviser_take_several() -> None:
    result = solve(matrix_problem([[5, 1], [4, 1], [3, 1]], capacity=[2, 1]))
    assert result.pairs == [("c0", "a0", 5.0), ("c1", "a0", 4.0), ("c2", "a1", 1.0)]


def test_candidates_stay_unassigned_when_places_are_short() -> None:
    result = solve(matrix_problem([[0.2], [0.9], [0.5]], capacity=2))
    assert result.pairs == [("c1", "a0", 0.9), ("c2", "a0", 0.5)]
    assert result.unassigned == ["c0"]
    assert result.total == pytest.approx(1.4)


def test_only_scored_pairs_are_assigned() -> None:
    result = solve(matrix_problem([[UNSCORED, 1], [UNSCORED, 2]], capacity=5))
    assert result.pairs == [("c0", "a1", 1.0), ("c1", "a1", 2.0)]


def test_pairs_of_no_positive_score_are_not_assigned() -> None:
    result = solve(matrix_problem([[0.0, -1.0], [0.5, UNSCORED]], capacity=5))
    assert result.pairs == [("c1", "a0", 0.5)]
    assert result.unassigned == ["c0"]


def test_partner_quota_caps_each_partner() -> None:
    problem = matrix_problem(
        [[9], [8], [7], [1]], capacity=4, partner_of=["P", "P", "P", None], partner_quota=2
    )
    result = solve(problem)
    assert chosen(result) == {("c0", "a0"), ("c1", "a0"), ("c3", "a0")}


def test_partner_quota_per_partner() -> None:
    problem = matrix_problem(
        [[9], [8], [7], [6]],
        capacity=4,
        partner_of=["P", "P", "Q", "Q"],
        partner_quota={"P": 0},  # Q is not capped
    )
    assert chosen(solve(problem)) == {("c2", "a0"), ("c3", "a0")}


def test_scores_as_named_triples() -> None:
    problem = Problem(
        candidates=[10, 20],
        advisers=["x", "y"],
        scores=[(10, "x", 10.0), (10, "y", 9.0), (20, "x", 9.0), (20, "y", 1.0)],
        capacity=[1, 1],
    )
    assert solve(problem).pairs == [(10, "y", 9.0), (20, "x", 9.0)]


@pytest.mark.parametrize("method", ["flow", "dense"])
def test_total_is_exact_for_scores_of_very_different_sizes(method: Method) -> None:
    scores = [[1e6, 1e-6, UNSCORED], [1e6 - 1e-3, 2e-6, 3e-6], [UNSCORED, 1.5e-6, 1e-9]]
    problem = matrix_problem(scores, capacity=1)
    result = solve(problem, method)
    assert result.total == pytest.approx(reference_total(problem), rel=1e-12)
    assert result.gap_bound < 1e-11 * result.total


@pytest.mark.parametrize("method", ["flow", "dense"])
def test_tiny_scores_are_told_apart(method: Method) -> None:
    result = solve(matrix_problem([[1e-300, 3e-300], [2e-300, 5e-300]]), method)
    assert chosen(result) == {("c0", "a0"), ("c1", "a1")}
    assert result.total == 6e-300


def test_an_empty_problem_assigns_nobody() -> None:
    result = solve(Problem[str, str](candidates=["c"], advisers=[], scores=[], capacity=[]))
    assert result == Assignment(pairs=[], total=0.0, unassigned=["c"], gap_bound=0.0, method="flow")


# The two methods


def test_auto_takes_the_dense_method_for_dense_problems() -> None:
    assert solve(matrix_problem([[3, 2], [1, 4]])).method == "dense"


def test_auto_takes_the_flow_for_sparse_problems() -> None:
    scores = np.full((40, 40), UNSCORED)
    np.fill_diagonal(scores, 1.0)
    result = solve(matrix_problem(scores.tolist()))
    assert result.method == "flow"
    assert result.total == 40.0


def test_auto_takes_the_flow_for_partner_quotas() -> None:
    problem = matrix_problem([[3, 2], [1, 4]], partner_of=["P", "P"], partner_quota=1)
    result = solve(problem)
    assert (result.method, result.pairs) == ("flow", [("c1", "a1", 4.0)])


def test_the_dense_method_refuses_partner_quotas() -> None:
    problem = matrix_problem([[3]], partner_of=["P"], partner_quota=1)
    with pytest.raises(AssignmentError, match="The dense method cannot keep partner quotas"):
        solve(problem, "dense")


# Conflicts and forced pairs


def test_conflicts_are_never_assigned() -> None:
    problem = matrix_problem([[10, 9], [9, 1]], conflicts={("c0", "a1"), ("ghost", "a0")})
    result = solve(problem)
    assert chosen(result) == {("c0", "a0"), ("c1", "a1")}
    assert result.total == 11.0


def test_forced_pairs_are_kept_and_the_rest_assigned_around_them() -> None:
    problem = matrix_problem([[10, 9, 1], [9, 1, 8], [7, 6, 5]], forced={("c1", "a1")})
    result = solve(problem)
    assert chosen(result) == {("c1", "a1"), ("c0", "a0"), ("c2", "a2")}
    assert result.total == 16.0


def test_a_forced_pair_may_have_no_positive_score() -> None:
    result = solve(matrix_problem([[-1.0]], forced={("c0", "a0")}))
    assert result.pairs == [("c0", "a0", -1.0)]


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (
            {"forced": {("c0", "a0"), ("c1", "a0")}},
            r"The adviser 'a0' has 2 forced pairs but a capacity of 1\.",
        ),
        (
            {"forced": {("c0", "a1"), ("c1", "a0")}, "partner_of": ["P", "P"], "partner_quota": 1},
            r"The partner 'P' has 2 candidates in forced pairs but a quota of 1\.",
        ),
        (
            {"forced": {("c0", "a0")}, "conflicts": {("c0", "a0")}},
            r"The forced pair \('c0', 'a0'\) is also a conflict\.",
        ),
        ({"forced": {("c1", "a1")}}, r"The forced pair \('c1', 'a1'\) has no score\."),
        (
            {"forced": {("c0", "a0"), ("c0", "a1")}},
            r"The candidate 'c0' is forced to two advisers, 'a0' and 'a1'\.",
        ),
        (
            {"forced": {("c0", "nobody")}},
            r"The forced pair \('c0', 'nobody'\) names the adviser 'nobody', who is not listed\.",
        ),
    ],
)
def test_forced_pairs_that_cannot_be_kept_are_refused(limits: dict[str, Any], message: str) -> None:
    with pytest.raises(AssignmentError, match=message):
        solve(matrix_problem([[3, 2], [1, UNSCORED]], **limits))


# Malformed problems


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (
            Problem(["c", "c"], ["a"], [("c", "a", 1.0)], 1),
            r"The candidate 'c' is listed twice\.",
        ),
        (
            Problem(["c"], ["a"], [("c", "a", 1.0), ("c", "a", 2.0)], 1),
            r"The pair \('c', 'a'\) is scored more than once\.",
        ),
        (
            Problem(["c"], ["a"], [("c", "b", 1.0)], 1),
            r"The scores name the adviser 'b', who is not listed\.",
        ),
        (Problem(["c"], ["a"], [("c", "a", math.inf)], 1), r"The score of \('c', 'a'\) is inf\."),
        (
            Problem(["c"], ["a"], ScoreArrays([0], [1], [1.0]), 1),
            r"The scores name adviser position 1, but there are 1\.",
        ),
        (
            Problem(["c"], ["a"], ScoreArrays([0, 0], [0], [1.0]), 1),
            r"The score arrays must be one-dimensional and of one length\.",
        ),
        (Problem(["c"], ["a", "b"], [], [1, 2, 3]), r"There are 2 advisers but 3 capacities\."),
        (Problem(["c"], ["a"], [], [1.5]), r"The capacities must be whole numbers"),
        (Problem(["c"], ["a"], [], [-1]), r"The adviser 'a' has a negative capacity \(-1\)\."),
        (
            Problem(["c"], ["a"], [], 1, partner_quota=2),
            r"Partner quotas need each candidate's partner",
        ),
        (
            Problem(["c"], ["a"], [], 1, partner_of=["P"], partner_quota={"P": -1}),
            r"The partner 'P' has a negative quota \(-1\)\.",
        ),
    ],
)
def test_malformed_problems_are_refused(problem: Problem, message: str) -> None:
    with pytest.raises(AssignmentError, match=message):
        solve(problem)


# Random problems against the integer program


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """Up to 7 candidates and 4 advisers, some pairs unscored, scores of either sign, small
    capacities, and partner quotas and conflicts or not. Scores are multiples of 1/64, so that
    optima differ by far more than the reference's tolerances."""
    rows = draw(st.integers(1, 7))
    columns = draw(st.integers(1, 4))
    cell = st.one_of(st.just(UNSCORED), st.integers(-64, 640).map(lambda k: k / 64))
    scores = [[draw(cell) for _ in range(columns)] for _ in range(rows)]
    capacity = draw(st.lists(st.integers(0, 3), min_size=columns, max_size=columns))
    limits: dict[str, Any] = {}
    if draw(st.booleans()):
        limits["partner_of"] = draw(
            st.lists(st.sampled_from(["P", "Q", None]), min_size=rows, max_size=rows)
        )
        limits["partner_quota"] = draw(st.integers(0, 3))
    scored = [
        (f"c{i}", f"a{j}")
        for i in range(rows)
        for j in range(columns)
        if not math.isnan(scores[i][j])
    ]
    if scored:
        limits["conflicts"] = set(draw(st.lists(st.sampled_from(scored), max_size=3)))
    return matrix_problem(scores, capacity, **limits)


def for_method(problem: Problem[str, str], method: Method) -> Problem[str, str]:
    """The problem, without its partner quotas for the dense method, which cannot keep them."""
    return dataclasses.replace(problem, partner_quota=None) if method == "dense" else problem


@pytest.mark.parametrize("method", ["flow", "dense"])
@settings(max_examples=150, deadline=None)
@given(problem=problems())
def test_random_problems_reach_the_optimum_within_their_limits(
    method: Method, problem: Problem[str, str]
) -> None:
    problem = for_method(problem, method)
    result = solve(problem, method)
    assert result.method == method
    assert_within_limits(problem, result)
    assert result.total == pytest.approx(reference_total(problem), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("method", ["flow", "dense"])
@settings(max_examples=100, deadline=None)
@given(problem=problems(), data=st.data())
def test_random_forced_pairs_are_kept_at_the_best_total(
    method: Method, problem: Problem[str, str], data: st.DataObject
) -> None:
    """Forced pairs taken from some feasible assignment: the solver keeps them and reaches the
    integer program's optimum with them fixed."""
    problem = for_method(problem, method)
    feasible = chosen(solve(problem))
    forced = set()
    if feasible:
        forced = set(data.draw(st.lists(st.sampled_from(sorted(feasible)), max_size=3)))
    with_forced = dataclasses.replace(problem, forced=forced)
    result = solve(with_forced, method)
    assert_within_limits(with_forced, result)
    assert result.total == pytest.approx(reference_total(with_forced), rel=1e-9, abs=1e-9)
