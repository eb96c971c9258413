"""Train the query adapter (index/query_adapter.json) and the ranker that goes with it.

The adapter is a low-rank linear map on e5 query vectors, ``q' = normalise(q +
U Vᵀ q)`` (index/adapter.py), fitted on the labelled TRAINING queries
(bench/data/kb_train_queries.jsonl; the evaluation queries are never seen).
Loss: a softmax over every chunk of the training home, a chunk scoring its best
vector row as at search time, with the chunks that contain an answer substring
as positives, plus a pull towards the identity (``lam``) so the map stays a
correction. The setting (rank 32, lam 1.0, temperature 0.02, 150 full-batch
Adam steps) was chosen by 5-fold cross-validation on the training queries alone.

The ranker (index/ranker.json) is then re-trained on the adapted vectors. So
that it never learns from an adapter fitted on its own queries, each training
query's features use an adapter fitted on the other four folds (out-of-fold).

Run: ``python -m bench.kb_train_adapter [--home DIR]`` (torch, CPU, about a minute
plus the ingest of the corpus and the sample data).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.kb_eval import CORPUS, _key, load_queries
from bench.kb_train_ranker import SAMPLE, TRAIN, fit, ranking_metrics, training_rows
from common.atomic import write_text_atomic
from common.settings import load_settings
from common.textnorm import normalize
from index import adapter as query_adapter
from index import rerank, vectors
from kb import store
from kb.knowledge_base import KnowledgeBase

RANK, LAM, TAU, EPOCHS, LR = 32, 1.0, 0.02, 150, 2e-3
FOLDS = 5
RANKER_C = (0.03, 0.1, 0.3, 1.0, 3.0)  # the ranker's inverse regularisation, chosen by cross-validation


def training_arrays(kb, queries: list[dict]) -> dict:
    """Row vectors, each row's chunk (index into the chunk list), query vectors and labels."""
    snap = kb.searcher.current()
    rows = vectors.reconstruct(snap.vector_index, np.arange(len(snap.ids)))
    ids = snap.ids.astype(np.int64)
    meta = store.fetch_chunks(kb.conn, [int(c) for c in np.unique(ids[ids >= 0])])
    chunk_ids = sorted(meta)
    position = {c: i for i, c in enumerate(chunk_ids)}
    row_chunk = np.asarray([position.get(int(c), -1) for c in ids])
    texts = [_key(meta[c]["text"]) for c in chunk_ids]
    labels = np.zeros((len(queries), len(chunk_ids)), dtype=bool)
    for i, q in enumerate(queries):
        keys = [_key(a) for a in q["answers"]]
        labels[i] = [any(k in t for k in keys) for t in texts]
    q_vectors = np.vstack([kb.searcher.queries.embed(normalize(q["query"])) for q in queries])
    return {"rows": rows, "row_chunk": row_chunk, "queries": q_vectors, "labels": labels}


def _rows_of_chunks(row_chunk: np.ndarray) -> np.ndarray:
    """(chunks, max rows) row indices per chunk, padded with -1."""
    members: list[list[int]] = [[] for _ in range(int(row_chunk.max()) + 1)]
    for row, chunk in enumerate(row_chunk):
        if chunk >= 0:
            members[chunk].append(row)
    out = np.full((len(members), max(len(m) for m in members)), -1, dtype=np.int64)
    for chunk, m in enumerate(members):
        out[chunk, : len(m)] = m
    return out


def fit_adapter(q: np.ndarray, labels: np.ndarray, rows: np.ndarray, members: np.ndarray, seed: int = 0):
    """``(u, v)`` of the adapter fitted on these queries (torch, full batch)."""
    import torch

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    qt, lt = torch.tensor(q), torch.tensor(labels)
    rt = torch.tensor(rows).T.contiguous()
    mt = torch.tensor(members)
    dim = q.shape[1]
    u = torch.nn.Parameter(torch.randn(dim, RANK, generator=generator) * 0.01)
    v = torch.nn.Parameter(torch.zeros(dim, RANK))
    optimiser = torch.optim.Adam([u, v], lr=LR)
    for _ in range(EPOCHS):
        optimiser.zero_grad()
        adapted = torch.nn.functional.normalize(qt + (qt @ v) @ u.T, dim=-1)
        scores = adapted @ rt
        scores = torch.cat([scores, torch.full((scores.shape[0], 1), -1e4)], 1)  # row -1: padding
        chunk = scores[:, mt].amax(-1) / TAU
        positive = torch.logsumexp(chunk.masked_fill(~lt, -1e9), 1)
        loss = (torch.logsumexp(chunk, 1) - positive).mean() + LAM * (u @ v.T).pow(2).sum()
        loss.backward()
        optimiser.step()
    return u.detach().numpy(), v.detach().numpy()


