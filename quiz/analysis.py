"""Classical item analysis of recorded attempts: facility, discrimination, flags.

- facility: share of takers who answered the item correctly.
- upper-lower discrimination: facility among the top 27 % of takers by total
  score minus facility among the bottom 27 % (Kelley's groups).
- point-biserial: correlation of the item (0/1) with the *rest* score (total
  minus the item), so an item does not correlate with itself.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

# Conventional classroom-test thresholds (Ebel & Frisbie): a reviewer looks at these items first.
TOO_EASY = 0.90
TOO_HARD = 0.20
GROUP_SHARE = 0.27
LOW_DISCRIMINATION = 0.20
MIN_ATTEMPTS = 5  # fewer attempts than this: numbers are shown but not flagged


@dataclass
class ItemStats:
    """Statistics of one question over all attempts."""

    question_id: int
    position: int
    attempts: int
    facility: float | None
    discrimination: float | None
    point_biserial: float | None
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _point_biserial(item: list[int], rest: list[float]) -> float | None:
    n = len(item)
    p = sum(item) / n
    mean = sum(rest) / n
    sd = math.sqrt(sum((r - mean) ** 2 for r in rest) / n)
    if sd == 0 or p in (0.0, 1.0):
        return None
    mean_right = sum(r for r, i in zip(rest, item, strict=True) if i) / sum(item)
    mean_wrong = sum(r for r, i in zip(rest, item, strict=True) if not i) / (n - sum(item))
    return (mean_right - mean_wrong) / sd * math.sqrt(p * (1 - p))


def analyse_items(question_ids: list[int], matrix: list[list[int]]) -> list[ItemStats]:
    """Statistics per question from a 0/1 matrix (one row per attempt, one column per question).

    Ties at the 27 % group boundaries are broken by attempt order, so the
    result is deterministic.
    """
    n = len(matrix)
    totals = [sum(row) for row in matrix]
    order = sorted(range(n), key=lambda i: (-totals[i], i))
    size = max(1, round(GROUP_SHARE * n)) if n else 0
    upper, lower = order[:size], order[-size:] if size else []
    out = []
    for col, qid in enumerate(question_ids):
        if n == 0:
            out.append(ItemStats(qid, col + 1, 0, None, None, None, ["no attempts"]))
            continue
        item = [row[col] for row in matrix]
        facility = sum(item) / n
        discrimination = (sum(item[i] for i in upper) - sum(item[i] for i in lower)) / size
        rest = [totals[i] - item[i] for i in range(n)]
        rpb = _point_biserial(item, rest)
        flags = []
        if n >= MIN_ATTEMPTS:
            if facility >= TOO_EASY:
                flags.append("too easy")
            if facility <= TOO_HARD:
                flags.append("too hard")
            if discrimination < 0 or (rpb is not None and rpb < 0):
                flags.append("negative discrimination")
            elif discrimination < LOW_DISCRIMINATION and not flags:
                flags.append("low discrimination")
        out.append(
            ItemStats(
                qid,
                col + 1,
                n,
                round(facility, 3),
                round(discrimination, 3),
                None if rpb is None else round(rpb, 3),
                flags,
            )
        )
    return out


FLAG_LABELS = {
    "too easy": "太容易",
    "too hard": "太难",
    "negative discrimination": "区分度为负（高分者反而答错，检查答案或题意）",
    "low discrimination": "区分度低",
    "no attempts": "暂无作答",
}
