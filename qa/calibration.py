"""Calibration: several reviewers judge the same scorecards blind; where do they part ways?

For each rule result the comparison shows the machine's verdict, every reviewer's, whether
the reviewers agree with each other and whether their majority agrees with the machine;
the summary gives each pair of reviewers' agreement and each reviewer's with the machine.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations


def compare(machine: dict[tuple[int, str], str], judgements: list[dict], reviewers: list[str]) -> dict:
    """``machine``: verdict per (scorecard_id, rule_id); ``judgements``: rows with ``scorecard_id``,
    ``rule_id``, ``reviewer``, ``verdict``, ``comment``. Only results judged by someone are compared."""
    by_item: dict[tuple[int, str], dict[str, dict]] = {}
    for row in judgements:
        by_item.setdefault((row["scorecard_id"], row["rule_id"]), {})[row["reviewer"]] = row
    items = []
    pair_same: Counter = Counter()
    pair_total: Counter = Counter()
    with_machine: Counter = Counter()
    judged_by: Counter = Counter()
    for key in sorted(by_item):
        verdicts = {name: row["verdict"] for name, row in by_item[key].items()}
        counts = Counter(verdicts.values())
        majority, top = counts.most_common(1)[0]
        tie = len(counts) > 1 and list(counts.values()).count(top) > 1
        machine_verdict = machine.get(key)
        for name, verdict in verdicts.items():
            judged_by[name] += 1
            with_machine[name] += verdict == machine_verdict
        for a, b in combinations(sorted(verdicts), 2):
            pair_total[(a, b)] += 1
            pair_same[(a, b)] += verdicts[a] == verdicts[b]
        items.append(
            {
                "scorecard_id": key[0],
                "rule_id": key[1],
                "machine": machine_verdict,
                "verdicts": verdicts,
                "comments": {n: r["comment"] for n, r in by_item[key].items() if r.get("comment")},
                "reviewers_agree": len(counts) == 1,
                "majority": None if tie else majority,
                "machine_agrees": (not tie) and majority == machine_verdict,
            }
        )
    return {
        "items": items,
        "reviewers": [
            {
                "reviewer": name,
                "judged": judged_by[name],
                "agreement_with_machine": round(with_machine[name] / judged_by[name], 4)
                if judged_by[name]
                else None,
            }
            for name in reviewers
        ],
        "pairs": [
            {
                "reviewers": list(pair),
                "compared": pair_total[pair],
                "agreement": round(pair_same[pair] / pair_total[pair], 4),
            }
            for pair in sorted(pair_total)
        ],
        "disagreements": sum(not i["reviewers_agree"] for i in items),
        "against_machine": sum(not i["machine_agrees"] for i in items),
    }
