"""Train the learned re-ranker (index/ranker.json) on the labelled TRAINING queries.

The training queries (bench/data/kb_train_queries.jsonl) were written
separately from the evaluation queries (bench/data/kb_queries.jsonl) and never
see them: the evaluation stays a held-out measurement. Both the shared corpus
and the bundled sample data are ingested into one home; every shortlisted
candidate (the ``rerank_depth`` best of both legs by weighted fusion, as at
search time) is labelled relevant when its text contains one of the query's
answer substrings. A logistic regression over standardised features
(index/rerank.py) is fitted and written as plain JSON.

This trains a ranker for search *without* the query adapter (``query_adapter =
off``). The bundled ranker goes with the bundled adapter and is trained by
``python -m bench.kb_train_adapter``, on out-of-fold adapted query vectors.

Run: ``python -m bench.kb_train_ranker [--home DIR] [--out index/ranker.json]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.kb_eval import CORPUS, ROOT, SAMPLE, _key, load_queries
from common.atomic import write_text_atomic
from common.settings import load_settings
from common.textnorm import normalize
from index import adapter as query_adapter
from index import rerank
from kb.knowledge_base import KnowledgeBase

TRAIN = ROOT / "bench" / "data" / "kb_train_queries.jsonl"


def training_rows(
    kb, queries: list[dict], vectors: dict[str, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows, labels and the query index of each row.

    ``vectors`` (normalised query text -> vector) replaces the queries' own vectors:
    out-of-fold adapted ones when the ranker is trained for the query adapter.
    """
    features, labels, groups = [], [], []
    for index, query in enumerate(q for q in queries if q["answers"]):
        qvec = vectors.get(normalize(query["query"])) if vectors else None
        chunks, matrix, meta = kb.searcher.ranker_features(query["query"], qvec)
        keys = [_key(a) for a in query["answers"]]
        features.append(matrix)
        labels += [int(any(k in _key(meta[c]["text"]) for k in keys)) for c in chunks]
        groups += [index] * len(chunks)
    return np.vstack(features), np.asarray(labels), np.asarray(groups)


def ranking_metrics(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> dict:
    """recall@1, recall@5 and MRR@10 of rows ranked by ``scores`` within each query."""
    r1 = r5 = mrr = 0.0
    queries = np.unique(groups)
    for g in queries:
        mask = groups == g
        ordered = labels[mask][np.argsort(-scores[mask], kind="stable")]
        hits = np.flatnonzero(ordered[:10])
        if len(hits):
            rank = hits[0] + 1
            r1 += rank == 1
            r5 += rank <= 5
            mrr += 1 / rank
    n = max(1, len(queries))
    return {"recall@1": r1 / n, "recall@5": r5 / n, "mrr@10": mrr / n}


def fit(features: np.ndarray, labels: np.ndarray, c: float = 1.0) -> dict:
    """Logistic regression on standardised features, as the JSON model LinearRanker reads."""
    from sklearn.linear_model import LogisticRegression

    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=c, max_iter=5000).fit((features - mean) / scale, labels)
    return {
        "features": list(rerank.FEATURES),
        "mean": [round(float(x), 6) for x in mean],
        "scale": [round(float(x), 6) for x in scale],
        "weights": [round(float(x), 6) for x in model.coef_[0]],
        "bias": round(float(model.intercept_[0]), 6),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="data home to (re)use; default: a temporary folder")
    parser.add_argument("--queries", default=str(TRAIN))
    parser.add_argument("--out", default=str(rerank.MODEL_PATH))
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    args = parser.parse_args(argv)

    home = args.home or tempfile.mkdtemp(prefix="kefu-train-")
    # Features never need the current model (which may be the incompatible one being replaced).
    kb = KnowledgeBase(load_settings(home, fusion="weighted", query_adapter=query_adapter.OFF))
    kb.ingest([CORPUS, SAMPLE])
    queries = load_queries(Path(args.queries))
    features, labels, groups = training_rows(kb, queries)
    print(
        f"{len(np.unique(groups))} answerable training queries, {len(labels)} candidates, {labels.sum()} relevant"
    )

    # Five-fold cross-validation by query, to report before writing the model.
    folds = np.unique(groups) % 5
    scores = np.zeros(len(labels))
    for fold in range(5):
        test = np.isin(groups, np.unique(groups)[folds == fold])
        model = rerank.LinearRanker(fit(features[~test], labels[~test], args.c))
        scores[test] = model.scores(features[test])
    weighted = (
        features[:, rerank.FEATURES.index("dense_best")]
        + 0.015 * features[:, rerank.FEATURES.index("bm25_norm")]
    )
    for name, s in (("weighted fusion", weighted), ("learned (5-fold CV)", scores)):
        m = ranking_metrics(s, labels, groups)
        print(f"{name:20} recall@1 {m['recall@1']:.3f} recall@5 {m['recall@5']:.3f} MRR@10 {m['mrr@10']:.3f}")

    model = fit(features, labels, args.c)
    model["trained"] = {
        "queries": Path(args.queries).name,
        "answerable_queries": int(len(np.unique(groups))),
        "candidates": int(len(labels)),
        "date": dt.date.today().isoformat(),
        "embedder": kb.embedder.name,
        "query_adapter": "none",
    }
    write_text_atomic(Path(args.out), json.dumps(model, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {args.out}")
    for name, weight in sorted(zip(rerank.FEATURES, model["weights"], strict=True), key=lambda x: -abs(x[1])):
        print(f"  {name:18} {weight:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
