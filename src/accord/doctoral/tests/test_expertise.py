"""Expertise ranking: words in any language, the lexical model and the index, the semantic
model (when its packages are installed) and the explanations of a match."""

from __future__ import annotations

import importlib.util
import math
import uuid
from collections import Counter
from importlib.machinery import ModuleSpec

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.doctoral.expertise import MODELS, Profile, build_index, semantic_available
from accord.doctoral.expertise.lexical import (
    EXPLAINED_FROM_TEXTS,
    EXPLAINED_TERMS,
    EXPLAINED_TEXTS,
    Corpus,
    LexicalSettings,
    LexicalSpace,
    build_lexical_index,
    top_mean,
)
from accord.doctoral.expertise.text import fold, surface_forms, terms, words

ADVISERS = [
    Profile(
        "graphs",
        [
            "Graph neural networks for molecules. Message passing networks predict molecular "
            "properties from atoms and bonds.",
            "Scalable graph partitioning. We partition large graphs across machines.",
            "A survey of medieval poetry. Courtly love in the troubadour tradition.",
        ],
    ),
    Profile(
        "soils",
        [
            "Ґрунтові мікроорганізми та родючість ґрунтів. Ми вивчаємо мікробні спільноти "
            "чорноземів України.",
        ],
    ),
    Profile(
        "oil",
        [
            "Neft yataqlarının işlənməsi. Xəzər dənizində neft hasilatının səmərəliliyi "
            "araşdırılır.",
        ],
    ),
    Profile("nobody", []),
]


# Words ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "plain"),
    [("Ölçü", "olcu"), ("İnformasiya", "informasiya"), ("ISTILIK", "istilik"), ("Ґрунт", "ґрунт")],
)
def test_folding_ignores_case_accents_and_the_dot_of_i(written: str, plain: str) -> None:
    assert fold(written) == fold(plain)


def test_a_ukrainian_apostrophe_keeps_the_word_whole_in_any_of_its_forms() -> None:
    assert words("об'єкт") == words("об’єкт") == words("обʼєкт") == ["обєкт"]


def test_terms_drop_function_words_of_each_language_and_numbers() -> None:
    assert terms("the networks of 2024 and і та для və ilə üçün", prefix=None) == ("networks",)


def test_terms_are_prefixes_and_pairs_follow_them() -> None:
    assert terms("Neural networks learning", prefix=6) == ("neural", "networ", "learni")
    assert terms("Neural networks learning", prefix=6, bigrams=True)[3:] == (
        "neural networ",
        "networ learni",
    )


def test_surface_forms_give_the_words_as_written() -> None:
    forms = surface_forms("Родючість ґрунтів і Ölçü", prefix=6)
    assert forms["родючі"] == "родючість"
    assert forms["ґрунті"] == "ґрунтів"
    assert forms["olcu"] == "ölçü"
    assert forms["родючі ґрунті"] == "родючість ґрунтів"


# Lexical model and index --------------------------------------------------------------------


COSINE = LexicalSettings(language_model=0.0)
LANGUAGE_MODEL = LexicalSettings(language_model=1.0)


def test_cosines_lie_in_zero_one_and_a_text_is_closest_to_itself() -> None:
    texts = [text for profile in ADVISERS for text in profile.texts]
    space = LexicalSpace(texts, COSINE)
    for text in texts:
        similarities = space.similarities(text)
        assert similarities.min() >= 0
        assert similarities.max() == pytest.approx(1.0)
        assert similarities[texts.index(text)] == pytest.approx(1.0)
    assert not space.similarities("Quantum chromodynamics on the lattice").any()


@pytest.mark.parametrize("lexical", [LexicalSettings(), LANGUAGE_MODEL])
def test_blended_similarities_lie_in_zero_one_and_need_a_shared_word(
    lexical: LexicalSettings,
) -> None:
    texts = [text for profile in ADVISERS for text in profile.texts]
    space = LexicalSpace(texts, lexical)
    for text in texts:
        similarities = space.similarities(text)
        assert similarities.min() >= 0
        assert similarities.max() < 1
        assert similarities[texts.index(text)] > 0
    assert not space.similarities("Quantum chromodynamics on the lattice").any()


