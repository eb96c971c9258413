"""Wrong answers that are plausible but clearly wrong.

Numbers: other values with the *same unit*, preferring values the manual uses
elsewhere (a trainee who mixes up two deadlines is caught), then round
neighbours of the true value. Terms: knowledge-base nouns close to the key in
embedding space, never the key itself, a substring or superstring of it, a
listed synonym, a near-synonym by cosine, or a word already in the stem.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable

import numpy as np

from common.textnorm import normalize
from quiz.keys import NUMBER_KEY, Key

# Values people use for each unit; a distractor from here reads like a real rule.
_LADDERS = {
    "小时": (1, 2, 6, 12, 24, 48, 72),
    "个小时": (1, 2, 6, 12, 24, 48, 72),
    "天": (1, 2, 3, 5, 7, 10, 15, 30, 60, 90, 180, 365),
    "日": (1, 2, 3, 5, 7, 10, 15, 30, 60, 90, 180),
    "自然日": (1, 3, 5, 7, 15, 30),
    "个自然日": (1, 3, 5, 7, 15, 30),
    "工作日": (1, 2, 3, 5, 7, 10, 15),
    "个工作日": (1, 2, 3, 5, 7, 10, 15),
    "分钟": (1, 2, 3, 5, 10, 15, 30, 60),
    "秒": (10, 15, 20, 30, 45, 60, 90),
    "秒钟": (10, 15, 20, 30, 45, 60, 90),
    "%": (5, 10, 15, 20, 30, 50, 60, 80, 90, 95),
    "个月": (1, 3, 6, 12, 18, 24, 36),
    "年": (1, 2, 3, 5, 10),
    "周": (1, 2, 3, 4),
    "次": (1, 2, 3, 4, 5),
    "倍": (1.2, 1.5, 2, 3, 5),
    "折": (5, 7, 8, 9, 9.5),
}
SYNONYM_COSINE = 0.94  # term vectors this close are treated as synonyms, never distractors
RELATED_COSINE = 0.80  # below this a term is unrelated and an obvious wrong answer


def format_number(value: float, chinese: bool = False) -> str:
    """``7.0`` -> ``7``; with ``chinese`` small integers as Chinese numerals (``七``)."""
    if chinese and float(value).is_integer() and 0 < value < 100:
        digits = "零一二三四五六七八九"
        n = int(value)
        tens, ones = divmod(n, 10)
        if n == 2:
            return "两"  # 两天, 两个月: "二" reads wrong before a measure word
        if tens == 0:
            return digits[ones]
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def render_number(key: Key, low: float, high: float | None) -> str:
    """The key's text with its number(s) replaced (keeps prefix, separator and unit)."""
    m = NUMBER_KEY.fullmatch(key.text)
    if m is None:  # pragma: no cover - keys always come from NUMBER_KEY
        return key.text
    parts = [key.text[: m.start("low")], format_number(low, key.chinese)]
    if m.group("high") and high is not None:
        parts += [
            key.text[m.end("low") : m.start("high")],
            format_number(high, key.chinese),
            key.text[m.end("high") :],
        ]
    else:
        parts.append(key.text[m.end("low") :])
    return "".join(parts)


def _closeness(value: float, other: float) -> float:
    return abs(math.log(max(other, 1e-9) / max(value, 1e-9)))


