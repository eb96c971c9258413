"""What changed between two stored runs of the same conversations, e.g. under two policy versions.

Conversations are matched by id and source; for each one the score delta and the rules
whose verdict changed, then per rule how many verdicts moved which way, and per agent
the mean score before and after. Only conversations in both runs are compared; the
others are counted.
"""

from __future__ import annotations

import statistics
from collections import Counter


def diff_cards(base: list[dict], new: list[dict]) -> dict:
    """Compare two runs' scorecards (the JSON contract, each with ``scorecard_id``)."""
    key = lambda card: (card["id"], card.get("source", ""))  # noqa: E731
    before = {key(c): c for c in base}
    after = {key(c): c for c in new}
    common = [k for k in after if k in before]
    conversations, moves, agents = [], Counter(), {}
    for k in common:
        old, cur = before[k], after[k]
        old_rules = {r["id"]: r["status"] for r in old["rules"]}
        new_rules = {r["id"]: r["status"] for r in cur["rules"]}
        changed = [
            {"rule_id": rule_id, "before": old_rules.get(rule_id), "after": new_rules.get(rule_id)}
            for rule_id in dict.fromkeys([*old_rules, *new_rules])
            if old_rules.get(rule_id) != new_rules.get(rule_id)
        ]
        for change in changed:
            moves[(change["rule_id"], change["before"], change["after"])] += 1
        delta = round(cur["score"] - old["score"], 1)
        agents.setdefault(cur["agent"], []).append((old["score"], cur["score"]))
        if changed or delta:
            conversations.append(
                {
                    "conversation_id": cur["id"],
                    "agent": cur["agent"],
                    "base_scorecard_id": old.get("scorecard_id"),
                    "scorecard_id": cur.get("scorecard_id"),
                    "score_before": old["score"],
                    "score_after": cur["score"],
                    "delta": delta,
                    "passed_before": old["passed"],
                    "passed_after": cur["passed"],
                    "rules": changed,
                }
            )
    conversations.sort(key=lambda c: (-abs(c["delta"]), c["conversation_id"]))
    return {
        "compared": len(common),
        "changed": len(conversations),
        "only_in_base": len(before.keys() - after.keys()),
        "only_in_new": len(after.keys() - before.keys()),
        "conversations": conversations,
        "rules": [
            {"rule_id": rule_id, "before": b, "after": a, "conversations": n}
            for (rule_id, b, a), n in sorted(moves.items(), key=lambda item: (item[0][0], -item[1]))
        ],
        "agents": [
            {
                "agent": agent,
                "conversations": len(pairs),
                "mean_before": round(statistics.fmean(p[0] for p in pairs), 2),
                "mean_after": round(statistics.fmean(p[1] for p in pairs), 2),
                "delta": round(statistics.fmean(p[1] - p[0] for p in pairs), 2),
                "changed": sum(1 for c in conversations if c["agent"] == agent),
            }
            for agent, pairs in sorted(agents.items())
        ],
    }
