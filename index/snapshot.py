"""An index snapshot: a self-describing folder, published atomically.

Layout of ``<home>/index/``::

    CURRENT                 name of the live snapshot folder
    snap-000007/
        config.json         format version, model, dimension, index kind, counts, dictionary hash
        vectors.faiss       written by faiss.write_index
        ids.npy             row -> chunk id (-1 = tombstone), saved without pickle
        primary.npy         True on each chunk's whole-chunk row (the others are its sentences);
                            BM25 columns are these rows in order
        bm25_*.npy, bm25_vocab.json

A new snapshot is written to a temporary folder, fsynced, renamed, and only
then is ``CURRENT`` replaced (``os.replace`` of an fsynced file), so a crash
at any moment leaves the previous snapshot loadable.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import vectors
from index.keyword import KeywordIndex

FORMAT_VERSION = 3
KEEP_SNAPSHOTS = 2


class IndexMismatch(Exception):
    """The index folder was built by another model or format version."""


@dataclass
class Snapshot:
    """A loaded snapshot: vectors, ids, BM25 and the config that describes them."""

    folder: Path
    config: dict
    vector_index: object
    ids: np.ndarray
    keyword: KeywordIndex
    primary: np.ndarray

    @property
    def live_count(self) -> int:
        """Chunks served (each chunk has one primary row and maybe sentence rows)."""
        if not hasattr(self, "_live_count"):
            self._live_count = int(((self.ids >= 0) & self.primary).sum())
        return self._live_count

    @property
    def primary_rows(self) -> np.ndarray:
        """Row of each BM25 column (columns are the primary rows in row order)."""
        if not hasattr(self, "_primary_rows"):
            self._primary_rows = np.flatnonzero(self.primary)
        return self._primary_rows

    @property
    def column_chunks(self) -> np.ndarray:
        """Chunk id of each BM25 column (-1 for a removed chunk)."""
        if not hasattr(self, "_column_chunks"):
            self._column_chunks = self.ids[self.primary_rows]
        return self._column_chunks

    def column_of(self, chunk_id: int) -> int:
        """The BM25 column of a chunk."""
        rows = self.rows_of([chunk_id])[chunk_id]
        row = next((r for r in rows if self.primary[r]), rows[0] if rows else 0)
        return int(np.searchsorted(self.primary_rows, row))

    def columns_of(self, chunk_ids: list[int]) -> list[int]:
        """The BM25 columns of several chunks at once."""
        if not chunk_ids:
            return []
        if not hasattr(self, "_column_sorted"):
            order = np.argsort(self.column_chunks, kind="stable")
            self._column_sorted = (order, self.column_chunks[order])
        order, sorted_chunks = self._column_sorted
        wanted = np.asarray(chunk_ids, dtype=sorted_chunks.dtype)
        pos = np.searchsorted(sorted_chunks, wanted).clip(0, max(len(sorted_chunks) - 1, 0))
        found = sorted_chunks[pos] == wanted if len(sorted_chunks) else np.zeros(len(wanted), dtype=bool)
        return [
            int(order[p]) if hit else self.column_of(chunk)
            for chunk, p, hit in zip(chunk_ids, pos.tolist(), found.tolist(), strict=True)
        ]

    def rows_of(self, chunk_ids: list[int]) -> dict[int, list[int]]:
        """Vector rows of each chunk (to score a chunk found only by the keyword leg)."""
        if not hasattr(self, "_sorted"):
            order = np.argsort(self.ids, kind="stable")
            self._sorted = (order, self.ids[order])
        order, sorted_ids = self._sorted
        wanted = np.asarray(chunk_ids, dtype=sorted_ids.dtype)
        lo = np.searchsorted(sorted_ids, wanted).tolist()
        hi = np.searchsorted(sorted_ids, wanted + 1).tolist()
        return {cid: order[a:b].tolist() for cid, a, b in zip(chunk_ids, lo, hi, strict=True)}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_folder(root: Path) -> Path | None:
    """The live snapshot folder, or None when nothing was published yet.

    Falls back to the newest complete snapshot when ``CURRENT`` is missing or
    points at a folder that is gone.
    """
    pointer = root / "CURRENT"
    if pointer.exists():
        folder = root / pointer.read_text(encoding="utf-8").strip()
        if (folder / "config.json").exists():
            return folder
    candidates = sorted(p for p in root.glob("snap-*") if (p / "config.json").exists())
    return candidates[-1] if candidates else None


def current_token(root: Path) -> str:
    """Cheap identity of the live snapshot, to notice a publish by another process."""
    pointer = root / "CURRENT"
    try:
        return pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def load(root: Path, model: str, dim: int) -> Snapshot | None:
    """Load the live snapshot; refuse one built by another model or format."""
    folder = current_folder(root)
    if folder is None:
        return None
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if config.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"{folder}: index format {config.get('format_version')} but this version reads"
            f" {FORMAT_VERSION}; run `python app.py reindex` to rebuild it"
        )
    if config.get("model") != model or config.get("dim") != dim:
        raise IndexMismatch(
            f"{folder}: index was built with embedder {config.get('model')!r} (dim {config.get('dim')})"
            f" but this run uses {model!r} (dim {dim}); run `python app.py reindex` to rebuild it"
            " with the current embedder, or set KEFU_EMBEDDER back"
        )
    ids = np.load(folder / "ids.npy", allow_pickle=False)
    primary = np.load(folder / "primary.npy", allow_pickle=False)
    return Snapshot(
        folder,
        config,
        vectors.read(folder / "vectors.faiss"),
        ids,
        KeywordIndex.load(folder, int(primary.sum())),
        primary,
    )


def publish(
    root: Path, config: dict, vector_index, ids: np.ndarray, keyword: KeywordIndex, primary: np.ndarray
) -> Path:
    """Write a new snapshot and make it the live one atomically; returns its folder."""
    root.mkdir(parents=True, exist_ok=True)
    previous = current_folder(root)
    number = int(previous.name.split("-")[1]) + 1 if previous else 1
    name = f"snap-{number:06d}"
    tmp = root / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    config = {
        **config,
        "format_version": FORMAT_VERSION,
        "rows": int(len(ids)),
        "live_rows": int((ids >= 0).sum()),
        "chunks": int(((ids >= 0) & primary).sum()),
        "created_at": time.time(),
    }
    vectors.write(vector_index, tmp / "vectors.faiss")
    np.save(tmp / "ids.npy", ids.astype(np.int64), allow_pickle=False)
    np.save(tmp / "primary.npy", primary.astype(bool), allow_pickle=False)
    keyword.save(tmp)
    (tmp / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    for file in tmp.iterdir():
        with open(file, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(tmp)
    final = root / name
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    pointer_tmp = root / f".CURRENT.{os.getpid()}"
    with open(pointer_tmp, "w", encoding="utf-8") as handle:
        handle.write(name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer_tmp, root / "CURRENT")
    _fsync_dir(root)
    _prune(root, keep=name)
    return final


def _prune(root: Path, keep: str) -> None:
    """Drop old snapshots (a reader that loaded one keeps it in memory) and stale temp folders."""
    snaps = sorted(p for p in root.glob("snap-*") if p.is_dir())
    for old in snaps[:-KEEP_SNAPSHOTS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".tmp-*"):
        if str(os.getpid()) not in stale.name:
            shutil.rmtree(stale, ignore_errors=True)
