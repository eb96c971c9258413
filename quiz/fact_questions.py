"""Question types asked on one fact: single choice, rule choice, true/false, cloze.

A mixin of :class:`quiz.builder.QuestionBuilder`: the methods use the builder's
state (``rng``, ``rules``, ``known``) and helpers (``details``, ``wrong_answers``,
``guessable``, ``_options``, ``_difficulty``).
"""

from __future__ import annotations

import re

from quiz import distractors as dis
from quiz.candidate import Candidate, _explanation, _finish, _sentence_stem, _source
from quiz.keys import (
    _CONCRETE,
    _EMPTY_RULE,
    _EXHORTATION,
    NEGATION_FLIPS,
    QUANTITY_KINDS,
    Key,
    is_platitude,
    memorised_detail,
    number_keys,
    quantity_keys,
)
from quiz.models import (
    BLANK,
    CLOZE,
    FALSE_TEXT,
    SINGLE,
    TRUE_FALSE,
    TRUE_TEXT,
    Question,
    fact_fingerprint,
)
from quiz.rules import ROLE_KINDS, RULE_STEM, as_option, change_detail, gives_away_by_form, pick_changed_rules
from quiz.sources import repeated_heading

CLOZE_BLANK = "____"
RULE_POOL = 8  # nearest concrete rules a rule-choice item draws its three wrong options from
# After a flipped marker, a clause that still states the duty or its purpose
# ("不必交接,确保该时段有在线客服接待", "不必使用服务用语,回复时要礼貌",
# "不必在单据上注明为退现,要求主管以上人员签字认可") contradicts the flip.
_CLAUSE_AFTER_FLIP = re.compile(
    r"[，,；;].*(?:确保|保证|做好|以便|以求|以免|避免|好让|(?<![需重主只想还])要(?![求点素])|务必|(?<![无毋胡])须|(?<=[，,；;])要求|(?<![相适响反供对回答呼效感])应(?![用对付聘届]))"
)
# Courtesy and attitude ("保持冷静", "礼貌", "及时回复", "保守机密"): true of any job, a platitude
# unless a concrete detail (number, time, role) comes with it.
_COURTESY = re.compile(
    r"礼貌|亲切|耐心|冷静|情绪|及时|关心|感谢|隐私|机密|秘密|保密|整洁|清洁|干净|仔细|负面"
)


# An amount left open ("每隔一段固定时间就广播一次", "适当"): the rule as written is near a
# tautology and any changed version of it reads just as true.
_VAGUE_AMOUNT = re.compile(r"一段(?:固定)?时间|一定(?:的)?(?:时间|数量|次数|比例)|适当|适时|若干")


_AS_WRITTEN_COMMON = re.compile(
    r"^(?:严禁|禁止|不得|不准|应|须|必须)|要[^，,。；;]*[，,]\s*(?:不得|禁止|严禁)|(?:禁止|不得|严禁)的|等有关"
)


# A bound on the value: "24小时内", "5日前", "不超过…" cap it; "不低于20%", "至少…" floor it.
_UPPER_AFTER = re.compile(r"^\s*(?:以内|之内|內|内|以前|之前|前|以下|为限|為限)")
# A bound word may have the measured thing between it and the value ("不超过指尖2mm"), never
# another amount ("最多两人3年以上…": 最多 bounds 两人, not 3年).
_GAP = r"(?:(?![一二三四五六七八九十百千万两兩零〇几])[\u4e00-\u9fff]){0,2}\s*$"
_NEGATED = r"不(?:应该|应当|得|应|能|可|宜|要|准|会)?"
# 低于/少于 alone cap a value ("应低于5分钟"); after a negation they floor it ("不应低于95%").
_PLAIN = r"(?<!不)(?<!不[得应能可宜要准会])(?<!不应该)(?<!不应当)"
_UPPER_BEFORE = re.compile(
    rf"(?:{_NEGATED}(?:超过|超過|高于|多于|大于)|最多|最长|至多|{_PLAIN}(?:少于|低于))" + _GAP
)
_LOWER_AFTER = re.compile(r"^\s*(?:以上|或以上|之上|起|至少|最少)")
_LOWER_BEFORE = re.compile(rf"(?:{_NEGATED}(?:低于|少于|小于)|至少|最少|起码|{_PLAIN}(?:多于|高于))" + _GAP)
BOUND_CONTEXT = 6  # characters before a value searched for its bound word
# How long the period of a frequency is ("每半年至少一次": a shorter period asks for more).
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


def _period(text: str) -> int | None:
    return next((days for word, days in _PERIOD_DAYS if word in text), None)


