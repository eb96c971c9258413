"""Number keys: the quantity a number fact asks for.

Numbers with units (deadlines, amounts, shares: ``24小时``, ``满99元``,
``1至3个工作日``), clock times and task frequencies make the best keys: exactly one
right answer, and wrong answers are easy to make plausible. Dates, ordinals,
``7*24小时``, ``100%`` and numerals inside words are not keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.textnorm import normalize, normalize_aligned

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)"
UNITS = (
    "个工作日",
    "工作日",
    "个自然日",
    "自然日",
    "个小时",
    "小时",
    "分钟",
    "秒钟",
    "秒",
    "天",
    "日",
    "周",
    "个月",
    "年",
    "元",
    "%",
    "％",
    "积分",
    "倍",
    "次",
    "折",
    "mm",
    "毫米",
    "厘米",
)
NUMBER_KEY = re.compile(
    rf"(?P<prefix>满|不超过|超过|不少于|不低于|低于|高于)?(?P<low>{_NUM})"
    rf"(?:\s*(?:至|到|-|~|－|—)\s*(?P<high>{_NUM}))?\s*(?P<unit>{'|'.join(map(re.escape, UNITS))})"
)
# "每月5日前", "每季第一个月5日前", "每年1月5日之前": a recurring deadline on a day of the month.
_MONTH_DAY = re.compile(r"(?:每月|每个月|个月|每季度?[^，,。；;]{0,6}月|每年\d{1,2}月)\d{1,2}日之?前$")
# "每月不定期抽查四次", "每天两次组织巡视": how many times within a stated period.
_PER_PERIOD = re.compile(r"每(?:天|日|周|星期|月|个月|季度|季|半年|年)[^，,。；;]{0,8}$")
_DEADLINE_AFTER = re.compile(r"内|以内|之内|后|前|以上|以下")
_AMOUNT_BEFORE = set("在满于为近约共达超过至每")
_FILLER_AFTER = re.compile(r"全天|不间断|营业|开通")
# Units whose numbers are counts of a thing, where "一" is trivial ("一次").
_COUNT_UNITS = {"次", "倍", "折"}
DAY_OF_MONTH = "月日"  # the unit of "每月5日前" keys
# Keys with exactly one right value: blanks, cloze and changed details all work on them.
QUANTITY_KINDS = ("number", "time", "frequency")


@dataclass(frozen=True)
class Key:
    """The part of a sentence a question blanks out."""

    text: str
    start: int
    end: int
    kind: str  # "number" | "term"
    unit: str = ""
    low: float = 0.0
    high: float | None = None
    prefix: str = ""
    chinese: bool = False  # written with Chinese numerals (distractors follow suit)


def cn_to_number(text: str) -> float | None:
    """``7`` / ``七`` / ``十五`` / ``二十四`` / ``一百`` as a number (None if not a numeral)."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)


def _recurring_day(sentence: str, end: int) -> bool:
    """True when the "N日" ending at ``end`` is a recurring deadline ("每月5日前", "每年1月5日之前")."""
    tail = "之前" if sentence[end : end + 2] == "之前" else sentence[end : end + 1]
    return _MONTH_DAY.search(sentence[:end] + tail) is not None


def number_keys(sentence: str) -> list[Key]:
    """Numbers with units in ``sentence`` that make sensible keys.

    Traditional text ("72小時內", "兩天內") is matched on its Simplified form,
    character for character, and the key keeps the original characters.
    """
    original, sentence = sentence, normalize_aligned(sentence)
    keys = []
    for m in NUMBER_KEY.finditer(sentence):
        before, after = sentence[max(0, m.start() - 1) : m.start()], sentence[m.end() : m.end() + 1]
        unit = m.group("unit")
        if before == "月" and unit == "日" and _recurring_day(sentence, m.end()):
            pass  # "每月5日前", "每年1月5日之前": a recurring deadline, not a date
        elif before in ("第", "*", "×", "x", "月", "年", ".", "/") or after in ("月", "年", "号", "/", "."):
            continue  # ordinals, dates, "7*24小时", version numbers
        if before.isdigit() or after.isdigit():
            continue
        if unit == "小时" and before == "天":
            continue  # "365天24小时": round the clock, not a deadline
        low, high = cn_to_number(m.group("low")), None
        if m.group("high"):
            high = cn_to_number(m.group("high"))
            if high is None or low is None or high <= low:
                continue
        if low is None:
            continue
        chinese = not m.group("low")[0].isdigit()
        if chinese and unit in _COUNT_UNITS and low <= 1:
            continue
        ahead = sentence[max(0, m.start() - 2) : m.start()] == "提前"  # "提前两日": a notice period
        # "每月不定期抽查四次": a count within a period the sentence names just before it.
        per_period = unit == "次" and bool(_PER_PERIOD.search(sentence[: m.start()]))
        if chinese and not (
            _DEADLINE_AFTER.match(normalize(sentence[m.end() : m.end() + 2]))
            or (before and before in _AMOUNT_BEFORE)
            or ahead
            or per_period
        ):
            continue  # "统一周全", "新的一年": a numeral inside a word, not a quantity
        if _FILLER_AFTER.match(sentence[m.end() : m.end() + 3]):
            continue  # "24小时全天候" restates itself
        if (
            unit == "日"
            and not ahead
            and not re.match(r"内|以内|之内|起", sentence[m.end() : m.end() + 2])
            and not (before == "月" and _recurring_day(sentence, m.end()))
        ):
            continue  # "18日" is a day of the month, not a duration
        if unit == "年" and low >= 1900:
            continue
        if unit == "年" and re.match(
            r"(?:以上)?(?:的)?(?:从业|工作|行业|相关)?经验", sentence[m.end() : m.end() + 6]
        ):
            continue  # "13年从业经验": an advert's or a job posting's boast, not a rule
        if unit == "%" and low >= 100:
            continue  # "100%": the obvious target, guessed without the manual
        if chinese and low == 1 and before == "每" and unit in ("天", "日"):
            continue  # "每一天": every day, not a quantity
        if unit == "日" and before == "月":
            unit = DAY_OF_MONTH  # distractors are other days of a month, not durations
        # The blank covers the quantity only: "满" / "超过" stay in the stem and read naturally.
        start = m.start("low")
        keys.append(
            Key(
                original[start : m.end()],
                start,
                m.end(),
                "number",
                unit.replace("％", "%"),
                low,
                high,
                m.group("prefix") or "",
                chinese,
            )
        )
    return keys


