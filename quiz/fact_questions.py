"""Question types asked on one fact: single choice, rule choice, true/false, cloze.

A mixin of :class:`quiz.builder.QuestionBuilder`: the methods use the builder's
state (``rng``, ``rules``, ``known``) and helpers (``details``, ``wrong_answers``,
``guessable``, ``_options``, ``_difficulty``).
"""

from __future__ import annotations

import re

from quiz import distractors as dis
from quiz.candidate import Candidate, _explanation, _finish, _sentence_stem, _source
from quiz.keys import _CONCRETE, _EMPTY_RULE, _EXHORTATION, NEGATION_FLIPS, Key, is_platitude, number_keys
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
from quiz.rules import RULE_STEM, as_option, change_detail, gives_away_by_form, pick_changed_rules
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


class FactQuestions:
    """Per-type question makers for a :class:`~quiz.candidate.Candidate` (mixed into the builder)."""

    def single(self, cand: Candidate) -> Question | None:
        """A number blank, else "which rule holds" on a rule, else (last resort) a term blank."""
        if cand.key.kind != "number" and cand.rule:
            # No term-blank fallback on a rule: a noun swapped into a rule is a weak item.
            return self.rule_choice(cand)
        if cand.key.kind == "number" and self.rng.random() < 0.5 and self.is_rule_fact(cand.fact):
            # A rule with a number is asked half the time as "which rule holds" against
            # other rules with one detail changed, else as a number blank.
            question = self.rule_choice(cand)
            if question is not None:
                return question
        if cand.key.kind not in ("number", "term"):
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
            self._options(k.text, wrong),
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
            text = change_detail(c.fact.sentence, self.details(c.fact), self.rng)
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
        if cand.key.kind != "number":
            # A swapped term often still reads true: only a changed detail or a negated rule is surely false.
            question = self.changed_rule(cand)
            if question is None and self.flippable(cand):
                question = self.negated_rule(cand)
            elif question is None and cand.flip is not None and not _COURTESY.search(cand.fact.sentence):
                # A later clause restates the duty: the flip would contradict itself, so the
                # rule is only asked as written.
                question = self.negated_rule(cand, truth=True)
            return question
        wrong = self.wrong_answers(cand)
        if not wrong:
            return None
        s, k = cand.fact.sentence, cand.key
        truth = self.rng.random() < 0.5 if truth is None else truth
        statement = s if truth else s[: k.start] + wrong[0] + s[k.end :]
        stem = "判断正误：" + _sentence_stem(cand.fact) + _finish(statement)
        note = "正确。" if truth else f"错误。应为“{k.text}”而不是“{wrong[0]}”。"
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

    def flippable(self, cand: Candidate) -> bool:
        """A flip reads as a clean, non-obvious falsehood: no later clause restates the duty."""
        if cand.flip is None:
            return False
        s = cand.fact.sentence
        if _CLAUSE_AFTER_FLIP.search(s[cand.flip.end :]):
            return False
        return not _COURTESY.search(s)

    def changed_rule(self, cand: Candidate) -> Question | None:
        """True/false on a rule as written, or with one role or time of day changed."""
        if not cand.rule and not cand.flip:
            return None
        s = cand.fact.sentence
        changes = self.details(cand.fact)
        if not changes or (_COURTESY.search(s) and not number_keys(s)):
            return None
        start, end, replacements = changes[self.rng.randrange(len(changes))]
        truth = self.rng.random() < 0.5
        other = replacements[self.rng.randrange(len(replacements))]
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
        if cand.key.kind != "number":
            return None  # typed term answers have synonyms; only numbers grade reliably
        s, k = cand.fact.sentence, cand.key
        stem = "填空：" + _sentence_stem(cand.fact) + _finish(s[: k.start] + CLOZE_BLANK + s[k.end :])
        # Typed answers: "三天" may come back as "3天", "3个工作日" as "3工作日".
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
