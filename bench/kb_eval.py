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
# Another shop's manuals and queries, written blind: measured on, never tuned on.
HELDOUT_KB = ROOT / "bench" / "data" / "heldout_kb"


def heldout_kb_files() -> list[Path]:
    """The held-out shop's manuals (not its README or label files)."""
    return sorted(
        p for p in HELDOUT_KB.iterdir() if p.suffix in (".md", ".txt", ".csv") and p.name != "README.md"
    )


def heldout_kb_queries(folder: Path = HELDOUT_KB, prefix: str = "h") -> list[dict]:
    """bench/data/heldout_kb/queries.jsonl in this module's format.

    A result answers when it holds the labelled evidence sentence, or its longest clause
    (a chunk boundary may fall inside a long evidence sentence).
    """
    rows = []
    for i, line in enumerate((folder / "queries.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        evidence = row.get("answer_evidence")
        answers = []
        if evidence:
            clauses = [c for c in re.split(r"[，,；;。：:]", evidence) if len(c) >= 8]
            answers = [evidence, *sorted(clauses, key=len, reverse=True)[:1]]
        off_topic = row.get("off_topic") or row.get("kind") == "off_topic"
        kind = "off_topic" if off_topic else ("no_answer" if not evidence else "answerable")
        rows.append({"id": f"{prefix}{i:03d}", "query": row["query"], "answers": answers, "kind": kind})
    return rows


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
    n_answerable = len(answerable)
    report["no_answer"] = {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "flagged": tp + fp,
        "no_answer_queries": tp + fn,
        # The targets: share of unanswerable queries refused, of answerable ones refused.
        "refused_unanswerable": tp / (tp + fn) if tp + fn else 1.0,
        "refused_answerable": fp / n_answerable if n_answerable else 0.0,
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
    parser.add_argument(
        "--heldout-kb",
        action="store_true",
        help="measure bench/data/heldout_kb (another shop's manuals and queries, never tuned on)",
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
    if args.heldout_kb:
        report = kb.ingest(heldout_kb_files())
    else:
        report = kb.ingest([args.corpus or (SAMPLE if args.sample else CORPUS)])
    print(
        f"ingest: {sum(f.chunks for f in report.files)} chunks, index {report.index or 'unchanged'}",
        file=sys.stderr,
    )
    # Queries about the corpus and about the sample data need homes of their own.
    queries = heldout_kb_queries() if args.heldout_kb else load_queries(Path(args.queries), corpus=which)
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
        f" ({na['flagged']} flagged, {na['no_answer_queries']} truly unanswerable):"
        f" {na['refused_unanswerable']:.0%} of unanswerable and {na['refused_answerable']:.0%}"
        " of answerable queries refused"
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
