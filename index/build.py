"""Bring the index snapshot in line with the chunks its ChunkSource hands it.

Only chunks the previous snapshot lacks are added (their vectors come from
the embedding cache when the text was seen before); chunks that are gone
become tombstones. A full rebuild happens only on ``reindex``, on a model
change, when tombstones exceed a third of the rows, or when the size crosses
the flat/HNSW threshold, and even then nothing already embedded is embedded
again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from index import snapshot, vectors
from index.embed_cache import EmbeddingCache
from index.keyword import KeywordIndex
from index.source import ChunkSource
from index.windows import chunk_windows

MAX_TOMBSTONE_SHARE = 1 / 3
ADD_BATCH = 16384  # vectors embedded (or read from the cache) and added to FAISS at a time
TRAIN_SAMPLE = 32768  # vectors an 8-bit quantiser learns its ranges from


def build_snapshot(
    source: ChunkSource,
    root: Path,
    cache: EmbeddingCache,
    settings,
    dictionary_hash: str,
    full: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Publish a snapshot covering the stored chunks (pending versions included).

    Returns a summary: rows added, tombstoned, whether it was a full rebuild.
    """
    rows = source.index_rows()
    embedder = cache.embedder
    previous = None
    if not full:
        try:
            previous = snapshot.load(root, embedder.name, embedder.dim)
        except snapshot.IndexMismatch:
            previous = None
    kind = vectors.choose_kind(len(rows), settings.flat_index_max)
    if previous is not None and previous.config.get("sentence_vectors") != bool(settings.sentence_vectors):
        previous = None
    if previous is not None:
        wanted = {r["id"] for r in rows}
        ids = previous.ids.copy()
        gone = (ids >= 0) & ~np.isin(ids, list(wanted))
        ids[gone] = -1
        have = set(ids[ids >= 0].tolist())
        added = [r for r in rows if r["id"] not in have]
        tombstones = int((ids < 0).sum())
        if (
            previous.config.get("index_kind") != kind
            or tombstones > (len(ids) + len(added)) * MAX_TOMBSTONE_SHARE
        ):
            previous = None
    if previous is None:
        added, ids = list(rows), np.zeros(0, dtype=np.int64)
        index = vectors.new_index(kind, embedder.dim, settings.hnsw_m)
        rebuilt = True
    else:
        index = previous.vector_index
        rebuilt = False
    texts, owners, primary = [], [], []
    for r in added:
        windows = chunk_windows(r) if settings.sentence_vectors else [r["norm_text"]]
        primary += [True] + [False] * (len(windows) - 1)
        texts += windows
        owners += [r["id"]] * len(windows)
    if texts and not index.is_trained:
        # The quantiser learns its value ranges from an even sample of the new vectors.
        step = max(1, len(texts) // TRAIN_SAMPLE)
        index.train(cache.embed_passages(texts[::step], progress=progress))  # cached for the adds
    # Embedded and added a batch at a time: a rebuild never holds every float32 vector.
    for start in range(0, len(texts), ADD_BATCH):
        index.add(cache.embed_passages(texts[start : start + ADD_BATCH], progress=progress))
    # Keyword columns: a chunk's first row carries its tokens, its other rows stay empty.
    old_primary = previous.config.get("primary_rows") if previous is not None else None
    is_primary = np.concatenate(
        [
            np.load(previous.folder / "primary.npy", allow_pickle=False)
            if old_primary
            else np.zeros(0, bool),
            np.asarray(primary, dtype=bool),
        ]
    )
    ids = np.concatenate([ids, np.asarray(owners, dtype=np.int64)])
    tokens_of = {r["id"]: r["tokens"] for r in rows}  # joined strings: split one chunk at a time
    # BM25 has one column per chunk: the chunk's primary (whole-chunk) row, in row order.
    keyword = KeywordIndex.build(
        (tokens_of.get(int(cid), "").split() if cid >= 0 else [] for cid in ids[is_primary]),
        settings.bm25_k1,
        settings.bm25_b,
    )
    config = {
        "model": embedder.name,
        "dim": embedder.dim,
        "index_kind": kind,
        "metric": "inner_product",
        "dictionary_hash": dictionary_hash,
        "bm25": {"k1": settings.bm25_k1, "b": settings.bm25_b, "tokenizer": "jieba.cut_for_search"},
        "hnsw": {"m": settings.hnsw_m, "storage": "sq8"} if kind == "hnsw" else None,
        "sentence_vectors": bool(settings.sentence_vectors),
        "primary_rows": True,
    }
    folder = snapshot.publish(root, config, index, ids, keyword, is_primary)
    return {
        "snapshot": folder.name,
        "rows": int(len(ids)),
        "live": len(rows),
        "vectors": int((ids >= 0).sum()),
        "added": len(added),
        "rebuilt": rebuilt,
        "index_kind": kind,
    }
