"""Expertise ranking: every model variant on the gold-standard benchmark, 2-fold
cross-validation over its participants, and ranking speed on 50,000 generated topics.

    .venv/bin/python bench/expertise.py [--model lexical|semantic|hybrid] [--cv]

The benchmark (58 researchers' self-rated expertise, arXiv:2303.16750) is read from
../shared/data/goldstandard next to the repository, or from --data. Every variant is scored on
the full protocol: loss, easy and hard accuracy, each the mean of the 10 dataset versions.

With --cv, the participants are split in two halves (fixed seed); for each family of variants,
the variant with the lowest loss on one half is scored on the other, then the halves swap:
the mean of the two held-out figures is what choosing a variant on this benchmark is worth.
It then gives every variant's loss on each half: the shipped defaults are, for each model, the
variant whose worse half is the lowest (the one least dependent on which participants are
looked at).

The speed part indexes 50,000 generated topic texts (and, as Accord's topic profiles do, the
same topics with their advisers' publications), then times scoring and ranking one query, with
the shipped lexical model and with the cosine alone. The topics, the publications and the query
are drawn from one made-up vocabulary, so that the query shares its frequent words with them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import harness
import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from accord.doctoral.expertise import ExpertiseIndex, Profile
    from accord.doctoral.expertise.goldstandard import Benchmark, Metrics, Tallies
    from accord.doctoral.expertise.lexical import LexicalSettings

REPOSITORY = Path(__file__).resolve().parent.parent
DATA = REPOSITORY.parent / "shared" / "data" / "goldstandard"
TOPICS = 50_000
ADVISERS = 2_500
PUBLICATIONS = 20
PUBLISHED = ("tpms", "elmo", "specter", "specter_mfr", "acl")
#: The language models (μ, κ) tried alone, and in the hybrids.
LANGUAGE_MODELS = ((300.0, 1.0), (100.0, 2.0))


@dataclass(frozen=True)
class Variant:
    family: str
    name: str
    build: Callable[[list[Profile]], ExpertiseIndex]
    shipped: bool = False


def _arguments() -> argparse.Namespace:
    parser = harness.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("lexical", "semantic", "hybrid"), action="append")
    parser.add_argument("--cv", action="store_true", help="Also cross-validate over participants.")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--topics", type=int, default=TOPICS)
    parser.set_defaults(repeat=50, warmup=5)
    return parser.parse_args()


def _label(top: int | None) -> str:
    return "all texts" if top is None else f"top {top}"


def _lexical_label(settings: LexicalSettings) -> str:
    """How a lexical variant compares texts: the cosine, the language model or both."""
    model = f"LM (μ {settings.mu:g}, κ {settings.kappa:g})"
    if settings.language_model == 0.0:
        return "cosine"
    if settings.language_model == 1.0:
        return f"{model} alone"
    return f"cosine + {settings.language_model:.0%} {model}"


def lexical_variants() -> Iterator[Variant]:
    """The cosine alone: word stems of 4 to 8 characters or whole words, by 1, 2, 3, 5 or all
    closest texts, then pairs of words and raw term counts around the best of those. Then the
    cosine blended with 20% to 40% of the language model, μ 100 to 1000, κ 0.5 to 2, by 3 or
    5 closest texts; and the language model alone."""
    from accord.doctoral.expertise.lexical import (
        LEXICAL,
        LEXICAL_TOP,
        LexicalSettings,
        build_lexical_index,
    )

    def variant(settings: LexicalSettings, top: int | None) -> Variant:
        stem = "whole words" if settings.prefix is None else f"prefix {settings.prefix}"
        extras = (" + pairs" if settings.bigrams else "") + (
            ", raw tf" if settings.tf == "raw" else ""
        )
        return Variant(
            "lexical",
            f"lexical {_lexical_label(settings)}, {stem}{extras}, {_label(top)}",
            partial(build_lexical_index, settings=settings, top=top),
            shipped=settings == LEXICAL and top == LEXICAL_TOP,
        )

    for prefix in (None, 4, 5, 6, 7, 8):
        for top in (1, 2, 3, 5, None):
            yield variant(LexicalSettings(prefix=prefix, language_model=0.0), top)
    for prefix in (6, 7):
        for top in (3, 5, None):
            yield variant(LexicalSettings(prefix=prefix, bigrams=True, language_model=0.0), top)
        yield variant(LexicalSettings(prefix=prefix, tf="raw", language_model=0.0), 3)
    for share in (0.2, 0.3, 0.4):
        for mu in (100.0, 300.0, 1000.0):
            for kappa in (0.5, 1.0, 2.0):
                for top in (3, 5):
                    settings = LexicalSettings(language_model=share, mu=mu, kappa=kappa)
                    yield variant(settings, top)
    for mu, kappa in LANGUAGE_MODELS:
        for top in (3, 5):
            yield variant(LexicalSettings(language_model=1.0, mu=mu, kappa=kappa), top)


def semantic_variants() -> Iterator[Variant]:
    """MiniLM on the first 256 tokens or on every 256-token window (averaged), by 1 to 5 or
    all closest texts."""
    from accord.doctoral.expertise.semantic import (
        SEMANTIC_TOP,
        SEMANTIC_WINDOWS,
        build_semantic_index,
    )

    for windows in (1, None):
        for top in (1, 2, 3, 4, 5, None):
            reading = "first 256 tokens" if windows == 1 else "all 256-token windows"
            yield Variant(
                "semantic",
                f"semantic, {reading}, {_label(top)}",
                partial(build_semantic_index, top=top, windows=windows),
                shipped=windows == SEMANTIC_WINDOWS and top == SEMANTIC_TOP,
            )


def hybrid_variants() -> Iterator[Variant]:
    """MiniLM (first 256 tokens) blended text by text, with 50% to 90% on MiniLM, by 2, 3 or 5
    closest texts, with: the lexical cosine (words cut to 6 or 7 characters), the shipped
    lexical model (cosine and language model), or the language model alone."""
    from accord.doctoral.expertise.lexical import LEXICAL, LexicalSettings
    from accord.doctoral.expertise.semantic import (
        HYBRID_LEXICAL,
        HYBRID_TOP,
        HYBRID_WEIGHT,
        build_semantic_index,
    )

    lexicals = [LexicalSettings(prefix=prefix, language_model=0.0) for prefix in (6, 7)]
    lexicals.append(LEXICAL)
    lexicals.extend(
        LexicalSettings(language_model=1.0, mu=mu, kappa=kappa) for mu, kappa in LANGUAGE_MODELS
    )
    for lexical in lexicals:
        described = _lexical_label(lexical)
        if lexical.language_model == 0.0:
            described += f" prefix {lexical.prefix}"
        for weight in (0.5, 0.6, 0.7, 0.8, 0.9):
            for top in (2, 3, 5):
                yield Variant(
                    "hybrid",
                    f"hybrid, {weight:.0%} MiniLM + lexical {described}, {_label(top)}",
                    partial(build_semantic_index, weight=weight, top=top, lexical=lexical),
                    shipped=(weight, top, lexical) == (HYBRID_WEIGHT, HYBRID_TOP, HYBRID_LEXICAL),
                )


FAMILIES = {"lexical": lexical_variants, "semantic": semantic_variants, "hybrid": hybrid_variants}


def _row(name: str, metrics: Metrics, seconds: float | None = None) -> str:
    timing = "" if seconds is None else f" {seconds:.1f} |"
    return f"| {name} | {metrics.loss:.3f} | {metrics.easy:.3f} | {metrics.hard:.3f} |{timing}"


def published(benchmark: Benchmark, data: Path) -> None:
    """The published models' figures, recomputed from their predictions."""
    from accord.doctoral.expertise import goldstandard

    print("Published models, recomputed from their predictions:\n")
    print("| model | loss | easy | hard |\n|---|--:|--:|--:|")
    baselines = goldstandard.load_baselines(data)
    for name in PUBLISHED:
        print(_row(name, goldstandard.evaluate(benchmark, baselines[name])))
    print()