def naive_contributions(
    texts: list[str], query: str, share: float = 0.3, mu: float = 300, kappa: float = 1
) -> list[dict[str, float]]:
    """For each text, what each term it shares with the query adds to their similarity, written
    out term by term: (1 - share) × the cosine of the 1 + ln tf, smoothed-IDF vectors + share ×
    the bounded language model."""
    counts = [Counter(terms(text)) for text in texts]
    collection: Counter[str] = Counter()
    for found in counts:
        collection.update(found)
    documents = Counter(term for found in counts for term in found)
    idf = {term: math.log(1 + (len(texts) + 1) / (n + 1)) for term, n in documents.items()}
    total, size = sum(collection.values()), len(collection)
    asked = Counter(terms(query))
    tf = {term: 1 + math.log(n) for term, n in asked.items()}
    unseen = math.log(1 + len(texts) + 1)
    weighted = {term: tf[term] * idf.get(term, unseen) for term in asked}
    length = math.sqrt(sum(value**2 for value in weighted.values()))
    contributions = []
    for found in counts:
        vector = {term: (1 + math.log(n)) * idf[term] for term, n in found.items()}
        norm = math.sqrt(sum(value**2 for value in vector.values()))
        shares = {}
        for term in (term for term in asked if term in found):
            cosine = weighted[term] * vector[term] / (length * norm)
            probability = (collection[term] + 0.5) / (total + 0.5 * size)
            x = math.log(1 + found[term] / (mu * probability))
            model = tf[term] * x / (x + kappa) / sum(tf.values())
            shares[term] = (1 - share) * cosine + share * model
        contributions.append(shares)
    return contributions


def naive_similarities(
    texts: list[str], query: str, share: float = 0.3, mu: float = 300, kappa: float = 1
) -> list[float]:
    return [sum(shares.values()) for shares in naive_contributions(texts, query, share, mu, kappa)]


@pytest.mark.parametrize(
    "query",
    [
        "Graph neural networks for molecules",
        "graph graph graph partitioning of molecules, and the unknown word zymurgy",
        "мікробні спільноти ґрунтів",
        "",
    ],
)
@pytest.mark.parametrize(("share", "mu", "kappa"), [(0.3, 300, 1), (0.4, 100, 2), (1.0, 300, 1)])
def test_the_similarity_blends_the_cosine_and_the_language_model(
    query: str, share: float, mu: float, kappa: float
) -> None:
    texts = [text for profile in ADVISERS for text in profile.texts] + ["Graph graph graph."]
    settings = LexicalSettings(language_model=share, mu=mu, kappa=kappa)
    similarities = LexicalSpace(texts, settings).similarities(query)
    assert similarities.tolist() == pytest.approx(
        naive_similarities(texts, query, share, mu, kappa)
    )


def test_the_language_model_weighs_rare_words_and_saturates_repetition() -> None:
    common = "rivers " * 5
    texts = [f"{common} lakes", f"{common} glaciers", common, "rivers glaciers glaciers glaciers"]
    space = LexicalSpace(texts, LANGUAGE_MODEL)
    lakes, rivers = space.similarities("lakes")[0], space.similarities("rivers")[0]
    assert lakes > rivers  # "lakes", in one text, says more than "rivers", in all four
    once, thrice = space.similarities("glaciers")[[1, 3]]
    assert once < thrice < 3 * once
    # A query word no text holds halves the mean: it counts, as a word found nowhere.
    assert space.similarities("lakes zymurgy")[0] == pytest.approx(lakes / 2)


def test_the_language_models_share_is_a_share() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        LexicalSpace(["text"], LexicalSettings(language_model=1.5))


def test_each_language_finds_its_adviser() -> None:
    index = build_index(ADVISERS)
    assert index.rank("мікробні спільноти ґрунту", limit=1)[0].key == "soils"
    assert index.rank("Xəzər neft hasilatı", limit=1)[0].key == "oil"
    assert index.rank("molecular graph networks", limit=1)[0].key == "graphs"


