"""What every question template shares: where a fact comes from, its source, the key's place, leaks."""

from __future__ import annotations

import random
import re
from functools import lru_cache

import opencc

from common.textnorm import to_simplified
from quiz.facts import Fact, fact_rules
from quiz.keys import quantity_keys
from quiz.models import BLANK, TRUE_FALSE, TRUE_TEXT, Question, Source, answer_key, fact_fingerprint

_S2T = opencc.OpenCC("s2t")
HEADINGS_SHOWN = 2  # the last headings of the chain named in a stem ("售后 > 退换货")
_ITEM_PREFIX = re.compile(
    r"^\s*(?:[(（]?\d{1,2}[)）.、．]|[(（][一二三四五六七八九十]{1,2}[)）]|[一二三四五六七八九十]{1,2}[、.．]|[①-⑳]"
    r"|[-–—•·]+(?=\s*[\u4e00-\u9fff]))\s*"  # also a bullet ("- 我们会在…")
)


def where(fact: Fact) -> str:
    """``根据《title》“heading > heading”，`` so the question makes sense on its own."""
    place = f"《{fact.title or fact.document}》"
    headings = [h for h in cited_headings(fact)[-HEADINGS_SHOWN:] if h and h != fact.title]
    if headings:
        place += "“" + " > ".join(headings) + "”"
    return f"根据{place}，"


def cited_headings(fact: Fact) -> list[str]:
    """The heading chain a question cites: none when it is not the sentence's section."""
    return [] if fact.detail.get("document_only") else list(fact.headings)


def mark_loose_headings(facts: list[Fact], passages) -> None:
    """Cite by document only the facts of a heading chain over a long run of prose.

    In a scraped compilation one leftover heading ("2.客服专员") stands over pages of unrelated
    topics; a real section is short. Facts of a chain whose prose passages (not FAQ or script
    pairs, which are short by kind) hold more than ``max_section_chars`` characters get
    ``document_only``.
    """
    size: dict[tuple, int] = {}
    for passage in passages:
        if passage.headings and passage.kind not in ("faq", "script"):
            chain = (passage.document, tuple(passage.headings))
            size[chain] = size.get(chain, 0) + len(passage.text)
    most = fact_rules()["thresholds"]["max_section_chars"]
    for fact in facts:
        if size.get((fact.document, tuple(fact.headings)), 0) > most:
            fact.detail["document_only"] = True


def finish(text: str) -> str:
    """One statement: item number off, one full stop at the end."""
    text = _ITEM_PREFIX.sub("", text.strip())
    return re.sub(r"[。；;，,、：:\s]+$", "", text) + "。"


def blanked(fact: Fact) -> str:
    """The source sentence with its key replaced by the gap."""
    s = fact.sentence
    return finish(s[: fact.key_start] + BLANK + s[fact.key_end :])


def source(fact: Fact) -> Source:
    return Source(fact.document, cited_headings(fact), fact.sentence, fact.chunk_id)


def explanation(fact: Fact) -> str:
    return f"原文：{finish(fact.sentence)}（出自{where(fact)[2:-1]}）"


def leaks(stem: str, key: str) -> bool:
    """True when the key is printed in the stem, or is the sum or difference of two values of its unit there.

    "原价299元，现价269元，便宜（　　）" would be answered by 299−269=30 without the manual.
    """
    norm_key = answer_key(key)
    if norm_key and norm_key in answer_key(stem.replace(BLANK, "")):
        return True
    wanted = next(iter(quantity_keys(key)), None)
    if wanted is None or wanted.high is not None:
        return False
    values = [k.low for k in quantity_keys(stem) if k.unit == wanted.unit and k.high is None]
    return any(
        abs(a - b) == wanted.low or a + b == wanted.low for i, a in enumerate(values) for b in values[i + 1 :]
    )


@lru_cache(maxsize=8192)
def in_script_of(option: str, key: str) -> str:
    """``option`` in the key's script: Traditional options for a Traditional key, else Simplified.

    Options drawn from other manuals must not differ from the key by script alone
    ("現場主管" among 客服主管 / 部门主管 gives itself away, or the key).
    """
    if to_simplified(key) != key:
        return _S2T.convert(option)
    return to_simplified(option)


def bigrams(text: str) -> set[str]:
    norm = answer_key(text)
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's character bigrams the two share (0-1)."""
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / min(len(x), len(y)) if x and y else 0.0


class KeyPlacer:
    """The key's position among the options, uniform over a quiz.

    Each item takes the position the key has held least often so far in items of its
    size (ties broken by the seeded ``rng``): over a quiz every position holds the key
    about as often, and no pattern says where it is next.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counts: dict[int, list[int]] = {}

    def order(self, size: int) -> list[int]:
        """Positions for an item with ``size`` options, least used first."""
        counts = self.counts.setdefault(size, [0] * size)
        ties = {p: self.rng.random() for p in range(size)}
        return sorted(range(size), key=lambda p: (counts[p], ties[p]))

    def record(self, size: int, at: int) -> None:
        """Count that an item of ``size`` options, now in the quiz, has its key at ``at``.

        Called for the questions a quiz keeps, not for every one a template drafts.
        """
        self.counts.setdefault(size, [0] * size)[at] += 1

    def place(self, key: str, wrong: list[str]) -> list[str]:
        """``key`` and ``wrong`` in one list, the key at the least used position."""
        size = len(wrong) + 1
        at = self.order(size)[0]
        options = list(wrong)
        self.rng.shuffle(options)
        options.insert(at, key)
        return options


def true_statement(fact: Fact) -> Question:
    """The fact's own sentence as a true/false item keyed 正确 (every kind's true statement)."""
    return Question(
        TRUE_FALSE,
        where(fact) + finish(fact.sentence),
        answer=TRUE_TEXT,
        explanation=explanation(fact),
        source=source(fact),
        difficulty=0.3,
        key=fact.key,
        fingerprint=fact_fingerprint(fact.sentence, fact.key),
    )
