"""A policy as form fields and back: what the form editor edits, validated like the YAML.

Each rule's description, points, critical flag, phrases (one per line), banned terms with
exceptions (``term | exception, exception``), trigger phrases and SLA seconds become fields;
saving writes them into the policy's YAML data and dumps it (comments are not kept), and the
result goes through the same ``parse_policy`` as a hand-edited file.
"""

from __future__ import annotations

import yaml

from qa.policy import PolicyError, parse_policy

# Rule keys the form edits; the others (position, within, semantic ...) stay as written in the YAML.
FORM_KEYS = {"id", "kind", "description", "points", "weight", "critical", "trigger", "sla_s"}


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
                "phrases": _lines(raw.get(key)),
                "trigger": _lines((raw.get("trigger") or {}).get("phrases")),
                "sla_s": rule.sla_s if rule.kind == "latency" else None,
                "advanced": sorted(set(raw) - FORM_KEYS - {key}),
            }
        )
    return {"name": policy.name, "pass_score": policy.pass_score, "rules": rules}


def apply_form(text: str, form) -> str:
    """``text`` with the form's values written in; raises :class:`PolicyError` like the YAML editor."""
    data = yaml.safe_load(text)
    if form.get("name", "").strip():
        data["name"] = form["name"].strip()
    errors = []

    def number(field: str, label: str):
        value = form.get(field, "").strip()
        try:
            return float(value) if value else None
        except ValueError:
            errors.append(f"{label}：{value!r} 不是数字")
            return None

    score = number("pass_score", "合格分")
    if score is not None:
        data["pass_score"] = score
    for i, raw in enumerate(data.get("rules") or []):
        prefix = f"rule-{i}-"
        if form.get(prefix + "id") != raw.get("id"):
            continue  # the form was for another version of the policy
        label = f"规则 {raw['id']}"
        raw["description"] = form.get(prefix + "description", raw.get("description", "")).strip()
        points = number(prefix + "points", f"{label} 的分值")
        if points is not None:
            raw.pop("weight", None)
            raw["points"] = points
        raw["critical"] = form.get(prefix + "critical") == "on"
        if raw.get("kind") == "latency":
            sla = number(prefix + "sla_s", f"{label} 的时限")
            if sla is not None:
                raw["sla_s"] = sla
            continue
        key = "terms" if raw.get("kind") == "banned" and "terms" in raw else "phrases"
        if prefix + "phrases" in form:
            raw[key] = _items(form[prefix + "phrases"])
        if isinstance(raw.get("trigger"), dict) and prefix + "trigger" in form:
            raw["trigger"]["phrases"] = _items(form[prefix + "trigger"])
    if errors:
        raise PolicyError(errors)
    out = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    parse_policy(out)  # the same validation as the YAML editor
    return out