def test_a_match_shows_the_shared_words_as_the_query_writes_them_and_the_closest_texts() -> None:
    index = build_lexical_index(ADVISERS, top=1)
    best = index.rank("Message passing on a molecular Graph", limit=1)[0]
    assert best.key == "graphs"
    assert best.evidence[0] == 0
    assert set(best.terms) == {"message", "passing", "molecular", "graph"}
    assert len(best.evidence) <= EXPLAINED_TEXTS


def test_shared_terms_are_ranked_by_what_they_add_to_the_closest_texts() -> None:
    texts = [
        "Graph neural networks for molecules. Message passing networks predict molecular "
        "properties of molecules from atoms and bonds.",
        "Graph partitioning of networks. Graph graph networks.",
        "Poetry of the troubadours.",
        "Molecules and atoms in graph neural networks.",
    ]
    query = "Graph networks of molecules, atoms, bonds and neural message passing in graphs"
    match = build_lexical_index([Profile("p", texts)], top=2).rank(query, limit=1)[0]
    similarities = naive_similarities(texts, query)
    closest = sorted(range(len(texts)), key=lambda i: -similarities[i])[:2]
    assert match.evidence == tuple(closest)
    summed: Counter[str] = Counter()
    for i in closest:
        summed.update(naive_contributions(texts, query)[i])
    forms = surface_forms(query)
    assert match.terms == tuple(forms[term] for term, _ in summed.most_common(EXPLAINED_TERMS))


def test_a_long_ranking_is_explained_as_each_match_alone() -> None:
    words = [
        "graph",
        "network",
        "molecule",
        "atom",
        "bond",
        "poetry",
        "river",
        "glacier",
        "lake",
        "soil",
    ]
    profiles = [
        Profile(n, [" ".join(words[(n + k) % 10] for k in range(n % 4 + 2)), words[n % 10]])
        for n in range(3 * EXPLAINED_FROM_TEXTS)
    ]
    index = build_lexical_index(profiles)
    query = "graph molecule atom river lake poetry"
    alone = {key: index.rank(query, among={key})[0].terms for key in range(len(profiles))}
    assert {match.key: match.terms for match in index.rank(query)} == alone


def test_explanations_are_bounded_and_strongest_first() -> None:
    text = " ".join(f"word{n} " * (n + 1) for n in range(12))
    index = build_lexical_index([Profile("all", [text, text + " extra", "unrelated"])])
    match = index.rank(text, limit=1)[0]
    assert len(match.terms) == EXPLAINED_TERMS
    assert match.terms[0] == "word11"
    assert match.evidence == (0, 1)


def test_a_profile_scores_the_mean_of_its_closest_texts() -> None:
    texts = [text for profile in ADVISERS for text in profile.texts]
    query = "graph networks for molecules and poetry"
    own = np.sort(LexicalSpace(texts).similarities(query)[:3])[::-1]
    for top, expected in ((1, own[0]), (2, own[:2].mean()), (5, own.mean()), (None, own.mean())):
        scores = build_lexical_index(ADVISERS, top=top).scores(query)
        assert scores["graphs"] == pytest.approx(expected)


def test_ranking_is_best_first_limited_and_stable_among_equals() -> None:
    profiles = [Profile(n, ["the same text about rivers"]) for n in range(4)]
    index = build_lexical_index([*profiles, Profile("other", ["rivers and lakes and seas"])])
    ranked = index.rank("the same text about rivers")
    assert [match.key for match in ranked] == [0, 1, 2, 3, "other"]
    assert [match.key for match in index.rank("rivers", limit=2)] == [0, 1]


def test_texts_shared_by_profiles_are_indexed_once_and_score_alike() -> None:
    work = "Hydrology of mountain rivers."
    corpus = Corpus.of([Profile("a", [work, "Topic A on glaciers."]), Profile("b", [work])])
    assert corpus.texts == [work, "Topic A on glaciers."]
    assert corpus.members.tolist() == [0, 1, 0]


def test_a_tiny_corpus_still_scores_a_shared_word() -> None:
    index = build_index([Profile("only", ["Glacier hydrology"])])
    assert index.scores("glacier melt")["only"] > 0


