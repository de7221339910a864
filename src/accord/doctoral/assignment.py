"""The assignment of PhD candidates to advisers (or topics) of the highest total score.

Each candidate gets at most one adviser, and only one the pair has a score for; an adviser takes
at most their capacity; with partner quotas, at most that many candidates of each partner
university are assigned. Conflicts are never assigned; forced pairs always are, and the rest is
assigned around them. A pair whose score is zero or less cannot raise the total, so it is only
ever assigned when forced.

The optimum is exact, by one of two methods:

- ``flow``, for any problem: a minimum-cost flow through

      source → partner (its quota) → candidate (1) → adviser (1, cost −score) → sink (capacity)

  with an arc from the source straight to the sink for the candidates left unassigned (a
  candidate of no partner, or of one without a quota, hangs from the source itself). The
  constraint matrix is totally unimodular, so the optimal flow is integral: an assignment.
  OR-Tools' cost-scaling solver takes integer costs: scores are scaled so that the largest is
  :data:`COST_RESOLUTION` (less on graphs so large that the solver's own scaling by the number
  of nodes would overflow) and rounded; :attr:`Assignment.gap_bound` bounds what the rounding
  may have cost.
- ``dense``, without partner quotas: scipy's ``linear_sum_assignment`` on a matrix of a row per
  candidate and a column per place (each adviser repeated as often as their capacity), unscored
  places at 0, on the scores themselves. Measured faster than the flow where the pairs fill
  4% of that matrix or more (:data:`DENSE_LEAST_FILL`); ``auto`` takes it there.

The total reported adds up the original scores.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow
from scipy.optimize import linear_sum_assignment

# The integer the highest score becomes: 2^40, about 12 significant digits per score.
COST_RESOLUTION = 2**40
# The solver multiplies costs by the number of nodes + 1 and needs twice that in an int64;
# a further factor of 2 keeps a margin.
_COST_HEADROOM = np.iinfo(np.int64).max // 4
_NO_GROUP = -1
# "auto" solves by the dense method a problem without partner quotas whose pairs fill at least
# this share of the candidates × places matrix, of at most DENSE_MOST_CELLS cells (8 bytes each).
DENSE_LEAST_FILL = 0.04
DENSE_MOST_CELLS = 50_000_000

Method = Literal["auto", "flow", "dense"]

Candidate = TypeVar("Candidate", bound=Hashable)
Adviser = TypeVar("Adviser", bound=Hashable)


class AssignmentError(ValueError):
    """The problem is malformed, or its forced pairs cannot all be kept."""


@dataclass(frozen=True)
class ScoreArrays:
    """Scores as three arrays of one length: candidate positions (in ``Problem.candidates``),
    adviser positions (in ``Problem.advisers``) and scores."""

    candidate: npt.ArrayLike
    adviser: npt.ArrayLike
    score: npt.ArrayLike

    @classmethod
    def from_matrix(cls, matrix: npt.ArrayLike) -> ScoreArrays:
        """The scores of a candidates × advisers matrix; NaN leaves a pair unscored."""
        scores = np.asarray(matrix, dtype=np.float64)
        candidate, adviser = np.nonzero(~np.isnan(scores))
        return cls(candidate, adviser, scores[candidate, adviser])


@dataclass(frozen=True)
class Problem(Generic[Candidate, Adviser]):
    """Who may be assigned to whom, for what score, within which limits.

    ``scores`` are (candidate, adviser, score) triples, or arrays of positions in
    ``candidates`` and ``advisers``. ``capacity`` is one number for every adviser or one per
    adviser. ``partner_of`` gives each candidate's partner (None for none); ``partner_quota``
    caps how many candidates of a partner are assigned: one number for every partner, or one
    per partner (a partner it leaves out, like a candidate of no partner, is not capped).
    Conflicts naming a candidate or an adviser the problem does not have constrain nothing and
    are ignored.
    """

    candidates: Sequence[Candidate]
    advisers: Sequence[Adviser]
    scores: Iterable[tuple[Candidate, Adviser, float]] | ScoreArrays
    capacity: npt.ArrayLike
    partner_of: Sequence[Hashable] | None = None
    partner_quota: Mapping[Any, int] | int | None = None  # keys: partners as in partner_of
    conflicts: Collection[tuple[Candidate, Adviser]] = frozenset()
    forced: Collection[tuple[Candidate, Adviser]] = frozenset()


_AnyProblem = Problem[Any, Any]  # for the checks, which read it whatever it holds


@dataclass(frozen=True)
class Assignment(Generic[Candidate, Adviser]):
    """The optimal assignment: (candidate, adviser, score) in the candidates' order, forced pairs
    included. ``total`` adds up their scores; no assignment beats it by more than
    ``gap_bound``, the most the rounding of scores to integer costs may have cost (0 for the
    dense method, which takes the scores as they are). ``method`` is the method used."""

    pairs: list[tuple[Candidate, Adviser, float]]
    total: float
    unassigned: list[Candidate]
    gap_bound: float
    method: Method


@dataclass(frozen=True)
class _Edges:
    """Scored pairs as positions: candidate, adviser and score of each."""

    candidate: npt.NDArray[np.int64]
    adviser: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]

    def keys(self, advisers: int) -> npt.NDArray[np.int64]:
        """One integer per pair, the same for the same candidate and adviser."""
        return self.candidate * advisers + self.adviser

    def subset(self, mask: npt.NDArray[np.bool_]) -> _Edges:
        return _Edges(self.candidate[mask], self.adviser[mask], self.score[mask])


@dataclass(frozen=True)
class _Limits:
    """Places left per adviser, and per quota group (the partners that have a quota)."""

    capacity: npt.NDArray[np.int64]
    group_of: npt.NDArray[np.int64]  # per candidate; _NO_GROUP for no quota
    quota: npt.NDArray[np.int64]  # per group
    partners: list[Hashable]  # per group


def solve(
    problem: Problem[Candidate, Adviser], method: Method = "auto"
) -> Assignment[Candidate, Adviser]:
    """The assignment of the highest total score, by ``method`` (see the module's description);
    AssignmentError when the problem is malformed, its forced pairs alone break a conflict, a
    capacity or a quota, or the dense method is asked for partner quotas."""
    candidate_at = _positions(problem.candidates, "candidate")
    adviser_at = _positions(problem.advisers, "adviser")
    edges = _edges(problem, candidate_at, adviser_at)
    limits = _limits(problem, len(problem.advisers))
    conflicts = _pair_keys(problem.conflicts, candidate_at, adviser_at, "conflict", strict=False)
    forced = _forced(problem, edges, conflicts, candidate_at, adviser_at)
    limits = _after_forced(problem, limits, edges.subset(forced))
    free = _free_edges(edges, forced, conflicts, len(problem.candidates), len(problem.advisers))
    used = _method(method, free, limits)
    if used == "dense":
        taken, gap_bound = _by_linear_sum_assignment(free, limits), 0.0
    else:
        taken, gap_bound = _by_flow(free, limits, len(problem.candidates))
    return _assignment(problem, edges.subset(forced), free.subset(taken), gap_bound, used)


# Checking the problem


def _positions(items: Sequence[Hashable], what: str) -> dict[Hashable, int]:
    """Each item's position; AssignmentError for an item listed twice."""
    positions: dict[Hashable, int] = {}
    for position, item in enumerate(items):
        if positions.setdefault(item, position) != position:
            raise AssignmentError(f"The {what} {item!r} is listed twice.")
    return positions


def _integers(values: npt.ArrayLike, what: str) -> npt.NDArray[np.int64]:
    array = np.asarray(values)
    if array.size == 0:
        return np.zeros(array.shape, dtype=np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise AssignmentError(f"The {what} must be whole numbers, not {array.dtype}.")
    return array.astype(np.int64, copy=False)


def _edges(
    problem: _AnyProblem, candidate_at: Mapping[Hashable, int], adviser_at: Mapping[Hashable, int]
) -> _Edges:
    """The scores as positions, checked: known candidates and advisers, finite scores, each
    pair scored once."""
    if isinstance(problem.scores, ScoreArrays):
        edges = _edges_of_arrays(problem.scores, len(candidate_at), len(adviser_at))
    else:
        edges = _edges_of_triples(problem.scores, candidate_at, adviser_at)
    infinite = np.flatnonzero(~np.isfinite(edges.score))
    if infinite.size:
        at = int(infinite[0])
        raise AssignmentError(
            f"The score of {_pair(problem, edges.candidate[at], edges.adviser[at])} "
            f"is {edges.score[at]}."
        )
    keys = edges.keys(len(adviser_at))
    ordered = np.sort(keys)
    repeated = np.flatnonzero(ordered[1:] == ordered[:-1])
    if repeated.size:
        twice = _pair(problem, *divmod(int(ordered[repeated[0]]), len(adviser_at)))
        raise AssignmentError(f"The pair {twice} is scored more than once.")
    return edges


def _edges_of_arrays(scores: ScoreArrays, candidates: int, advisers: int) -> _Edges:
    edges = _Edges(
        _integers(scores.candidate, "candidate positions"),
        _integers(scores.adviser, "adviser positions"),
        np.asarray(scores.score, dtype=np.float64),
    )
    shapes = {edges.candidate.shape, edges.adviser.shape, edges.score.shape}
    if len(shapes) != 1 or edges.score.ndim != 1:
        raise AssignmentError("The score arrays must be one-dimensional and of one length.")
    for positions, count, what in (
        (edges.candidate, candidates, "candidate"),
        (edges.adviser, advisers, "adviser"),
    ):
        wrong = np.flatnonzero((positions < 0) | (positions >= count))
        if wrong.size:
            raise AssignmentError(
                f"The scores name {what} position {positions[wrong[0]]}, but there are {count}."
            )
    return edges


def _edges_of_triples(
    triples: Iterable[tuple[Hashable, Hashable, float]],
    candidate_at: Mapping[Hashable, int],
    adviser_at: Mapping[Hashable, int],
) -> _Edges:
    candidates, advisers, scores = [], [], []
    for candidate, adviser, score in triples:
        candidates.append(_position(candidate, candidate_at, "candidate"))
        advisers.append(_position(adviser, adviser_at, "adviser"))
        scores.append(score)
    return _Edges(
        np.array(candidates, dtype=np.int64),
        np.array(advisers, dtype=np.int64),
        np.array(scores, dtype=np.float64),
    )


def _position(item: Hashable, positions: Mapping[Hashable, int], what: str) -> int:
    try:
        return positions[item]
    except KeyError:
        raise AssignmentError(f"The scores name the {what} {item!r}, who is not listed.") from None


def _pair(problem: _AnyProblem, candidate: int | np.int64, adviser: int | np.int64) -> str:
    """A pair as messages name it, from the positions of its candidate and adviser."""
    return f"({problem.candidates[int(candidate)]!r}, {problem.advisers[int(adviser)]!r})"


def _limits(problem: _AnyProblem, advisers: int) -> _Limits:
    """The advisers' capacities and the partners' quotas, checked."""
    capacities = _integers(problem.capacity, "capacities")
    try:
        capacity = np.broadcast_to(capacities, (advisers,))
    except ValueError:
        raise AssignmentError(
            f"There are {advisers} advisers but {capacities.size} capacities."
        ) from None
    if np.any(capacity < 0):
        at = int(np.flatnonzero(capacity < 0)[0])
        raise AssignmentError(
            f"The adviser {problem.advisers[at]!r} has a negative capacity ({capacity[at]})."
        )
    group_of, quota, partners = _quota_groups(problem)
    return _Limits(capacity.copy(), group_of, quota, partners)


def _quota_groups(
    problem: _AnyProblem,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[Hashable]]:
    """Each candidate's quota group (_NO_GROUP for none), each group's quota and partner."""
    candidates = len(problem.candidates)
    quota_of = problem.partner_quota
    if quota_of is None:
        return np.full(candidates, _NO_GROUP, dtype=np.int64), np.zeros(0, np.int64), []
    if problem.partner_of is None:
        raise AssignmentError("Partner quotas need each candidate's partner (partner_of).")
    if len(problem.partner_of) != candidates:
        raise AssignmentError(
            f"There are {candidates} candidates but {len(problem.partner_of)} partners."
        )
    group_at: dict[Hashable, int] = {}
    quotas: list[int] = []
    group_of = np.full(candidates, _NO_GROUP, dtype=np.int64)
    for position, partner in enumerate(problem.partner_of):
        if partner is None or (isinstance(quota_of, Mapping) and partner not in quota_of):
            continue
        if partner not in group_at:
            quota = quota_of[partner] if isinstance(quota_of, Mapping) else quota_of
            if quota < 0:
                raise AssignmentError(f"The partner {partner!r} has a negative quota ({quota}).")
            group_at[partner] = len(quotas)
            quotas.append(quota)
        group_of[position] = group_at[partner]
    return group_of, np.array(quotas, dtype=np.int64), list(group_at)


def _pair_keys(
    pairs: Collection[tuple[Hashable, Hashable]],
    candidate_at: Mapping[Hashable, int],
    adviser_at: Mapping[Hashable, int],
    what: str,
    *,
    strict: bool,
) -> npt.NDArray[np.int64]:
    """The pairs' keys (as :meth:`_Edges.keys`), sorted and each once; a pair naming someone
    the problem does not have is an AssignmentError when ``strict``, skipped otherwise."""
    keys = []
    for candidate, adviser in pairs:
        if candidate in candidate_at and adviser in adviser_at:
            keys.append(candidate_at[candidate] * len(adviser_at) + adviser_at[adviser])
        elif strict:
            unknown = (
                f"candidate {candidate!r}"
                if candidate not in candidate_at
                else f"adviser {adviser!r}"
            )
            raise AssignmentError(
                f"The {what} pair ({candidate!r}, {adviser!r}) names the {unknown}, "
                "who is not listed."
            )
    return np.unique(np.array(keys, dtype=np.int64))


def _members(keys: npt.NDArray[np.int64], wanted: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which of ``keys`` are in ``wanted`` (sorted)."""
    if wanted.size == 0:
        return np.zeros(keys.shape, dtype=bool)
    at = np.minimum(np.searchsorted(wanted, keys), wanted.size - 1)
    return wanted[at] == keys


# Forced pairs


def _forced(
    problem: _AnyProblem,
    edges: _Edges,
    conflicts: npt.NDArray[np.int64],
    candidate_at: Mapping[Hashable, int],
    adviser_at: Mapping[Hashable, int],
) -> npt.NDArray[np.bool_]:
    """Which scored pairs are forced; AssignmentError for a forced pair that is unknown,
    unscored or a conflict, or a candidate forced to two advisers."""
    advisers = len(problem.advisers)
    wanted = _pair_keys(problem.forced, candidate_at, adviser_at, "forced", strict=True)
    _check_one_each(problem, wanted, advisers)
    clashing = wanted[_members(wanted, conflicts)]
    if clashing.size:
        clash = _pair(problem, *divmod(int(clashing[0]), advisers))
        raise AssignmentError(f"The forced pair {clash} is also a conflict.")
    forced = _members(edges.keys(advisers), wanted)
    if np.count_nonzero(forced) < wanted.size:
        unscored = wanted[~_members(wanted, np.sort(edges.keys(advisers)[forced]))]
        missing = _pair(problem, *divmod(int(unscored[0]), advisers))
        raise AssignmentError(f"The forced pair {missing} has no score.")
    return forced


def _check_one_each(problem: _AnyProblem, keys: npt.NDArray[np.int64], advisers: int) -> None:
    candidates = keys // advisers
    repeated = np.flatnonzero(candidates[1:] == candidates[:-1])
    if repeated.size:
        first, second = keys[repeated[0]], keys[repeated[0] + 1]
        raise AssignmentError(
            f"The candidate {problem.candidates[int(first // advisers)]!r} is forced to two "
            f"advisers, {problem.advisers[int(first % advisers)]!r} and "
            f"{problem.advisers[int(second % advisers)]!r}."
        )


def _after_forced(problem: _AnyProblem, limits: _Limits, forced: _Edges) -> _Limits:
    """The places the forced pairs leave; AssignmentError naming an adviser or a partner whose
    forced pairs alone exceed their capacity or quota."""
    taken = np.bincount(forced.adviser, minlength=len(limits.capacity))
    over = np.flatnonzero(taken > limits.capacity)
    if over.size:
        at = int(over[0])
        raise AssignmentError(
            f"The adviser {problem.advisers[at]!r} has {taken[at]} forced pairs but a capacity "
            f"of {limits.capacity[at]}."
        )
    groups = limits.group_of[forced.candidate]
    used = np.bincount(groups[groups != _NO_GROUP], minlength=len(limits.quota))
    over = np.flatnonzero(used > limits.quota)
    if over.size:
        at = int(over[0])
        raise AssignmentError(
            f"The partner {limits.partners[at]!r} has {used[at]} candidates in forced pairs but "
            f"a quota of {limits.quota[at]}."
        )
    group_of = limits.group_of.copy()
    group_of[forced.candidate] = _NO_GROUP  # placed already: out of the flow
    return _Limits(limits.capacity - taken, group_of, limits.quota - used, limits.partners)


def _free_edges(
    edges: _Edges,
    forced: npt.NDArray[np.bool_],
    conflicts: npt.NDArray[np.int64],
    candidates: int,
    advisers: int,
) -> _Edges:
    """The pairs left to choose from: positive scores, neither a conflict nor a pair of a
    candidate a forced pair places already."""
    placed = np.zeros(candidates, dtype=bool)
    placed[edges.candidate[forced]] = True
    keep = (edges.score > 0) & ~placed[edges.candidate]
    if conflicts.size:
        keep &= ~_members(edges.keys(advisers), conflicts)
    return edges.subset(keep)


# The methods


def _method(asked: Method, edges: _Edges, limits: _Limits) -> Method:
    """The method to use: the one asked for, or for "auto" the faster one (see DENSE_*)."""
    if asked == "dense" and limits.quota.size:
        raise AssignmentError("The dense method cannot keep partner quotas; use the flow.")
    if asked != "auto":
        return asked
    cells = _senders(edges).size * int(limits.capacity.sum())
    dense = not limits.quota.size and 0 < cells <= DENSE_MOST_CELLS
    return "dense" if dense and edges.score.size >= DENSE_LEAST_FILL * cells else "flow"


def _senders(edges: _Edges) -> npt.NDArray[np.intp]:
    """The positions of the candidates with a pair, in order."""
    return np.flatnonzero(np.bincount(edges.candidate))


def _by_linear_sum_assignment(edges: _Edges, limits: _Limits) -> npt.NDArray[np.bool_]:
    """Which of ``edges`` (all of positive score) the optimal assignment takes, by scipy's
    ``linear_sum_assignment`` on the candidates × places matrix, unscored places at 0. A
    candidate given such a place is left unassigned, which the optimum does not change: a
    matching of the pairs extends to one of the whole matrix with 0s."""
    if edges.score.size == 0:
        return np.zeros(0, dtype=bool)
    has_pair = np.bincount(edges.candidate) > 0
    row = (np.cumsum(has_pair) - 1)[edges.candidate]  # the candidate's row: senders only
    shape = (int(np.count_nonzero(has_pair)), limits.capacity.size)
    edge_at = np.full(shape, -1, dtype=np.int64)
    edge_at[row, edges.adviser] = np.arange(edges.score.size)
    scores = np.zeros(shape)
    scores[row, edges.adviser] = edges.score
    adviser_of_place = np.repeat(np.arange(shape[1]), limits.capacity)
    costs = scores[:, adviser_of_place]
    np.negative(costs, out=costs)  # in place: maximize=True would copy the matrix
    rows, places = linear_sum_assignment(costs)
    picked = edge_at[rows, adviser_of_place[places]]
    taken = np.zeros(edges.score.size, dtype=bool)
    taken[picked[picked >= 0]] = True
    return taken


# The flow


@dataclass
class _Network:
    """Arcs as arrays: tails, heads, capacities and unit costs, added in batches."""

    parts: list[tuple[npt.NDArray[np.int64], ...]]

    def add(
        self,
        tails: npt.ArrayLike,
        heads: npt.ArrayLike,
        capacity: npt.ArrayLike,
        cost: npt.ArrayLike = 0,
    ) -> None:
        parts = [np.asarray(part, dtype=np.int64) for part in (tails, heads, capacity, cost)]
        shape = np.broadcast_shapes(*(part.shape for part in parts))
        self.parts.append(tuple(np.broadcast_to(part, shape) for part in parts))

    def solved(self, source: int, sink: int, supply: int) -> min_cost_flow.SimpleMinCostFlow:
        """OR-Tools' minimum-cost flow of ``supply`` from ``source`` to ``sink``."""
        tails, heads, capacities, costs = (
            np.concatenate(arrays) for arrays in zip(*self.parts, strict=True)
        )
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32), capacities, costs
        )
        flow.set_node_supply(source, supply)
        flow.set_node_supply(sink, -supply)
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"The minimum-cost flow ended with the status {status.name}.")
        return flow


