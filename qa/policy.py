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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.settings import SETTINGS, setting
from common.textnorm import normalize_aligned
from qa.messages import SHOWN_CHARS, shown
from qa.phrases import (
    finite_number,
    positive_int,
    string_list,
    unknown_keys,
)
from qa.rules import Rule, parse_rule

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
# Reported speech: a speech verb whose subject is not the speaker (仓库说暂时没办法发, 他们说：没办法).
DEFAULT_SPEECH_VERBS = ("说", "讲", "表示", "称", "回复", "答复", "反馈", "告诉", "通知", "说是", "声称")
DEFAULT_FIRST_PERSON = ("我", "我们", "咱", "咱们", "本人")
QUESTION_PARTICLES = ("呢", "吗", "嘛")

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
    "speech_verbs",
    "first_person",
    "rules",
}


class PolicyError(ValueError):
    """An invalid policy; ``errors`` lists every problem, each naming its rule."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


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
    speech_verbs: tuple[str, ...] = DEFAULT_SPEECH_VERBS
    first_person: tuple[str, ...] = DEFAULT_FIRST_PERSON

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
    for key in unknown_keys(data, _TOP_KEYS):
        errors.append(f"{name}: 未知的键 {shown(key)}（可用的键：{', '.join(sorted(_TOP_KEYS))}）")
    for key in ("name", "description"):
        if data.get(key) is not None and not isinstance(data[key], str):
            errors.append(f"{name}: '{key}' 必须是文本")

    def overridden(key: str, setting_name: str) -> float | None:
        """A setting the policy file overrides, within the settings table's bounds."""
        bounds = setting(setting_name)
        value = finite_number(data.get(key, defaults[setting_name]), bounds.low, bounds.high)
        if value is None:
            errors.append(f"{name}: '{key}' 必须是 {bounds.low:g} 到 {bounds.high:g} 之间的数字")
        return value

    pass_score = overridden("pass_score", "qa_pass_score")
    threshold = overridden("semantic_threshold", "semantic_threshold")
    window = data.get("negation_window", DEFAULT_NEGATION_WINDOW)
    if not positive_int(window):
        errors.append(f"{name}: 'negation_window' 必须是正整数")
    negators = data.get("negators", list(DEFAULT_NEGATORS))
    if not string_list(negators):
        errors.append(f"{name}: 'negators' 必须是文本列表")
        negators = []
    sense = {}
    for key, default in (
        ("rhetorical_markers", DEFAULT_RHETORICAL),
        ("third_party", DEFAULT_THIRD_PARTY),
        ("third_party_suffixes", DEFAULT_THIRD_PARTY_SUFFIXES),
        ("speech_verbs", DEFAULT_SPEECH_VERBS),
        ("first_person", DEFAULT_FIRST_PERSON),
    ):
        value = data.get(key, list(default))
        if not string_list(value):
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
        rule = parse_rule(raw, defaults, lambda msg, w=where, e=rule_errors: e.append(f"{w}: {msg}"))
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
