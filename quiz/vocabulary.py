"""Stages over the facts of the whole KB: its own role and document vocabularies, and duplicates.

A phrase counts as a role when the KB shows it approving, signing or agreeing somewhere
(an approver fact with a strong verb); a fact that only routes something to a phrase
("报客服部主管") or has it only confirm or handle something ("经快递公司确认") is kept
when that phrase is such a role or ends like one ("…主管").
The vocabularies also give each template its wrong options: other roles and documents
of the same knowledge base, never a word list.
"""

from __future__ import annotations

from functools import cache

from common.textnorm import to_simplified
from quiz.facts import Fact, StageReport, fact_rules
from quiz.models import answer_key
from quiz.readability import unreadable
from quiz.spun import spun_sentences
from quiz.stems import overlap
from quiz.worth import not_worth_asking

ROLE_SUFFIX_CHARS = 2  # "客服部主管" is a role when "…主管" is one
SAME_FACT_OVERLAP = 0.8  # two sentences sharing this much of their bigrams state one fact


USE_WINDOW = 6  # characters before a document key searched for the verb that uses it


@cache
def _slot_rules() -> dict:
    return fact_rules()["slots"]


def known_roles(facts: list[Fact]) -> set[str]:
    """Roles the KB shows approving something (strong approver facts)."""
    return {answer_key(f.key) for f in facts if f.kind == "approver" and f.detail.get("strong")}


def role_shaped(name: str) -> bool:
    """False for a "role" ending like a place or time ("当班内"): a clause cut short."""
    return bool(name) and to_simplified(name)[-1] not in _slot_rules()["not_role_last"]


def document_shaped(fact: Fact) -> bool:
    """A document key ends like paperwork (…单, …发票, …记录) or is a title in 《》."""
    s = fact.sentence
    titled = fact.key_start > 0 and s[fact.key_start - 1 : fact.key_start] == "《"
    suffixes = tuple(to_simplified(x) for x in fact_rules()["document"]["suffix"])
    return titled or to_simplified(fact.key).endswith(suffixes)


def document_lead(fact: Fact) -> tuple[str, str]:
    """(use, verb) of the slot: "show"/"fill"/"issue" and the verb before the document ("凭")."""
    before = to_simplified(fact.sentence[max(0, fact.key_start - USE_WINDOW) : max(0, fact.key_start)])
    best, verb, at = "", "", -1
    for use, leads in _slot_rules()["document_use"].items():
        for lead in leads:
            pos = before.rfind(lead)
            if pos >= 0 and (pos + len(lead) > at or (pos + len(lead) == at and len(lead) > len(verb))):
                best, verb, at = use, lead, pos + len(lead)
    return best, verb


def document_use(fact: Fact) -> str:
    """How the slot uses its document ("show", "fill", "issue"; "" when no verb is found before it)."""
    return document_lead(fact)[0]


def verb_slot(fact: Fact) -> str:
    """The narrowest vocabulary of a document slot: documents the KB names after the same verb."""
    verb = document_lead(fact)[1]
    return f"document@{verb}" if verb else ""


def slot_type(fact: Fact) -> str:
    """The vocabulary a slot fact's wrong options come from: its kind, typed by use for documents."""
    if fact.kind == "document":
        use = document_use(fact)
        return f"document:{use}" if use else "document"
    return fact.kind


def organisations(facts: list[Fact]) -> dict[str, set[str]]:
    """document -> the documents of the same organisation: itself and those naming one of its roles."""
    roles: dict[str, set[str]] = {}
    for fact in facts:
        if fact.kind == "approver" and fact.detail.get("strong"):
            roles.setdefault(fact.document, set()).add(answer_key(fact.key))
    docs = {f.document for f in facts}
    return {d: {e for e in docs if e == d or roles.get(d, set()) & roles.get(e, set())} for d in docs}


def settle_facts(facts: list[Fact], report: StageReport) -> list[Fact]:
    """Facts after the KB-wide stages; each rejection is counted in ``report``."""
    roles = known_roles(facts)
    suffixes = {r[-ROLE_SUFFIX_CHARS:] for r in roles}
    kept: list[Fact] = []
    seen: dict[tuple[str, str, str], list[Fact]] = {}
    spun = spun_sentences(facts)
    for fact in facts:
        reason = unreadable(fact) or not_worth_asking(fact)
        if not reason and fact.sentence in spun:
            reason = "是另一处句子的洗稿副本（用生僻同义词替换了原词）"
        if reason:
            report.reject(reason, fact.sentence)
            continue
        if fact.kind == "approver" and not role_shaped(fact.key):
            report.reject("审批人位置上是残缺的分句（以“内/后/时…”结尾）", fact.sentence)
            continue
        if fact.kind == "document" and not document_shaped(fact):
            report.reject("单据位置上不像单据名称", fact.sentence)
            continue
        if fact.kind == "approver" and not fact.detail.get("strong"):
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
    """slot type -> document -> the names the KB uses in that kind of slot.

    Roles are those the KB shows approving or signing (strong approver facts) and those named
    like them (same ending): a party a case is only reported to ("快递公司") is no approver.
    Documents are typed by use:
    "document:issue" holds what the KB issues (开具), "document:show" what is shown or
    provided, "document:fill" what is filled in or registered; "document@凭" what follows
    that very verb (the false statements' swaps); "document" holds them all.
    """
    out: dict[str, dict[str, list[str]]] = {"approver": {}, "document": {}}
    suffixes = {r[-ROLE_SUFFIX_CHARS:] for r in known_roles(facts)}
    for fact in facts:
        # A party only told or asked ("经快递公司确认") is a role only when it is named like
        # one that approves elsewhere ("…主管" when a 主管 signs).
        if (
            fact.kind == "approver"
            and not fact.detail.get("strong")
            and answer_key(fact.key)[-ROLE_SUFFIX_CHARS:] not in suffixes
        ):
            continue
        if fact.kind not in ("approver", "document"):
            continue
        slots = {fact.kind, slot_type(fact)}
        if fact.kind == "document" and verb_slot(fact):
            slots.add(verb_slot(fact))
        for slot in slots:
            names = out.setdefault(slot, {}).setdefault(fact.document, [])
            if fact.key not in names:
                names.append(fact.key)
    return out
