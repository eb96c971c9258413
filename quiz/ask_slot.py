"""Approver and document facts: "……须经（　　）审批" / "……须凭（　　）" with other names of the same KB.

The wrong options are roles (or documents) the knowledge base itself names in the same
kind of slot elsewhere: roles that approve or sign something, documents used the same way
(issued, shown, filled in), and only from the same organisation (the fact's document and the
documents sharing one of its roles). A trainee who mixes up who signs what is caught, no
option comes from a word list, and none is absurd next to the key. A slot whose key shares
a word with the rest of its sentence ("登记（投诉工单）" after "所有投诉") is refused: the
stem would give the key away, and a swapped statement would contradict itself.
"""

from __future__ import annotations

from common.textnorm import to_simplified
from quiz.facts import Fact, fact_rules
from quiz.models import FALSE_TEXT, SINGLE, TRUE_FALSE, Question, answer_key, fact_fingerprint
from quiz.stems import bigrams, blanked, explanation, finish, in_script_of, leaks, source, where
from quiz.vocabulary import slot_type, verb_slot

WRONG_OPTIONS = 3
MIN_WRONG = 2  # a thin vocabulary gives three options rather than a fourth of another kind
AFFIX_CHARS = 2  # characters of a name's head (its end) and modifier (its start) compared
LENGTH_SLACK = 2  # characters an option may differ from the key's length without standing out


def _confusable(name: str, key: str) -> bool:
    """Two names with the same head or the same modifier ("部门主管" / "客服部主管", "售后部门" /
    "售后接口人", "整张小票" / "购物小票") may name one thing: such a wrong option is defensible."""
    name, key = to_simplified(name).strip("《》"), to_simplified(key).strip("《》")
    return name[-AFFIX_CHARS:] == key[-AFFIX_CHARS:] or name[:AFFIX_CHARS] == key[:AFFIX_CHARS]


def in_a_list(fact: Fact) -> bool:
    """True for a key that is one item of a list ("发出《（　　）》、《业主手册》…"): any item fits."""
    s = fact.sentence
    before = s[max(0, fact.key_start - 2) : fact.key_start]
    after = s[fact.key_end : fact.key_end + 2]
    return "、" in before or "、" in after or "》、" in after


def echoes_sentence(fact: Fact) -> bool:
    """True when a word (bigram) of the key stands elsewhere in its sentence."""
    s = fact.sentence
    rest = s[: fact.key_start] + "\n" + s[fact.key_end :]
    return bool(bigrams(fact.key) & bigrams(rest))


class SlotQuestions:
    """Single choice and false statements for approver and document facts."""

    def __init__(
        self,
        vocabulary: dict[str, dict[str, list[str]]],
        rng,
        organisations: dict[str, set[str]] | None = None,
    ) -> None:
        self.generic = frozenset(fact_rules()["document"]["generic"])
        # slot type -> document -> names seen in that slot (the KB's roles / documents), in KB order.
        self.vocabulary, self.rng = vocabulary, rng
        # document -> documents of the same organisation (None: the fact's own document only).
        self.organisations = organisations or {}

    def others(self, fact: Fact, k: int, slot: str = "") -> list[str]:
        """Names of the same kind, same document first, never the key, a part of it or one in the sentence.

        ``slot`` names a narrower vocabulary (a verb's documents) to draw from instead of the use's.
        """
        key = answer_key(fact.key)
        sentence = answer_key(fact.sentence)
        left = to_simplified(fact.sentence[fact.key_start - 1 : fact.key_start]) if fact.key_start > 0 else ""
        right = to_simplified(fact.sentence[fact.key_end : fact.key_end + 1])
        typed = slot or slot_type(fact)
        by_doc = self.vocabulary.get(typed) or ({} if slot else self.vocabulary.get(fact.kind, {}))
        kin = self.organisations.get(fact.document, {fact.document})
        own = list(dict.fromkeys(by_doc.get(fact.document, [])))
        kin_docs = [doc for doc in by_doc if doc != fact.document and doc in kin]
        rest = list(dict.fromkeys(n for doc in kin_docs for n in by_doc[doc]))
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
            if _confusable(norm, key) or to_simplified(name) in self.generic:
                continue  # a bare "凭证" or "票据" fits any slot: defensible as the answer
            simple = to_simplified(name)
            if (left and simple.startswith(left)) or (right and simple.endswith(right)):
                continue  # "报（报区域经理）": the name would double a character of the sentence
            out.append(in_script_of(name, fact.key))
            if len(out) == k:
                break
        return out

    def generic_key(self, fact: Fact) -> bool:
        """A bare "凭证" or "单据" as the key: any paper fits, so a wrong option is defensible."""
        return fact.kind == "document" and to_simplified(fact.key) in self.generic

    def single(self, fact: Fact, placer) -> Question | None:
        stem = where(fact) + blanked(fact)
        if leaks(stem, fact.key) or echoes_sentence(fact) or self.generic_key(fact) or in_a_list(fact):
            return None
        wrong = self.others(fact, WRONG_OPTIONS)
        if len(wrong) < MIN_WRONG:
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
        """The rule with another role (document) of the KB in the key's place.

        Only for a real approval (a strong verb) or a document slot of a known use: swapping
        the party a case is merely routed to ("如需售后处理") breaks the sentence's sense.
        """
        if echoes_sentence(fact) or self.generic_key(fact) or in_a_list(fact):
            return None
        if fact.kind == "approver" and not fact.detail.get("strong"):
            return None
        if fact.kind == "document" and slot_type(fact) == "document":
            return None
        wrong = self.others(fact, 1, verb_slot(fact) if fact.kind == "document" else "")
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
