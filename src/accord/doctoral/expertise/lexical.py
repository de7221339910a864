"""The lexical expertise model, and the index every model ranks profiles with.

A text becomes a vector of term weights: the :mod:`.text` terms, each weighted by its
sublinear frequency in the text (1 + ln n) times its inverse document frequency, the vector
scaled to unit length. Two texts are as similar as the cosine of their vectors, a value in
[0, 1]: 0 when they share no term, 1 when they use the same terms in the same proportions.

The document frequencies are counted over the indexed texts with the query as one more text,
and smoothed (ln(1 + N/df)), so that a term found in every text still counts a little and five
texts are enough for usable weights.

A profile (an adviser's publications, a topic's description) scores the mean similarity of its
``top`` texts closest to the query (of all its texts if it has fewer): one rule for every
profile, so that scores compare across profiles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
from scipy import sparse

from .text import surface_forms, terms

Vector = npt.NDArray[np.float64]
Indexes = npt.NDArray[np.int64]
#: How many shared terms and evidence texts a match shows, at most.
EXPLAINED_TERMS = 8
EXPLAINED_TEXTS = 3


@dataclass(frozen=True)
class Profile:
    """What is known of one adviser or topic: its texts, each a title and abstract (joined by
    ". ") or a description."""

    key: Hashable
    texts: Sequence[str]


@dataclass(frozen=True)
class Match:
    """A profile's score for a query, with what drove it: the shared terms that weigh most
    (strongest first, as the query writes them) and the indexes of the profile's texts closest
    to the query (strongest first)."""

    key: Hashable
    score: float
    terms: tuple[str, ...]
    evidence: tuple[int, ...]


@dataclass(frozen=True)
class LexicalSettings:
    """How texts become term vectors.

    ``prefix``: words are cut to this many characters (None: whole words).
    ``bigrams``: pairs of adjacent words count as terms too.
    ``tf``: how a term found n times in a text counts: "log" 1 + ln n, "raw" n.
    """

    prefix: int | None = 6
    bigrams: bool = False
    tf: Literal["log", "raw"] = "log"

    def terms(self, text: str) -> tuple[str, ...]:
        return terms(text, self.prefix, self.bigrams)

    def frequency_weights(self, counts: Vector) -> Vector:
        return 1.0 + np.log(counts) if self.tf == "log" else counts


class TextSpace(Protocol):
    """Something that tells how close a query is to each of a list of texts."""

    def similarities(self, query: str) -> Vector:
        """One value in [0, 1] per text, in the order of the list."""
        ...

    def prefetch(self, queries: Iterable[str]) -> None:
        """Prepare for these queries at once (a neural model encodes them in batches)."""
        ...


@dataclass(frozen=True)
class QueryVector:
    """A query in a lexical space: the columns of its terms that some text holds, their weights
    in its unit vector, and, for each text (rows), those terms' weights in the text."""

    columns: Indexes
    weights: Vector
    block: sparse.csc_matrix

    def similarities(self) -> Vector:
        return np.asarray(self.block @ self.weights).ravel()