def score_variants(benchmark: Benchmark, variants: list[Variant]) -> dict[str, Tallies]:
    """Predict with every variant, print its figures, and keep its sums for the CV."""
    from accord.doctoral.expertise import goldstandard

    print("Every variant tried (mean of the 10 versions; * shipped default):\n")
    print("| variant | loss | easy | hard | seconds |\n|---|--:|--:|--:|--:|")
    sums: dict[str, Tallies] = {}
    for variant in variants:
        started = time.perf_counter()
        predictions = goldstandard.predict_with(benchmark, variant.build)
        seconds = time.perf_counter() - started
        sums[variant.name] = goldstandard.tallies(benchmark, predictions)
        name = f"{variant.name} *" if variant.shipped else variant.name
        print(_row(name, goldstandard.summary(benchmark, sums[variant.name]), seconds), flush=True)
    print()
    for variant in variants:
        if variant.shipped:
            intervals = goldstandard.bootstrap(sums[variant.name])
            shown = ", ".join(
                f"{k} [{low:.3f}; {high:.3f}]" for k, (low, high) in intervals.items()
            )
            print(f"95% bootstrap intervals, {variant.name}: {shown}")
    print()
    return sums


def cross_validate(
    benchmark: Benchmark, variants: list[Variant], sums: dict[str, Tallies], seed: int
) -> None:
    """Choose on one half of the participants, score on the other, both ways."""
    from accord.doctoral.expertise import goldstandard

    halves = _halves(len(benchmark.participants), seed)
    print(
        f"2-fold cross-validation over participants (seed {seed}, halves of {len(halves[0])}"
        f" and {len(halves[1])}):\n"
    )
    print(
        "| family | fold | chosen on the other half | its loss there | held-out loss | easy | hard |"
    )
    print("|---|--:|---|--:|--:|--:|--:|")
    families = {"any": variants} | {
        family: [v for v in variants if v.family == family] for family in FAMILIES
    }
    for family, members in families.items():
        if not members:
            continue
        held_out = []
        for fold, (choose, test) in enumerate((halves, halves[::-1]), start=1):
            on_choice = {
                v.name: goldstandard.summary(benchmark, sums[v.name][:, choose]) for v in members
            }
            best = min(members, key=lambda v: on_choice[v.name].loss).name
            result = goldstandard.summary(benchmark, sums[best][:, test])
            held_out.append(result)
            print(
                f"| {family} | {fold} | {best} | {on_choice[best].loss:.3f} | {result.loss:.3f} "
                f"| {result.easy:.3f} | {result.hard:.3f} |"
            )
        mean = [statistics.fmean(getattr(m, k) for m in held_out) for k in ("loss", "easy", "hard")]
        print(f"| {family} | mean | | | **{mean[0]:.3f}** | {mean[1]:.3f} | {mean[2]:.3f} |")
    print()
    print_halves(benchmark, variants, sums, halves)