def number_distractors(
    key: Key, known: dict[str, set], stem: str, rng: random.Random, k: int = 3
) -> list[str]:
    """``k`` wrong values with the key's unit, nearest first, chosen with ``rng``.

    ``known`` maps a unit to the values (or ``(low, high)`` ranges) the KB uses
    with it. Returns fewer than ``k`` when no sensible values exist.
    """
    value = key.low
    scored: dict[str, float] = {}
    if key.high is None:
        pool = {v for v in known.get(key.unit, set()) if not isinstance(v, tuple)}
        ladder = set(_LADDERS.get(key.unit, ()))
        generic = {value * 2, value / 2, value * 1.5}
        if value < 10 and float(value).is_integer():
            generic |= {value + 1, value - 1}
        for v in pool | ladder | generic:
            if v <= 0 or v == value or (key.unit == "%" and v >= 100):
                continue
            if not float(v).is_integer() and float(value).is_integer() and v not in ladder | pool:
                continue
            if key.chinese and not float(v).is_integer():
                continue
            # Values the manual itself uses are the most plausible: small bonus.
            score = _closeness(value, v) - (0.3 if v in pool else 0.0) - (0.1 if v in ladder else 0.0)
            text = render_number(key, v, None)
            scored[text] = min(score, scored.get(text, 99.0))
    else:
        high, width = key.high, key.high - key.low
        pairs = {(a, b) for a, b in (v for v in known.get(key.unit, set()) if isinstance(v, tuple))}
        pairs |= {(key.low + d, high + d) for d in (1, 2, -1)}
        pairs |= {(high, high + width), (key.low, high + width), (key.low * 2, high * 2), (high, high * 2)}
        for a, b in pairs:
            if a <= 0 or b <= a or (a, b) == (key.low, high):
                continue
            score = _closeness(key.low, a) + _closeness(high, b)
            scored[render_number(key, a, b)] = score
    norm_stem = normalize(stem)
    texts = [
        t
        for t, _ in sorted(scored.items(), key=lambda item: (item[1], item[0]))
        if normalize(t) not in norm_stem and normalize(t) != normalize(key.text)
    ]
    top = texts[: k + 2]
    chosen = rng.sample(top, min(k, len(top)))
    return sorted(chosen, key=top.index)


def known_numbers(keys: Iterable[Key]) -> dict[str, set]:
    """unit -> values (ranges as tuples) used in the KB, for :func:`number_distractors`."""
    out: dict[str, set] = {}
    for key in keys:
        out.setdefault(key.unit, set()).add((key.low, key.high) if key.high is not None else key.low)
    return out


def is_related_form(term: str, key: str, synonyms: dict[str, list[str]]) -> bool:
    """True when ``term`` is the key, contains it, is contained in it or is a listed synonym."""
    a, b = normalize(term), normalize(key)
    if a == b or a in b or b in a:
        return True
    return a in {normalize(s) for s in synonyms.get(b, ())} or b in {
        normalize(s) for s in synonyms.get(a, ())
    }


def written_after(verb: str, term: str, text: str, gap: int) -> bool:
    """True when ``text`` has ``verb`` followed by ``term`` within ``gap`` characters of one clause.

    ``text`` must be normalised (:func:`common.textnorm.normalize`).
    """
    pattern = re.escape(normalize(verb)) + rf"[^，,。；;：:！？!?\n]{{0,{gap}}}" + re.escape(normalize(term))
    return re.search(pattern, text) is not None


def term_distractors(
    key: str,
    pool: list[str],
    embed: Callable[[list[str]], np.ndarray],
    stem: str,
    synonyms: dict[str, list[str]],
    rng: random.Random,
    k: int = 3,
) -> tuple[list[str], float]:
    """``k`` terms from ``pool`` related to ``key`` but not it, and their mean cosine to the key.

    ``embed`` returns L2-normalised vectors (a cached embedder). Returns
    ``([], 0.0)`` when fewer than ``k`` acceptable terms exist.
    """
    norm_stem = normalize(stem)
    candidates = []
    for term in dict.fromkeys(pool):
        if is_related_form(term, key, synonyms) or normalize(term) in norm_stem:
            continue
        if abs(len(term) - len(key)) > 2 or re.search(r"\d", term):
            continue
        if term[-1] == key[-1]:
            continue  # same head character: a near-synonym (卖场 / 商场), which might be right

        candidates.append(term)
    if len(candidates) < k:
        return [], 0.0
    vectors = embed([key, *candidates])
    sims = vectors[1:] @ vectors[0]
    ranked = [
        (float(s), t) for s, t in zip(sims, candidates, strict=True) if RELATED_COSINE <= s < SYNONYM_COSINE
    ]
    ranked.sort(key=lambda item: (-item[0], item[1]))
    # Two distractors that are synonyms of each other would both be "equally wrong": keep one.
    picked: list[tuple[float, str]] = []
    for sim, term in ranked[: 3 * k]:
        if any(is_related_form(term, other, synonyms) for _, other in picked):
            continue
        picked.append((sim, term))
    if len(picked) < k:
        return [], 0.0
    chosen = rng.sample(picked[: k + 2], k)
    chosen.sort(key=lambda item: -item[0])
    return [t for _, t in chosen], sum(s for s, _ in chosen) / k
