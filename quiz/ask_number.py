"""Number facts asked three ways: a cloze, a single choice with unit-aware distractors, a true/false.

Single-choice values are shown in numeric order with the key's rank among them drawn at
random (quiz/distractors.py). A true/false statement is made false only by a value the
rule really forbids: a limit is only tightened ("24小时内" may become 12小时, never
48小时), a threshold that triggers a duty is only lowered ("超过50元须审批": 30元 is
false, 99元 is still true), a floor is only raised.
"""

from __future__ import annotations

import random
import re

from quiz import distractors as dis
from quiz.facts import Fact
from quiz.keys import Key, quantity_keys
from quiz.models import CLOZE, FALSE_TEXT, SINGLE, TRUE_FALSE, Question, fact_fingerprint
from quiz.stems import blanked, explanation, finish, leaks, source, true_statement, where

_UPPER_AFTER = re.compile(r"^\s*(?:以内|之内|內|内|以前|之前|前|以下|为限|為限)")
_GAP = r"(?:(?![一二三四五六七八九十百千万两兩零〇几])[\u4e00-\u9fff]){0,2}\s*$"
_NEGATED = r"不(?:应该|应当|得|应|能|可|宜|要|准|会)?"
_PLAIN = r"(?<!不)(?<!不[得应能可宜要准会])(?<!不应该)(?<!不应当)"
_UPPER_BEFORE = re.compile(
    rf"(?:{_NEGATED}(?:超过|超過|高于|多于|大于)|最多|最长|至多|{_PLAIN}(?:少于|低于))" + _GAP
)
_LOWER_AFTER = re.compile(r"^\s*(?:以上|或以上|之上|起|至少|最少)")
_LOWER_BEFORE = re.compile(rf"(?:{_NEGATED}(?:低于|少于|小于)|至少|最少|起码|{_PLAIN}(?:多于|高于))" + _GAP)
# A value that opens a condition ("超过50元的…须经…", "满99元包邮"): lowering it is the only sure lie.
_TRIGGER_BEFORE = re.compile(r"(?:超过|超過|满|滿|高于|大于|多于|达到|達到|在)\s*$")
_TRIGGER_AFTER = re.compile(r"^\s*(?:以上|或以上)?(?:（含）|\(含\))?(?:的|时|時|者|[:：])")
# A bound of a range or tier ("50元以上至200元（含）："): every value inside it is still true
# ("100元以上至200元" needs the same approver), so the range may only be widened.
# A tier's row ("1000元以上：须由经理签字"): raising the value names a part of the tier, still true.
_TIER_ROW = re.compile(r"^\s*(?:以上|或以上)(?:（含）|\(含\))?\s*[:：]")
_RANGE_AFTER = re.compile(r"^\s*(?:以上|以下)?\s*(?:至|到|-|—|~|～)\s*[\d一二三四五六七八九十百千万两]")
_RANGE_BEFORE = re.compile(r"[\d一二三四五六七八九十百千万两][^\d，,。；;]{0,4}?(?:至|到|-|—|~|～)\s*$")
BOUND_CONTEXT = 6  # characters before a value searched for its bound word
_PERIOD_DAYS = (
    ("半年", 182),
    ("季", 91),
    ("年", 365),
    ("月", 30),
    ("周", 7),
    ("星期", 7),
    ("天", 1),
    ("日", 1),
)


def fact_key(fact: Fact) -> Key:
    d = fact.detail
    return Key(
        fact.key,
        fact.key_start,
        fact.key_end,
        d["type"],
        d["unit"],
        d["low"],
        d["high"],
        d["prefix"],
        d["chinese"],
    )


def _value_at(sentence: str, start: int) -> Key | None:
    return next((k for k in quantity_keys(sentence) if k.start == start), None)