def test_empty_profiles_queries_and_indexes_score_nothing() -> None:
    index = build_index(ADVISERS)
    assert index.scores("molecules")["nobody"] == 0
    assert set(index.scores("").values()) == {0.0}
    assert index.rank("", limit=1)[0].terms == ()
    assert build_index([]).rank("anything") == []
    assert build_index([]).scores("anything") == {}


def test_models_are_named() -> None:
    assert MODELS == ("lexical", "semantic", "hybrid")
    with pytest.raises(ValueError, match="lexical, semantic, hybrid"):
        build_index(ADVISERS, "neural")


def test_raw_term_counts_weigh_repetition_fully() -> None:
    texts = ["rivers rivers rivers lakes", "lakes"]
    logarithmic = LexicalSpace(texts).similarities("rivers")[0]
    raw = LexicalSpace(texts, LexicalSettings(tf="raw")).similarities("rivers")[0]
    assert raw > logarithmic


def naive_top_mean(groups: list[list[float]], top: int | None) -> list[float]:
    return [float(np.mean(sorted(group, reverse=True)[:top])) if group else 0.0 for group in groups]


@given(
    st.lists(st.lists(st.sampled_from([0.0, 0.1, 0.5, 0.5, 0.9, 1.0]), max_size=7), max_size=6),
    st.sampled_from([1, 2, 3, 5, None]),
)
def test_top_mean_is_the_mean_of_each_groups_largest_values(
    groups: list[list[float]], top: int | None
) -> None:
    sizes = np.array([len(group) for group in groups], dtype=np.int64)
    values = np.array([value for group in groups for value in group])
    result = top_mean(values, np.cumsum(sizes) - sizes, sizes, top)
    assert result.tolist() == pytest.approx(naive_top_mean(groups, top))


# Semantic model -----------------------------------------------------------------------------

needs_semantic = pytest.mark.skipif(
    not semantic_available(), reason="the semantic model's packages are not installed"
)


def test_a_missing_package_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from accord.doctoral.expertise import semantic

    original = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> ModuleSpec | None:
        return None if name == semantic.MODEL[0] else original(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert not semantic_available()
    with pytest.raises(
        semantic.SemanticModelUnavailable, match=r"pip install 'accord\[semantic\]'"
    ):
        semantic.package_file(*semantic.MODEL)


@needs_semantic
def test_a_file_with_another_hash_is_refused() -> None:
    from accord.doctoral.expertise import semantic

    with pytest.raises(semantic.SemanticModelUnavailable, match="SHA-256"):
        semantic.verified(*semantic.TOKENIZER, "0" * 64)


@needs_semantic
def test_embeddings_are_unit_vectors_and_computed_once_per_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from accord.doctoral.expertise.semantic import Encoder, encoder

    text = f"Message passing networks for molecules {uuid.uuid4()}"
    first = encoder().encode([text, text])
    assert np.linalg.norm(first, axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)

    def refuse(*arguments: object) -> None:
        raise AssertionError("encoded again")

    monkeypatch.setattr(Encoder, "_embed", refuse)
    assert np.array_equal(encoder().encode([text]), first[:1])


@needs_semantic
def test_a_long_text_can_be_read_window_by_window() -> None:
    from accord.doctoral.expertise.semantic import encoder

    long = " ".join(f"Sentence {n} is about rivers and {uuid.uuid4()}." for n in range(80))
    first, every = encoder().encode([long], 1), encoder().encode([long], None)
    assert np.linalg.norm(every) == pytest.approx(1.0, abs=1e-5)
    assert not np.allclose(first, every)


@needs_semantic
@pytest.mark.parametrize("model", ["semantic", "hybrid"])
def test_meaning_ranks_related_work_first_and_explains_it(model: str) -> None:
    poetry = Profile("poetry", [ADVISERS[0].texts[2]])
    index = build_index([ADVISERS[0], poetry], model)
    ranked = index.rank("Deep learning on molecular structures and chemical bonds")
    assert [match.key for match in ranked] == ["graphs", "poetry"]
    assert ranked[0].evidence[0] == 0
    assert 0 <= ranked[1].score < ranked[0].score <= 1
    assert "bonds" in ranked[0].terms
