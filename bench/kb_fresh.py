"""Search on the fresh blind sets: ranking and "no confident answer", measured and never tuned on.

Three sets, each written by a helper who saw none of the code and none of the other sets:
``bench/data/kb_fresh_queries.jsonl`` (new queries on the shared corpus and on the sample data,
with in-domain unanswerable and off-topic questions) and ``bench/data/heldout_kb2`` (a third
shop's manuals with its own queries). Nothing in the search pipeline may be fitted or tuned on
them; this script only reads the system's own verdicts (``response.answered``).

Run: ``python -m bench.kb_fresh [--corpus-home D] [--sample-home D] [--heldout2-home D]``
(ingests what a home lacks).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.kb_eval import CORPUS, ROOT, SAMPLE, first_relevant_rank, heldout_kb_queries, load_queries
from common.settings import load_settings
from kb.knowledge_base import KnowledgeBase

FRESH = ROOT / "bench" / "data" / "kb_fresh_queries.jsonl"
HELDOUT_KB2 = ROOT / "bench" / "data" / "heldout_kb2"


def heldout_kb2_files() -> list[Path]:
    """The third shop's manuals (not its README or label files)."""
    return sorted(
        p for p in HELDOUT_KB2.iterdir() if p.suffix in (".md", ".txt", ".csv") and p.name != "README.md"
    )


def heldout_kb2_queries() -> list[dict]:
    """heldout_kb2/queries.jsonl in kb_eval's format (evidence, or its longest clause, answers)."""
    return heldout_kb_queries(HELDOUT_KB2, prefix="p")


def measure(kb: KnowledgeBase, queries: list[dict]) -> dict:
    """recall@1/@5, MRR@10 of the answerable queries; refused share per kind of query."""
    r1 = r5 = mrr = 0.0
    refused: dict[str, list[int]] = {"answerable": [0, 0], "unanswerable": [0, 0], "off_topic": [0, 0]}
    wrong: list[str] = []
    for q in queries:
        response = kb.search(q["query"], k=10)
        group = (
            "answerable"
            if q["answers"]
            else ("off_topic" if q.get("kind") == "off_topic" else "unanswerable")
        )
        refused[group][1] += 1
        if not response.answered:
            refused[group][0] += 1
        if (group == "answerable") != response.answered:
            wrong.append(f"{'refused' if group == 'answerable' else 'answered'}: {q['query']}")
        if q["answers"]:
            rank = first_relevant_rank(response.results, q["answers"])
            r1 += rank == 1
            r5 += rank is not None and rank <= 5
            mrr += 1 / rank if rank else 0
    n = max(1, refused["answerable"][1])
    return {"recall@1": r1 / n, "recall@5": r5 / n, "mrr@10": mrr / n, "refused": refused, "wrong": wrong}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-home")
    parser.add_argument("--sample-home")
    parser.add_argument("--heldout2-home")
    parser.add_argument("--verbose", action="store_true", help="list every misjudged query")
    args = parser.parse_args(argv)
    sets = (
        ("corpus (fresh queries)", args.corpus_home, [CORPUS], load_queries(FRESH, corpus="shared")),
        ("sample data (fresh queries)", args.sample_home, [SAMPLE], load_queries(FRESH, corpus="sample")),
        ("third shop (heldout_kb2)", args.heldout2_home, heldout_kb2_files(), heldout_kb2_queries()),
    )
    for name, home, sources, queries in sets:
        kb = KnowledgeBase(load_settings(home or tempfile.mkdtemp(prefix="kefu-fresh-")))
        kb.ingest(sources)
        m = measure(kb, queries)
        parts = ", ".join(f"{g} {r}/{t}" for g, (r, t) in m["refused"].items() if t)
        print(
            f"{name:28} recall@1 {m['recall@1']:.3f}  recall@5 {m['recall@5']:.3f}  MRR@10 {m['mrr@10']:.3f}"
            f"  refused: {parts}"
        )
        if args.verbose:
            for line in m["wrong"]:
                print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