class LexicalSpace:
    """The term vectors of a fixed list of texts, and the cosine of a query to each."""

    def __init__(self, texts: Sequence[str], settings: LexicalSettings | None = None) -> None:
        self.settings = settings or LexicalSettings()
        self.vocabulary: dict[str, int] = {}
        counts = self._counts(texts)
        document_frequency = np.bincount(counts.indices, minlength=len(self.vocabulary))
        with_query = len(texts) + 1
        self.idf = np.log1p(with_query / (document_frequency + 1.0))
        self.unseen_idf = float(np.log1p(with_query))
        self.terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        weighted = counts.copy()
        weighted.data = self.settings.frequency_weights(counts.data) * self.idf[counts.indices]
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        self.matrix = sparse.csc_matrix(sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ weighted)

    def _counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Term counts of ``texts``, a row each, the vocabulary growing as terms appear."""
        columns: list[int] = []
        values: list[int] = []
        pointers = [0]
        for text in texts:
            for term, count in Counter(self.settings.terms(text)).items():
                columns.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                values.append(count)
            pointers.append(len(columns))
        return sparse.csr_matrix(
            (np.array(values, dtype=np.float64), columns, pointers),
            shape=(len(texts), len(self.vocabulary)),
        )

    def vector(self, query: str) -> QueryVector:
        """The query's vector; the terms no indexed text holds only lengthen it."""
        counts = Counter(self.settings.terms(query))
        known = {self.vocabulary[t]: n for t, n in counts.items() if t in self.vocabulary}
        unseen = [n for t, n in counts.items() if t not in self.vocabulary]
        columns = np.fromiter(known, dtype=np.int64, count=len(known))
        frequency = self.settings.frequency_weights
        weights = frequency(np.fromiter(known.values(), dtype=np.float64)) * self.idf[columns]
        unseen_weights = frequency(np.array(unseen, dtype=np.float64)) * self.unseen_idf
        length = np.sqrt(weights @ weights + unseen_weights @ unseen_weights)
        return QueryVector(
            columns=columns,
            weights=weights / length if length else weights,
            block=self.matrix[:, columns],
        )

    def similarities(self, query: str) -> Vector:
        """The cosine of ``query`` to every text, in [0, 1]."""
        return self.vector(query).similarities()

    def prefetch(self, queries: Iterable[str]) -> None:
        """Nothing to prepare: a query's vector costs less than looking it up."""

    def explainer(self, query: str) -> Callable[[Indexes], tuple[str, ...]]:
        """A function that names the terms ``query`` shares with given texts (rows), those
        that add most to their summed similarity first, as the query writes them."""
        vector = self.vector(query)
        by_text = sparse.csr_matrix(vector.block)
        forms = surface_forms(query, self.settings.prefix)

        def shared(rows: Indexes) -> tuple[str, ...]:
            if not len(rows) or not len(vector.columns):
                return ()
            shares = np.asarray(by_text[rows].sum(axis=0)).ravel() * vector.weights
            order = np.argsort(-shares, kind="stable")[:EXPLAINED_TERMS]
            named = (self.terms[vector.columns[i]] for i in order if shares[i] > 0)
            return tuple(forms.get(term, term) for term in named)

        return shared


def top_mean(values: Vector, starts: Indexes, sizes: Indexes, top: int | None) -> Vector:
    """For each group of ``values`` (group g: the ``sizes[g]`` values from ``starts[g]`` on,
    values in [0, 1]), the mean of its ``top`` largest, or of all when it has fewer or ``top``
    is None; 0 for an empty group. Takes ``top`` passes over the values, whatever the groups'
    sizes."""
    scores = np.zeros(len(sizes))
    filled = sizes > 0
    if not filled.any():
        return scores
    firsts, counts = starts[filled], sizes[filled]
    if top is None:
        scores[filled] = np.add.reduceat(values, firsts) / counts
        return scores
    remaining = values.astype(np.float64, copy=True)
    reverse_position = len(values) - np.arange(len(values))
    total = np.zeros(len(firsts))
    for _ in range(min(top, int(counts.max()))):
        largest = np.maximum.reduceat(remaining, firsts)
        total += np.maximum(largest, 0.0)
        is_largest = remaining == np.repeat(largest, counts)
        first_largest = len(values) - np.maximum.reduceat(is_largest * reverse_position, firsts)
        remaining[first_largest] = -np.inf
    scores[filled] = total / np.minimum(counts, top)
    return scores


@dataclass(frozen=True)
class Corpus:
    """Profiles with their texts gathered: each distinct text once (``texts``), and, for each
    profile in turn, which of them it holds (``members``, one entry per text of each
    profile)."""

    profiles: list[Profile]
    texts: list[str]
    members: Indexes

    @classmethod
    def of(cls, profiles: Iterable[Profile]) -> Corpus:
        """The profiles' texts gathered, in the order of the profiles."""
        listed = list(profiles)
        positions: dict[str, int] = {}
        members = [
            positions.setdefault(text, len(positions))
            for profile in listed
            for text in profile.texts
        ]
        return cls(listed, list(positions), np.array(members, dtype=np.int64))


