"""Style measures: does a text write like the creator? Pure Python, no model.

Each measure compares a set of texts (a model's generations) with the creator's real transcripts:

- pacing: words per sentence (mean) and its spread (standard deviation across sentences);
- vocabulary: type/token ratio as a moving average over fixed windows (MATTR), so that short
  generations and long transcripts are comparable;
- function-word profile: relative frequencies of English function words (a classic stylometric
  fingerprint that topic does not move); distance is half the L1 distance between profiles (0..1);
- recurring phrases: word n-grams the creator repeats across many training transcripts (catchphrases,
  sign-offs), counted per 1,000 words.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*\n")

FUNCTION_WORDS: tuple[str, ...] = tuple(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)
_FUNCTION_SET = frozenset(FUNCTION_WORDS)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters/digits, inner apostrophes kept)."""
    return [w.lower() for w in _WORD.findall(text)]


def sentences(text: str) -> list[str]:
    """Sentences split at ``.``, ``!``, ``?`` (and blank lines); empty pieces dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip() and words(s)]


def sentence_lengths(text: str) -> list[int]:
    """Words per sentence for every sentence of ``text``."""
    return [len(words(s)) for s in sentences(text)]


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    if not values:
        return math.nan, math.nan
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return mean, math.sqrt(var)


def mattr(tokens: Sequence[str], window: int = 50) -> float:
    """Moving-average type/token ratio; plain TTR when the text is shorter than the window."""
    if not tokens:
        return math.nan
    if len(tokens) <= window:
        return len(set(tokens)) / len(tokens)
    counts = Counter(tokens[:window])
    total = len(counts)
    for i in range(window, len(tokens)):
        out, new = tokens[i - window], tokens[i]
        counts[out] -= 1
        if counts[out] == 0:
            del counts[out]
        counts[new] += 1
        total += len(counts)
    return total / (window * (len(tokens) - window + 1))


def function_word_profile(texts: Iterable[str]) -> dict[str, float]:
    """Relative frequency of each function word among all function-word tokens of ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in words(text) if w in _FUNCTION_SET)
    total = sum(counts.values())
    return {w: (counts[w] / total if total else 0.0) for w in FUNCTION_WORDS}


def profile_distance(a: dict[str, float], b: dict[str, float]) -> float:
    """Total variation distance of profile ``a`` from reference ``b`` (0 = identical, 1 = disjoint).

    A text without any function word is maximally far (1.0); an empty reference gives nan."""
    if not any(b.values()):
        return math.nan
    if not any(a.values()):
        return 1.0
    return 0.5 * sum(abs(a.get(w, 0.0) - b.get(w, 0.0)) for w in FUNCTION_WORDS)


def _ngrams(tokens: Sequence[str], n: int) -> Iterable[tuple[str, ...]]:
    return (tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def mine_phrases(
    texts: Sequence[str],
    *,
    min_n: int = 2,
    max_n: int = 6,
    min_doc_frac: float = 0.3,
    min_docs: int = 2,
    top_k: int = 20,
) -> list[str]:
    """The creator's recurring phrases: n-grams found in many of ``texts`` (the training split).

    An n-gram qualifies when it occurs in at least ``max(min_docs, min_doc_frac * len(texts))``
    documents and is not made only of function words. Shorter n-grams contained in a kept longer
    one with (nearly) the same document frequency are dropped, so a catchphrase counts once.
    """
    docs = [words(t) for t in texts]
    need = max(min_docs, math.ceil(min_doc_frac * len(docs)))
    df: Counter[tuple[str, ...]] = Counter()
    for toks in docs:
        seen: set[tuple[str, ...]] = set()
        for n in range(min_n, max_n + 1):
            seen.update(_ngrams(toks, n))
        df.update(seen)
    cands = {g: c for g, c in df.items() if c >= need and not all(w in _FUNCTION_SET for w in g)}
    kept: list[tuple[str, ...]] = []
    for g in sorted(cands, key=lambda g: (-len(g), -cands[g], g)):
        if any(_contains(k, g) and cands[k] >= 0.8 * cands[g] for k in kept):
            continue
        kept.append(g)
    kept.sort(key=lambda g: (-cands[g] * len(g), g))
    return [" ".join(g) for g in kept[:top_k]]


def _contains(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    n = len(small)
    return len(big) > n and any(big[i : i + n] == small for i in range(len(big) - n + 1))


def phrase_count(text_words: Sequence[str], phrases: Sequence[str]) -> int:
    """How many times any of ``phrases`` occurs in a word sequence."""
    total = 0
    for phrase in phrases:
        p = tuple(phrase.split())
        total += sum(1 for g in _ngrams(text_words, len(p)) if g == p)
    return total


@dataclass(frozen=True)
class StyleScores:
    """Style of a set of texts. ``fw_distance`` is measured against the reference texts."""

    n_texts: int
    n_words: int
    words_per_sentence: float
    sentence_spread: float
    type_token_ratio: float
    fw_distance: float
    phrases_per_1k: float

    def as_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def style_scores(
    texts: Sequence[str],
    *,
    reference_profile: dict[str, float],
    phrases: Sequence[str],
    ttr_window: int = 50,
) -> StyleScores:
    """Score ``texts`` as one corpus: pacing, TTR, function-word distance to the reference, phrase rate."""
    lengths: list[int] = []
    ttrs: list[float] = []
    n_words = n_phrases = 0
    for text in texts:
        toks = words(text)
        n_words += len(toks)
        lengths.extend(sentence_lengths(text))
        if toks:
            ttrs.append(mattr(toks, ttr_window))
        n_phrases += phrase_count(toks, phrases)
    mean, spread = _mean_std([float(x) for x in lengths])
    return StyleScores(
        n_texts=len(texts),
        n_words=n_words,
        words_per_sentence=mean,
        sentence_spread=spread,
        type_token_ratio=(sum(ttrs) / len(ttrs)) if ttrs else math.nan,
        fw_distance=profile_distance(function_word_profile(texts), reference_profile),
        phrases_per_1k=(1000.0 * n_phrases / n_words) if n_words else math.nan,
    )
