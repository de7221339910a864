"""The lexical expertise model, and the index every model ranks profiles with.

The similarity of a query to a text blends two measures of their shared :mod:`.text` terms,
each a value in [0, 1] and 0 when they share no term:

- the **cosine** of their term vectors: each term weighted by its sublinear frequency in the
  text (1 + ln n) times its inverse document frequency, the vector scaled to unit length; 1 when
  they use the same terms in the same proportions. The document frequencies are counted over
  the indexed texts with the query as one more text, and smoothed (ln(1 + N/df)), so that a term
  found in every text still counts a little and five texts are enough for usable weights;
- a bounded **language model** of the text: each query term w found n times in the text counts
  x = ln(1 + n / (μ·p(w))), where p(w) is the term's smoothed share of all the terms of the
  indexed texts, saturated to x / (x + κ); the query's terms are averaged, each weighing
  1 + ln of its count in the query (a term no indexed text holds counts 0). A rare term found
  in the text weighs near 1, a common one little, and repeating it helps less and less.

The shipped model takes 70% of the cosine and 30% of the language model, with μ = 100 and
κ = 2 (:data:`LEXICAL`).

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
EXPLAINED_TEXTS = 5
#: How many matches of one query are explained from their texts (cheap for a few), before the
#: query's columns of the whole index are gathered text by text (cheap for many).
EXPLAINED_FROM_TEXTS = 20


@dataclass(frozen=True)
class Profile:
    """What is known of one adviser or topic: its texts, each a title and abstract (joined by
    ". ") or a description."""

    key: Hashable
    texts: Sequence[str]


@dataclass(frozen=True)
class Match:
    """A profile's score for a query, with what drove it: the shared terms that weigh most
    (strongest first, as the query writes them) and the indexes of the profile's texts its
    score is the mean of, those closest to the query (strongest first)."""

    key: Hashable
    score: float
    terms: tuple[str, ...]
    evidence: tuple[int, ...]


@dataclass(frozen=True)
class LexicalSettings:
    """How texts become terms and how two texts' terms are compared.

    ``prefix``: words are cut to this many characters (None: whole words).
    ``bigrams``: pairs of adjacent words count as terms too.
    ``tf``: how a term found n times in a text (or the query) counts: "log" 1 + ln n, "raw" n.
    ``language_model``: the share of the language model in the similarity, the rest being the
    cosine (0: the cosine alone, 1: the language model alone).
    ``mu``: the language model's smoothing, in terms: a term found in a text as often as in
    ``mu`` terms of all the indexed texts taken together counts x = ln 2.
    ``kappa``: the language model's saturation: a term counts x / (x + ``kappa``).
    """

    prefix: int | None = 6
    bigrams: bool = False
    tf: Literal["log", "raw"] = "log"
    language_model: float = 0.3
    mu: float = 100.0
    kappa: float = 2.0

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
    """A query in a lexical space: the columns (vocabulary indexes) of its terms that some text
    holds, and its weight on each of them in each measure blended (``weights``: the terms'
    weights for the first measure, then for the next, each measure's share included). Its
    similarity to a text is the sum of those weights times the terms' values in the text."""

    columns: Indexes
    weights: Vector


class LexicalSpace:
    """The terms of a fixed list of texts, and the similarity of a query to each: the cosine of
    their term vectors blended with a bounded language model of the text (see the module's
    description)."""

    def __init__(self, texts: Sequence[str], settings: LexicalSettings | None = None) -> None:
        self.settings = settings or LexicalSettings()
        share = self.settings.language_model
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"The language model's share must lie in [0, 1], not {share}.")
        self.texts = texts
        self.vocabulary: dict[str, int] = {}
        counts = self._counts(texts)
        self.terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        # The cosine's inverse document frequencies and each text's inverse vector length.
        document_frequency = np.bincount(counts.indices, minlength=len(self.vocabulary))
        with_query = len(texts) + 1
        self.idf = np.log1p(with_query / (document_frequency + 1.0))
        self.unseen_idf = float(np.log1p(with_query))
        weighted = counts.copy()
        weighted.data = self.settings.frequency_weights(counts.data) * self.idf[counts.indices]
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        self.inverse_norms = 1.0 / np.maximum(norms, 1e-12)
        # The language model's share of each term among all the terms of the texts, smoothed.
        collection = np.asarray(counts.sum(axis=0)).ravel()
        self.probability = (collection + 0.5) / (collection.sum() + 0.5 * len(self.vocabulary))
        # The measures blended, with their shares; the values of each for every text (rows) and
        # term, side by side in one matrix, of which a query picks its terms' columns.
        self.measures = [
            (measure, weight)
            for measure, weight in (("cosine", 1.0 - share), ("language model", share))
            if weight > 0.0
        ]
        rows = np.repeat(np.arange(len(texts)), np.diff(counts.indptr))
        blocks = []
        for measure, _ in self.measures:
            values = counts.copy()
            values.data = self._values(measure, counts.data, counts.indices, rows)
            blocks.append(values)
        self.matrix = sparse.csc_matrix(sparse.hstack(blocks, format="csr"))

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

    def _values(self, measure: str, counts: Vector, columns: Indexes, rows: Indexes) -> Vector:
        """A measure's value for terms found ``counts`` times (at least once) in texts:
        the term's weight in the text's unit vector for the cosine, x / (x + κ) with
        x = ln(1 + n / (μ·p)) for the language model."""
        if measure == "cosine":
            weights = self.settings.frequency_weights(counts) * self.idf[columns]
            return weights * self.inverse_norms[rows]
        ratio = np.log1p(counts / (self.settings.mu * self.probability[columns]))
        return ratio / (ratio + self.settings.kappa)

    def vector(self, query: str) -> QueryVector:
        """The query's vector. The terms no indexed text holds lengthen it for the cosine, and
        count in the language model's mean as terms found in no text."""
        counts = Counter(self.settings.terms(query))
        known = {self.vocabulary[t]: n for t, n in counts.items() if t in self.vocabulary}
        unseen = [n for t, n in counts.items() if t not in self.vocabulary]
        columns = np.fromiter(known, dtype=np.int64, count=len(known))
        frequency = self.settings.frequency_weights
        known_weights = frequency(np.fromiter(known.values(), dtype=np.float64))
        unseen_weights = frequency(np.array(unseen, dtype=np.float64))
        weights: list[Vector] = []
        for measure, share in self.measures:
            if measure == "cosine":
                terms = known_weights * self.idf[columns]
                unseen_terms = unseen_weights * self.unseen_idf
                length = np.sqrt(terms @ terms + unseen_terms @ unseen_terms)
            else:
                terms = known_weights
                length = known_weights.sum() + unseen_weights.sum()
            weights.append(share * (terms / length if length else terms))
        return QueryVector(columns, np.concatenate(weights))

    def _block(self, vector: QueryVector) -> sparse.csc_matrix:
        """The values of the query's terms in every text (rows), measure by measure, in the
        order of ``vector.weights``."""
        width = len(self.vocabulary)
        picked = np.concatenate([vector.columns + n * width for n in range(len(self.measures))])
        return self.matrix[:, picked]

    def similarities(self, query: str) -> Vector:
        """The similarity of ``query`` to every text, in [0, 1]."""
        vector = self.vector(query)
        return np.asarray(self._block(vector) @ vector.weights).ravel()

    def prefetch(self, queries: Iterable[str]) -> None:
        """Nothing to prepare: a query's vector costs less than looking it up."""

    def contributions(self, vector: QueryVector, rows: Indexes) -> Vector:
        """What each of the query's terms (``vector.columns``) adds to the summed similarity of
        the texts ``rows``, all measures together, read from the texts themselves."""
        found = np.zeros((len(rows), len(vector.columns)))
        for row, text in zip(found, (self.texts[i] for i in rows), strict=True):
            counts = Counter(self.settings.terms(text))
            row[:] = [counts[self.terms[column]] for column in vector.columns]
        present = np.nonzero(found)
        columns, texts = vector.columns[present[1]], np.asarray(rows)[present[0]]
        shares = np.zeros((len(self.measures), len(vector.columns)))
        for n, (measure, _) in enumerate(self.measures):
            values = self._values(measure, found[present], columns, texts)
            np.add.at(shares[n], present[1], values)
        return (shares * vector.weights.reshape(shares.shape)).sum(axis=0)

    def explainer(self, query: str) -> Callable[[Indexes], tuple[str, ...]]:
        """A function that names the terms ``query`` shares with given texts (rows), those
        that add most to their summed similarity first, as the query writes them.

        The first few calls read the texts asked about; later ones (a long ranking explained)
        read the query's columns of the index, gathered text by text once."""
        vector = self.vector(query)
        forms = surface_forms(query, self.settings.prefix)
        by_text: list[sparse.csr_matrix] = []
        calls = 0

        def shared(rows: Indexes) -> tuple[str, ...]:
            nonlocal calls
            if not len(rows) or not len(vector.columns):
                return ()
            calls += 1
            if calls <= EXPLAINED_FROM_TEXTS:
                shares = self.contributions(vector, rows)
            else:
                if not by_text:
                    by_text.append(sparse.csr_matrix(self._block(vector)))
                summed = np.asarray(by_text[0][rows].sum(axis=0)).ravel() * vector.weights
                shares = summed.reshape(len(self.measures), -1).sum(axis=0)
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
    publication in each of their topics) is indexed once. A match is explained by those closest
    texts (the evidence) and by the terms they share with the query, ranked by what each adds to
    their lexical similarity: the terms come from the lexical space, whatever the blend.
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
            evidence=tuple(drivers[:EXPLAINED_TEXTS]),
        )


#: The shipped lexical model (chosen on the gold-standard benchmark, see docs/benchmarks.md):
#: words cut to 6 characters, no pairs; 70% cosine and 30% language model (μ 100, κ 2); each
#: profile scored by its 5 texts closest to the query.
LEXICAL = LexicalSettings()
LEXICAL_TOP = 5


def build_lexical_index(
    profiles: Iterable[Profile], settings: LexicalSettings = LEXICAL, top: int | None = LEXICAL_TOP
) -> ExpertiseIndex:
    """An index that ranks ``profiles`` with the lexical model alone."""
    corpus = Corpus.of(profiles)
    space = LexicalSpace(corpus.texts, settings)
    return ExpertiseIndex(corpus, space, [(1.0, space)], top)
