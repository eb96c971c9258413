"""Rule facts (a duty or a ban): true/false as written or negated, and "以下哪种做法违反规定".

The violation item's right option is the banned action of one rule; its wrong options are
actions other rules of the same manual require, so each wrong option is a practice the
manual asks for and exactly one breaks a rule.
"""

from __future__ import annotations

import re

from common.textnorm import normalize_aligned
from quiz.fact_patterns import approval_pattern
from quiz.facts import Fact
from quiz.models import FALSE_TEXT, SINGLE, TRUE_FALSE, Question, fact_fingerprint
from quiz.stems import explanation, finish, in_script_of, overlap, source, true_statement, where

_QUOTES = re.compile(r"[“”\"「」『』‘’]")
WRONG_OPTIONS = 3
MAX_OPTION_OVERLAP = 0.5  # a compliant action this close to the banned one blurs the item
LENGTH_RATIO = 2.0  # an option this many times longer or shorter than the key stands out by form
# How a marker is negated in a false statement.
FLIPS = {"ban": "可以", "must": "不必", "duty": "不负责"}
MARKER_FLIPS = {"需要": "无需", "需": "无需"}  # markers with a negation of their own


class RuleQuestions:
    """True/false and violation items of rule facts."""

    def __init__(self, rules: list[Fact], rng) -> None:
        self.rng = rng
        self.approval = approval_pattern()
        self.required: dict[str, list[Fact]] = {}
        for fact in rules:
            if (
                fact.detail.get("polarity") == "must"
                and fact.detail.get("strong")
                and not fact.detail.get("verdict")
            ):
                self.required.setdefault(fact.document, []).append(fact)

    def true_false(self, fact: Fact, truth: bool) -> Question | None:
        s = fact.sentence
        if truth:
            return true_statement(fact)
        marker, polarity = fact.detail.get("marker", ""), fact.detail.get("polarity")
        at = fact.key_start - len(marker)
        if not marker or s[at : fact.key_start] != marker or polarity not in FLIPS:
            return None
        flip = in_script_of(MARKER_FLIPS.get(normalize_aligned(marker), FLIPS[polarity]), s)
        changed = s[:at] + flip + s[fact.key_start :]
        return Question(
            TRUE_FALSE,
            where(fact) + finish(changed),
            answer=FALSE_TEXT,
            explanation=explanation(fact) + f"（原文是“{marker}”）",
            source=source(fact),
            difficulty=0.25,
            key=fact.key,
            fingerprint=fact_fingerprint(s, fact.key),
        )

    def violation(self, fact: Fact, placer) -> Question | None:
        """以下哪种做法违反规定: the banned action against three required ones."""
        if (
            fact.detail.get("polarity") != "ban"
            or fact.detail.get("verdict")
            or not fact.detail.get("strong")
        ):
            return None
        key = fact.key.strip()
        pool = [f for f in self.required.get(fact.document, []) if f.sentence != fact.sentence]
        self.rng.shuffle(pool)
        wrong: list[str] = []
        for other in pool:
            action = other.key.strip()
            ratio = max(len(action), len(key)) / max(1, min(len(action), len(key)))
            if ratio > LENGTH_RATIO or overlap(action, key) > MAX_OPTION_OVERLAP:
                continue
            if any(overlap(action, w) > MAX_OPTION_OVERLAP for w in wrong):
                continue
            if _QUOTES.search(action):
                continue  # a quote mark in one option sets it apart by its form
            if self.approval.search(normalize_aligned(action)):
                continue  # "经客服主管审批" is a step of a rule, not a practice one could follow
            wrong.append(in_script_of(action, key))
            if len(wrong) == WRONG_OPTIONS:
                break
        if len(wrong) < WRONG_OPTIONS:
            return None
        stem = where(fact) + "以下哪种做法违反规定？"
        return Question(
            SINGLE,
            stem,
            placer.place(key, wrong),
            key,
            explanation(fact),
            source(fact),
            0.5,
            key,
            fact_fingerprint(fact.sentence, key),
        )
