"""Quiz quality on the noisy shared corpus, judged by hand (bench/data/quiz_review.jsonl).

Issue #4 asks for at least 40 hand-checked questions from quizzes generated on
the shared corpus. One whole-corpus quiz asks each fact once (no two questions
on the same fact), and the noisy corpus has about 17 facts worth asking, so
the reviewed sample is drawn from several whole-corpus quizzes: seeds 1, 2,
3, ... with n=45 and all types, in that order. A question is taken when the
sample holds no question of its *type* on its fact: the same fact asked as a
cloze in one quiz and as a true/false statement in another gives two
questions (each is built separately: its own blank, distractors or changed
value, and each can be wrong on its own), never two clozes. A fact is a source
sentence (or a copy of it sharing most of its bigrams). Seeds are added until
the sample holds ``SAMPLE_TARGET`` questions, or until ``MAX_SEEDS`` seeds, or
``STALE_SEEDS`` seeds in a row bring nothing new. The report gives the number
of distinct facts too.

Prints the share a human reviewer judged correct, unambiguous and worth
asking. Questions the review does not cover (a new fact, or a stem or options
that read differently from the reviewed ones) are listed so they can be judged. Run::

    python -m bench.quiz_quality [--home DIR] [--dump] [--sample-out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from common.settings import load_settings
from kb.knowledge_base import KnowledgeBase
from quiz.candidate import _bigrams
from quiz.generate import build_questions

ROOT = Path(__file__).resolve().parent.parent
REVIEW = ROOT / "bench" / "data" / "quiz_review.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus"
QUIZ = {"n": 45, "types": ("single", "tf", "cloze", "scenario")}
SAMPLE_TARGET = 40  # issue #4: at least 40 questions checked by hand
MAX_SEEDS = 30
STALE_SEEDS = 6  # this many seeds in a row with nothing new: the corpus is exhausted


def _fact_of(
    q, grams: set[str], sample: list[tuple[int, object]], sample_grams: list[set[str]], groups: list[int]
):
    """Index of the first sample question on ``q``'s fact, or None when the fact is new.

    A fact is a source sentence: the same fingerprint, or a sentence sharing most of
    its bigrams (a manual's copy of another's sentence).
    """
    for (_, other), other_grams, group in zip(sample, sample_grams, groups, strict=True):
        if other.fingerprint == q.fingerprint or len(grams & other_grams) > 0.6 * min(
            len(grams), len(other_grams)
        ):
            return group
    return None


def generate_sample(home: Path, target: int = SAMPLE_TARGET) -> tuple[list[tuple[int, object]], int]:
    """``(seed, question)`` pairs from whole-corpus quizzes of seeds 1, 2, 3, ..., and the facts they ask.

    A question is taken when no question of its type on its fact is in the sample yet.
    """
    kb = KnowledgeBase(load_settings(home))
    if not kb.documents():
        kb.ingest([CORPUS], progress=True)
    sample: list[tuple[int, object]] = []
    grams: list[set[str]] = []
    groups: list[int] = []  # for each sample question, the index of the first one on its fact
    stale = 0
    for seed in range(1, MAX_SEEDS + 1):
        questions, _ = build_questions(kb, seed=seed, **QUIZ)
        added = 0
        for q in questions:
            if len(sample) >= target:
                break
            g = _bigrams(q.source.sentence)
            fact = _fact_of(q, g, sample, grams, groups)
            if fact is not None and any(
                group == fact and other.type == q.type
                for (_, other), group in zip(sample, groups, strict=True)
            ):
                continue  # this fact is already asked in this form
            groups.append(len(sample) if fact is None else fact)
            sample.append((seed, q))
            grams.append(g)
            added += 1
        stale = 0 if added else stale + 1
        if len(sample) >= target or stale >= STALE_SEEDS:
            break
    return sample, len(set(groups))


def sample_row(index: int, seed: int, q) -> dict:
    """One question of the sample as the blind reviewer sees it (no judgement)."""
    return {
        "index": index,
        "type": q.type,
        "stem": q.stem,
        "options": q.options,
        "answer": q.answer,
        "explanation": q.explanation,
        "source": {
            "document": q.source.document,
            "headings": q.source.headings,
            "sentence": q.source.sentence,
        },
        "seed": seed,
        "fingerprint": q.fingerprint,
    }


def load_review(path: Path = REVIEW) -> dict[tuple[str, str], dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(r["type"], r["fingerprint"]): r for r in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="data home with the corpus ingested (default: a temporary one)")
    parser.add_argument(
        "--dump", action="store_true", help="print every question with its options and source"
    )
    parser.add_argument("--sample-out", help="write the sample for a blind review (JSON lines) here")
    args = parser.parse_args(argv)
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="quiz-bench-"))
    sample, facts = generate_sample(home)
    rows = [sample_row(i, seed, q) for i, (seed, q) in enumerate(sample)]
    if args.sample_out:
        out = Path(args.sample_out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    review = load_review() if REVIEW.exists() else {}
    judged, good, missing = 0, 0, []
    by_type: dict[str, list[int]] = {}
    per_seed: dict[int, int] = {}
    for row, (seed, q) in zip(rows, sample, strict=True):
        per_seed[seed] = per_seed.get(seed, 0) + 1
        if args.dump:
            print(json.dumps(row, ensure_ascii=False))
        judgement = review.get((q.type, q.fingerprint))
        if judgement is not None and (judgement.get("stem"), judgement.get("options")) != (q.stem, q.options):
            judgement = None  # the question reads differently now: the verdict was on another text
        if judgement is None:
            missing.append(q)
            continue
        judged += 1
        good += bool(judgement["ok"])
        by_type.setdefault(q.type, [0, 0])
        by_type[q.type][0] += bool(judgement["ok"])
        by_type[q.type][1] += 1
    seeds = ", ".join(f"seed {s}: {n}" for s, n in sorted(per_seed.items()))
    print(f"sample of {len(sample)} questions on {facts} distinct facts ({seeds})")
    if len(sample) < SAMPLE_TARGET:
        print(f"  short of {SAMPLE_TARGET}: the corpus gives no more questions", file=sys.stderr)
    print(f"judged {judged}; good {good} ({100 * good / judged if judged else 0:.1f}%)")
    for kind, (ok, total) in sorted(by_type.items()):
        print(f"  {kind:9} {ok}/{total}")
    for q in missing:
        print(f"not reviewed: [{q.type}] {q.fingerprint} {q.stem[:60]}", file=sys.stderr)
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
