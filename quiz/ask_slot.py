"""Approver and document facts: "……须经（　　）审批" / "……须凭（　　）" with other names of the same KB.

The wrong options are roles (or documents) the knowledge base itself names in the same
slot elsewhere, nearest first from the same document: a trainee who mixes up who signs
what is caught, and no option comes from a word list.
"""

from __future__ import annotations

from quiz.facts import Fact
from quiz.models import FALSE_TEXT, SINGLE, TRUE_FALSE, Question, answer_key, fact_fingerprint
from quiz.stems import blanked, explanation, finish, leaks, source, where

WRONG_OPTIONS = 3
LENGTH_SLACK = 2  # characters an option may differ from the key's length without standing out


class SlotQuestions:
    """Single choice and false statements for approver and document facts."""

    def __init__(self, vocabulary: dict[str, dict[str, list[str]]], rng) -> None:
        # kind -> document -> names seen in that slot (the KB's roles / documents), in KB order.
        self.vocabulary, self.rng = vocabulary, rng

    def others(self, fact: Fact, k: int) -> list[str]:
        """Names of the same kind, same document first, never the key, a part of it or one in the sentence."""
        key = answer_key(fact.key)
        sentence = answer_key(fact.sentence)
        by_doc = self.vocabulary.get(fact.kind, {})
        own = list(dict.fromkeys(by_doc.get(fact.document, [])))
        rest = list(dict.fromkeys(n for doc, names in by_doc.items() if doc != fact.document for n in names))
        self.rng.shuffle(own)
        self.rng.shuffle(rest)
        out: list[str] = []
        # Names of about the key's length first (own document before the rest): a much longer
        # or shorter option stands out by its form.
        pool = sorted(own + rest, key=lambda n: (abs(len(n) - len(fact.key)) > LENGTH_SLACK, n not in own))
        for name in pool:
            norm = answer_key(name)
            if not norm or norm in key or key in norm or norm in sentence:
                continue
            if any(norm in answer_key(o) or answer_key(o) in norm for o in out):
                continue
            if abs(len(name) - len(fact.key)) > max(LENGTH_SLACK, len(fact.key) // 2):
                continue
            out.append(name)
            if len(out) == k:
                break
        return out

    def single(self, fact: Fact, placer) -> Question | None:
        stem = where(fact) + blanked(fact)
        if leaks(stem, fact.key):
            return None
        wrong = self.others(fact, WRONG_OPTIONS)
        if len(wrong) < WRONG_OPTIONS:
            return None
        return Question(
            SINGLE,
            stem,
            placer.place(fact.key, wrong),
            fact.key,
            explanation(fact),
            source(fact),
            0.5,
            fact.key,
            fact_fingerprint(fact.sentence, fact.key),
        )

    def false_statement(self, fact: Fact) -> Question | None:
        """The rule with another role (document) of the KB in the key's place."""
        wrong = self.others(fact, 1)
        if not wrong:
            return None
        s = fact.sentence
        changed = s[: fact.key_start] + wrong[0] + s[fact.key_end :]
        return Question(
            TRUE_FALSE,
            where(fact) + finish(changed),
            answer=FALSE_TEXT,
            explanation=explanation(fact) + f"（原文为“{fact.key}”，不是“{wrong[0]}”）",
            source=source(fact),
            difficulty=0.45,
            key=fact.key,
            fingerprint=fact_fingerprint(s, fact.key),
        )
