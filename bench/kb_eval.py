"""Retrieval quality on the labelled query set (bench/data/kb_queries.jsonl).

A result is relevant when its text contains one of the query's answer
substrings, compared after removing whitespace and folding width and script.
Run: ``python -m bench.kb_eval [--home DIR] [--queries FILE]`` (ingests ../shared/corpus
once). ``--queries bench/data/kb_holdout_queries.jsonl`` measures the held-out set: queries
on passages that no training query targets, by a writer who saw neither other set (its ``shared``
queries; add ``--sample`` for its queries about the bundled sample data, on a home holding that).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

from common.settings import load_settings
from common.textnorm import fold_punct, normalize
from kb.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "bench" / "data" / "kb_queries.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLE = ROOT / "sample_data" / "kb"


def _key(text: str) -> str:
    return re.sub(r"\s+", "", fold_punct(normalize(text)))


def load_queries(path: Path = QUERIES, corpus: str | None = None) -> list[dict]:
    """Labelled queries; ``corpus`` keeps those on one corpus (a query without the field is "shared")."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [q for q in rows if corpus is None or q.get("corpus", "shared") == corpus]


def first_relevant_rank(results, answers: list[str]) -> int | None:
    keys = [_key(a) for a in answers]
    for rank, result in enumerate(results, 1):
        text = _key(result.text)
        if any(k in text for k in keys):
            return rank
    return None


def evaluate(kb, queries: list[dict], legs=("bm25", "dense", "hybrid")) -> dict:
    """recall@1, recall@5, MRR@10 per leg, and no-answer precision/recall for hybrid."""
    report: dict = {}
    answerable = [q for q in queries if q["answers"]]
    for leg in legs:
        r1 = r5 = mrr = 0.0
        misses = []
        for q in answerable:
            response = kb.search(q["query"], k=10, leg=leg)
            rank = first_relevant_rank(response.results, q["answers"])
            r1 += rank == 1
            r5 += rank is not None and rank <= 5
            mrr += 1 / rank if rank else 0
            if rank is None or rank > 5:
                misses.append((q["id"], q["query"], rank))
        n = len(answerable)
        report[leg] = {"recall@1": r1 / n, "recall@5": r5 / n, "mrr@10": mrr / n, "n": n, "misses": misses}
    # No-answer detection: the positive class is "no confident answer".
    tp = fp = fn = 0
    for q in queries:
        response = kb.search(q["query"], k=5)
        flagged = not response.answered
        truly_none = not q["answers"]
        tp += flagged and truly_none
        fp += flagged and not truly_none
        fn += (not flagged) and truly_none
    report["no_answer"] = {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "flagged": tp + fp,
        "no_answer_queries": tp + fn,
    }
    return report


def best_dense_scores(kb, queries: list[dict]) -> list[tuple[float, bool]]:
    """(best dense cosine, has answer) per query, for choosing the threshold."""
    out = []
    for q in queries:
        response = kb.search(q["query"], k=5)
        out.append((response.best_dense, response.coverage, bool(q["answers"])))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", help="data home to (re)use; default: a temporary folder")
    parser.add_argument("--corpus", help="folder to ingest (default: ../shared/corpus, or the sample data)")
    parser.add_argument(
        "--sample",
        action="store_true",
        help="measure the queries about the bundled sample data (corpus 'sample') on a home holding it",
    )
    parser.add_argument("--queries", default=str(QUERIES), help="labelled queries (JSON lines)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a setting, e.g. --set chunk_target_chars=200",
    )
    args = parser.parse_args(argv)

    overrides = dict(item.split("=", 1) for item in args.set)
    home = args.home or tempfile.mkdtemp(prefix="kefu-eval-")
    kb = KnowledgeBase(load_settings(home, **overrides))
    which = "sample" if args.sample else "shared"
    report = kb.ingest([args.corpus or (SAMPLE if args.sample else CORPUS)])
    print(
        f"ingest: {sum(f.chunks for f in report.files)} chunks, index {report.index or 'unchanged'}",
        file=sys.stderr,
    )
    # Queries about the corpus and about the sample data need homes of their own.
    queries = load_queries(Path(args.queries), corpus=which)
    if not queries:
        print(f"error: {args.queries} holds no queries about the {which} data", file=sys.stderr)
        return 2
    result = evaluate(kb, queries)
    print(f"{'leg':8} {'recall@1':>9} {'recall@5':>9} {'MRR@10':>8}   (n={result['hybrid']['n']})")
    for leg in ("bm25", "dense", "hybrid"):
        r = result[leg]
        print(f"{leg:8} {r['recall@1']:9.3f} {r['recall@5']:9.3f} {r['mrr@10']:8.3f}")
    na = result["no_answer"]
    print(
        f"no-answer precision {na['precision']:.3f} recall {na['recall']:.3f}"
        f" ({na['flagged']} flagged, {na['no_answer_queries']} truly unanswerable)"
    )
    scores = sorted(best_dense_scores(kb, queries))
    print("unanswerable (dense, coverage):", [(round(s, 3), round(c, 2)) for s, c, has in scores if not has])
    print(
        "answerable, lowest 20 (dense, coverage):",
        [(round(s, 3), round(c, 2)) for s, c, has in scores if has][:20],
    )
    print("hybrid misses (not in top 5):")
    for miss in result["hybrid"]["misses"]:
        print("  ", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
