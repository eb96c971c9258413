"""Quiz quality on the noisy shared corpus, judged by hand (bench/data/quiz_review.jsonl).

Regenerates the reviewed sample (whole corpus, 45 questions, all types, seed 1)
and prints the share a human reviewer judged correct, unambiguous and worth
asking. Questions the review does not cover (the generator changed) are listed
so they can be judged and appended. Run::

    python -m bench.quiz_quality [--home DIR] [--dump]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from common.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
REVIEW = ROOT / "bench" / "data" / "quiz_review.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLE = {"n": 45, "seed": 1, "types": ("single", "tf", "cloze", "scenario")}


def generate_sample(home: Path):
    from kb.knowledge_base import KnowledgeBase
    from quiz.generate import build_questions

    kb = KnowledgeBase(load_settings(home))
    if not kb.documents():
        kb.ingest([CORPUS], progress=True)
    questions, _ = build_questions(kb, **SAMPLE)
    return questions


def load_review(path: Path = REVIEW) -> dict[tuple[str, str], dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(r["type"], r["fingerprint"]): r for r in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="data home with the corpus ingested (default: a temporary one)")
    parser.add_argument(
        "--dump", action="store_true", help="print every question with its options and source"
    )
    args = parser.parse_args(argv)
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="quiz-bench-"))
    questions = generate_sample(home)
    review = load_review() if REVIEW.exists() else {}
    judged, good, missing = 0, 0, []
    by_type: dict[str, list[int]] = {}
    for q in questions:
        row = review.get((q.type, q.fingerprint))
        if args.dump:
            print(
                json.dumps(
                    {
                        "type": q.type,
                        "fingerprint": q.fingerprint,
                        "stem": q.stem,
                        "options": q.options,
                        "answer": q.answer,
                        "source": q.source.sentence,
                    },
                    ensure_ascii=False,
                )
            )
        if row is None:
            missing.append(q)
            continue
        judged += 1
        good += bool(row["ok"])
        by_type.setdefault(q.type, [0, 0])
        by_type[q.type][0] += bool(row["ok"])
        by_type[q.type][1] += 1
    print(
        f"generated {len(questions)} questions; judged {judged}; good {good}"
        f" ({100 * good / judged if judged else 0:.1f}%)"
    )
    for kind, (ok, total) in sorted(by_type.items()):
        print(f"  {kind:9} {ok}/{total}")
    for q in missing:
        print(f"not reviewed: [{q.type}] {q.fingerprint} {q.stem[:60]}", file=sys.stderr)
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
