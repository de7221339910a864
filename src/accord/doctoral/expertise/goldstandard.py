"""The gold-standard expertise benchmark (Stelmakh et al., "A Gold Standard Dataset for the
Reviewer Assignment Problem", arXiv:2303.16750): loading it, predicting with our models, and its
metric.

58 researchers rated their own expertise (1 to 5) for 3 to 10 papers each. A model sees each
researcher's 20 most recent papers (title and abstract) and scores every rated paper; it is
judged on how well its scores order each researcher's papers:

- **loss**: over every researcher's pairs of rated papers, the share of the rating gap that the
  predicted order contradicts (a predicted tie counts half), pooled over all researchers: 0 is
  perfect, 0.5 a constant or random score;
- **easy**: the share of pairs with one rating ≥ 4 and the other ≤ 2 that are ordered right;
- **hard**: the same for pairs of different ratings both ≥ 4.

Ties in "most recent" were broken at random, so the benchmark comes in 10 versions
(``d_20_1`` … ``d_20_10``): every figure is the mean over them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import numpy.typing as npt

from . import build_index
from .lexical import ExpertiseIndex, Profile

#: {version: {participant: {paper: score}}}
Predictions = dict[str, dict[str, dict[str, float]]]
VERSIONS = tuple(f"d_20_{number}" for number in range(1, 11))
EXPERT, NOVICE = 4.0, 2.0


@dataclass(frozen=True)
class Paper:
    """A paper of the benchmark: a rated one or one of a participant's own."""

    id: str
    title: str
    abstract: str

    @property
    def text(self) -> str:
        """Title and abstract, as the models read them."""
        return f"{self.title}. {self.abstract}" if self.abstract else self.title


@dataclass(frozen=True)
class Version:
    """One version of the benchmark: each participant's profile papers and the rated papers."""

    name: str
    archives: Mapping[str, tuple[Paper, ...]]
    submissions: Mapping[str, Paper]


@dataclass(frozen=True)
class Benchmark:
    """The ratings ({participant: {paper: expertise}}) and the versions to predict on."""

    ratings: Mapping[str, Mapping[str, float]]
    versions: tuple[Version, ...]

    @property
    def participants(self) -> list[str]:
        """The participants' IDs, in the order every per-participant array follows."""
        return sorted(self.ratings)

    def subset(self, participants: Collection[str], versions: int | None = None) -> Benchmark:
        """The benchmark cut down to ``participants`` and the papers they rated, in its first
        ``versions`` versions (all when None)."""
        chosen = sorted(participants)
        rated = {paper for participant in chosen for paper in self.ratings[participant]}
        return Benchmark(
            ratings={participant: self.ratings[participant] for participant in chosen},
            versions=tuple(
                Version(
                    name=version.name,
                    archives={participant: version.archives[participant] for participant in chosen},
                    submissions={paper: version.submissions[paper] for paper in sorted(rated)},
                )
                for version in self.versions[:versions]
            ),
        )


@dataclass(frozen=True)
class Score:
    """The benchmark's three figures (see the module's description)."""

    loss: float
    easy: float
    hard: float


@dataclass(frozen=True)
class Metrics(Score):
    """The mean of the versions' figures, and each version's."""

    versions: Mapping[str, Score]


def _paper(record: Mapping[str, object]) -> Paper:
    """A paper from its OpenReview record ({id, content: {title, abstract, ...}})."""
    content = record["content"]
    if not isinstance(content, Mapping):
        raise ValueError(f"paper {record.get('id')}: no content")
    title, abstract = (str(content.get(field) or "").strip() for field in ("title", "abstract"))
    return Paper(str(record["id"]), title, abstract)


def load_ratings(path: Path) -> dict[str, dict[str, float]]:
    """``evaluations.csv`` (tab-separated despite its name): {participant: {paper: rating}}."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {
        row["ParticipantID"]: {
            row[f"Paper{n}"]: float(row[f"Expertise{n}"]) for n in range(1, 11) if row[f"Paper{n}"]
        }
        for row in rows
    }


def load_version(directory: Path, participants: Iterable[str]) -> Version:
    """One ``d_20_*`` folder, in OpenReview's format."""
    submissions = json.loads((directory / "submissions.json").read_text(encoding="utf-8"))
    archives = {}
    for participant in participants:
        lines = (directory / "archives" / f"~{participant}.jsonl").read_text(encoding="utf-8")
        archives[participant] = tuple(_paper(json.loads(line)) for line in lines.splitlines())
    return Version(
        name=directory.name,
        archives=archives,
        submissions={key: _paper(record) for key, record in submissions.items()},
    )


def load(data_dir: Path) -> Benchmark:
    """The benchmark as published: ratings and the ten title-and-abstract versions."""
    ratings = load_ratings(data_dir / "evaluations.csv")
    folder = data_dir / "evaluation_datasets"
    versions = tuple(load_version(folder / name, sorted(ratings)) for name in VERSIONS)
    return Benchmark(ratings, versions)


