"""A policy as form fields and back: what the form editor edits, validated like the YAML.

Each rule's description, points, critical flag, position and window, phrases (one per
line), banned terms with exceptions (``term | exception, exception``), phrase groups
(all_of / any_of / none_of, one text box per group), trigger phrases and SLA seconds become
fields. A rule can be removed (``rule-N-remove``) and one new rule added per save
(``new-…`` fields); an emptied group box removes that group and the spare box of each group
kind adds one. Saving writes the values into the policy's YAML data and dumps it (comments
are not kept); the result goes through the same ``parse_policy`` as a hand-edited file, so
the form and the YAML editor refuse the same mistakes with the same Chinese messages.
"""

from __future__ import annotations

import re

import yaml

from qa.policy import PolicyError, parse_policy
from qa.rules import KINDS, MEASURES, POSITIONS

GROUP_KEYS = ("all_of", "any_of", "none_of")
# Rule keys the form edits; the others (semantic, negation, unanswered ...) stay as written in the YAML.
FORM_KEYS = {
    "id",
    "kind",
    "description",
    "points",
    "weight",
    "critical",
    "trigger",
    "sla_s",
    "position",
    "within",
}
FORM_KEYS |= set(GROUP_KEYS)


def _lines(items) -> str:
    out = []
    for item in items or []:
        if isinstance(item, dict):
            text = str(item.get("term", ""))
            if item.get("synonyms"):
                text += " = " + ", ".join(map(str, item["synonyms"]))
            if item.get("except"):
                text += " | " + ", ".join(map(str, item["except"]))
            out.append(text)
        else:
            out.append(str(item))
    return "\n".join(out)


