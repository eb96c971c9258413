"""QA policy files: YAML load, validation with errors that name the rule, and the model.

A policy is a list of rules of three kinds: ``required`` phrases (with a
position), ``banned`` terms and ``latency`` SLAs. See README.md (QA scoring, Policy file) for the format.
The policy version is a hash of the parsed content, so editing a comment does
not start a new version but changing a term or a point value does.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.settings import SETTINGS, setting
from common.textnorm import normalize_aligned
from qa.transcript import AGENT, CUSTOMER

KINDS = ("required", "banned", "latency")
POSITIONS = ("first", "last", "anywhere", "after")
MEASURES = ("first_response", "reply")
SCOPE_ROLES = (AGENT, CUSTOMER)
# Words that, shortly before a term in the same clause, reverse its sense (没什么可抱歉的).
DEFAULT_NEGATORS = (
    "不",
    "没",
    "没有",
    "没什么",
    "不是",
    "并非",
    "并不",
    "并没有",
    "无需",
    "无须",
    "不用",
    "不必",
    "别",
    "毫无",
    "从不",
    "从没",
    "绝不",
    "决不",
    "不会",
    "不需要",
    "用不着",
    "何必",
)
DEFAULT_NEGATION_WINDOW = 3  # tokens looked back from a term, within its clause

_TOP_KEYS = {
    "name",
    "description",
    "pass_score",
    "semantic_threshold",
    "negators",
    "negation_window",
    "rules",
}
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
        "trigger",
        "semantic",
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
    },
    "latency": {"id", "kind", "description", "points", "weight", "critical", "measure", "sla_s"},
}
_TERM_KEYS = {"term", "synonyms", "except", "negation"}


class PolicyError(ValueError):
    """An invalid policy; ``errors`` lists every problem, each naming its rule."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Term:
    """One policy term: the surface forms that count as it, its exceptions and negation flag."""

    term: str
    forms: tuple[str, ...]  # normalised term and synonyms
    exceptions: tuple[str, ...] = ()  # normalised; an occurrence inside one of these does not count
    negation: bool = False  # a negated occurrence (不是骗子) does not count


@dataclass(frozen=True)
class PhraseSet:
    """Terms and regular expressions that one rule (or trigger) looks for."""

    terms: tuple[Term, ...] = ()
    regex: tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class Semantic:
    """Paraphrase acceptance: examples that count, and counter-examples that must not."""

    examples: tuple[str, ...]
    counter_examples: tuple[str, ...] = ()


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
    semantic: Semantic | None = None
    measure: str = ""
    sla_s: float = 0.0


@dataclass(frozen=True)
class Policy:
    """A validated policy with its name and content version."""

    name: str
    version: str
    rules: tuple[Rule, ...]
    pass_score: float
    semantic_threshold: float
    negators: tuple[str, ...]
    negation_window: int
    first_response_sla_s: float
    reply_sla_s: float
    text: str = ""

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError when absent)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def _defaults(settings: Any) -> dict[str, Any]:
    if settings is not None:
        return settings.as_dict()
    return {s.name: s.default for s in SETTINGS}


def load_policy(path: str | Path, settings: Any = None) -> Policy:
    """Read and validate a policy file; raises :class:`PolicyError` or ``OSError``."""
    path = Path(path)
    return parse_policy(path.read_text(encoding="utf-8-sig"), path.name, settings)


def validate_policy_text(text: str, name: str = "policy.yaml") -> list[str]:
    """Every problem in a policy given as text (empty list when valid); for editors and the web app."""
    try:
        parse_policy(text, name)
    except PolicyError as exc:
        return exc.errors
    return []


