"""Rule facts (a duty or a ban): true/false as written or negated, and "以下哪种做法违反规定".

The violation item's right option is the banned action of one rule; its wrong options are
actions other rules of the same manual require, so each wrong option is a practice the
manual asks for and exactly one breaks a rule.
"""

from __future__ import annotations

import re

from common.textnorm import normalize_aligned
from quiz.fact_patterns import CJK, approval_pattern, limits, patterns, words_of
from quiz.facts import Fact, fact_rules
from quiz.keys import quantity_keys
from quiz.models import FALSE_TEXT, SINGLE, TRUE_FALSE, Question, fact_fingerprint
from quiz.stems import explanation, finish, in_script_of, overlap, source, true_statement, where

_QUOTES = re.compile(r"[“”\"「」『』‘’]")
_LABEL = re.compile(r"【[^】]*】")  # "【注意】": a label of the manual, not part of who is bound
WRONG_OPTIONS = 3
MAX_OPTION_OVERLAP = 0.5  # a compliant action this close to the banned one blurs the item
LENGTH_RATIO = 2.0  # an option this many times longer or shorter than the key stands out by form
# How a marker is negated in a false statement.
FLIPS = {"ban": "可以", "must": "不必", "duty": "不负责"}
MARKER_FLIPS = {"需要": "无需", "需": "无需"}  # markers with a negation of their own
MAX_SUBJECT_CHARS = 8  # a subject this short ("客服", "店员") names who the violation item is about


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

    def negatable(self, fact: Fact) -> bool:
        """True when negating the marker gives one clear false statement.

        Only a strong marker (必须, 严禁…), the sentence's only duty or ban, and not bound to the
        clause before it by an adverb: "不必严格遵守纪律，不得…" and "还无需…" contradict
        themselves and give the answer away.
        """
        s, marker = fact.sentence, fact.detail.get("marker", "")
        at = fact.key_start - len(marker)
        if not marker or s[at : fact.key_start] != marker or fact.detail.get("polarity") not in FLIPS:
            return False
        if not fact.detail.get("strong"):
            return False
        norm = normalize_aligned(s)
        p = patterns()
        marks = {m.start() for kind in ("ban", "must", "duty") for m in p[kind].finditer(norm)}
        if len(marks) > 1:
            return False
        if norm[:at].endswith(tuple(fact_rules()["rule"]["bound_before_marker"])):
            return False
        if not _negation_tests_manual(fact):
            return False
        # "回复不必简洁、准确，一次回复一个问题…": clauses after the action would still state duties;
        # a consequence or a purpose ("…，确保有人接待") does not.
        raw = s[fact.key_end :].strip(" 。；;，,！!")
        rest = normalize_aligned(raw)
        purpose = tuple(fact_rules()["rule"]["purpose_after"])
        consequence = fact.detail.get("consequence", "")
        return not rest or (bool(consequence) and raw.startswith(consequence)) or rest.startswith(purpose)

    def true_false(self, fact: Fact, truth: bool) -> Question | None:
        s = fact.sentence
        if truth:
            return true_statement(fact)
        if not self.negatable(fact):
            return None
        marker, polarity = fact.detail.get("marker", ""), fact.detail.get("polarity")
        at = fact.key_start - len(marker)
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
        if not _practice(key):
            return None
        pool = [f for f in self.required.get(fact.document, []) if f.sentence != fact.sentence]
        self.rng.shuffle(pool)
        # Practices of the same section first: options about another subject give the key away.
        pool.sort(key=lambda f: f.headings[-1:] != fact.headings[-1:])
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
            if not _practice(action):
                continue  # "简洁、准确": a fragment, no practice anyone follows
            wrong.append(in_script_of(action, key))
            if len(wrong) == WRONG_OPTIONS:
                break
        if len(wrong) < WRONG_OPTIONS:
            return None
        stem = where(fact) + _violation_question(fact)
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


def _negation_tests_manual(fact: Fact) -> bool:
    """True when the negated statement is false only by the manual, not by common sense.

    A ban turned into a permission ("可以透露收件人姓名") is marked false by anyone unless the ban
    is bound to something the manual sets (a quantity: "未满16岁者不得代为取件"). A duty with an
    exact quantity turned into "不必" ("不必在24小时内回访") still quotes the deadline, which
    gives away that the duty exists.
    """
    has_quantity = bool(quantity_keys(fact.sentence) or re.search(r"\d", fact.sentence))
    if fact.detail.get("polarity") == "ban":
        return has_quantity
    return not quantity_keys(fact.key)


def _noun_subject(subject: str) -> bool:
    """True when ``subject`` is a noun phrase ("客服人员"), not a clause or a conjunction ("并且")."""
    words = words_of(normalize_aligned(subject))
    if not words or not words[-1][1].startswith(("n", "r")):
        return False
    return not any(flag.startswith(("c", "v", "p", "d", "u")) and flag != "vn" for _, flag in words)


def _practice(action: str) -> bool:
    """A practice one can follow holds a verb and more than one word ("向顾客发送地址", not "简洁、准确")."""
    words = words_of(normalize_aligned(action))
    if len(CJK.findall(action)) < limits()["min_action_chars"]:
        return False  # "超过5%": a bound, not a practice
    return len(words) >= 2 and any(flag.startswith("v") and flag != "vn" for _, flag in words)


def _violation_question(fact: Fact) -> str:
    """The question, naming whose practice it asks when the rule names it in a short subject ("客服")."""
    subject = re.split(r"[，,；;：:]", _LABEL.sub("", fact.detail.get("subject", "")))[-1].strip()
    if (
        not subject
        or len(subject) > MAX_SUBJECT_CHARS
        or re.search(r"\d", subject)
        or not _noun_subject(subject)
    ):
        return "以下哪种做法违反规定？"
    return f"{subject}的以下做法中，哪一种违反规定？"