def _items(text: str) -> list:
    """Lines back to phrase items: ``term = synonym, … | exception, …``."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        head, _, excepts = line.partition("|")
        term, _, synonyms = head.partition("=")
        split = lambda s: [p.strip() for p in s.replace("，", ",").split(",") if p.strip()]  # noqa: E731
        if synonyms.strip() or excepts.strip():
            item = {"term": term.strip()}
            if split(synonyms):
                item["synonyms"] = split(synonyms)
            if split(excepts):
                item["except"] = split(excepts)
            items.append(item)
        else:
            items.append(term.strip())
    return items


def _group_lines(group) -> str:
    """One phrase group as form text (a plain list, or a mapping's phrases; regex stays in the YAML)."""
    return _lines(group.get("phrases") if isinstance(group, dict) else group)


def form_fields(text: str) -> dict:
    """The form's view of a valid policy text: name, pass score and one entry per rule."""
    policy = parse_policy(text)
    data = yaml.safe_load(text)
    rules = []
    for raw, rule in zip(data["rules"], policy.rules, strict=True):
        key = "terms" if rule.kind == "banned" and "terms" in raw else "phrases"
        rules.append(
            {
                "id": rule.id,
                "kind": rule.kind,
                "description": rule.description,
                "points": rule.points,
                "critical": rule.critical,
                "position": rule.position,
                "within": rule.within,
                "phrases": _lines(raw.get(key)),
                "trigger": _lines((raw.get("trigger") or {}).get("phrases")),
                "groups": {g: [_group_lines(item) for item in raw.get(g) or []] for g in GROUP_KEYS},
                "sla_s": rule.sla_s if rule.kind == "latency" else None,
                "advanced": sorted(set(raw) - FORM_KEYS - {key}),
            }
        )
    return {
        "name": policy.name,
        "pass_score": policy.pass_score,
        "rules": rules,
        "kinds": KINDS,
        "positions": POSITIONS,
        "measures": MEASURES,
    }


class _Reader:
    """Typed reads of form fields; problems are collected in Chinese, naming the field."""

    def __init__(self, form) -> None:
        self.form = form
        self.errors: list[str] = []

    def text(self, field: str) -> str:
        return (self.form.get(field) or "").strip()

    def number(self, field: str, label: str) -> float | None:
        value = self.text(field)
        try:
            return float(value) if value else None
        except ValueError:
            self.errors.append(f"{label}：{value!r} 不是数字")
            return None

    def whole(self, field: str, label: str) -> int | None:
        value = self.text(field)
        if not value:
            return None
        if not re.fullmatch(r"\d+", value):
            self.errors.append(f"{label}：{value!r} 不是正整数")
            return None
        return int(value)


def _write_groups(raw: dict, read: _Reader, prefix: str) -> None:
    """Phrase groups from their text boxes: an emptied box drops its group, the spare box adds one."""
    for group_key in GROUP_KEYS:
        existing = list(raw.get(group_key) or [])
        groups = []
        for j, old in enumerate(existing):
            field = f"{prefix}{group_key}-{j}"
            if field not in read.form:
                groups.append(old)
            elif _items(read.form[field]):
                items = _items(read.form[field])
                groups.append({**old, "phrases": items} if isinstance(old, dict) else items)
        extra = _items(read.form.get(f"{prefix}{group_key}-new", ""))
        if extra:
            groups.append(extra)
        if groups:
            raw[group_key] = groups
        else:
            raw.pop(group_key, None)


def _write_rule(raw: dict, read: _Reader, prefix: str, label: str) -> None:
    """The form's values for one rule (existing or new) written into its YAML mapping."""
    if prefix + "description" in read.form:
        raw["description"] = read.text(prefix + "description")
    points = read.number(prefix + "points", f"{label} 的分值")
    if points is not None:
        raw.pop("weight", None)
        raw["points"] = points
    raw["critical"] = read.form.get(prefix + "critical") == "on"
    if raw.get("kind") == "latency":
        if read.text(prefix + "measure"):
            raw["measure"] = read.text(prefix + "measure")
        sla = read.number(prefix + "sla_s", f"{label} 的时限")
        if sla is not None:
            raw["sla_s"] = sla
        return
    key = "terms" if raw.get("kind") == "banned" and "terms" in raw else "phrases"
    if prefix + "phrases" in read.form:
        raw[key] = _items(read.form[prefix + "phrases"])
        if not raw[key]:
            raw.pop(key)
    if raw.get("kind") != "required":
        return
    if read.text(prefix + "position"):
        raw["position"] = read.text(prefix + "position")
    if prefix + "within" in read.form:
        within = read.whole(prefix + "within", f"{label} 的检查条数")
        if within is not None:
            raw["within"] = within
        elif not read.text(prefix + "within"):
            raw.pop("within", None)
    if raw.get("position") == "after" and prefix + "trigger" in read.form:
        trigger = raw["trigger"] if isinstance(raw.get("trigger"), dict) else {}
        trigger["phrases"] = _items(read.form[prefix + "trigger"])
        raw["trigger"] = trigger
    elif raw.get("position") != "after" and isinstance(raw.get("trigger"), dict):
        raw.pop("trigger")  # only 'after' rules have a trigger; the validator would refuse it
    _write_groups(raw, read, prefix)


def apply_form(text: str, form) -> str:
    """``text`` with the form's values written in; raises :class:`PolicyError` like the YAML editor.

    Rules whose ``rule-N-remove`` box is ticked are dropped; a new rule is added when any
    ``new-…`` field is filled in (it then needs an id and a kind).
    """
    data = yaml.safe_load(text)
    read = _Reader(form)
    if read.text("name_field"):
        data["name"] = read.text("name_field")
    score = read.number("pass_score", "合格分")
    if score is not None:
        data["pass_score"] = score
    kept = []
    for i, raw in enumerate(data.get("rules") or []):
        prefix = f"rule-{i}-"
        if form.get(prefix + "id") != raw.get("id"):
            kept.append(raw)
            continue  # the form was for another version of the policy
        if form.get(prefix + "remove") == "on":
            continue
        _write_rule(raw, read, prefix, f"规则 {raw['id']}")
        kept.append(raw)
    new = _new_rule(read)
    if new is not None:
        kept.append(new)
    data["rules"] = kept
    if read.errors:
        raise PolicyError(read.errors)
    out = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    parse_policy(out)  # the same validation as the YAML editor
    return out


def _new_rule(read: _Reader) -> dict | None:
    """The rule of the form's ``new-…`` fields, or None when they are all left empty."""
    filled = [
        f
        for f in ("id", "description", "points", "phrases", "trigger", "sla_s", "within")
        if read.text("new-" + f)
    ] + [f"new-{g}-new" for g in GROUP_KEYS if read.text(f"new-{g}-new")]
    if not filled:
        return None
    rule_id, kind = read.text("new-id"), read.text("new-kind")
    if not rule_id:
        read.errors.append("新规则需要填写 id（字母、数字、'_'、'-' 或 '.'）")
    if kind not in KINDS:
        read.errors.append(f"新规则的类型必须是 {', '.join(KINDS)} 之一")
        return None
    raw: dict = {"id": rule_id, "kind": kind}
    if kind == "latency" and not read.text("new-measure"):
        raw["measure"] = "reply"
    _write_rule(raw, read, "new-", f"新规则 {rule_id}")
    return raw