def parse_policy(text: str, name: str = "policy.yaml", settings: Any = None) -> Policy:
    """Validate policy YAML text and build the :class:`Policy`; every error names its rule."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise PolicyError([f"{name}:{where} not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    if not isinstance(data, dict):
        raise PolicyError([f"{name}: expected a mapping with 'name' and 'rules'"])
    defaults = _defaults(settings)
    errors: list[str] = []
    for key in sorted(set(data) - _TOP_KEYS):
        errors.append(f"{name}: unknown key {key!r} (expected one of {', '.join(sorted(_TOP_KEYS))})")

    def overridden(key: str, setting_name: str) -> float | None:
        """A setting the policy file overrides, within the settings table's bounds."""
        bounds = setting(setting_name)
        value = _number(data.get(key, defaults[setting_name]), bounds.low, bounds.high)
        if value is None:
            errors.append(f"{name}: '{key}' must be a number from {bounds.allowed()}")
        return value

    pass_score = overridden("pass_score", "qa_pass_score")
    threshold = overridden("semantic_threshold", "semantic_threshold")
    window = data.get("negation_window", DEFAULT_NEGATION_WINDOW)
    if not _positive_int(window):
        errors.append(f"{name}: 'negation_window' must be a positive integer")
    negators = data.get("negators", list(DEFAULT_NEGATORS))
    if not _string_list(negators):
        errors.append(f"{name}: 'negators' must be a list of strings")
        negators = []
    raw_rules = data.get("rules")
    rules: list[Rule] = []
    if not isinstance(raw_rules, list) or not raw_rules:
        errors.append(f"{name}: 'rules' must be a non-empty list")
        raw_rules = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        rule_id = raw.get("id") if isinstance(raw, dict) else None
        where = f"{name}: rules[{index}]" + (f" (id={rule_id})" if rule_id else "")
        rule_errors: list[str] = []
        rule = _parse_rule(raw, defaults, lambda msg, w=where, e=rule_errors: e.append(f"{w}: {msg}"))
        if rule and rule.id in seen:
            rule_errors.append(f"{where}: duplicate id {rule.id!r}")
        errors.extend(rule_errors)
        if rule and not rule_errors:
            seen.add(rule.id)
            rules.append(rule)
    if errors:
        raise PolicyError(errors)
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    latency = {r.measure: r.sla_s for r in rules if r.kind == "latency"}
    return Policy(
        name=str(data.get("name") or Path(name).stem),
        version=hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12],
        rules=tuple(rules),
        pass_score=float(pass_score),
        semantic_threshold=float(threshold),
        negators=tuple(normalize_aligned(n) for n in negators),
        negation_window=int(window),
        first_response_sla_s=float(latency.get("first_response", defaults["first_response_sla_s"])),
        reply_sla_s=float(latency.get("reply", defaults["reply_sla_s"])),
        text=text,
    )