def _halves(count: int, seed: int) -> tuple[list[int], list[int]]:
    """The participants (by position) split in two halves at random, with ``seed``."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return sorted(order[: count // 2]), sorted(order[count // 2 :])


def print_halves(
    benchmark: Benchmark,
    variants: list[Variant],
    sums: dict[str, Tallies],
    halves: tuple[list[int], list[int]],
) -> None:
    """Every variant's loss on each half, and the worse of the two."""
    from accord.doctoral.expertise import goldstandard

    print("Loss of every variant on each half (* shipped default):\n")
    print("| variant | half 1 | half 2 | worse |\n|---|--:|--:|--:|")
    for variant in variants:
        first, second = (
            goldstandard.summary(benchmark, sums[variant.name][:, half]).loss for half in halves
        )
        name = f"{variant.name} *" if variant.shipped else variant.name
        print(f"| {name} | {first:.3f} | {second:.3f} | {max(first, second):.3f} |")
    print()


def made_up_words(seed: int) -> npt.NDArray[np.str_]:
    """A vocabulary of 30,000 made-up words, the most frequent first."""
    generator = np.random.default_rng(seed)
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    return np.array(
        ["".join(generator.choice(syllables, size=generator.integers(2, 5))) for _ in range(30_000)]
    )


def synthetic_texts(
    count: int, seed: int, words: tuple[int, int], vocabulary: npt.NDArray[np.str_]
) -> list[str]:
    """``count`` texts of the ``vocabulary``'s words, drawn with a Zipf-like frequency, each
    between ``words[0]`` and ``words[1]`` words long."""
    generator = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    weights /= weights.sum()
    lengths = generator.integers(words[0], words[1] + 1, size=count)
    drawn = generator.choice(len(vocabulary), size=int(lengths.sum()), p=weights)
    ends = np.cumsum(lengths)
    return [
        " ".join(vocabulary[drawn[end - n : end]]) for n, end in zip(lengths, ends, strict=True)
    ]


def _median_ms(action: Callable[[], object], repeat: int, warmup: int) -> str:
    return f"{statistics.median(harness.timed(action, repeat, warmup)):.1f}"


def _timing_row(
    label: str, index: ExpertiseIndex, built: str, query: str, arguments: argparse.Namespace
) -> None:
    """One row of the speed table: scoring every profile, ranking the 10 best and ranking
    all of them (a handful of runs: explaining every match takes seconds)."""
    runs = (arguments.repeat, arguments.warmup)
    print(
        f"| {label} | {built} | {_median_ms(lambda: index.scores(query), *runs)} "
        f"| {_median_ms(lambda: index.rank(query, 10), *runs)} "
        f"| {_median_ms(lambda: index.rank(query), 3, 1)} |",
        flush=True,
    )


