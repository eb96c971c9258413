"""QA policy files: YAML load, validation with errors that name the rule, and the model.

A policy is a list of rules of three kinds: ``required`` phrases (with a
position), ``banned`` terms and ``latency`` SLAs. See README.md (QA scoring, Policy file) for the format.
The policy version is a hash of the parsed content, so editing a comment does
not start a new version but changing a term or a point value does.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.settings import SETTINGS, setting
from common.textnorm import normalize_aligned
from qa.messages import SHOWN_CHARS, shown
from qa.patterns import PolicyRegex, UnsafePattern, compile_policy_regex
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
# Sense of a banned term (``own_use``): the agent quoting someone else (他说…, 快递员也不知道)
# or asking rhetorically (这怎么会不归我管呢) is not the agent's own use of it.
DEFAULT_RHETORICAL = ("怎么会", "怎么可能", "哪能", "哪里会", "哪会", "难道", "岂能", "岂会", "何尝", "怎能")
DEFAULT_THIRD_PARTY = ("他", "她", "他们", "她们", "对方", "人家", "别人", "同事", "师傅")
# A word ending with one of these names a third party (快递员, 物流公司, 仓库人员, 商家).
DEFAULT_THIRD_PARTY_SUFFIXES = ("员", "人员", "师傅", "公司", "商家", "厂家", "部门")
QUESTION_PARTICLES = ("呢", "吗", "嘛")
UNANSWERED = ("fail", "na")

_TOP_KEYS = {
    "name",
    "description",
    "pass_score",
    "semantic_threshold",
    "negators",
    "negation_window",
    "rhetorical_markers",
    "third_party",
    "third_party_suffixes",
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
    regex: tuple[PolicyRegex, ...] = ()  # RE2: linear-time matching whatever the pattern


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
    trigger_semantic: Semantic | None = None  # a trigger recognised by meaning too
    semantic: Semantic | None = None
    all_of: tuple[PhraseSet, ...] = ()  # one message must hold a hit of every group ...
    any_of: tuple[PhraseSet, ...] = ()  # ... and of at least one of these ...
    none_of: tuple[PhraseSet, ...] = ()  # ... and of none of these
    unanswered: str = "fail"  # a trigger the agent never answers: fail, or na
    negation_window: int | None = None  # overrides the policy's for this rule
    own_use: bool = True  # banned: quotes and rhetorical questions are not the agent's own use
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
    rhetorical_markers: tuple[str, ...] = DEFAULT_RHETORICAL
    third_party: tuple[str, ...] = DEFAULT_THIRD_PARTY
    third_party_suffixes: tuple[str, ...] = DEFAULT_THIRD_PARTY_SUFFIXES

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
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PolicyError([f"{path.name}: 第 {line} 行不是 UTF-8 文本（规则文件请存为 UTF-8）"]) from None
    return parse_policy(text, path.name, settings)


def validate_policy_text(text: str, name: str = "policy.yaml") -> list[str]:
    """Every problem in a policy given as text (empty list when valid); for editors and the web app."""
    try:
        parse_policy(text, name)
    except PolicyError as exc:
        return exc.errors
    return []


def _load_yaml(text: str, name: str) -> object:
    """``yaml.safe_load`` that refuses what could blow up later: aliases and runaway nesting.

    An alias (``*name``) is a reference, so ``a: [*b, *b, ...]`` nine levels deep is a
    few lines of YAML that expand to a billion items when the version hash or a message
    walks them (the "billion laughs"); a policy never needs one. Nesting beyond Python's
    recursion limit makes the YAML composer raise RecursionError, a crash, not an error.
    """
    import yaml

    class PolicyLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                problem = "不支持 YAML 别名（*名字），请把内容直接写出来"
                raise yaml.composer.ComposerError(None, None, problem, mark)
            return super().compose_node(parent, index)

    try:
        return yaml.load(text, Loader=PolicyLoader)  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" 第 {mark.line + 1} 行" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        raise PolicyError([f"{name}:{where} 不是有效的 YAML（{problem}）"]) from None
    except RecursionError:
        raise PolicyError([f"{name}: YAML 嵌套过深，无法读取（规则文件只需要几层缩进）"]) from None
    except ValueError:  # PyYAML's int() of a number over Python's 4,300-digit limit
        raise PolicyError([f"{name}: YAML 里有位数过多的数字，无法读取"]) from None


def parse_policy(text: str, name: str = "policy.yaml", settings: Any = None) -> Policy:
    """Validate policy YAML text and build the :class:`Policy`; every error names its rule."""
    data = _load_yaml(text, name)
    if not isinstance(data, dict):
        raise PolicyError([f"{name}: 应为含 'name' 和 'rules' 的映射"])
    defaults = _defaults(settings)
    errors: list[str] = []
    for key in _unknown(data, _TOP_KEYS):
        errors.append(f"{name}: 未知的键 {shown(key)}（可用的键：{', '.join(sorted(_TOP_KEYS))}）")
    for key in ("name", "description"):
        if data.get(key) is not None and not isinstance(data[key], str):
            errors.append(f"{name}: '{key}' 必须是文本")

    def overridden(key: str, setting_name: str) -> float | None:
        """A setting the policy file overrides, within the settings table's bounds."""
        bounds = setting(setting_name)
        value = _number(data.get(key, defaults[setting_name]), bounds.low, bounds.high)
        if value is None:
            errors.append(f"{name}: '{key}' 必须是 {bounds.low:g} 到 {bounds.high:g} 之间的数字")
        return value

    pass_score = overridden("pass_score", "qa_pass_score")
    threshold = overridden("semantic_threshold", "semantic_threshold")
    window = data.get("negation_window", DEFAULT_NEGATION_WINDOW)
    if not _positive_int(window):
        errors.append(f"{name}: 'negation_window' 必须是正整数")
    negators = data.get("negators", list(DEFAULT_NEGATORS))
    if not _string_list(negators):
        errors.append(f"{name}: 'negators' 必须是文本列表")
        negators = []
    sense = {}
    for key, default in (
        ("rhetorical_markers", DEFAULT_RHETORICAL),
        ("third_party", DEFAULT_THIRD_PARTY),
        ("third_party_suffixes", DEFAULT_THIRD_PARTY_SUFFIXES),
    ):
        value = data.get(key, list(default))
        if not _string_list(value):
            errors.append(f"{name}: '{key}' 必须是文本列表")
            value = []
        sense[key] = tuple(normalize_aligned(v) for v in value if v.strip())
    raw_rules = data.get("rules")
    rules: list[Rule] = []
    if not isinstance(raw_rules, list) or not raw_rules:
        errors.append(f"{name}: 'rules' 必须是非空列表")
        raw_rules = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        rule_id = raw.get("id") if isinstance(raw, dict) else None
        shown_id = rule_id if isinstance(rule_id, str) and len(rule_id) <= SHOWN_CHARS else None
        where = f"{name}: rules[{index}]" + (f" (id={shown_id})" if shown_id else "")
        rule_errors: list[str] = []
        rule = _parse_rule(raw, defaults, lambda msg, w=where, e=rule_errors: e.append(f"{w}: {msg}"))
        if rule and rule.id in seen:
            rule_errors.append(f"{where}: id {rule.id!r} 重复")
        errors.extend(rule_errors)
        if rule and not rule_errors:
            seen.add(rule.id)
            rules.append(rule)
    # Each rule's points are finite, but a score divides sums of them: 1e308 + 1e308 is inf and inf/inf NaN.
    if not errors and not math.isfinite(100.0 * sum(rule.points for rule in rules)):
        errors.append(f"{name}: 所有规则的 'points' 合计过大，无法计算得分")
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
        **sense,
    )