def _value_at(sentence: str, start: int):
    return next((k for k in quantity_keys(sentence) if k.start == start), None)


def surely_false(sentence: str, start: int, end: int, replacement: str) -> bool:
    """True when putting ``replacement`` for ``sentence[start:end]`` makes the rule plainly false.

    A bound only turns false when it is tightened: "24小时内回应" changed to
    "48小时内" is still kept by whoever keeps the rule, "12小时内" is not;
    "不低于20%" changed to "不低于10%" likewise, and "每半年至少一次"
    changed to "每年至少一次". A value without a bound ("9:00-17:00",
    "每月一次") is false whatever other value it takes.
    """
    before, after = sentence[max(0, start - BOUND_CONTEXT) : start], sentence[end:]
    upper = bool(_UPPER_AFTER.match(after) or _UPPER_BEFORE.search(before))
    lower = bool(_LOWER_AFTER.match(after) or _LOWER_BEFORE.search(before))
    if not (upper or lower):
        return True
    if upper and lower:
        return False  # two bound words around one value: no sure direction
    old = _value_at(sentence, start)
    new = _value_at(sentence[:start] + replacement + sentence[end:], start)
    if old is None or new is None or old.kind != new.kind:
        return False
    if old.kind == "frequency":
        # At least once a period: a shorter period is the stricter rule.
        periods = _period(old.text), _period(new.text)
        if None in periods or not lower:
            return False
        return periods[1] < periods[0]
    if old.kind != "number" or old.unit != new.unit or old.high is not None or new.high is not None:
        return False  # a clock time or a range under a bound: no sure direction
    return new.low < old.low if upper else new.low > old.low


# A rule that gives its own purpose ("必须和当班客服进行交接,确保该时段有在线客服接待"):
# asked as a plain true statement, the purpose tells anyone that it holds (blind review 6).
_PURPOSE = re.compile(r"[，,；;]\s*(?:以)?(?:确保|保证|以免|以便|以防|防止|避免|免得|好让|使得?)")


def explains_itself(sentence: str) -> bool:
    """True when the rule states the purpose it serves in a clause of its own."""
    return bool(_PURPOSE.search(sentence))