def dense_ranks(q: np.ndarray, labels: np.ndarray, rows: np.ndarray, members: np.ndarray) -> dict:
    """recall@1/@5 and MRR@10 of chunks ranked by their best row's cosine."""
    scores = np.concatenate([q @ rows.T, np.full((len(q), 1), -1e4)], axis=1)[:, members].max(-1)
    flat = scores.ravel()
    groups = np.repeat(np.arange(len(q)), scores.shape[1])
    return ranking_metrics(flat, labels.ravel().astype(int), groups)


def _adapt(q: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return query_adapter.QueryAdapter(u, v).apply(q)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="data home to (re)use; default: a temporary folder")
    parser.add_argument("--queries", default=str(TRAIN))
    parser.add_argument("--out", default=str(query_adapter.ADAPTER_PATH))
    parser.add_argument("--ranker-out", default=str(rerank.MODEL_PATH))
    args = parser.parse_args(argv)

    home = args.home or tempfile.mkdtemp(prefix="kefu-adapter-")
    # Raw vectors and weighted-fusion shortlists: nothing depends on the models being replaced.
    kb = KnowledgeBase(load_settings(home, fusion="weighted", query_adapter=query_adapter.OFF))
    kb.ingest([CORPUS, SAMPLE])
    queries = [q for q in load_queries(Path(args.queries)) if q["answers"]]
    data = training_arrays(kb, queries)
    members = _rows_of_chunks(data["row_chunk"])
    labelled = data["labels"].any(axis=1)
    q, labels = data["queries"][labelled], data["labels"][labelled]
    print(
        f"{len(q)} training queries with a labelled chunk, {labels.shape[1]} chunks, {len(data['rows'])} rows"
    )

    # Out-of-fold adapted vectors: cross-validated quality now, the ranker's training input next.
    folds = np.random.default_rng(0).permutation(np.arange(len(q)) % FOLDS)
    u, v = fit_adapter(q, labels, data["rows"], members)
    adapted = _adapt(data["queries"], u, v)  # queries without a labelled chunk were never trained on
    where = np.flatnonzero(labelled)
    for fold in range(FOLDS):
        fu, fv = fit_adapter(q[folds != fold], labels[folds != fold], data["rows"], members)
        adapted[where[folds == fold]] = _adapt(q[folds == fold], fu, fv)
    for name, vecs in (("dense, raw queries", q), ("dense, adapted (5-fold CV)", adapted[labelled])):
        m = dense_ranks(vecs, labels, data["rows"], members)
        print(f"{name:28} recall@1 {m['recall@1']:.3f} recall@5 {m['recall@5']:.3f} MRR@10 {m['mrr@10']:.3f}")

    today = dt.date.today().isoformat()
    trained = {
        "queries": Path(args.queries).name,
        "labelled_queries": int(len(q)),
        "rank": RANK,
        "lam": LAM,
        "temperature": TAU,
        "epochs": EPOCHS,
        "date": today,
    }
    # The ranker on out-of-fold adapted vectors, cross-validated on the adapter's own folds
    # (a held-out query's features come from an adapter that never saw it).
    oof = {normalize(query["query"]): vec for query, vec in zip(queries, adapted, strict=True)}
    features, flags, groups = training_rows(kb, queries, vectors=oof)
    fold_of = np.arange(len(queries)) % FOLDS  # queries without a labelled chunk: any fold
    fold_of[where] = folds
    # The regularisation strength is chosen by the same cross-validation (MRR@10, then recall@5).
    best_c, best = None, None
    for c in RANKER_C:
        scores = np.zeros(len(flags))
        for fold in range(FOLDS):
            test = fold_of[groups] == fold
            model = fit(features[~test], flags[~test], c)
            scores[test] = rerank.LinearRanker(model).scores(features[test])
        m = ranking_metrics(scores, flags, groups)
        print(
            f"{f'ranker C={c} (5-fold CV)':28} recall@1 {m['recall@1']:.3f} recall@5 {m['recall@5']:.3f}"
            f" MRR@10 {m['mrr@10']:.3f}"
        )
        if best is None or (m["mrr@10"], m["recall@5"]) > (best["mrr@10"], best["recall@5"]):
            best_c, best = c, m
    model = fit(features, flags, best_c)
    model["trained"] = {
        "queries": Path(args.queries).name,
        "answerable_queries": int(len(np.unique(groups))),
        "candidates": int(len(flags)),
        "c": best_c,
        "date": today,
        "embedder": kb.embedder.name,
        "query_adapter": f"out-of-fold, {Path(args.out).name} of {today}",
    }
    # Both files at the end, each atomically: a failed run leaves the previous matching pair.
    query_adapter.QueryAdapter.save(Path(args.out), u, v, kb.embedder.name, trained)
    write_text_atomic(Path(args.ranker_out), json.dumps(model, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {args.out} and {args.ranker_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
