"""Expertise ranking: how well an adviser's or a topic's texts fit a query.

A :class:`Profile` is a key (an adviser, a topic) and its texts (publications as title and
abstract, a topic's description). :func:`build_index` indexes profiles once; the index then
gives every profile a score for a query, in [0, 1] and on the same scale for every profile (the
mean similarity of its few texts closest to the query), and :meth:`ExpertiseIndex.rank` orders
them with the shared terms and texts that explain each score.

Models (:data:`MODELS`):

- ``lexical`` (the default): weighted word overlap, in any language, no neural network
  (:mod:`.lexical`);
- ``semantic``: sentence embeddings of all-MiniLM-L6-v2, an English model (:mod:`.semantic`,
  which says how to install it);
- ``hybrid``: 60% of the semantic similarity and 40% of the lexical language model.

:mod:`.goldstandard` measures them on a public benchmark of researchers' self-rated expertise.
"""

from __future__ import annotations

from collections.abc import Iterable

from .lexical import ExpertiseIndex, Match, Profile, build_lexical_index
from .semantic import (
    HYBRID_LEXICAL,
    HYBRID_TOP,
    HYBRID_WEIGHT,
    build_semantic_index,
    semantic_available,
)

MODELS = ("lexical", "semantic", "hybrid")

__all__ = ["MODELS", "ExpertiseIndex", "Match", "Profile", "build_index", "semantic_available"]


def build_index(profiles: Iterable[Profile], model: str = "lexical") -> ExpertiseIndex:
    """An index of ``profiles`` that ranks them with ``model``, one of :data:`MODELS`; the
    semantic and hybrid models raise SemanticModelUnavailable when their packages are not
    installed."""
    if model == "lexical":
        return build_lexical_index(profiles)
    if model == "semantic":
        return build_semantic_index(profiles)
    if model == "hybrid":
        return build_semantic_index(profiles, HYBRID_WEIGHT, HYBRID_TOP, lexical=HYBRID_LEXICAL)
    raise ValueError(f"Unknown expertise model {model!r}; choose one of {', '.join(MODELS)}.")