def surely_false(sentence: str, start: int, end: int, replacement: str) -> bool:
    """True when ``replacement`` for ``sentence[start:end]`` states something the rule does not allow."""
    before, after = sentence[max(0, start - BOUND_CONTEXT) : start], sentence[end:]
    low_of_range, high_of_range = bool(_RANGE_AFTER.match(after)), bool(_RANGE_BEFORE.search(before))
    if low_of_range or high_of_range:
        old = _value_at(sentence, start)
        new = _value_at(sentence[:start] + replacement + sentence[end:], start)
        if low_of_range == high_of_range or old is None or new is None:
            return False
        if old.kind != "number" or old.unit != new.unit:
            return False
        return new.low < old.low if low_of_range else new.low > old.low
    trigger = bool(_TRIGGER_BEFORE.search(before) and _TRIGGER_AFTER.match(after)) or bool(
        _TIER_ROW.match(after)
    )
    upper = bool(_UPPER_AFTER.match(after) or _UPPER_BEFORE.search(before)) and not trigger
    lower = bool(_LOWER_AFTER.match(after) or _LOWER_BEFORE.search(before)) and not trigger
    if not (upper or lower or trigger):
        return True
    if upper and lower:
        return False
    old = _value_at(sentence, start)
    new = _value_at(sentence[:start] + replacement + sentence[end:], start)
    if old is None or new is None or old.kind != new.kind:
        return False
    if old.kind == "frequency":
        periods = [next((d for w, d in _PERIOD_DAYS if w in k.text), None) for k in (old, new)]
        return None not in periods and lower and periods[1] < periods[0]
    if old.kind != "number" or old.unit != new.unit or old.high is not None or new.high is not None:
        return False
    return new.low > old.low if lower else new.low < old.low


class NumberQuestions:
    """Cloze, single and true/false items of number facts."""

    def __init__(self, known: dict[str, set], times: set, rng: random.Random) -> None:
        self.known, self.times, self.rng = known, times, rng

    def wrong(self, fact: Fact, stem: str, k: int = 3, below: int | None = None) -> list[str]:
        """``k`` wrong values; ``below``: how many of them should be smaller than the key, if it can be."""
        key = fact_key(fact)
        if key.kind == "time":
            return dis.time_distractors(key, self.times, stem, self.rng, k)
        if key.kind == "frequency":
            return dis.frequency_distractors(key, stem, self.rng, k, below)
        return dis.number_distractors(key, self.known, stem, self.rng, k, below)

    def opens_with_key(self, fact: Fact) -> bool:
        """ "（　　）一次检查…": a blank opening the statement leaves it without a subject."""
        return not finish(fact.sentence[: fact.key_start] + "。").strip("。")

    def cloze(self, fact: Fact) -> Question | None:
        stem = where(fact) + blanked(fact)
        if leaks(stem, fact.key) or self.opens_with_key(fact):
            return None
        return Question(
            CLOZE,
            stem,
            [],
            fact.key,
            explanation(fact),
            source(fact),
            0.7,
            fact.key,
            fact_fingerprint(fact.sentence, fact.key),
        )

    def single(self, fact: Fact, placer) -> Question | None:
        stem = where(fact) + blanked(fact)
        if leaks(stem, fact.key) or self.opens_with_key(fact):
            return None
        # Values are shown in numeric order, so the key's place is set by how many wrong values
        # lie below it: that count is dealt like every other item's key place.
        places = placer.order(4)
        # Values are shown in numeric order, so the key's place is set by how many wrong values
        # lie below it: the least used place first, then the others.
        for place in places:
            wrong = self.wrong(fact, stem, below=place)
            ordered = dis.in_numeric_order([fact.key, *wrong]) if len(wrong) == 3 else None
            if len(wrong) < 3 or not ordered or ordered.index(fact.key) == place:
                break
        if len(wrong) < 3:
            return None
        options = ordered or placer.place(fact.key, wrong)
        return Question(
            SINGLE,
            stem,
            options,
            fact.key,
            explanation(fact),
            source(fact),
            0.55,
            fact.key,
            fact_fingerprint(fact.sentence, fact.key),
        )

    def true_false(self, fact: Fact, truth: bool) -> Question | None:
        s = fact.sentence
        if self.opens_with_key(fact):
            return None  # "每月一次检查…": the statement has no subject either way
        if truth:
            return true_statement(fact)
        if s.count(fact.key) > 1:
            return None  # "在7天内寄出…超过7天未填写": one changed value would contradict the other
        for value in self.wrong(fact, s, k=6):
            if surely_false(s, fact.key_start, fact.key_end, value):
                changed = s[: fact.key_start] + value + s[fact.key_end :]
                return Question(
                    TRUE_FALSE,
                    where(fact) + finish(changed),
                    answer=FALSE_TEXT,
                    explanation=explanation(fact) + f"（原文为“{fact.key}”，不是“{value}”）",
                    source=source(fact),
                    difficulty=0.4,
                    key=fact.key,
                    fingerprint=fact_fingerprint(s, fact.key),
                )
        return None
