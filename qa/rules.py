"""Policy rules: the three kinds (required phrases, banned terms, latency SLAs) and their validation.

``parse_rule`` checks one YAML rule mapping and builds the :class:`Rule`, reporting
every problem through ``error(message)`` so that the policy names them all at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from qa.messages import shown
from qa.phrases import (
    PhraseSet,
    Semantic,
    finite_number,
    phrase_groups,
    phrase_set,
    positive_int,
    semantic_examples,
    unknown_keys,
)
from qa.transcript import AGENT, CUSTOMER

KINDS = ("required", "banned", "latency")
POSITIONS = ("first", "last", "anywhere", "after")
MEASURES = ("first_response", "reply")
SCOPE_ROLES = (AGENT, CUSTOMER)
UNANSWERED = ("fail", "na")

_RULE_KEYS = {
    "required": {
        "id",
        "kind",
        "description",
        "points",
        "weight",
        "critical",
        "role",
        "position",
        "within",
        "phrases",
        "regex",
        "negation",
        "negation_window",
        "trigger",
        "semantic",
        "all_of",
        "any_of",
        "none_of",
        "unanswered",
    },
    "banned": {
        "id",
        "kind",
        "description",
        "points",
        "weight",
        "critical",
        "role",
        "terms",
        "phrases",
        "regex",
        "negation",
        "negation_window",
        "own_use",
    },
    "latency": {"id", "kind", "description", "points", "weight", "critical", "measure", "sla_s"},
}


@dataclass(frozen=True)
class Rule:
    """One validated rule."""

    id: str
    kind: str
    points: float
    description: str = ""
    critical: bool = False
    role: str = AGENT
    position: str = "anywhere"
    within: int | None = None
    phrases: PhraseSet = field(default_factory=PhraseSet)
    trigger: PhraseSet | None = None
    trigger_role: str = CUSTOMER
    trigger_semantic: Semantic | None = None  # a trigger recognised by meaning too
    semantic: Semantic | None = None
    all_of: tuple[PhraseSet, ...] = ()  # one message must hold a hit of every group ...
    any_of: tuple[PhraseSet, ...] = ()  # ... and of at least one of these ...
    none_of: tuple[PhraseSet, ...] = ()  # ... and of none of these
    unanswered: str = "fail"  # a trigger the agent never answers: fail, or na
    negation_window: int | None = None  # overrides the policy's for this rule
    own_use: bool = True  # banned: reported, negated, quoted or rhetorical uses are not the agent's own
    measure: str = ""
    sla_s: float = 0.0


def parse_rule(raw: object, defaults: dict[str, Any], error) -> Rule | None:
    if not isinstance(raw, dict):
        error("应为含 'id' 和 'kind' 的映射")
        return None
    rule_id, kind = raw.get("id"), raw.get("kind")
    if not isinstance(rule_id, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", rule_id):
        error("'id' 必须是由字母、数字、'_'、'-' 或 '.' 组成的名字")
        return None
    if kind not in KINDS:
        error(f"'kind' 必须是 {', '.join(KINDS)} 之一")
        return None
    for key in unknown_keys(raw, _RULE_KEYS[kind]):
        error(f"{kind} 规则没有键 {shown(key)}")
    if "points" in raw and "weight" in raw:
        error("'points' 和 'weight' 只能写一个")
    points = finite_number(raw.get("points", raw.get("weight", 10)), 0, None)
    if points is None or points <= 0:
        error("'points' 必须是有限的正数")
    critical = raw.get("critical", False)
    if not isinstance(critical, bool):
        error("'critical' 必须是 true 或 false")
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        error("'description' 必须是文本")
    common = {
        "id": rule_id,
        "kind": kind,
        "points": float(points or 0),
        "critical": bool(critical),
        "description": description if isinstance(description, str) else "",
    }
    if kind == "latency":
        measure = raw.get("measure")
        if measure not in MEASURES:
            error(f"'measure' 必须是 {', '.join(MEASURES)} 之一")
        default_sla = defaults["first_response_sla_s" if measure == "first_response" else "reply_sla_s"]
        sla = finite_number(raw.get("sla_s", default_sla), 0, None)
        if sla is None or sla <= 0:
            error("'sla_s' 必须是有限的正数（秒）")
        return Rule(**common, measure=str(measure), sla_s=float(sla or 0))
    role = raw.get("role", AGENT)
    if role not in SCOPE_ROLES:
        error(f"'role' 必须是 {', '.join(SCOPE_ROLES)} 之一（机器人和系统消息从不计入）")
    negation = raw.get("negation", False)
    if not isinstance(negation, bool):
        error("'negation' 必须是 true 或 false")
    window = raw.get("negation_window")
    if window is not None and not positive_int(window):
        error("'negation_window' 必须是正整数（否定词最多往前看几个词）")
        window = None
    key = "terms" if kind == "banned" and "terms" in raw else "phrases"
    phrases = phrase_set(raw.get(key), raw.get("regex"), bool(negation), key, "regex", error)
    if kind == "banned":
        if not phrases.terms and not phrases.regex:
            error("banned 规则需要 'terms' 或 'regex'")
        own_use = raw.get("own_use", True)
        if not isinstance(own_use, bool):
            error("'own_use' 必须是 true 或 false")
        return Rule(
            **common, role=str(role), phrases=phrases, negation_window=window, own_use=own_use is not False
        )
    position = raw.get("position", "anywhere")
    if position not in POSITIONS:
        error(f"'position' 必须是 {', '.join(POSITIONS)} 之一")
    within = raw.get("within")
    if position in ("first", "last", "after"):
        if not positive_int(within):
            error("'within' 必须是正整数")
    elif within is not None:
        error("'within' 只用于 position 为 first、last 或 after 的规则")
    semantic = semantic_examples(raw.get("semantic"), error)
    groups = {
        key: tuple(phrase_groups(raw.get(key), bool(negation), key, error))
        for key in ("all_of", "any_of", "none_of")
    }
    if (
        not phrases.terms
        and not phrases.regex
        and semantic is None
        and not (groups["all_of"] or groups["any_of"])
    ):
        error("required 规则需要 'phrases'、'regex'、'semantic'、'all_of' 或 'any_of'")
    unanswered = raw.get("unanswered", "fail")
    if unanswered not in UNANSWERED:
        error("'unanswered' 必须是 fail（客服没有回应的触发算未通过）或 na（不适用）")
    elif "unanswered" in raw and position != "after":
        error("'unanswered' 只用于 position 'after'")
    trigger, trigger_role, trigger_semantic = None, CUSTOMER, None
    if position == "after":
        spec = raw.get("trigger")
        if not isinstance(spec, dict):
            error("position 'after' 需要一个含 'phrases' 或 'regex' 的 'trigger' 映射")
        else:
            for extra in unknown_keys(spec, {"role", "phrases", "regex", "negation", "semantic"}):
                error(f"'trigger' 里没有键 {shown(extra)}")
            trigger_role = spec.get("role", CUSTOMER)
            if trigger_role not in SCOPE_ROLES:
                error(f"trigger 的 'role' 必须是 {', '.join(SCOPE_ROLES)} 之一")
            trigger_negation = spec.get("negation", True)
            if not isinstance(trigger_negation, bool):
                error("trigger 的 'negation' 必须是 true 或 false")
            trigger = phrase_set(
                spec.get("phrases"),
                spec.get("regex"),
                trigger_negation is not False,
                "trigger.phrases",
                "trigger.regex",
                error,
            )
            trigger_semantic = semantic_examples(
                spec.get("semantic"), error, "trigger.semantic", trigger=True
            )
            if not trigger.terms and not trigger.regex and trigger_semantic is None:
                error("'trigger' 需要 'phrases'、'regex' 或 'semantic'")
    elif "trigger" in raw:
        error("'trigger' 只用于 position 'after'")
    return Rule(
        **common,
        role=str(role),
        position=str(position),
        within=within if positive_int(within) else None,
        phrases=phrases,
        trigger=trigger,
        trigger_role=str(trigger_role),
        trigger_semantic=trigger_semantic,
        semantic=semantic,
        **groups,
        unanswered=str(unanswered) if unanswered in UNANSWERED else "fail",
        negation_window=window,
    )


def trigger_key(rule: Rule) -> str:
    """The key of a rule's trigger examples in the semantic matcher (rule ids cannot hold '#')."""
    return f"{rule.id}#trigger"