def load_baselines(data_dir: Path) -> dict[str, Predictions]:
    """The published models' predictions on the rated pairs, by model ("tpms", "elmo",
    "specter", "specter_mfr", "acl"), title-and-abstract versions only."""
    baselines: dict[str, Predictions] = {}
    path = data_dir / "baseline_scores_on_rated_pairs.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["dataset"] in VERSIONS and row["regime"] == "ta":
                version = baselines.setdefault(row["algorithm"], {}).setdefault(row["dataset"], {})
                version.setdefault(row["ParticipantID"], {})[row["PaperID"]] = float(row["score"])
    return baselines


def predict_with(
    benchmark: Benchmark,
    build: Callable[[list[Profile]], ExpertiseIndex],
    progress: Callable[[str], object] | None = None,
) -> Predictions:
    """Every participant's score for every paper of every version, with the indexes ``build``
    makes of the participants' profiles; ``progress`` is told each version's name before it
    is predicted."""
    predictions: Predictions = {}
    for version in benchmark.versions:
        if progress is not None:
            progress(version.name)
        participants = list(version.archives)
        index = build(
            [Profile(key, [p.text for p in version.archives[key]]) for key in participants]
        )
        papers = {key: paper.text for key, paper in version.submissions.items()}
        index.prefetch(papers.values())
        table: dict[str, dict[str, float]] = {participant: {} for participant in participants}
        for paper, text in papers.items():
            for participant, score in zip(participants, index.score_array(text), strict=True):
                table[participant][paper] = float(score)
        predictions[version.name] = table
    return predictions


def predict(
    benchmark: Benchmark, model: str = "lexical", progress: Callable[[str], object] | None = None
) -> Predictions:
    """Predictions of one of the models (see :data:`accord.doctoral.expertise.MODELS`)."""
    return predict_with(benchmark, lambda profiles: build_index(profiles, model), progress)


# Per participant and version, the sums the figures pool: loss numerator and denominator,
# easy pairs right and in all, hard pairs right and in all.
TALLIES = 6
Tallies = npt.NDArray[np.float64]


def tally(ratings: Mapping[str, float], scores: Mapping[str, float]) -> Tallies:
    """One participant's sums (see TALLIES) for one version's scores."""
    sums = np.zeros(TALLIES)
    for first, second in combinations(ratings, 2):
        gap = ratings[first] - ratings[second]
        if gap == 0:
            continue
        agreement = np.sign(scores[first] - scores[second]) * np.sign(gap)
        sums[0] += abs(gap) * (agreement < 0) + abs(gap) / 2 * (agreement == 0)
        sums[1] += abs(gap)
        low, high = sorted((ratings[first], ratings[second]))
        kind = 2 if low <= NOVICE and high >= EXPERT else 4 if low >= EXPERT else None
        if kind is not None:
            sums[kind] += agreement > 0
            sums[kind + 1] += 1
    return sums


def tallies(
    benchmark: Benchmark, predictions: Predictions, participants: Collection[str] | None = None
) -> Tallies:
    """The sums (see TALLIES) of every version and participant (all of them by default, in
    the order of :attr:`Benchmark.participants`)."""
    chosen = benchmark.participants if participants is None else sorted(participants)
    return np.array(
        [
            [tally(benchmark.ratings[p], predictions[version.name][p]) for p in chosen]
            for version in benchmark.versions
        ]
    )


def figures(sums: Tallies) -> Tallies:
    """Loss, easy and hard accuracy (last axis) from pooled sums (last axis: TALLIES); NaN
    where there is no pair to count."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack(
            [sums[..., 0] / sums[..., 1], sums[..., 2] / sums[..., 3], sums[..., 4] / sums[..., 5]],
            axis=-1,
        )


def summary(benchmark: Benchmark, sums: Tallies) -> Metrics:
    """The figures of :func:`tallies`' sums: pooled over the participants, averaged over the
    versions."""
    per_version = figures(sums.sum(axis=1))
    loss, easy, hard = per_version.mean(axis=0)
    return Metrics(
        loss=float(loss),
        easy=float(easy),
        hard=float(hard),
        versions={
            version.name: Score(*(float(value) for value in row))
            for version, row in zip(benchmark.versions, per_version, strict=True)
        },
    )


def evaluate(
    benchmark: Benchmark, predictions: Predictions, participants: Collection[str] | None = None
) -> Metrics:
    """The benchmark's figures for ``predictions``, pooled over ``participants`` (all by
    default) and averaged over the versions."""
    return summary(benchmark, tallies(benchmark, predictions, participants))


def bootstrap(
    sums: Tallies, resamples: int = 1000, seed: int = 1
) -> dict[str, tuple[float, float]]:
    """95% intervals of loss, easy and hard from :func:`tallies`' sums: participants drawn
    with replacement (the same draws for every version), the figures averaged over the versions
    for each draw."""
    participants = sums.shape[1]
    draws = np.random.default_rng(seed).integers(0, participants, size=(resamples, participants))
    counts = np.stack([np.bincount(draw, minlength=participants) for draw in draws])
    means = figures(np.einsum("rp,vpt->rvt", counts, sums)).mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5], axis=0)
    return {
        name: (float(low[i]), float(high[i])) for i, name in enumerate(("loss", "easy", "hard"))
    }
