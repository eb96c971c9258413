"""A fact picked for a question with its key, and how every question quotes its source."""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.textnorm import normalize
from quiz.keys import Key
from quiz.models import Source, answer_key
from quiz.sources import Fact


@dataclass
class Candidate:
    """A fact with its key; distractors are computed on first use."""

    fact: Fact
    key: Key
    tier: int  # 0 number keys, 1 rules with a flippable marker, 2 term keys only
    order: float
    wrong: list[str] | None = None
    closeness: float = 0.0
    flip: Key | None = None  # a rule marker a true/false item can negate (不得 -> 可以)
    rule: bool = False  # a duty or prohibition: the right option of a rule-choice item


def _sentence_stem(fact: Fact) -> str:
    """Where the rule comes from, so the question makes sense on its own."""
    where = f"《{fact.document}》" if fact.document else ""
    if fact.headings:
        where += "“" + " > ".join(fact.headings) + "”"
    return f"根据{where}：" if where else ""


def _finish(sentence: str) -> str:
    return re.sub(r"[。；;，,、：:\s]+$", "", sentence) + "。"


def _leaks(stem_rest: str, key: Key) -> bool:
    """True when the answer can be read off the rest of the stem."""
    return answer_key(key.text) in answer_key(stem_rest)


def _explanation(fact: Fact) -> str:
    where = f"《{fact.document}》" + (" " + " > ".join(fact.headings) if fact.headings else "")
    return f"原文：{_finish(fact.sentence)}（出自{where}）"


def _source(fact: Fact) -> Source:
    return Source(fact.doc_name or fact.document, list(fact.headings), fact.sentence, fact.chunk_id)


def _bigrams(text: str) -> set[str]:
    norm = re.sub(r"\W", "", normalize(text))
    return {norm[i : i + 2] for i in range(len(norm) - 1)}