def _by_flow(
    edges: _Edges, limits: _Limits, candidates: int
) -> tuple[npt.NDArray[np.bool_], float]:
    """Which of ``edges`` the optimal flow takes, and what the rounding of their scores to
    integer costs may have cost at most."""
    if edges.score.size == 0:
        return np.zeros(0, dtype=bool), 0.0
    advisers, groups = len(limits.capacity), len(limits.quota)
    first_adviser, first_group = candidates, candidates + advisers
    source = first_group + groups
    sink = source + 1
    resolution = min(COST_RESOLUTION, _COST_HEADROOM // (sink + 2))
    highest = float(edges.score.max())
    senders = _senders(edges)
    group_of = limits.group_of[senders]
    network = _Network([])
    # First the pairs, so that arc i is edge i.
    costs = -np.rint(edges.score / highest * resolution)  # divided first: no overflow
    network.add(edges.candidate, first_adviser + edges.adviser, 1, costs)
    network.add(np.where(group_of == _NO_GROUP, source, first_group + group_of), senders, 1)
    network.add(source, first_group + np.arange(groups), limits.quota)
    network.add(first_adviser + np.arange(advisers), sink, limits.capacity)
    network.add(source, [sink], senders.size)  # the candidates left unassigned
    flow = network.solved(source, sink, senders.size)
    taken = np.asarray(flow.flows(np.arange(edges.score.size, dtype=np.int32))) > 0
    # The flow is optimal for the rounded scores, each within half a cost unit of its own; the
    # true optimum assigns at most every candidate with a pair.
    return taken, float(np.count_nonzero(taken) + senders.size) * 0.5 * highest / resolution


def _assignment(
    problem: Problem[Candidate, Adviser],
    forced: _Edges,
    chosen: _Edges,
    gap_bound: float,
    method: Method,
) -> Assignment[Candidate, Adviser]:
    candidate = np.concatenate([forced.candidate, chosen.candidate])
    adviser = np.concatenate([forced.adviser, chosen.adviser])
    score = np.concatenate([forced.score, chosen.score])
    order = np.argsort(candidate, kind="stable")
    pairs = [
        (problem.candidates[c], problem.advisers[a], float(s))
        for c, a, s in zip(candidate[order], adviser[order], score[order], strict=True)
    ]
    assigned = np.zeros(len(problem.candidates), dtype=bool)
    assigned[candidate] = True
    return Assignment(
        pairs=pairs,
        total=math.fsum(score),
        unassigned=[problem.candidates[int(c)] for c in np.flatnonzero(~assigned)],
        gap_bound=gap_bound,
        method=method,
    )
