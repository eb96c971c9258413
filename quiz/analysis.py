"""Item analysis of recorded attempts, as Moodle's quiz statistics report shows it.

Per question (credits are 0-1, partial credit for multiple-answer items):

- facility: the average credit, i.e. the share of takers who got the item right;
- discrimination (upper-lower): facility among the top 27 % of takers by total
  score minus facility among the bottom 27 % (Kelley's groups);
- point-biserial: correlation of the item with the *rest* score (total minus the
  item), so an item does not correlate with itself (Moodle's discrimination index);
- per-option response counts, overall and in the upper and lower groups, with flags
  for a distractor nobody picks and one the strong takers pick more than the weak.

For the quiz: KR-20 (Cronbach's alpha for 0/1 items; alpha with partial credit),
reported once ``MIN_ATTEMPTS_RELIABILITY`` attempts exist.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field

# Conventional classroom-test thresholds (Ebel & Frisbie): a reviewer looks at these items first.
THRESHOLDS = {
    "too_easy": 0.90,  # facility at or above
    "too_hard": 0.20,  # facility at or below
    "group_share": 0.27,  # share of takers in the upper and in the lower group
    "low_discrimination": 0.20,
    "min_attempts": 5,  # fewer attempts than this: numbers are shown but not flagged
    "min_attempts_reliability": 10,  # fewer: no KR-20 (too unstable to read)
}
TOO_EASY = THRESHOLDS["too_easy"]
TOO_HARD = THRESHOLDS["too_hard"]
GROUP_SHARE = THRESHOLDS["group_share"]
LOW_DISCRIMINATION = THRESHOLDS["low_discrimination"]
MIN_ATTEMPTS = THRESHOLDS["min_attempts"]
MIN_ATTEMPTS_RELIABILITY = THRESHOLDS["min_attempts_reliability"]

# One line per statistic, shown next to the numbers.
EXPLANATIONS = {
    "facility": "答对率：答对这道题的人所占比例（多选题按得分比例）。"
    "太高说明题太容易，太低说明太难或答案有误。",
    "discrimination": "区分度：总分前 27% 的人的答对率减去后 27% 的答对率。"
    "0.3 以上为好题，接近 0 说明分不出水平，负数说明高分者反而答错。",
    "point_biserial": "点双列相关：这道题的得分与其余题总分的相关系数（-1 到 1）。"
    "越高说明这道题与整张卷考的是同一种能力。",
    "options": "选项分布：每个选项被选的次数，括号内是高分组/低分组的人数。"
    "没人选的干扰项形同虚设；高分组比低分组更爱选的干扰项可能有歧义。",
    "kr20": "信度（KR-20）：整张卷的内部一致性（0 到 1）。"
    "0.7 以上可以据此比较客服，较低时成绩受偶然因素影响大。",
}


@dataclass
class OptionCount:
    """How often one option (or, for cloze, one typed answer) was given."""

    text: str
    right: bool
    count: int
    upper: int
    lower: int

    def as_dict(self) -> dict:
        return asdict(self)


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
    options: list[OptionCount] = field(default_factory=list)
    unanswered: int = 0
    stem: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class QuizStats:
    """The quiz-level figures of the statistics report."""

    attempts: int
    mean_percent: float | None
    median_percent: float | None
    sd_percent: float | None
    kr20: float | None
    items: list[ItemStats]

    def as_dict(self) -> dict:
        return {**asdict(self), "explanations": EXPLANATIONS}


def _point_biserial(item: list[float], rest: list[float]) -> float | None:
    """Pearson correlation of the item with the rest score (the point-biserial for 0/1 items)."""
    n = len(item)
    mi, mr = sum(item) / n, sum(rest) / n
    si = math.sqrt(sum((x - mi) ** 2 for x in item) / n)
    sr = math.sqrt(sum((r - mr) ** 2 for r in rest) / n)
    if si == 0 or sr == 0:
        return None
    return sum((x - mi) * (r - mr) for x, r in zip(item, rest, strict=True)) / (n * si * sr)


def groups(totals: list[float]) -> tuple[list[int], list[int]]:
    """Indexes of the upper and the lower 27 % by total (ties broken by attempt order)."""
    n = len(totals)
    order = sorted(range(n), key=lambda i: (-totals[i], i))
    size = max(1, round(GROUP_SHARE * n)) if n else 0
    return order[:size], (order[-size:] if size else [])


def kr20(matrix: list[list[float]]) -> float | None:
    """KR-20 (alpha) of a credit matrix: k/(k-1) * (1 - sum of item variances / total variance)."""
    n = len(matrix)
    k = len(matrix[0]) if matrix else 0
    if n < 2 or k < 2:
        return None
    totals = [sum(row) for row in matrix]
    mean = sum(totals) / n
    total_var = sum((t - mean) ** 2 for t in totals) / n
    if total_var == 0:
        return None
    item_var = 0.0
    for col in range(k):
        values = [row[col] for row in matrix]
        m = sum(values) / n
        item_var += sum((v - m) ** 2 for v in values) / n
    return k / (k - 1) * (1 - item_var / total_var)


def analyse_items(
    question_ids: list[int],
    matrix: list[list[float]],
    responses: list[list[list[str]]] | None = None,
    options: list[list[tuple[str, bool]]] | None = None,
    stems: list[str] | None = None,
) -> list[ItemStats]:
    """Statistics per question from a credit matrix (one row per attempt, one column per question).

    ``responses[a][q]``: the options attempt ``a`` picked at question ``q`` (a typed
    answer for cloze, empty when unanswered); ``options[q]``: the question's options
    with whether each is right (empty for cloze: the typed answers are counted).
    """
    n = len(matrix)
    totals = [sum(row) for row in matrix]
    upper, lower = groups(totals)
    size = len(upper)
    out = []
    for col, qid in enumerate(question_ids):
        stem = stems[col] if stems else ""
        if n == 0:
            out.append(ItemStats(qid, col + 1, 0, None, None, None, ["no attempts"], stem=stem))
            continue
        item = [row[col] for row in matrix]
        facility = sum(item) / n
        discrimination = (sum(item[i] for i in upper) - sum(item[i] for i in lower)) / size
        rest = [totals[i] - item[i] for i in range(n)]
        rpb = _point_biserial(item, rest)
        counts, unanswered = _option_counts(col, responses, options, upper, lower)
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
            if options and options[col]:
                if any(not o.right and o.count == 0 for o in counts):
                    flags.append("unpicked distractor")
                if any(not o.right and o.upper > o.lower for o in counts):
                    flags.append("distractor attracts strong takers")
        out.append(
            ItemStats(
                qid,
                col + 1,
                n,
                round(facility, 3),
                round(discrimination, 3),
                None if rpb is None else round(rpb, 3),
                flags,
                counts,
                unanswered,
                stem,
            )
        )
    return out


def _option_counts(col, responses, options, upper, lower) -> tuple[list[OptionCount], int]:
    if responses is None:
        return [], 0
    picked = [row[col] for row in responses]
    unanswered = sum(1 for p in picked if not p)
    up, low = set(upper), set(lower)
    if options and options[col]:
        return [
            OptionCount(
                text,
                right,
                sum(1 for p in picked if text in p),
                sum(1 for i, p in enumerate(picked) if i in up and text in p),
                sum(1 for i, p in enumerate(picked) if i in low and text in p),
            )
            for text, right in options[col]
        ], unanswered
    typed = Counter(p[0] for p in picked if p)
    return [
        OptionCount(
            text,
            False,
            count,
            sum(1 for i, p in enumerate(picked) if i in up and p and p[0] == text),
            sum(1 for i, p in enumerate(picked) if i in low and p and p[0] == text),
        )
        for text, count in typed.most_common(8)
    ], unanswered


def quiz_statistics(items: list[ItemStats], matrix: list[list[float]]) -> QuizStats:
    """Quiz-level figures; KR-20 only from ``MIN_ATTEMPTS_RELIABILITY`` attempts on."""
    n = len(matrix)
    k = len(matrix[0]) if matrix else 0
    if not n or not k:
        return QuizStats(n, None, None, None, None, items)
    percents = sorted(100 * sum(row) / k for row in matrix)
    mean = sum(percents) / n
    median = percents[n // 2] if n % 2 else (percents[n // 2 - 1] + percents[n // 2]) / 2
    sd = math.sqrt(sum((p - mean) ** 2 for p in percents) / n)
    reliability = kr20(matrix) if n >= MIN_ATTEMPTS_RELIABILITY else None
    return QuizStats(
        n,
        round(mean, 1),
        round(median, 1),
        round(sd, 1),
        None if reliability is None else round(reliability, 3),
        items,
    )


FLAG_LABELS = {
    "too easy": "太容易",
    "too hard": "太难",
    "negative discrimination": "区分度为负（高分者反而答错，检查答案或题意）",
    "low discrimination": "区分度低",
    "unpicked distractor": "有干扰项没人选（换一个更像样的错误选项）",
    "distractor attracts strong takers": "高分组更爱选某个干扰项（检查它是否也说得通）",
    "no attempts": "暂无作答",
}
