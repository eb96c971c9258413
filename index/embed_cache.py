"""Persistent passage-embedding cache keyed by model and content hash.

Re-ingesting a document whose paragraphs did not change, rebuilding the index
or switching back to a model used before must not embed anything twice:
embedding is by far the slowest step (a few passages per second per core).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable

import numpy as np

from common.db import migrate
from common.settings import setting

MIGRATIONS = [
    """
    CREATE TABLE embedding_cache (
        model TEXT NOT NULL,
        hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, hash)
    ) WITHOUT ROWID;
    """
]


def content_hash(text: str) -> str:
    """Stable hash of the exact text that is embedded."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Embeds passages through a SQLite cache; only unseen texts reach the model."""

    def __init__(
        self, conn: sqlite3.Connection, embedder, batch_size: int = setting("embed_batch_size").default
    ) -> None:
        migrate(conn, "embed_cache", MIGRATIONS)
        self.conn = conn
        self.embedder = embedder
        self.batch_size = batch_size

    def embed_passages(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Vectors for ``texts`` in order; ``progress(n)`` is told of each embedded batch."""
        dim = self.embedder.dim
        out = np.zeros((len(texts), dim), dtype=np.float32)
        hashes = [content_hash(t) for t in texts]
        # Vectors go straight into ``out`` at each hash's first row (no per-vector objects held:
        # a 100k-chunk build stays near the size of the matrix itself); repeats are copied last.
        first: dict[str, int] = {}
        for i, h in enumerate(hashes):
            first.setdefault(h, i)
        unique = list(first)
        filled = np.zeros(len(texts), dtype=bool)
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            for row in self.conn.execute(
                f"SELECT hash, vector FROM embedding_cache WHERE model = ? AND hash IN ({marks})",
                (self.embedder.name, *part),
            ):
                at = first[row["hash"]]
                out[at] = np.frombuffer(row["vector"], dtype=np.float32)
                filled[at] = True
        missing = [h for h in unique if not filled[first[h]]]
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = self.embedder.embed_passages([texts[first[h]] for h in batch])
            with self.conn:
                self.conn.executemany(
                    "INSERT OR REPLACE INTO embedding_cache(model, hash, vector) VALUES (?, ?, ?)",
                    [
                        (self.embedder.name, h, v.astype(np.float32).tobytes())
                        for h, v in zip(batch, vectors, strict=True)
                    ],
                )
            for h, v in zip(batch, vectors, strict=True):
                out[first[h]] = v
            if progress:
                progress(len(batch))
        for i, h in enumerate(hashes):
            if first[h] != i:
                out[i] = out[first[h]]
        return out

    def count_missing(self, texts: list[str]) -> int:
        """How many of ``texts`` would need the model (for progress bars)."""
        hashes = list(dict.fromkeys(content_hash(t) for t in texts))
        have = 0
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            marks = ",".join("?" * len(part))
            have += self.conn.execute(
                f"SELECT COUNT(*) FROM embedding_cache WHERE model = ? AND hash IN ({marks})",
                (self.embedder.name, *part),
            ).fetchone()[0]
        return len(hashes) - have