class FactQuestions:
    """Per-type question makers for a :class:`~quiz.candidate.Candidate` (mixed into the builder)."""

    def single(self, cand: Candidate) -> Question | None:
        """A number blank, else "which rule holds" on a rule, else (last resort) a term blank."""
        if cand.key.kind not in QUANTITY_KINDS and cand.rule:
            # No term-blank fallback on a rule: a noun swapped into a rule is a weak item.
            return self.rule_choice(cand)
        if cand.key.kind in QUANTITY_KINDS and self.rng.random() < 0.5 and self.is_rule_fact(cand.fact):
            # A rule with a number is asked half the time as "which rule holds" against
            # other rules with one detail changed, else as a number blank.
            question = self.rule_choice(cand)
            if question is not None:
                return question
        if cand.key.kind not in (*QUANTITY_KINDS, "term"):
            return None
        if cand.key.kind == "term" and self.vague(cand.fact.sentence):
            return None  # a noun blank in an exhortation or a courtesy platitude tests nothing
        wrong = self.wrong_answers(cand)
        if not wrong or (cand.key.kind == "term" and self.guessable(cand, wrong)):
            return None
        s, k = cand.fact.sentence, cand.key
        stem = _sentence_stem(cand.fact) + _finish(s[: k.start] + BLANK + s[k.end :])
        return Question(
            SINGLE,
            stem,
            self._options(k.text, wrong, in_order=k.kind in ("number", "frequency") and k.high is None),
            k.text,
            _explanation(cand.fact),
            _source(cand.fact),
            self._difficulty(SINGLE, cand.closeness),
            k.text,
            fact_fingerprint(s, k.text),
        )

    def rule_choice(self, cand: Candidate) -> Question | None:
        """ "以下哪一项符合规定？": the rule as written against three other rules, one detail changed.

        The right rule must itself carry a concrete detail (number, time, role):
        a platitude is never the answer, and every option reads alike.
        """
        fact = cand.fact
        if repeated_heading(fact.sentence) or not self.details(fact):
            return None  # a glued heading reads as garbled copy; no detail: a platitude
        if _COURTESY.search(fact.sentence) and not number_keys(fact.sentence):
            return None
        # Wrong options come from the same manual only: the stem says "according to it".
        others = sorted(
            (c for c in self.rules if c.fact.sentence != fact.sentence and c.fact.doc_name == fact.doc_name),
            key=lambda c: (abs(c.fact.chunk_id - fact.chunk_id), c.order),
        )[:RULE_POOL]
        self.rng.shuffle(others)  # nearest rules, but not the same three in every item
        changed = []
        for c in others:
            text = change_detail(
                c.fact.sentence, self.falsifiable(c.fact.sentence, self.details(c.fact)), self.rng
            )
            if text is not None:
                changed.append((c.fact.sentence, text))
        wrong = pick_changed_rules(fact.sentence, changed)
        if len(wrong) < 3:
            return None
        right = as_option(fact.sentence)
        options = self._options(right, wrong)
        if gives_away_by_form(options, right):
            return None
        return Question(
            SINGLE,
            _sentence_stem(fact) + RULE_STEM,
            options,
            right,
            "其余选项各改动了原文的一个具体细节（数字、时间或岗位）。" + _explanation(fact),
            _source(fact),
            self._difficulty(SINGLE, 0.3),
            right,
            fact_fingerprint(fact.sentence, RULE_STEM),
        )

    def true_false(self, cand: Candidate, truth: bool | None = None) -> Question | None:
        """A statement of the fact, true or with one number or time changed to a same-unit value.

        ``truth`` asks for one or the other (``None``: the seed decides); when
        ``truth`` is false and no value changes the fact into a sure falsehood,
        there is no question. A rule is never made false by a flipped marker
        or a swapped role.
        """
        if cand.key.kind not in QUANTITY_KINDS:
            if _VAGUE_AMOUNT.search(cand.fact.sentence):
                return None  # "每隔一段固定时间": no interval to get right or wrong
            # A swapped term often still reads true: only a changed detail is surely false.
            question = self.changed_rule(cand, truth)
            if truth is False:
                return question
            if question is None and explains_itself(cand.fact.sentence):
                return None  # asked as written, its own purpose clause makes it common sense
            if question is None and not memorised_detail(cand.fact.sentence, word_deadlines=False):
                # Asked as written, a rule without a number, time, frequency, position or
                # penalty to learn is common sense: anyone marks it true (blind reviews 7, 11, 12).
                return None
            if question is None and cand.flip is not None and not _COURTESY.search(cand.fact.sentence):
                # A rule is never made false by flipping its marker (必须 -> 不必): the flipped
                # statement is absurd next to the rest of the rule (blind review 5), so a
                # rule with a marker is asked as written.
                question = self.negated_rule(cand, truth=True)
            if question is None and cand.rule and self.worth_as_written(cand.fact.sentence):
                # A concrete rule with nothing that changes cleanly (a dress code, a hand-over
                # duty) is still worth knowing: it is asked as written.
                question = self._statement(cand, cand.fact.sentence, True, "正确。", 0.0, "")
            return question
        wrong = self.wrong_answers(cand)
        if not wrong:
            return None
        s, k = cand.fact.sentence, cand.key
        truth = self.rng.random() < 0.5 if truth is None else truth
        false_values = [w for w in wrong if surely_false(s, k.start, k.end, w)]
        if not truth and not false_values:
            return None
        other = false_values[0] if false_values else ""
        statement = s if truth else s[: k.start] + other + s[k.end :]
        stem = "判断正误：" + _sentence_stem(cand.fact) + _finish(statement)
        note = "正确。" if truth else f"错误。应为“{k.text}”而不是“{other}”。"
        return Question(
            TRUE_FALSE,
            stem,
            [TRUE_TEXT, FALSE_TEXT],
            TRUE_TEXT if truth else FALSE_TEXT,
            note + _explanation(cand.fact),
            _source(cand.fact),
            self._difficulty(TRUE_FALSE, cand.closeness),
            k.text,
            fact_fingerprint(s, k.text),
        )

    @staticmethod
    def vague(sentence: str) -> bool:
        """An exhortation, a platitude or a courtesy rule without a number, time or role."""
        return bool(
            _EXHORTATION.search(sentence)
            or _COURTESY.search(sentence)
            or is_platitude(sentence)
            or _EMPTY_RULE.search(sentence)  # "遵守公司纪律,不得违反公司规定": a tautology
            or not _CONCRETE.search(sentence)
            or re.match(r"公司|企业|客服部门|部门", sentence)  # the employer's duty, not the agent's
        )

    def worth_as_written(self, sentence: str) -> bool:
        """A concrete rule that is not common sense, asked as a true statement.

        Not a vague rule, not one without a subject ("严禁利用职务之便谋取私利": any
        workplace's ethics), not a duty restated as its own prohibition
        ("要按时上下班,不得迟到早退"), not a prohibition used as an attribute
        ("明确禁止的操作、…等有关操作": an outline, not a rule).
        """
        return not (
            self.vague(sentence)
            or _VAGUE_AMOUNT.search(sentence)
            or _AS_WRITTEN_COMMON.search(sentence)
            or repeated_heading(sentence)
        )

    def falsifiable(
        self, sentence: str, changes: list[tuple[int, int, list[str]]]
    ) -> list[tuple[int, int, list[str]]]:
        """The changes that surely make ``sentence`` false: numbers and times, not roles."""
        roles = {r for kind in ROLE_KINDS for r in kind}
        return [c for c in changes if sentence[c[0] : c[1]] not in roles]

    def flippable(self, cand: Candidate) -> bool:
        """A flip reads as a clean, non-obvious falsehood: no later clause restates the duty."""
        if cand.flip is None:
            return False
        s = cand.fact.sentence
        if _CLAUSE_AFTER_FLIP.search(s[cand.flip.end :]):
            return False
        return not _COURTESY.search(s)

    def changed_rule(self, cand: Candidate, truth: bool | None = None) -> Question | None:
        """True/false on a rule as written, or with one number or time of day changed."""
        if not cand.rule and not cand.flip:
            return None
        s = cand.fact.sentence
        # A swapped role is no sure falsehood: the manuals send the same matter to several
        # supervisors ("向总经理请示" / "请当值主管出面处理"), so only numbers and times change.
        changes = self.falsifiable(s, self.details(cand.fact))
        if not changes or (_COURTESY.search(s.replace("及时", "")) and not number_keys(s)):
            return None
        start, end, replacements = changes[self.rng.randrange(len(changes))]
        truth = self.rng.random() < 0.5 if truth is None else truth
        replacements = [r for r in replacements if surely_false(s, start, end, r)]
        if not truth and not replacements:
            return None
        other = replacements[self.rng.randrange(len(replacements))] if replacements else ""
        statement = s if truth else s[:start] + other + s[end:]
        note = "正确。" if truth else f"错误。原文是“{s[start:end]}”，不是“{other}”。"
        return self._statement(cand, statement, truth, note, 0.3, s[start:end])

    def negated_rule(self, cand: Candidate, truth: bool | None = None) -> Question:
        """True/false on a rule as written, or with its one marker flipped (不得 -> 可以)."""
        s, k = cand.fact.sentence, cand.flip
        flipped = NEGATION_FLIPS[k.text]
        truth = self.rng.random() < 0.5 if truth is None else truth
        statement = s if truth else s[: k.start] + flipped + s[k.end :]
        note = "正确。" if truth else f"错误。原文是“{k.text}”，不是“{flipped}”。"
        return self._statement(cand, statement, truth, note, 0.0, k.text)

    def _statement(
        self, cand: Candidate, statement: str, truth: bool, note: str, confusion: float, key: str
    ) -> Question:
        """A true/false question on ``statement`` (the rule as written, or with ``key`` changed)."""
        return Question(
            TRUE_FALSE,
            "判断正误：" + _sentence_stem(cand.fact) + _finish(statement),
            [TRUE_TEXT, FALSE_TEXT],
            TRUE_TEXT if truth else FALSE_TEXT,
            note + _explanation(cand.fact),
            _source(cand.fact),
            self._difficulty(TRUE_FALSE, confusion),
            key,
            fact_fingerprint(cand.fact.sentence, key),
        )

    def cloze(self, cand: Candidate) -> Question | None:
        if cand.key.kind not in QUANTITY_KINDS:
            return None  # typed term answers have synonyms; only numbers grade reliably
        s, k = cand.fact.sentence, cand.key
        stem = "填空：" + _sentence_stem(cand.fact) + _finish(s[: k.start] + CLOZE_BLANK + s[k.end :])
        # Typed answers: "三天" may come back as "3天", "3个工作日" as "3工作日".
        if k.kind == "time":
            variants = {re.sub(r"\s*[-~～至到—－]\s*", sep, k.text) for sep in ("-", "至", "到")}
        else:
            variants = {
                dis.render_number(Key(k.text, 0, len(k.text), "number", k.unit, k.low, k.high), k.low, k.high)
            }
        variants |= {re.sub(r"(\d)个", r"\1", v) for v in variants}
        accepted = sorted(v for v in variants if v != k.text)
        return Question(
            CLOZE,
            stem,
            [],
            k.text,
            _explanation(cand.fact),
            _source(cand.fact),
            self._difficulty(CLOZE, 0.3),
            k.text,
            fact_fingerprint(s, k.text),
            accepted,
        )
