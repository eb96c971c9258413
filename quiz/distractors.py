"""Wrong numbers that are plausible but clearly wrong.

Other values with the *same unit*, preferring values the manual uses elsewhere (a
trainee who mixes up two deadlines is caught), then round neighbours of the true
value; clock times a half-hour or hour off; neighbouring periods of a frequency.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable

from common.textnorm import normalize, normalize_aligned
from quiz.keys import DAY_OF_MONTH, FREQUENCIES, NUMBER_KEY, Key, cn_to_number, number_keys

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
    DAY_OF_MONTH: (1, 3, 5, 10, 15, 20, 25),
    "mm": (1, 2, 3, 5, 10),
}
# Clock-time distractors move the time by these many minutes: a half-hour or hour off
# is the mistake a trainee makes; a shift that starts at 3 a.m. is not plausible.
_TIME_SHIFTS = (30, -30, 60, -60, 90, -90, 120, -120)
_DAY_START, _DAY_END = 6 * 60, 24 * 60
# A wrong number more than this many times the key (or less than its share) is absurd
# ("十八个月" against "一个月") and eliminated without knowing the rule.
MAX_RATIO = 10


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
    m = NUMBER_KEY.fullmatch(normalize_aligned(key.text))
    if m is None:  # pragma: no cover - keys always come from NUMBER_KEY
        return key.text
    traditional = normalize_aligned(key.text) != key.text.lower()

    def number(value: float) -> str:
        text = format_number(value, key.chinese)
        return text.replace("两", "兩") if traditional else text

    parts = [key.text[: m.start("low")], number(low)]
    if m.group("high") and high is not None:
        parts += [key.text[m.end("low") : m.start("high")], number(high), key.text[m.end("high") :]]
    else:
        parts.append(key.text[m.end("low") :])
    return "".join(parts)


def render_time(key: Key, low: int, high: int | None) -> str:
    """A clock time or span written like the key ("08:00" keeps its zero, "：" stays full width)."""
    colon = "：" if "：" in key.text else ":"
    padded = bool(re.search(r"(?<!\d)0\d[:：]", key.text))

    def clock(minutes: int) -> str:
        hour, minute = divmod(minutes % (24 * 60), 60)
        return (f"{hour:02d}" if padded else str(hour)) + colon + f"{minute:02d}"

    if high is None:
        return clock(low)
    sep = re.search(r"\s*[-~～至到—－]\s*", key.text)
    return clock(low) + (sep.group() if sep else "-") + clock(high)


def time_distractors(key: Key, known: set, stem: str, rng: random.Random, k: int = 3) -> list[str]:
    """``k`` wrong clock times or spans near the key's, chosen with ``rng``.

    ``known`` holds the ``(low, high)`` minute values the KB writes: a time the
    manual uses elsewhere (another shift's start) is the likeliest confusion.
    """
    low, high = int(key.low), None if key.high is None else int(key.high)
    values: dict[tuple[int, int | None], float] = {}
    for other_low, other_high in known:
        if (other_high is None) == (high is None) and (other_low, other_high) != (low, high):
            values[(int(other_low), other_high)] = -0.5
    for shift in _TIME_SHIFTS:
        if high is None:
            values.setdefault((low + shift, None), 0.0)
        else:
            values.setdefault((low + shift, high), 0.0)
            values.setdefault((low, high + shift), 0.0)
            values.setdefault((low + shift, high + shift), 0.1)
    scored = {}
    for (a, b), bonus in values.items():
        if not _DAY_START <= a < _DAY_END or (b is not None and not (a < b <= _DAY_END or b < a - 12 * 60)):
            continue  # a span ends after it starts (or past midnight for a night shift)
        if b is not None and high is not None and (b - a) % (24 * 60) < 60:
            continue
        distance = abs(a - low) + (abs(b - high) if b is not None and high is not None else 0)
        if distance > 180:
            continue  # three hours off: not a confusable time any more
        text = render_time(key, a, b)
        scored[text] = distance / 60 + bonus
    return _pick(scored, key, stem, rng, k)


def _offerable(scored: dict[str, float], key: Key, stem: str) -> list[str]:
    """Candidates best (lowest score) first, without the key and anything the stem prints."""
    norm_stem, norm_key = normalize(stem), normalize(key.text)
    return [
        t
        for t, _ in sorted(scored.items(), key=lambda item: (item[1], item[0]))
        if normalize(t) not in norm_stem and normalize(t) != norm_key
    ]


def _pick(scored: dict[str, float], key: Key, stem: str, rng: random.Random, k: int) -> list[str]:
    """``k`` of the closest candidates (lowest score), drawn with ``rng`` from the best ``k + 2``.

    A candidate already printed in the stem, or equal to the key, is never offered.
    """
    top = _offerable(scored, key, stem)[: k + 2]
    chosen = rng.sample(top, min(k, len(top)))
    return sorted(chosen, key=top.index)


def middle_of_cluster(values: list[float], key: float) -> bool:
    """True when ``key`` is the middle of three close values beside one far one (4/5/6/10).

    Drop the far value, take the middle one: a test-wise guess that needs no manual.
    """
    ordered = sorted(values)
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)]
    if len(ordered) < 4 or min(gaps) <= 0:
        return False
    if gaps[0] > 2 * max(gaps[1:]):
        rest = ordered[1:]
    elif gaps[-1] > 2 * max(gaps[:-1]):
        rest = ordered[:-1]
    else:
        return False
    return len(rest) == 3 and rest[0] < key < rest[-1]


def _pick_around(
    scored: dict[str, float], value_of: dict[str, float], key: Key, stem: str, rng: random.Random, k: int
) -> list[str]:
    """``k`` wrong values, the nearest on each side, with the key's rank among the options random.

    Shown in numeric order, a key that is always the smallest or the middle
    value would be a cue ("提前两日" against 四日/五日/七日 stands out); so the
    number of wrong values below the key is drawn with ``rng`` from what the
    candidates allow, and each side gives its closest values.
    """
    texts = _offerable(scored, key, stem)
    lower = [t for t in texts if value_of[t] < key.low]
    higher = [t for t in texts if value_of[t] > key.low]
    feasible = list(range(max(0, k - len(higher)), min(k, len(lower)) + 1))
    if not feasible:
        return _pick(scored, key, stem, rng, k)
    # The stem's other values of the key's unit ("安全設施維修（　　）內回訪；房屋滲漏水
    # 項目維修三天內回訪"): with every wrong value on the far side of one of them, the key
    # is the only option on its side, guessed from which item is most urgent (blind review 15).
    printed = {pk.low for pk in number_keys(stem) if pk.unit == key.unit and pk.high is None} - {key.low}

    def fair(below: int) -> bool:
        values = [value_of[t] for t in lower[:below] + higher[: k - below]]
        if any(all((v < s) != (key.low < s) for v in values) for s in printed):
            return False
        return not middle_of_cluster([*values, key.low], key.low)

    below = rng.choice([b for b in feasible if fair(b)] or feasible)
    chosen = lower[:below] + higher[: k - below]
    return sorted(chosen, key=texts.index)


def numeric_value(option: str) -> float | None:
    """The value an option leads with ("两日" 2, "16:30" 990 minutes, "每周" its rank), or None."""
    if option in FREQUENCIES:
        return float(FREQUENCIES.index(option))
    m = re.match(r"\s*(\d{1,2})[:：](\d{2})", option)
    if m:
        return int(m.group(1)) * 60 + int(m.group(2))
    m = re.match(r"\s*(?:每)?(\d+(?:\.\d+)?|[零一二两兩三四五六七八九十百]+)", option)
    if not m:
        return None
    return cn_to_number(m.group(1).replace("兩", "两"))


def in_numeric_order(options: list[str]) -> list[str] | None:
    """``options`` sorted by value when every one leads with a number, else None."""
    values = [numeric_value(o) for o in options]
    if any(v is None for v in values) or len(set(values)) != len(values):
        return None
    return [o for _, o in sorted(zip(values, options, strict=True))]


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
    value_of: dict[str, float] = {}
    if key.high is None:
        pool = {v for v in known.get(key.unit, set()) if not isinstance(v, tuple)}
        ladder = set(_LADDERS.get(key.unit, ()))
        generic = {value * 2, value / 2} | (set() if ladder else {value * 1.5})
        if value < 10 and float(value).is_integer():
            # Two steps each way: the options can be evenly spaced, so the key is never the
            # middle of a tight cluster beside one far value (4日/5日/6日/10日, blind review 15).
            generic |= {value + 1, value - 1, value + 2, value - 2}
        for v in pool | ladder | generic:
            if v <= 0 or v == value or (key.unit == "%" and v >= 100):
                continue
            if _closeness(value, v) > math.log(MAX_RATIO):
                continue
            if key.unit == DAY_OF_MONTH and (v > 28 or not float(v).is_integer()):
                continue
            if not float(v).is_integer() and float(value).is_integer() and v not in ladder | pool:
                continue
            if key.chinese and not float(v).is_integer():
                continue
            # Values the manual itself uses are the most plausible: small bonus.
            score = _closeness(value, v) - (0.3 if v in pool else 0.0) - (0.1 if v in ladder else 0.0)
            text = render_number(key, v, None)
            scored[text] = min(score, scored.get(text, 99.0))
            value_of[text] = v
        return _pick_around(scored, value_of, key, stem, rng, k)
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
    return _pick(scored, key, stem, rng, k)


def known_numbers(keys: Iterable[Key]) -> dict[str, set]:
    """unit -> values (ranges as tuples) used in the KB, for :func:`number_distractors`."""
    out: dict[str, set] = {}
    for key in keys:
        out.setdefault(key.unit, set()).add((key.low, key.high) if key.high is not None else key.low)
    return out


def frequency_distractors(key: Key, stem: str, rng: random.Random, k: int = 3) -> list[str]:
    """``k`` other periods ("每月" -> 每周, 每季度, 每年), nearest first, none already in the stem."""
    rank = int(key.low)
    norm_stem = normalize(stem)
    periods = [p for i, p in enumerate(FREQUENCIES) if i != rank and p not in norm_stem]
    scored = {p: abs(FREQUENCIES.index(p) - rank) for p in periods}
    value_of = {p: float(FREQUENCIES.index(p)) for p in periods}
    return _pick_around(scored, value_of, key, stem, rng, k)
