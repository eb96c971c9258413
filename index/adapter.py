"""A learned linear map on query vectors that brings colloquial questions closer to manual text.

Agents ask in everyday words ("客人想退货要带什么"); the manuals are written in
rules ("退货须持购物小票"). The e5 query and passage roles already bridge much
of that, and a low-rank correction learned from labelled (question, answering
passage) pairs bridges more: ``q' = normalise(q + U (Vᵀ q))``. Only the query
side moves, so the index never changes and the adapter can be swapped or
switched off without re-embedding anything.

The adapter is plain JSON (``index/query_adapter.json``: the embedder it was
trained for, its shape, ``u`` and ``v``, and how it was trained), written by
``python -m bench.kb_train_adapter``. Ranking uses the adapted vector; the
"no confident answer" gate keeps judging raw cosines, which its thresholds
were calibrated on.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from common.atomic import write_text_atomic

log = logging.getLogger(__name__)

ADAPTER_PATH = Path(__file__).with_name("query_adapter.json")
FORMAT = "kefu-query-adapter/1"
OFF = "off"  # the ``query_adapter`` setting value that switches it off


class QueryAdapter:
    """``q -> normalise(W q)`` with ``W = I + U Vᵀ`` (held as one dim × dim matrix)."""

    def __init__(self, u: np.ndarray, v: np.ndarray, info: dict | None = None) -> None:
        if u.shape != v.shape or u.ndim != 2:
            raise ValueError(f"adapter factors must have one shape, got {u.shape} and {v.shape}")
        self.info = dict(info or {})
        self.dim, self.rank = u.shape
        self.matrix = (np.eye(self.dim, dtype=np.float32) + u @ v.T).astype(np.float32)

    @property
    def embedder(self) -> str:
        return str(self.info.get("embedder", ""))

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """The adapted, unit-length query vector (or a row per vector of a matrix)."""
        out = np.asarray(vectors, dtype=np.float32) @ self.matrix.T
        norm = np.linalg.norm(out, axis=-1, keepdims=True)
        return (out / np.where(norm > 0, norm, 1.0)).astype(np.float32)

    @classmethod
    def load(cls, path: Path) -> QueryAdapter:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: cannot read the query adapter ({exc})") from exc
        if data.get("format") != FORMAT:
            found = data.get("format")
            raise ValueError(f"{path}: not a query adapter (format {found!r}, expected {FORMAT})")
        try:
            u = np.asarray(data["u"], dtype=np.float32)
            v = np.asarray(data["v"], dtype=np.float32)
            shape = (int(data["dim"]), int(data["rank"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: a query adapter needs dim, rank, u and v ({exc!r})") from exc
        if u.shape != shape or v.shape != shape:
            raise ValueError(f"{path}: u {u.shape} and v {v.shape} do not match dim x rank {shape}")
        info = {k: data[k] for k in ("embedder", "trained") if k in data}
        return cls(u, v, info)

    @staticmethod
    def save(path: Path, u: np.ndarray, v: np.ndarray, embedder: str, trained: dict) -> None:
        """Write the factors as plain JSON (6 significant digits: well below the model's noise)."""

        data = {
            "format": FORMAT,
            "embedder": embedder,
            "dim": int(u.shape[0]),
            "rank": int(u.shape[1]),
            "trained": trained,
            "u": [[float(f"{x:.6g}") for x in row] for row in u.tolist()],
            "v": [[float(f"{x:.6g}") for x in row] for row in v.tolist()],
        }
        write_text_atomic(Path(path), json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")


def load_for(setting: str, embedder_name: str, dim: int) -> QueryAdapter | None:
    """The adapter the ``query_adapter`` setting names ("" = bundled, ``off``), if it fits the embedder.

    An adapter trained for another model would move its vectors at random: it is
    refused with a logged warning and search goes on without one.
    """
    if setting.strip().lower() == OFF:
        return None
    path = Path(setting) if setting else ADAPTER_PATH
    if not setting and not path.exists():
        return None
    adapter = QueryAdapter.load(path)
    if adapter.embedder != embedder_name or adapter.dim != dim:
        log.warning(
            "query adapter %s was trained for %s (%d dims), not %s (%d): searching without it"
            " (train one with bench/kb_train_adapter.py)",
            path,
            adapter.embedder or "an unknown model",
            adapter.dim,
            embedder_name,
            dim,
        )
        return None
    return adapter