def _parse_rule(raw: object, defaults: dict[str, Any], error) -> Rule | None:
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
    for key in _unknown(raw, _RULE_KEYS[kind]):
        error(f"{kind} 规则没有键 {shown(key)}")
    if "points" in raw and "weight" in raw:
        error("'points' 和 'weight' 只能写一个")
    points = _number(raw.get("points", raw.get("weight", 10)), 0, None)
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
        sla = _number(raw.get("sla_s", default_sla), 0, None)
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
    if window is not None and not _positive_int(window):
        error("'negation_window' 必须是正整数（否定词最多往前看几个词）")
        window = None
    key = "terms" if kind == "banned" and "terms" in raw else "phrases"
    phrases = _phrase_set(raw.get(key), raw.get("regex"), bool(negation), key, "regex", error)
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
        if not _positive_int(within):
            error("'within' 必须是正整数")
    elif within is not None:
        error("'within' 只用于 position 为 first、last 或 after 的规则")
    semantic = _semantic(raw.get("semantic"), error)
    groups = {
        key: tuple(_groups(raw.get(key), bool(negation), key, error))
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
            for extra in _unknown(spec, {"role", "phrases", "regex", "negation", "semantic"}):
                error(f"'trigger' 里没有键 {shown(extra)}")
            trigger_role = spec.get("role", CUSTOMER)
            if trigger_role not in SCOPE_ROLES:
                error(f"trigger 的 'role' 必须是 {', '.join(SCOPE_ROLES)} 之一")
            trigger_negation = spec.get("negation", True)
            if not isinstance(trigger_negation, bool):
                error("trigger 的 'negation' 必须是 true 或 false")
            trigger = _phrase_set(
                spec.get("phrases"),
                spec.get("regex"),
                trigger_negation is not False,
                "trigger.phrases",
                "trigger.regex",
                error,
            )
            trigger_semantic = _semantic(spec.get("semantic"), error, "trigger.semantic")
            if not trigger.terms and not trigger.regex and trigger_semantic is None:
                error("'trigger' 需要 'phrases'、'regex' 或 'semantic'")
    elif "trigger" in raw:
        error("'trigger' 只用于 position 'after'")
    return Rule(
        **common,
        role=str(role),
        position=str(position),
        within=within if _positive_int(within) else None,
        phrases=phrases,
        trigger=trigger,
        trigger_role=str(trigger_role),
        trigger_semantic=trigger_semantic,
        semantic=semantic,
        **groups,
        unanswered=str(unanswered) if unanswered in UNANSWERED else "fail",
        negation_window=window,
    )


def _phrase_set(items: object, regex: object, negation: bool, key: str, regex_key: str, error) -> PhraseSet:
    terms: list[Term] = []
    if items is None:
        items = []
    if not isinstance(items, list):
        error(f"'{key}' 必须是列表")
        items = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            item = {"term": item}
        if not isinstance(item, dict) or not isinstance(item.get("term"), str) or not item["term"].strip():
            error(f"{key}[{i}]: 应为非空文本，或含 'term' 的映射")
            continue
        term = shown(item["term"])
        for extra in _unknown(item, _TERM_KEYS):
            error(f"{key}[{i}] ({term}): 没有键 {shown(extra)}")
        synonyms, exceptions = item.get("synonyms", []), item.get("except", [])
        if not _string_list(synonyms) or not _string_list(exceptions):
            error(f"{key}[{i}] ({term}): 'synonyms' 和 'except' 必须是文本列表")
            continue
        term_negation = item.get("negation", negation)
        if not isinstance(term_negation, bool):
            error(f"{key}[{i}] ({term}): 'negation' 必须是 true 或 false")
            continue
        forms = tuple(
            dict.fromkeys(normalize_aligned(s.strip()) for s in [item["term"], *synonyms] if s.strip())
        )
        terms.append(
            Term(item["term"].strip(), forms, tuple(normalize_aligned(e) for e in exceptions), term_negation)
        )
    patterns: list[PolicyRegex] = []
    if regex is not None and not _string_list(regex):
        error(f"'{regex_key}' 必须是文本列表")
        regex = []
    for i, source in enumerate(regex or []):
        try:
            patterns.append(compile_policy_regex(source))
        except UnsafePattern as exc:
            error(f"{regex_key}[{i}] {shown(source)}: 无法使用这个正则表达式：{exc}")
    return PhraseSet(tuple(terms), tuple(patterns))


def _groups(spec: object, negation: bool, key: str, error) -> list[PhraseSet]:
    """Phrase groups of ``all_of`` / ``any_of`` / ``none_of``: each a list of phrases or a
    mapping with ``phrases`` and/or ``regex``."""
    if spec is None:
        return []
    if not isinstance(spec, list) or not spec:
        error(f"'{key}' 必须是非空列表，每项是一组用语（列表，或含 'phrases'/'regex' 的映射）")
        return []
    groups = []
    for i, item in enumerate(spec):
        where = f"{key}[{i}]"
        if isinstance(item, list):
            item = {"phrases": item}
        if not isinstance(item, dict):
            error(f"{where}: 应为用语列表，或含 'phrases'/'regex' 的映射")
            continue
        for extra in _unknown(item, {"phrases", "regex", "negation"}):
            error(f"{where}: 没有键 {shown(extra)}")
        group_negation = item.get("negation", negation)
        if not isinstance(group_negation, bool):
            error(f"{where}: 'negation' 必须是 true 或 false")
            group_negation = negation
        group = _phrase_set(
            item.get("phrases"),
            item.get("regex"),
            group_negation,
            f"{where}.phrases",
            f"{where}.regex",
            error,
        )
        if not group.terms and not group.regex:
            error(f"{where}: 这一组没有用语")
            continue
        groups.append(group)
    return groups


def _semantic(spec: object, error, key: str = "semantic") -> Semantic | None:
    if spec is None or spec is False:
        return None
    if not isinstance(spec, dict) or not _string_list(spec.get("examples")) or not spec.get("examples"):
        error(f"'{key}' 必须是含非空 'examples' 文本列表的映射")
        return None
    for extra in _unknown(spec, {"examples", "counter_examples"}):
        error(f"'{key}' 里没有键 {shown(extra)}")
    counter = spec.get("counter_examples", [])
    if not _string_list(counter):
        error(f"'{key}.counter_examples' 必须是文本列表")
        counter = []
    return Semantic(tuple(spec["examples"]), tuple(counter))


def _unknown(mapping: dict, allowed: set[str]) -> list:
    """Keys of ``mapping`` not in ``allowed``, in a stable order (YAML keys need not be strings)."""
    return sorted((k for k in mapping if k not in allowed), key=repr)


def _number(value: object, low: float | None, high: float | None) -> float | None:
    """``value`` as a finite float within bounds, else ``None`` (YAML reads .inf, .nan and 1e400)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    if not math.isfinite(number):
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
