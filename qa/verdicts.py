"""Human verdicts on machine rule results: validation, and the final score they give.

The final score of a reviewed scorecard uses the human verdict of every reviewed rule
and the machine's for the rest, with the scorer's arithmetic (N/A leaves the
denominator, a failed critical rule zeroes the score); the machine's verdict and score
are kept beside them.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from qa.policy import PolicyError, parse_policy
from qa.scoring import FAIL, NA, PASS

VERDICTS = (PASS, FAIL, NA)
VERDICT_WORDS = {PASS: "通过", FAIL: "未通过", NA: "不适用"}
APPEAL_DECISIONS = ("upheld", "overturned")
MAX_COMMENT = 2000
MAX_SAMPLE = 1000


class ReviewError(ValueError):
    """A refused review action; the message is user-facing (Chinese) and names the field."""


class NotFound(LookupError):
    """No such scorecard, appeal, calibration or assignment (or not one the caller may see)."""


@lru_cache(maxsize=64)
def policy_facts(policy_text: str) -> tuple[float, dict[str, str]]:
    """Pass score and rule descriptions of a stored policy text."""
    try:
        policy = parse_policy(policy_text)
    except PolicyError:
        return 80.0, {}
    return policy.pass_score, {r.id: r.description for r in policy.rules}


def apply_verdicts(card: dict, human: dict[str, dict], pass_score: float) -> dict:
    """``card`` (the JSON contract) with the human verdicts applied and the machine's kept beside.

    Each rule gets ``machine_status`` and, when reviewed, ``human``; ``status`` and
    ``points`` become the final ones; ``machine_score`` / ``machine_passed`` keep the
    machine's totals.
    """
    rules = []
    for rule in card["rules"]:
        review = human.get(rule["id"])
        final = review["verdict"] if review else rule["status"]
        entry = {**rule, "machine_status": rule["status"], "status": final}
        entry["points"] = rule["max_points"] if final == PASS else 0.0
        if review:
            entry["human"] = {
                k: review[k] for k in ("reviewer", "verdict", "comment", "message", "created_at")
            }
        rules.append(entry)
    applicable = [r for r in rules if r["status"] != NA]
    total = sum(r["max_points"] for r in applicable)
    score = 100.0 * sum(r["points"] for r in applicable) / total if total else 100.0
    critical = any(r["critical"] and r["status"] == FAIL for r in rules)
    score = 0.0 if critical else round(score, 1)
    return {
        **card,
        "rules": rules,
        "machine_score": card["score"],
        "machine_passed": card["passed"],
        "score": score,
        "passed": score >= pass_score and not critical,
        "critical_failed": critical,
        "reviewed": bool(human),
    }


def text_field(value: object, field: str, limit: int = MAX_COMMENT, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ReviewError(f"{field} 必须是文本")
    value = value.strip()
    if len(value) > limit:
        raise ReviewError(f"{field} 太长（最多 {limit} 字）")
    if required and not value:
        raise ReviewError(f"请填写 {field}")
    return value


def verdict_field(value: object, field: str) -> str:
    if value not in VERDICTS:
        raise ReviewError(f"{field} 必须是 pass（通过）、fail（未通过）或 na（不适用）")
    return str(value)


def date_field(value: object, field: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ReviewError(f"{field} 必须是日期，如 2026-11-02") from None


def checked_items(card: dict, items: object, calibration: bool = False) -> list[dict]:
    """Validated per-rule verdicts for ``card``; every refusal names the item and field."""
    if not isinstance(items, list) or not items:
        raise ReviewError("items 必须是非空数组，每项含 rule_id 和 verdict")
    machine = {r["id"]: r["status"] for r in card["rules"]}
    checked, seen = [], set()
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(item, dict):
            raise ReviewError(f"{where} 必须是对象（含 rule_id 和 verdict）")
        rule_id = item.get("rule_id")
        if rule_id not in machine:
            raise ReviewError(f"{where}.rule_id：这张评分卡没有规则 {str(rule_id)[:60]!r}")
        if rule_id in seen:
            raise ReviewError(f"{where}.rule_id：规则 {rule_id} 出现了两次")
        seen.add(rule_id)
        verdict = verdict_field(item.get("verdict"), f"{where}.verdict")
        comment = text_field(item.get("comment"), f"{where}.comment（{rule_id} 的评语）")
        message = item.get("message")
        if message in ("", None):
            message = None
        else:
            try:
                message = int(message)
            except (TypeError, ValueError):
                raise ReviewError(f"{where}.message 必须是消息序号（整数）") from None
            if not 0 <= message < card["messages"]:
                count = card["messages"]
                raise ReviewError(f"{where}.message：对话只有 {count} 条消息（序号 0 到 {count - 1}）")
        overturned = verdict != machine[rule_id]
        if not calibration and overturned and verdict == FAIL and message is None:
            raise ReviewError(f"{where}.message：把规则 {rule_id} 改判为未通过时，请指出是哪条消息")
        if not calibration and overturned and not comment:
            raise ReviewError(f"{where}.comment：改判规则 {rule_id} 时请写明理由")
        checked.append({"rule_id": rule_id, "verdict": verdict, "comment": comment, "message": message})
    return checked
