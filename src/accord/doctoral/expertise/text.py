"""Turning a text in any language into the terms the lexical model counts.

Every step works on Unicode in general rather than on one language's rules:

- :func:`fold` makes matching insensitive to case, accents and compatibility forms: "Ölçü",
  "olcu" and "ÖLÇÜ" fold alike, as do "Ґрунт" and "ґрунт", or "İnformasiya" and "informasiya";
- :func:`words` cuts a folded text into words with the Unicode word pattern, keeping the
  apostrophe inside Ukrainian (and English) words;
- :func:`terms` drops function words (English, Ukrainian, Azerbaijani) and numbers, cuts every
  word to a fixed-length prefix (a stemmer that needs no language: "networks", "networking" and
  "network" share "networ"; "університету" and "університетами" share "універ"), and may
  add pairs of adjacent words.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from itertools import pairwise

WORD = re.compile(r"\w+")
WRITTEN_WORD = re.compile(r"\w+(?:['’ʼ]\w+)*")
APOSTROPHES = str.maketrans("", "", "'’ʼ")
# The Azerbaijani (and Turkish) dotless ı folds to i, as the dotted İ does once its dot goes.
DOTLESS_I = str.maketrans("ı", "i")

# Function words of English, Ukrainian and Azerbaijani: they say nothing of a field.
FUNCTION_WORDS = """
a about above after again against al all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each et few for from
further had has have having he her here hers herself him himself his how however i if in into is
it its itself just may me might more most must my myself no nor not now of off on once one only
or other our ours ourselves out over own same shall she should so some such than that the their
theirs them themselves then there therefore these they this those through thus to too two under
until up upon us very via was we were what when where whether which while who whom why will with
within without would you your yours yourself yourselves

а або але без бо був буде будуть була були було бути біля в весь вже ви вона вони воно все вся
всі від він де для до з за зі й його кожен кожна кожне коли ми може можуть мають має між на над
лише не ні по при про під після перед своя своє свої свій та так така таке такий також такі те ти
тому тощо той ті тільки у це цей цим цими цих цього цю ця ці цієї через чи чому ще що щоб я як
яка яке який яким якими яких якого якої якщо які є і із інша інше інший інші її їх їхній

amma az belə bir biz bu bütün bəzi da daha deyil də edir edən elə etdi etmiş etmək görə harada
hansı hər həm idi ilə isə ki kimi lakin mən necə niyə nə o olan olaraq oldu olması olunur olur
onlar onun qədər siz sonra sən var ya yaxud yox çox öz özü üçün əvvəl və
"""


@cache
def combining_marks() -> re.Pattern[str]:
    """Any character that combines with the one before it (accents, dots, breves...)."""
    marks = (chr(code) for code in range(sys.maxunicode + 1) if unicodedata.combining(chr(code)))
    return re.compile(f"[{''.join(re.escape(mark) for mark in marks)}]")


def fold(text: str) -> str:
    """``text`` in the form words are compared in: case-folded, compatibility-normalised,
    without accents or other combining marks, dotless ı as i."""
    if text.isascii():
        return text.lower()
    bare = combining_marks().sub("", unicodedata.normalize("NFKD", text.casefold()))
    return unicodedata.normalize("NFC", bare).translate(DOTLESS_I)


def words(text: str) -> list[str]:
    """The folded words of ``text``, apostrophes inside a word removed ("об'єкт" → "обєкт")."""
    return WORD.findall(fold(text).translate(APOSTROPHES))


STOPWORDS = frozenset(words(FUNCTION_WORDS))


def is_content_word(word: str) -> bool:
    """A word worth counting: not a function word, longer than one character, not a number."""
    return len(word) > 1 and word not in STOPWORDS and not word.isdigit()


def stems(text: str, prefix: int | None) -> list[str]:
    """The content words of ``text`` in order, each cut to its first ``prefix`` characters
    (whole when ``prefix`` is None)."""
    return [word[:prefix] for word in words(text) if is_content_word(word)]


def pairs(sequence: list[str]) -> Iterator[str]:
    """Adjacent pairs of ``sequence``, each written "first second"."""
    return (f"{first} {second}" for first, second in pairwise(sequence))


@lru_cache(maxsize=4096)
def terms(text: str, prefix: int | None = 6, bigrams: bool = False) -> tuple[str, ...]:
    """The terms the lexical model counts in ``text``: content-word stems, then, with
    ``bigrams``, the pairs of stems that follow each other. The latest texts are remembered,
    as the same ones tend to come back."""
    single = stems(text, prefix)
    return (*single, *pairs(single)) if bigrams else tuple(single)


def surface_forms(text: str, prefix: int | None = 6) -> dict[str, str]:
    """For each term of ``text`` (stems and pairs of stems), the words of ``text`` it was cut
    from, lower-cased but otherwise as written: "networ" → "networks", "neural networ" →
    "neural networks". The first occurrence wins."""
    forms: dict[str, str] = {}
    previous: tuple[str, str] | None = None
    for match in WRITTEN_WORD.finditer(text):
        written = match.group().lower()
        word = fold(written).translate(APOSTROPHES)
        if not is_content_word(word):
            continue
        stem = word[:prefix]
        forms.setdefault(stem, written)
        if previous is not None:
            forms.setdefault(f"{previous[0]} {stem}", f"{previous[1]} {written}")
        previous = (stem, written)
    return forms
