"""Precision of generated questions, judged by hand: a sample spanning every fact kind and both corpora.

The sample is drawn from whole-KB banks (``-n 2000``, seed 1) of the shared corpus
(``../shared/corpus``) and of the bundled sample data: up to ``--per-kind`` questions
of each fact kind (number, approver, document, procedure, reply, rule) from each,
drawn with a fixed seed. ``--sample-out FILE`` writes it for a reviewer (JSON lines,
no verdicts); ``--verdicts FILE`` reads a reviewer's verdicts (one JSON object a line:
``stem``, ``options``, ``usable`` true/false, ``key_correct`` true/false, ``why``) and prints the
share usable as is (correct, unambiguous, readable alone, worth asking) and the share
of correct keys, per kind and per corpus. A verdict counts only while the question's
stem and options read exactly as judged. Run::

    python -m bench.quiz_quality --corpus-home DIR --sample-home DIR [--heldout-home DIR]
        [--per-kind 8] [--sample-out F] [--verdicts F]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from common.settings import load_settings
from kb.knowledge_base import KnowledgeBase
from quiz.facts import KINDS
from quiz.generate import build_questions

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {
    "corpus": ROOT.parent / "shared" / "corpus",
    "sample": ROOT / "sample_data" / "kb",
    "heldout": ROOT / "bench" / "data" / "heldout_kb",
    "heldout2": ROOT / "bench" / "data" / "heldout_kb2",
}
BANK = 2000  # whole-KB banks: every fact worth asking
SAMPLE_SEED = 15  # round 1 of this generator's review drew with 14


def _manuals(folder: Path) -> list[Path]:
    """The manuals of a folder: a held-out set's README and label files are not material."""
    return [p for p in sorted(folder.iterdir()) if p.name != "README.md" and p.suffix != ".jsonl"]


def draw(homes: dict[str, Path], per_kind: int) -> list[dict]:
    """The sample as the reviewer sees it: question, options, answer and source; no judgement."""
    rng = random.Random(SAMPLE_SEED)
    rows: list[dict] = []
    for corpus, home in homes.items():
        kb = KnowledgeBase(load_settings(home))
        if not kb.documents():
            kb.ingest(_manuals(FOLDERS[corpus]))
        questions, _ = build_questions(kb, n=BANK, seed=1)
        by_kind = defaultdict(list)
        for q in questions:
            by_kind[q.source.fact_kind].append(q)
        for kind in KINDS:
            for q in rng.sample(by_kind[kind], min(per_kind, len(by_kind[kind]))):
                rows.append(
                    {
                        "index": len(rows),
                        "corpus": corpus,
                        "kind": kind,
                        "type": q.type,
                        "stem": q.stem,
                        "options": q.options,
                        "answer": q.answer,
                        "source": {
                            "document": q.source.document,
                            "headings": q.source.headings,
                            "sentence": q.source.sentence,
                        },
                    }
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus-home", required=True, help="data home with ../shared/corpus (ingested if empty)"
    )
    parser.add_argument(
        "--sample-home", required=True, help="data home with sample_data/kb (ingested if empty)"
    )
    parser.add_argument(
        "--per-kind", type=int, default=7, help="questions per fact kind and corpus (default 7)"
    )
    parser.add_argument("--heldout-home", help="also sample the held-out manuals (bench/data/heldout_kb)")
    parser.add_argument("--heldout2-home", help="also sample a third shop's manuals (bench/data/heldout_kb2)")
    parser.add_argument("--sample-out", help="write the sample for a reviewer here (JSON lines)")
    parser.add_argument("--verdicts", help="a reviewer's verdicts on the sample (JSON lines)")
    args = parser.parse_args(argv)
    homes = {"corpus": Path(args.corpus_home), "sample": Path(args.sample_home)}
    if args.heldout_home:
        homes["heldout"] = Path(args.heldout_home)
    if args.heldout2_home:
        homes["heldout2"] = Path(args.heldout2_home)
    rows = draw(homes, args.per_kind)
    if args.sample_out:
        Path(args.sample_out).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        print(f"wrote {len(rows)} questions to {args.sample_out}")
    if not args.verdicts:
        return 0
    verdicts = [
        json.loads(line) for line in Path(args.verdicts).read_text(encoding="utf-8").splitlines() if line
    ]
    # A verdict belongs to a wording: matched by stem and options (in any order), whatever the index.
    judged = {(v["stem"], tuple(sorted(v["options"]))): v for v in verdicts}
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    stale = 0
    for row in rows:
        verdict = judged.get((row["stem"], tuple(sorted(row["options"]))))
        if verdict is None:
            stale += 1
            continue
        for group in (
            (row["corpus"], row["kind"]),
            (row["corpus"], "all"),
            ("all", row["kind"]),
            ("all", "all"),
        ):
            tally[group][0] += bool(verdict["usable"])
            tally[group][1] += bool(verdict["key_correct"])
            tally[group][2] += 1
    for (corpus, kind), (usable, keyed, total) in sorted(tally.items()):
        print(f"{corpus:7s} {kind:10s} usable {usable}/{total} = {usable / total:.1%}  keys {keyed}/{total}")
    if stale:
        print(f"{stale} questions have no verdict on their current wording", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