class ExpertiseIndex:
    """Profiles ranked for a query by one text space or a weighted blend of several.

    A profile's score is the mean, over its ``top`` texts closest to the query (all its texts
    when it has fewer, or when ``top`` is None), of the blended text similarity: a value in
    [0, 1] on the same scale for every profile. A text found in several profiles (an adviser's
    publication in each of their topics) is indexed once. The shared terms shown come from the
    lexical space, whatever the blend.
    """

    def __init__(
        self,
        corpus: Corpus,
        lexical: LexicalSpace,
        blend: Sequence[tuple[float, TextSpace]],
        top: int | None,
    ) -> None:
        self.profiles = corpus.profiles
        self.texts = corpus.texts
        self.members = corpus.members
        self.lexical = lexical
        self.blend = blend
        self.top = top
        self.sizes = np.array([len(profile.texts) for profile in self.profiles], dtype=np.int64)
        self.starts = np.cumsum(self.sizes) - self.sizes
        self.positions = {profile.key: i for i, profile in enumerate(self.profiles)}

    def _similarities(self, query: str) -> Vector:
        """The blended similarity of ``query`` to each profile's texts, profile by profile."""
        blended = np.zeros(len(self.texts))
        for weight, space in self.blend:
            blended += weight * space.similarities(query)
        return blended[self.members]

    def prefetch(self, queries: Iterable[str]) -> None:
        """Prepare every space for these queries at once, before they are asked one by one."""
        queries = list(queries)
        for _, space in self.blend:
            space.prefetch(queries)

    def score_array(self, query: str) -> Vector:
        """The score of every profile, in the order they were indexed."""
        return top_mean(self._similarities(query), self.starts, self.sizes, self.top)

    def scores(self, query: str) -> dict[Hashable, float]:
        """Every profile's score for ``query``, by key."""
        keys = (profile.key for profile in self.profiles)
        return dict(zip(keys, self.score_array(query).tolist(), strict=True))

    def rank(
        self, query: str, limit: int | None = None, among: Collection[Hashable] | None = None
    ) -> list[Match]:
        """The profiles (those keyed ``among`` when given), best first (the first indexed first
        among equals), at most ``limit`` of them, each with the shared terms and texts that
        drove its score. Explaining costs more than scoring: on a large index, ask for the few
        matches needed."""
        similarities = self._similarities(query)
        scores = top_mean(similarities, self.starts, self.sizes, self.top)
        if among is None:
            order = np.argsort(-scores, kind="stable")[:limit]
        else:
            chosen = np.array(
                sorted(self.positions[key] for key in among if key in self.positions),
                dtype=np.int64,
            )
            order = chosen[np.argsort(-scores[chosen], kind="stable")][:limit]
        shared = self.lexical.explainer(query)
        return [self._match(int(i), float(scores[i]), similarities, shared) for i in order]

    def _match(
        self,
        position: int,
        score: float,
        similarities: Vector,
        shared: Callable[[Indexes], tuple[str, ...]],
    ) -> Match:
        start, size = int(self.starts[position]), int(self.sizes[position])
        own = similarities[start : start + size]
        closest = [int(i) for i in np.argsort(-own, kind="stable") if own[i] > 0]
        drivers = closest if self.top is None else closest[: self.top]
        return Match(
            key=self.profiles[position].key,
            score=score,
            terms=shared(self.members[start : start + size][drivers]),
            evidence=tuple(closest[:EXPLAINED_TEXTS]),
        )


#: The shipped lexical model (chosen on the gold-standard benchmark, see docs/benchmarks.md):
#: words cut to 6 characters, no pairs, each profile scored by its 5 texts closest to the query.
LEXICAL = LexicalSettings()
LEXICAL_TOP = 5


def build_lexical_index(
    profiles: Iterable[Profile], settings: LexicalSettings = LEXICAL, top: int | None = LEXICAL_TOP
) -> ExpertiseIndex:
    """An index that ranks ``profiles`` with the lexical model alone."""
    corpus = Corpus.of(profiles)
    space = LexicalSpace(corpus.texts, settings)
    return ExpertiseIndex(corpus, space, [(1.0, space)], top)
