"""Spun copies: the same sentence reworded with rarer synonyms ("接听电话时" -> "接听德律风时").

Scraped corpora hold article-spinner copies of a manual next to the original. Both state one
fact, and the spun wording reads as broken Chinese. Two fact sentences of different passages
of one document that share most of their character bigrams and have about the same length are one sentence
twice (unless they differ in one stretch only, like items of a list); the copy is the one
whose words are rarer in jieba's dictionary (a spinner swaps common
words for unusual synonyms: 给予 -> 赐与, 目录 -> 目次). Thresholds: quiz/fact_rules.toml ``[spun]``.
"""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache

import jieba

from quiz.fact_patterns import ITEM
from quiz.facts import Fact, fact_rules
from quiz.stems import bigrams

_ITEM_MARK = re.compile(r"^\s*[(（][一二三四五六七八九十]{1,3}[)）]\s*")  # "(四)"


@cache
def _rules() -> dict:
    return fact_rules()["spun"]


@lru_cache(maxsize=8192)
def commonness(sentence: str) -> float:
    """Mean log dictionary frequency of the sentence's Chinese words (higher: plainer wording)."""
    jieba.initialize()
    freq = jieba.dt.FREQ
    words = [w for w in jieba.lcut(sentence) if len(w) >= 2 and any("\u4e00" <= c <= "\u9fff" for c in w)]
    return sum(math.log(freq.get(w, 0) + 1) for w in words) / max(1, len(words))


def _one_block_changed(a: str, b: str) -> bool:
    """True when the two differ in one stretch only (shared start and end cover most of them).

    A spinner swaps words all through a sentence; items of a list share a frame and differ in
    their middle.
    """
    a, b = (_ITEM_MARK.sub("", ITEM.sub("", x, count=1), count=1) for x in (a, b))
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return start + end >= _rules()["frame_share"] * min(len(a), len(b))


def spun_sentences(facts: list[Fact]) -> set[str]:
    """Sentences that are a reworded copy of another fact sentence of the KB."""
    rules = _rules()
    sentences: dict[str, tuple[str, int]] = {}
    for fact in facts:
        if fact.kind != "reply":  # an approved reply is printed as written, restated or not
            sentences.setdefault(fact.sentence, (fact.document, fact.chunk_id))
    items = [(s, place, bigrams(s)) for s, place in sentences.items()]
    spun: set[str] = set()
    for i, (a, (doc_a, chunk_a), grams_a) in enumerate(items):
        for b, (doc_b, chunk_b), grams_b in items[i + 1 :]:
            # A scraped file that holds a manual twice, once spun; another document restating
            # a policy in its own words (a FAQ after the manual) is no copy.
            if doc_a != doc_b or chunk_a == chunk_b or not grams_a or not grams_b:
                continue
            if abs(len(a) - len(b)) > rules["length_slack"] * max(len(a), len(b)):
                continue
            shared = len(grams_a & grams_b) / min(len(grams_a), len(grams_b))
            if not rules["min_overlap"] <= shared < 1:
                continue
            if _one_block_changed(a, b):
                continue  # "(四)负责小区内的安全保卫工作" / "(五)…环境卫生工作": items of one list
            gap = commonness(a) - commonness(b)
            if abs(gap) >= rules["min_commonness_gap"]:
                spun.add(b if gap > 0 else a)
    return spun
