"""Stages over the facts of the whole KB: its own role and document vocabularies, and duplicates.

A phrase counts as a role when the KB shows it approving, signing or agreeing somewhere
(an approver fact with a strong verb); a fact that only routes something to a phrase
("报客服部主管") is kept when that phrase is such a role or ends like one ("…主管").
The vocabularies also give each template its wrong options: other roles and documents
of the same knowledge base, never a word list.
"""

from __future__ import annotations

from quiz.facts import Fact, StageReport
from quiz.models import answer_key
from quiz.stems import overlap

ROLE_SUFFIX_CHARS = 2  # "客服部主管" is a role when "…主管" is one
SAME_FACT_OVERLAP = 0.8  # two sentences sharing this much of their bigrams state one fact


def known_roles(facts: list[Fact]) -> set[str]:
    """Roles the KB shows approving something (strong approver facts)."""
    return {answer_key(f.key) for f in facts if f.kind == "approver" and f.detail.get("strong")}


def settle_facts(facts: list[Fact], report: StageReport) -> list[Fact]:
    """Facts after the KB-wide stages; each rejection is counted in ``report``."""
    roles = known_roles(facts)
    suffixes = {r[-ROLE_SUFFIX_CHARS:] for r in roles}
    kept: list[Fact] = []
    seen: dict[tuple[str, str, str], list[Fact]] = {}
    for fact in facts:
        if fact.kind == "approver" and fact.detail.get("weak"):
            role = answer_key(fact.key)
            if role not in roles and role[-ROLE_SUFFIX_CHARS:] not in suffixes:
                report.reject("报送对象不是本知识库中出现过的审批人", fact.sentence)
                continue
        slot = (fact.kind, answer_key(fact.key), fact.detail.get("type", ""))
        twins = seen.setdefault(slot, [])
        if any(
            twin.sentence == fact.sentence or overlap(twin.sentence, fact.sentence) >= SAME_FACT_OVERLAP
            for twin in twins
        ):
            if not any(twin.sentence == fact.sentence and twin.document == fact.document for twin in twins):
                report.reject("与另一处的同一事实重复", fact.sentence)
            continue
        twins.append(fact)
        kept.append(fact)
    return kept


def slot_vocabulary(facts: list[Fact]) -> dict[str, dict[str, list[str]]]:
    """kind ("approver" / "document") -> document -> the names the KB uses in that slot."""
    out: dict[str, dict[str, list[str]]] = {"approver": {}, "document": {}}
    for fact in facts:
        if fact.kind in out:
            names = out[fact.kind].setdefault(fact.document, [])
            if fact.key not in names:
                names.append(fact.key)
    return out
