"""Fact coverage of a question bank: the share of a trainer's listed facts that some question asks.

The fact lists were written by reviewers who had not seen the generator:
``bench/data/quiz_facts_inventory_*.jsonl`` (the shared corpus and the bundled
sample data) and ``bench/data/heldout_kb/facts.jsonl`` (manuals of another shop,
written for this purpose and kept out of all tuning). Each fact has a kind
(number, approver, document, procedure, reply, rule) and its exact source span.

A question *asks* a fact when its source sentence and the fact's evidence share
most of their character bigrams and the question's answer is written in the
evidence (or in the fact), or the evidence is quoted whole in the answer (a scenario's
right option is the full approved reply). This is an automatic proxy, a little generous on
near-identical sentences; blind reviews judge whether a question is usable.
Run::

    python -m bench.quiz_coverage --kb corpus|sample|heldout|heldout2 [-n 200] [--seed 1] [--home H] [--misses]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common.settings import load_settings
from common.textnorm import normalize
from kb.knowledge_base import KnowledgeBase
from quiz.generate import build_questions

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SOURCES = {  # material, folder of the fact lists, their file pattern
    "corpus": (ROOT.parent / "shared" / "corpus", DATA, "quiz_facts_inventory_*.jsonl"),
    "sample": (ROOT / "sample_data" / "kb", DATA, "quiz_facts_inventory_*.jsonl"),
    "heldout": (DATA / "heldout_kb", DATA / "heldout_kb", "facts.jsonl"),
    # A third shop's manuals (a pet-supplies shop), written blind after the rules were: never tuned on.
    "heldout2": (DATA / "heldout_kb2", DATA / "heldout_kb2", "facts.jsonl"),
}
KINDS = ("number", "approver", "document", "procedure", "reply", "rule")
OVERLAP = 0.5  # share of the shorter text's bigrams the two must share


def _bigrams(text: str) -> set[str]:
    norm = normalize(text)
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def load_facts(labels: Path, pattern: str, folder: Path) -> list[dict]:
    """The inventories' facts about files in ``folder``."""
    names = {p.name for p in folder.iterdir()}
    facts = [
        {**json.loads(line), "inventory": path.stem}
        for path in sorted(labels.glob(pattern))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [f for f in facts if f.get("doc") in names]


def asks(question, fact: dict) -> bool:
    """True when ``question`` checks ``fact`` (see the module docstring)."""
    source = question.source.sentence or question.stem
    a, b = _bigrams(source), _bigrams(fact["evidence"])
    if not a or not b or len(a & b) < OVERLAP * min(len(a), len(b)):
        return False
    answer = normalize(question.answer)
    where = normalize(fact["evidence"] + fact["fact"])
    # A scenario's right option is the whole approved reply; the evidence may quote part of it.
    # An ordering item's answer is a label order ("②→①→③"); its key lists the steps it asks.
    quoted = len(normalize(fact["evidence"])) >= 4 and normalize(fact["evidence"]) in answer + normalize(
        question.key if question.type != "tf" else ""
    )
    return bool(answer) and (answer in where or quoted or question.type == "tf")


def coverage(questions: list, facts: list[dict]) -> dict:
    """Covered and listed counts per kind and overall (strong facts separately)."""
    listed, covered, strong_listed, strong_covered = Counter(), Counter(), Counter(), Counter()
    for fact in facts:
        hit = any(asks(q, fact) for q in questions)
        listed[fact["kind"]] += 1
        covered[fact["kind"]] += hit
        if fact.get("strength") == "strong":
            strong_listed[fact["kind"]] += 1
            strong_covered[fact["kind"]] += hit
    return {
        "listed": sum(listed.values()),
        "covered": sum(covered.values()),
        "strong_listed": sum(strong_listed.values()),
        "strong_covered": sum(strong_covered.values()),
        "by_kind": {k: (covered[k], listed[k]) for k in KINDS},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", choices=sorted(SOURCES), default="sample")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--home", help="reuse this data home (ingested already or not)")
    parser.add_argument(
        "--misses", action="store_true", help="list the facts no question asks (not for the held-out KB)"
    )
    args = parser.parse_args(argv)
    folder, labels, pattern = SOURCES[args.kb]
    facts = load_facts(labels, pattern, folder) if folder.is_dir() else []
    if not facts:
        print(f"no labelled facts for {folder} in {labels}/{pattern}", file=sys.stderr)
        return 2

    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="quiz-coverage-"))
    kb = KnowledgeBase(load_settings(home))
    started = time.perf_counter()
    kb.ingest([p for p in sorted(folder.iterdir()) if p.name != "README.md" and p.suffix != ".jsonl"])
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    questions, notes = build_questions(kb, n=args.n, seed=args.seed)
    build_s = time.perf_counter() - started
    result = coverage(questions, facts)
    print(
        f"kb={args.kb} questions={len(questions)} (asked {args.n}) ingest={ingest_s:.1f}s bank={build_s:.1f}s"
    )
    print(
        f"coverage: {result['covered']}/{result['listed']} = {result['covered'] / max(1, result['listed']):.1%}"
        f"  strong: {result['strong_covered']}/{result['strong_listed']}"
        f" = {result['strong_covered'] / max(1, result['strong_listed']):.1%}"
    )
    for kind, (hit, total) in result["by_kind"].items():
        print(f"  {kind:10s} {hit:4d}/{total:<4d} {hit / max(1, total):6.1%}")
    inventories = sorted({f["inventory"] for f in facts})
    if len(inventories) > 1:
        for name in inventories:
            part = coverage(questions, [f for f in facts if f["inventory"] == name])
            kinds = "  ".join(f"{k} {h}/{t}" for k, (h, t) in part["by_kind"].items())
            share = part["covered"] / max(1, part["listed"])
            print(f"  {name}: {part['covered']}/{part['listed']} = {share:.1%}  ({kinds})")
    for note in notes:
        print(f"note: {note}")
    if args.misses:
        for fact in facts:
            if not any(asks(q, fact) for q in questions):
                print(
                    f"miss {fact['kind']:9s} {fact['doc'][:8]} {fact['fact'][:60]} | {fact['evidence'][:90]}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
