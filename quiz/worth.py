"""Refusal stages for facts not worth asking: no statement that governs what an agent does.

A quiz asks what an agent or staff member must do, may not do, or tells a customer. Text
that is none of these is refused here, by kind of text rather than by word of one manual
(markers in quiz/fact_rules.toml ``[worth]``):

* copy addressed to a reader ("朋友们应该…", "大家要…"): web or job-posting text;
* a planned target ("客户满意度达到95%以上") in a sentence with no duty or ban;
* a management policy: an organisation-level subject ("企业需要建立…", "客服部门应建立…") or
  a hiring context ("招聘过程中要…") whose action names no customer, order or number.

Advice addressed to the customer (a FAQ answer's "请不要…") is refused at extraction
(quiz/extract.py), where the passage's kind is known.
"""

from __future__ import annotations

import re
from functools import cache

from common.textnorm import to_simplified
from quiz.fact_patterns import QUOTE, patterns, without_stage_directions
from quiz.facts import Fact, fact_rules

TARGET_WINDOW = 6  # characters before a number searched for a target verb ("满意度达到")


@cache
def _rules() -> dict:
    return fact_rules()["worth"]


def addressed_to_reader(sentence: str) -> bool:
    """True for second-person copy addressed to a reader ("朋友们…", "大家…")."""
    return any(word in to_simplified(sentence) for word in _rules()["reader_address"])


def says_you(sentence: str) -> bool:
    """True when the sentence addresses someone as 您 outside a quotation."""
    bare = QUOTE.sub("", sentence)
    return any(word in bare for word in _rules()["polite_you"])


def planned_target(fact: Fact) -> bool:
    """True for a number that is a target to reach, in a sentence without a duty or ban."""
    if fact.kind != "number":
        return False
    norm = to_simplified(fact.sentence)
    if patterns()["must"].search(norm) or patterns()["ban"].search(norm):
        return False
    before = norm[max(0, fact.key_start - TARGET_WINDOW) : fact.key_start]
    unit = to_simplified(fact.key)
    return any(before.endswith(v) or v in before for v in _rules()["target_verbs"]) and unit.endswith(
        tuple(_rules()["target_units"])
    )


def management_policy(fact: Fact) -> bool:
    """True for a rule of an organisation-level subject whose action names no customer and no number."""
    if fact.kind != "rule":
        return False
    subject = to_simplified(fact.detail.get("subject", ""))
    clause = re.split(r"[，,；;：:]", subject)[-1].strip() if subject else ""
    organisation = clause.endswith(tuple(_rules()["organisation_subjects"]))
    if not organisation and not any(word in subject for word in _rules()["hiring_context"]):
        return False
    action = to_simplified(fact.key)
    return not any(w in action for w in _rules()["customer_words"]) and not re.search(r"\d", action)


def competence_platitude(fact: Fact) -> bool:
    """True for a rule requiring a competence ("需要具备一定的专业知识和技能") with no number."""
    if fact.kind != "rule":
        return False
    action = to_simplified(fact.key).lstrip("，, ")
    return action.startswith(tuple(_rules()["competence_verbs"])) and not re.search(r"\d", action)


def courtesy_wait(fact: Fact) -> bool:
    """True for a number that is a courtesy wait ("麻烦您稍等我2分钟") or an agent's stage direction
    ("等待2-3分钟后再回复顾客"): neither is a service rule to learn."""
    if fact.kind != "number":
        return False
    courtesy = tuple(fact_rules()["reply_faults"]["courtesy_units"])
    if not to_simplified(fact.key).endswith(courtesy):
        return False
    return "您" in fact.sentence or not without_stage_directions(fact.sentence)


def not_worth_asking(fact: Fact) -> str | None:
    """Why the fact governs nothing an agent does, or None."""
    if courtesy_wait(fact):
        return "是话术里的客套等待或给客服的提示（“稍等2分钟”），不是规定"
    if fact.kind != "reply" and addressed_to_reader(fact.sentence):
        return "是写给读者的网页文案（朋友们、大家…），不是店铺的规定"
    if fact.kind == "rule" and says_you(fact.sentence):
        return "是对顾客或读者说的话（“您…”），不是员工的规定"
    if planned_target(fact):
        return "是计划指标（达到…%），不是客服要执行的规定"
    if management_policy(fact):
        return "是管理层的方针（企业/部门应建立…），不是客服的做法"
    if competence_platitude(fact):
        return "是对能力的泛泛要求（具备一定的知识），不是可考的做法"
    return None
