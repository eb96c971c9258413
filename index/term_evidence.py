"""Term evidence for answer confidence: the query's key words against the knowledge base.

Which of the query's words (weighted by IDF within the knowledge base; a synonym counts as
the word) the closest passages contain, which the knowledge base never uses at all, and
which known words no close passage mentions. Plain functions over the BM25 vocabulary and
compact passage text, so each can be checked by hand; index/confidence.py weighs them.
"""

from __future__ import annotations

import re

import numpy as np

from index import answer_type

_NON_WORD = re.compile(r"[^\w\u4e00-\u9fff]+")


def compact(text: str) -> str:
    return _NON_WORD.sub("", text)


def key_terms(terms: dict[str, float]) -> list[str]:
    """The query's own words (weight 1), not the synonyms added for the keyword leg."""
    return [t for t, weight in terms.items() if weight >= 1.0 and compact(t)]


def term_weights(words: list[str], vocab: dict[str, int], idf: np.ndarray) -> list[float]:
    """IDF of each word; a word the knowledge base never uses weighs like its rarest word."""
    rarest = float(idf.max(initial=1.0))
    return [float(idf[vocab[w]]) if w in vocab else rarest for w in words]


def key_term_coverage(
    words: list[str], weights: list[float], synonyms: dict[str, list[str]], passages: list[str]
) -> float:
    """Best share of the key terms' IDF mass that one passage (compact text) contains."""
    total = sum(weights)
    if not words or not passages or total <= 0:
        return 0.0
    best = 0.0
    for passage in passages:
        hit = sum(
            weight
            for word, weight in zip(words, weights, strict=True)
            if compact(word) in passage
            or any(compact(s) and compact(s) in passage for s in synonyms.get(word, ()))
        )
        best = max(best, hit / total)
    return best


def vocabulary_bigrams(vocab: dict[str, int]) -> set[str]:
    """Character bigrams of the knowledge base's words (jieba may cut a phrase differently)."""
    return {word[i : i + 2] for word in vocab for i in range(len(word) - 1)}


def unknown_share(
    words: list[str],
    weights: list[float],
    synonyms: dict[str, list[str]],
    vocab: dict[str, int],
    bigrams: set[str],
) -> float:
    """Share of the key terms' IDF mass that the knowledge base never uses.

    A word the vocabulary holds, or one of whose synonyms it holds, is known; another
    counts by the share of its character bigrams that no word of the knowledge base
    contains (退货运费 is known when 退货 and 运费 are; 花呗 is not).
    """
    total = sum(weights)
    if not words or total <= 0:
        return 0.0
    missing = 0.0
    for word, weight in zip(words, weights, strict=True):
        if word in vocab or any(s in vocab for s in synonyms.get(word, ())):
            continue
        grams = [word[i : i + 2] for i in range(len(word) - 1)]
        if grams:
            missing += weight * sum(g not in bigrams for g in grams) / len(grams)
    return missing / total


def unknown_words(
    norm_query: str,
    words: list[str],
    synonyms: dict[str, list[str]],
    vocab: dict[str, int],
    bigrams: set[str],
) -> list[str]:
    """The query's words (2+ characters) that the knowledge base never uses, nor their synonyms.

    ``words`` are whole words (not search-mode sub-words: 今天天气 must not yield 天天).
    jieba cuts a word it does not know into characters (花呗 → 花 / 呗): adjacent unknown
    single characters of the query are joined back into one word. Question words are skipped.
    """
    words = [w for w in words if not answer_type.is_question_word(w)]

    def unknown(word: str) -> bool:
        if word in vocab or any(s in vocab for s in synonyms.get(word, ())):
            return False
        return all(word[i : i + 2] not in bigrams for i in range(len(word) - 1))

    found = [w for w in words if len(w) >= 2 and unknown(w)]
    singles = {w for w in words if len(w) == 1 and w not in vocab}
    run = ""
    for char in norm_query + " ":
        if char in singles:
            run += char
            continue
        if len(run) >= 2 and unknown(run):
            found.append(run)
        run = ""
    # Longest first; a word inside a longer one listed is not repeated.
    kept: list[str] = []
    for word in sorted(dict.fromkeys(found), key=lambda w: (-len(w), norm_query.find(w))):
        if not any(word in other for other in kept):
            kept.append(word)
    return sorted(kept, key=norm_query.find)


def missing_words(
    words: list[str],
    weights: list[float],
    synonyms: dict[str, list[str]],
    vocab: dict[str, int],
    passages: list[str],
) -> list[str]:
    """The query's words the knowledge base uses but none of the closest passages contains, rarest first."""
    absent = [
        (weight, word)
        for word, weight in zip(words, weights, strict=True)
        if len(word) >= 2
        and word in vocab
        and not answer_type.is_question_word(word)
        and not any(
            compact(word) in p or any(compact(s) and compact(s) in p for s in synonyms.get(word, ()))
            for p in passages
        )
    ]
    return [word for _, word in sorted(absent, key=lambda item: -item[0])]