def timing(arguments: argparse.Namespace, semantic: bool) -> None:
    """Index build time and the time to score and rank one query, on generated topics."""
    from accord.doctoral.expertise import Profile
    from accord.doctoral.expertise.lexical import LEXICAL, LexicalSettings, build_lexical_index

    count = arguments.topics
    vocabulary = made_up_words(arguments.seed)
    topics = synthetic_texts(count, arguments.seed + 1, (40, 150), vocabulary)
    works = synthetic_texts(ADVISERS * PUBLICATIONS, arguments.seed + 2, (80, 200), vocabulary)
    query = synthetic_texts(1, arguments.seed + 3, (150, 150), vocabulary)[0]
    alone = [Profile(n, [text]) for n, text in enumerate(topics)]
    with_works = [
        Profile(n, [text, *works[(n % ADVISERS) * PUBLICATIONS :][:PUBLICATIONS]])
        for n, text in enumerate(topics)
    ]
    print(
        f"Speed on {count:,} generated topics ({arguments.warmup} untimed, then "
        f"{arguments.repeat} timed runs; milliseconds are medians; rank() of all: 3 runs):\n"
    )
    print("| index | build s | scores() ms | rank(limit=10) ms | rank() all ms |")
    print("|---|--:|--:|--:|--:|")
    cosine = LexicalSettings(language_model=0.0)
    for label, profiles in (
        ("topic text only", alone),
        (f"topic + its adviser's {PUBLICATIONS} publications", with_works),
    ):
        for model, settings in (("lexical", LEXICAL), ("lexical cosine alone", cosine)):
            started = time.perf_counter()
            index = build_lexical_index(profiles, settings)
            built = f"{time.perf_counter() - started:.1f}"
            _timing_row(f"{model}, {label}", index, built, query, arguments)
            del index
    if semantic:
        semantic_timing(alone, query, vocabulary, arguments)
    print()


def semantic_timing(
    profiles: list[Profile],
    query: str,
    vocabulary: npt.NDArray[np.str_],
    arguments: argparse.Namespace,
) -> None:
    """Ranking speed with the topics' embeddings already known (random unit vectors put in the
    encoder's cache, as encoding 50,000 texts takes an hour or more on a small CPU), then the
    encoding speed on benchmark-length texts."""
    from accord.doctoral.expertise.semantic import (
        DIMENSIONS,
        HYBRID_LEXICAL,
        HYBRID_TOP,
        HYBRID_WEIGHT,
        build_semantic_index,
        cache_key,
        encoder,
    )

    vectors = np.random.default_rng(arguments.seed).normal(size=(len(profiles), DIMENSIONS))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cache = encoder().cache
    for profile, vector in zip(profiles, vectors.astype(np.float32), strict=True):
        cache[cache_key(profile.texts[0], 1)] = vector
    for label, build in (
        ("semantic", partial(build_semantic_index, profiles)),
        (
            "hybrid",
            partial(
                build_semantic_index, profiles, HYBRID_WEIGHT, HYBRID_TOP, lexical=HYBRID_LEXICAL
            ),
        ),
    ):
        started = time.perf_counter()
        index = build()
        built = f"{time.perf_counter() - started:.1f}"
        _timing_row(f"{label}, topic text only (embeddings known)", index, built, query, arguments)
    texts = synthetic_texts(64, arguments.seed + 4, (150, 200), vocabulary)
    started = time.perf_counter()
    encoder().encode(texts)
    encoded = time.perf_counter() - started
    print(
        f"\nMiniLM encoding: {len(texts)} texts of 150-200 words in {encoded:.1f} s "
        f"({encoded / len(texts) * 1000:.0f} ms a text)."
    )


def print_libraries() -> None:
    """The versions of the numerical libraries the models run on."""
    for name in ("numpy", "scipy", "onnxruntime", "tokenizers"):
        try:
            print(f"{name:>12}: {version(name)}")
        except PackageNotFoundError:
            print(f"{name:>12}: not installed")
    print()


def _run(arguments: argparse.Namespace) -> None:
    from accord.doctoral.expertise import goldstandard, semantic_available

    families = arguments.model or (list(FAMILIES) if semantic_available() else ["lexical"])
    harness.print_environment(arguments)
    print_libraries()
    benchmark = goldstandard.load(arguments.data)
    published(benchmark, arguments.data)
    variants = [variant for family in families for variant in FAMILIES[family]()]
    sums = score_variants(benchmark, variants)
    if arguments.cv:
        cross_validate(benchmark, variants, sums, arguments.seed)
    timing(arguments, semantic=any(family != "lexical" for family in families))


if __name__ == "__main__":
    harness.main(_run, _arguments())
