"""Single-choice items on a rule: "以下哪一项符合规定？".

The right option is a rule as the manual writes it (one 不得/严禁/禁止/必须
marker); the three wrong options are *other* rules of the same manual with
their marker flipped (不得 -> 可以). Each wrong option then contradicts the
manual outright, so exactly one option is defensible — unlike a swapped
noun, which often still reads true.
"""

from __future__ import annotations

import re

from common.textnorm import normalize
from quiz.keys import NEGATION_FLIPS, Key
from quiz.sources import repeated_heading

RULE_STEM = "以下哪一项符合规定？"
MAX_OVERLAP = 0.5  # a wrong option sharing more bigrams than this with the right one is the same rule


def flip_rule(sentence: str, marker: Key) -> str:
    """``sentence`` with its rule marker flipped: a statement the manual contradicts."""
    return sentence[: marker.start] + NEGATION_FLIPS[marker.text] + sentence[marker.end :]


def as_option(sentence: str) -> str:
    """An option reads as one statement: no trailing separators, one full stop."""
    return re.sub(r"[。；;，,、：:\s.]+$", "", sentence) + "。"


def _grams(text: str) -> set[str]:
    norm = re.sub(r"\W", "", normalize(text))
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def pick_flipped_rules(sentence: str, others: list[tuple[str, Key]], count: int = 3) -> list[str]:
    """Up to ``count`` other rules, flipped, in the order given (nearest rules first).

    A rule that largely repeats the right one is skipped: flipped, it would
    read as a trick version of the same rule rather than a different one.
    """
    own = _grams(sentence)
    out: list[str] = []
    seen = [own]
    for other, marker in others:
        if repeated_heading(other):
            continue  # a heading glued into the option ("工牌保持工牌清洁…")
        grams = _grams(other)
        if any(len(grams & g) > MAX_OVERLAP * min(len(grams), len(g)) for g in seen):
            continue
        seen.append(grams)
        out.append(as_option(flip_rule(other, marker)))
        if len(out) >= count:
            break
    return out
