"""How well a semantic complaint trigger tells complaints from ordinary customer messages.

    python bench/qa_complaints.py [--sentences bench/data/qa_dev_complaints.jsonl]

Each line of the sentence file is ``{"id", "text", "complaint": true|false}``: customer
messages written for tuning the complaint model (own data, not an independent set). The
trigger is the one ``bench/qa_speed.py`` uses (four complaint examples, four ordinary
counter-examples, no lexical phrases), judged three ways: the old threshold decision
(``preset: none``), the bundled complaint model (``preset: complaint``) and its cues alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.complaint import bundled_model  # noqa: E402
from qa.policy import parse_policy  # noqa: E402
from qa.rules import trigger_key  # noqa: E402
from qa.runner import make_scorer  # noqa: E402

SENTENCES = ROOT / "bench" / "data" / "qa_dev_complaints.jsonl"
POLICY = """
rules:
  - id: apology
    kind: required
    position: after
    within: 2
    trigger:
      semantic:
        preset: {preset}
        examples: [你们是不是倒闭了, 等了这么久都没人管, 你们怎么回事, 太让人失望了]
        counter_examples: [物流信息没更新, 请问什么时候发货, 好的谢谢, 这个有货吗]
    phrases: [抱歉]
"""


def judge(rows: list[dict], preset: str) -> list[bool]:
    """Whether the trigger fires on each sentence under ``preset``."""
    policy = parse_policy(POLICY.format(preset=preset))
    scorer = make_scorer(policy)
    rule = policy.rule("apology")
    hits = scorer.semantic.best_sentence(rule, [r["text"] for r in rows], trigger_key(rule))
    return [hit is not None for hit in hits]


def summary(name: str, rows: list[dict], fired: list[bool]) -> None:
    """Print agreement, precision and recall of complaints, and the sentences judged wrong."""
    tp = sum(f and r["complaint"] for r, f in zip(rows, fired, strict=True))
    fp = sum(f and not r["complaint"] for r, f in zip(rows, fired, strict=True))
    fn = sum(not f and r["complaint"] for r, f in zip(rows, fired, strict=True))
    right = sum(f == r["complaint"] for r, f in zip(rows, fired, strict=True))
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    print(f"{name:28s} agreement {right / len(rows):6.1%}  precision {precision:6.1%}  recall {recall:6.1%}")
    for r, f in zip(rows, fired, strict=True):
        if f != r["complaint"]:
            print(f"    {'false alarm' if f else 'missed':11s} {r['text']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=Path, default=SENTENCES)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.sentences.read_text(encoding="utf-8").splitlines() if line]
    print(f"{len(rows)} sentences, {sum(r['complaint'] for r in rows)} complaints ({args.sentences.name})")
    summary("threshold (preset: none)", rows, judge(rows, "none"))
    model = bundled_model()
    summary("cues alone", rows, [model.cue(r["text"]) is not None for r in rows])
    summary("complaint model", rows, judge(rows, "complaint"))


if __name__ == "__main__":
    main()