def _parse_rule(raw: object, defaults: dict[str, Any], error) -> Rule | None:
    if not isinstance(raw, dict):
        error("expected a mapping with 'id' and 'kind'")
        return None
    rule_id, kind = raw.get("id"), raw.get("kind")
    if not isinstance(rule_id, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", rule_id):
        error("'id' must be a name of letters, digits, '_', '-' or '.'")
        return None
    if kind not in KINDS:
        error(f"'kind' must be one of {', '.join(KINDS)}")
        return None
    for key in sorted(set(raw) - _RULE_KEYS[kind]):
        error(f"unknown key {key!r} for a {kind} rule")
    if "points" in raw and "weight" in raw:
        error("give 'points' or 'weight', not both")
    points = _number(raw.get("points", raw.get("weight", 10)), 0, None)
    if points is None or points <= 0:
        error("'points' must be a positive number")
    critical = raw.get("critical", False)
    if not isinstance(critical, bool):
        error("'critical' must be true or false")
    common = {
        "id": rule_id,
        "kind": kind,
        "points": float(points or 0),
        "critical": bool(critical),
        "description": str(raw.get("description") or ""),
    }
    if kind == "latency":
        measure = raw.get("measure")
        if measure not in MEASURES:
            error(f"'measure' must be one of {', '.join(MEASURES)}")
        default_sla = defaults["first_response_sla_s" if measure == "first_response" else "reply_sla_s"]
        sla = _number(raw.get("sla_s", default_sla), 0, None)
        if sla is None or sla <= 0:
            error("'sla_s' must be a positive number of seconds")
        return Rule(**common, measure=str(measure), sla_s=float(sla or 0))
    role = raw.get("role", AGENT)
    if role not in SCOPE_ROLES:
        error(f"'role' must be one of {', '.join(SCOPE_ROLES)} (bot and system messages never count)")
    negation = raw.get("negation", False)
    if not isinstance(negation, bool):
        error("'negation' must be true or false")
    key = "terms" if kind == "banned" and "terms" in raw else "phrases"
    phrases = _phrase_set(raw.get(key), raw.get("regex"), bool(negation), key, error)
    if kind == "banned":
        if not phrases.terms and not phrases.regex:
            error("a banned rule needs 'terms' or 'regex'")
        return Rule(**common, role=str(role), phrases=phrases)
    position = raw.get("position", "anywhere")
    if position not in POSITIONS:
        error(f"'position' must be one of {', '.join(POSITIONS)}")
    within = raw.get("within")
    if position in ("first", "last", "after"):
        if not _positive_int(within):
            error("'within' must be a positive integer")
    elif within is not None:
        error("'within' only applies to position first, last or after")
    semantic = _semantic(raw.get("semantic"), error)
    if not phrases.terms and not phrases.regex and semantic is None:
        error("a required rule needs 'phrases', 'regex' or 'semantic'")
    trigger, trigger_role = None, CUSTOMER
    if position == "after":
        spec = raw.get("trigger")
        if not isinstance(spec, dict):
            error("position 'after' needs a 'trigger' mapping with 'phrases' or 'regex'")
        else:
            for extra in sorted(set(spec) - {"role", "phrases", "regex", "negation"}):
                error(f"unknown key {extra!r} in 'trigger'")
            trigger_role = spec.get("role", CUSTOMER)
            if trigger_role not in SCOPE_ROLES:
                error(f"trigger 'role' must be one of {', '.join(SCOPE_ROLES)}")
            trigger = _phrase_set(
                spec.get("phrases"),
                spec.get("regex"),
                bool(spec.get("negation", True)),
                "trigger.phrases",
                error,
            )
            if not trigger.terms and not trigger.regex:
                error("'trigger' needs 'phrases' or 'regex'")
    elif "trigger" in raw:
        error("'trigger' only applies to position 'after'")
    return Rule(
        **common,
        role=str(role),
        position=str(position),
        within=within if _positive_int(within) else None,
        phrases=phrases,
        trigger=trigger,
        trigger_role=str(trigger_role),
        semantic=semantic,
    )


def _phrase_set(items: object, regex: object, negation: bool, key: str, error) -> PhraseSet:
    terms: list[Term] = []
    if items is None:
        items = []
    if not isinstance(items, list):
        error(f"'{key}' must be a list")
        items = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            item = {"term": item}
        if not isinstance(item, dict) or not isinstance(item.get("term"), str) or not item["term"].strip():
            error(f"{key}[{i}]: expected a non-empty string or a mapping with 'term'")
            continue
        for extra in sorted(set(item) - _TERM_KEYS):
            error(f"{key}[{i}] ({item['term']}): unknown key {extra!r}")
        synonyms, exceptions = item.get("synonyms", []), item.get("except", [])
        if not _string_list(synonyms) or not _string_list(exceptions):
            error(f"{key}[{i}] ({item['term']}): 'synonyms' and 'except' must be lists of strings")
            continue
        term_negation = item.get("negation", negation)
        if not isinstance(term_negation, bool):
            error(f"{key}[{i}] ({item['term']}): 'negation' must be true or false")
            continue
        forms = tuple(
            dict.fromkeys(normalize_aligned(s.strip()) for s in [item["term"], *synonyms] if s.strip())
        )
        terms.append(
            Term(item["term"].strip(), forms, tuple(normalize_aligned(e) for e in exceptions), term_negation)
        )
    patterns: list[re.Pattern] = []
    if regex is not None and not _string_list(regex):
        error("'regex' must be a list of strings")
        regex = []
    for i, source in enumerate(regex or []):
        try:
            patterns.append(re.compile(source))
        except re.error as exc:
            error(f"regex[{i}] {source!r}: invalid regular expression ({exc})")
    return PhraseSet(tuple(terms), tuple(patterns))


def _semantic(spec: object, error) -> Semantic | None:
    if spec is None or spec is False:
        return None
    if not isinstance(spec, dict) or not _string_list(spec.get("examples")) or not spec.get("examples"):
        error("'semantic' must be a mapping with a non-empty 'examples' list")
        return None
    for extra in sorted(set(spec) - {"examples", "counter_examples"}):
        error(f"unknown key {extra!r} in 'semantic'")
    counter = spec.get("counter_examples", [])
    if not _string_list(counter):
        error("'semantic.counter_examples' must be a list of strings")
        counter = []
    return Semantic(tuple(spec["examples"]), tuple(counter))


def _number(value: object, low: float | None, high: float | None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return float(value)


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