# A clock time or span ("16:30", "9:00-18:00", "08:00至17:00"); not a date-time with seconds.
TIME_KEY = re.compile(
    r"(?<![\d:：.\-])(?P<h1>[01]?\d|2[0-4])[:：](?P<m1>[0-5]\d)"
    r"(?:\s*(?P<sep>[-~～至到—－])\s*(?P<h2>[01]?\d|2[0-4])[:：](?P<m2>[0-5]\d))?(?![\d:：])"
)


def time_keys(sentence: str) -> list[Key]:
    """Clock times and shift spans in ``sentence`` (work hours, cut-off times) as keys.

    ``low`` and ``high`` are minutes after midnight; a span's end may pass
    midnight ("17:00-01:00"). A time inside a date-time stamp is skipped.
    """
    keys = []
    for m in TIME_KEY.finditer(sentence):
        if re.search(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?\s*$", sentence[: m.start()]):
            continue  # "2022-12-31 17:12": when a page was scraped, not a rule
        low = int(m.group("h1")) * 60 + int(m.group("m1"))
        high = int(m.group("h2")) * 60 + int(m.group("m2")) if m.group("h2") else None
        keys.append(Key(m.group(), m.start(), m.end(), "time", "time", float(low), high))
    return keys


# How often a task recurs, shortest period first; a wrong option is a neighbouring period.
FREQUENCIES = ("每天", "每周", "每月", "每季度", "每半年", "每年")
_FREQUENCY = re.compile(
    r"每(?:天|日|周|星期|月|个月|季度|季|半年|年)(?=[^，,。；;]{0,4}?(?:一|1)(?:次|份|遍))"
)


def frequency_keys(sentence: str) -> list[Key]:
    """How often a task is done ("每季度检查一次", "每月出一份清单"): the period as a key."""
    keys = []
    norm = normalize_aligned(sentence)
    for m in _FREQUENCY.finditer(norm):
        text = {"每日": "每天", "每星期": "每周", "每个月": "每月", "每季": "每季度"}.get(
            m.group(), m.group()
        )
        rank = FREQUENCIES.index(text)
        keys.append(Key(sentence[m.start() : m.end()], m.start(), m.end(), "frequency", "frequency", rank))
    return keys


# A bracketed aside ("原件(10天內返還…)", "（转移责任）"): an incidental note beside the rule,
# never the detail a question asks about (blind review 7).
_ASIDE = re.compile(r"[（(〔［\[][^（()）〔〕［］\[\]]*[）)〕］\]]")


def asides(sentence: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each bracketed aside of ``sentence``, brackets included."""
    return [m.span() for m in _ASIDE.finditer(sentence)]


def in_aside(sentence: str, start: int, end: int) -> bool:
    """True when ``sentence[start:end]`` lies inside a bracketed aside."""
    return any(a <= start and end <= b for a, b in asides(sentence))


def strip_asides(text: str) -> str:
    """``text`` without its bracketed asides ("表明立场(转移责任)" -> "表明立场")."""
    return _ASIDE.sub("", text).strip()


def quantity_keys(sentence: str) -> list[Key]:
    """Numbers with units, clock times and task frequencies of ``sentence``, in reading order."""
    found = number_keys(sentence) + time_keys(sentence) + frequency_keys(sentence)
    return sorted(found, key=lambda k: k.start)
