"""Accuracy of the QA scorer on the hand-labelled sets, next to a naive scorer.

    python bench/qa_accuracy.py [--labelled FILE ...] [--policy ...] [--no-semantic]

By default both labelled sets are evaluated, each on its own and then together:
``bench/data/qa_labelled.jsonl`` (44 conversations) and ``bench/data/qa_traps.jsonl``
(30 trap-heavy conversations, labelled independently from the policy and its documentation).

Prints per-rule agreement, precision and recall (a "fail" verdict is the
positive class: it is what costs an agent points), latency exactness, and the
same agreement for the naive scorer described in the issue: substring lists,
file order, bot counted as agent, each reply timed from the latest customer
message.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.policy import load_policy  # noqa: E402
from qa.readers import Rejection, read_transcripts  # noqa: E402
from qa.runner import make_scorer  # noqa: E402
from qa.timeparse import parse_timestamp  # noqa: E402
from qa.transcript import canonical_role  # noqa: E402

LABELLED = ROOT / "bench" / "data" / "qa_labelled.jsonl"
TRAPS = ROOT / "bench" / "data" / "qa_traps.jsonl"
LABELLED_SETS = (LABELLED, TRAPS)
POLICY = ROOT / "sample_data" / "policy" / "default.yaml"
LATENCY_KEYS = ("first_response_s", "reply_s", "over_sla", "max_s", "mean_s", "median_s")


def load_labelled(path: Path = LABELLED) -> list[dict]:
    """The labelled records (conversation plus ``expected``)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def naive_verdicts(record: dict, policy) -> dict[str, str]:
    """The naive scorer: bare substrings, file order, bots as agents, replies from the latest customer message."""
    messages = [(canonical_role(m["role"]), m["text"], parse_timestamp(m["ts"])) for m in record["messages"]]
    staff = [(r, t, ts) for r, t, ts in messages if r in ("agent", "bot")]
    out = {}
    for rule in policy.rules:
        terms = [form for term in rule.phrases.terms for form in [term.term, *term.forms]]
        has = lambda text, words=terms: any(w in text for w in words)  # noqa: E731
        if rule.kind == "banned":
            out[rule.id] = "fail" if any(has(t) for _, t, _ in staff) else ("pass" if staff else "na")
        elif rule.kind == "required" and rule.position in ("first", "last"):
            window = staff[: rule.within] if rule.position == "first" else staff[-rule.within :]
            out[rule.id] = "na" if not staff else ("pass" if any(has(t) for _, t, _ in window) else "fail")
        elif rule.kind == "required":
            triggers = [term.term for term in rule.trigger.terms]
            verdict = "na"
            for i, (role, text, _) in enumerate(messages):
                if role == "customer" and any(w in text for w in triggers):
                    after = [t for r, t, _ in messages[i + 1 :] if r in ("agent", "bot")][: rule.within]
                    if after:
                        verdict = "pass" if any(has(t) for t in after) and verdict != "fail" else "fail"
            out[rule.id] = verdict
        else:
            replies, last_customer, first = [], None, None
            for role, _, ts in messages:
                if role == "customer":
                    last_customer = ts
                elif last_customer is not None:
                    seconds = (ts - last_customer).total_seconds()
                    first = seconds if first is None else first
                    replies.append(seconds)
                    last_customer = None
            times = replies[:1] if rule.measure == "first_response" else replies[1:]
            out[rule.id] = "na" if not times else ("fail" if any(s > rule.sla_s for s in times) else "pass")
    return out


def evaluate(labelled: list[dict], policy, semantic: bool = True) -> dict:
    """Score the labelled set with our scorer and the naive one; return every figure."""
    scorer = make_scorer(policy, semantic=semantic)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labelled.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in labelled), encoding="utf-8")
        items = list(read_transcripts(path))
    rejected = [i for i in items if isinstance(i, Rejection)]
    cards = {c.id: c for c in (scorer.score(i) for i in items if not isinstance(i, Rejection))}
    per_rule: dict[str, dict[str, int]] = {}
    mistakes, latency_exact, naive_right, total = [], 0, 0, 0
    for record in labelled:
        expected = record["expected"]
        card = cards.get(record["id"])
        naive = naive_verdicts(record, policy)
        for rule_id, want in expected["rules"].items():
            got = card.rule(rule_id).status if card else "missing"
            counts = per_rule.setdefault(rule_id, {"agree": 0, "n": 0, "tp": 0, "fp": 0, "fn": 0, "naive": 0})
            counts["n"] += 1
            counts["agree"] += got == want
            counts["naive"] += naive[rule_id] == want
            counts["tp"] += got == "fail" and want == "fail"
            counts["fp"] += got == "fail" and want != "fail"
            counts["fn"] += got != "fail" and want == "fail"
            total += 1
            naive_right += naive[rule_id] == want
            if got != want:
                mistakes.append(
                    f"{record['id']} {rule_id}: expected {want}, got {got} ({record.get('trap', '')})"
                )
        got_latency = card.latency.as_dict() if card else {}
        if "latency" not in expected:  # a set that labels rules only (qa_new_logic.jsonl)
            latency_exact += 1
        elif all(got_latency.get(k) == expected["latency"][k] for k in LATENCY_KEYS):
            latency_exact += 1
        else:
            mistakes.append(f"{record['id']} latency: expected {expected['latency']}, got {got_latency}")
    agree = sum(c["agree"] for c in per_rule.values())
    return {
        "conversations": len(labelled),
        "rejected": len(rejected),
        "judgements": total,
        "agreement": agree / total,
        "naive_agreement": naive_right / total,
        "per_rule": per_rule,
        "latency_exact": latency_exact,
        "mistakes": mistakes,
    }


def report(title: str, result: dict) -> None:
    """Print one evaluation: per-rule table, overall agreement, latency exactness, mismatches."""
    print(f"== {title}")
    print(
        f"conversations {result['conversations']}, judgements {result['judgements']}, rejected {result['rejected']}"
    )
    print(f"{'rule':20s} {'agree':>7s} {'prec(fail)':>10s} {'rec(fail)':>10s} {'naive':>7s}")
    for rule_id, c in result["per_rule"].items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else float("nan")
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else float("nan")
        print(
            f"{rule_id:20s} {c['agree'] / c['n']:7.1%} {precision:10.1%} {recall:10.1%} {c['naive'] / c['n']:7.1%}"
        )
    print(f"per-rule agreement: ours {result['agreement']:.1%}, naive {result['naive_agreement']:.1%}")
    print(f"latency figures exact: {result['latency_exact']}/{result['conversations']}")
    for line in result["mistakes"]:
        print("  mismatch:", line)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--labelled", type=Path, action="append", help="labelled JSONL file (repeatable; default: both sets)"
    )
    parser.add_argument("--policy", type=Path, default=POLICY)
    parser.add_argument("--no-semantic", action="store_true")
    args = parser.parse_args()
    paths = args.labelled or list(LABELLED_SETS)
    policy = load_policy(args.policy)
    sets = {path: load_labelled(path) for path in paths}
    ids = [r["id"] for records in sets.values() for r in records]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        parser.error(f"conversation ids repeated across the labelled files: {', '.join(duplicates)}")
    for path, records in sets.items():
        report(path.name, evaluate(records, policy, semantic=not args.no_semantic))
    if len(sets) > 1:
        combined = [r for records in sets.values() for r in records]
        result = evaluate(combined, policy, semantic=not args.no_semantic)
        result["mistakes"] = []  # already listed per file above
        report(" + ".join(path.name for path in sets) + " (combined)", result)


if __name__ == "__main__":
    main()
