"""BM25 over jieba tokens, as a sparse term-by-chunk matrix.

Scoring a query is a sum of a handful of matrix rows, so it stays in the
sub-millisecond range at 100k chunks. The matrix is saved as plain numpy
arrays and a JSON vocabulary (no pickle), and rebuilt from the stored tokens
when chunks change: tokenising is never repeated.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Iterable
from itertools import repeat
from pathlib import Path

import numpy as np
from scipy import sparse


class KeywordIndex:
    """BM25 scores for rows 0..n-1 of an index snapshot."""

    def __init__(self, vocab: dict[str, int], matrix: sparse.csr_matrix) -> None:
        self.vocab = vocab
        self.matrix = matrix  # terms x chunks, BM25 weight per (term, chunk)
        n = max(1, matrix.shape[1])
        df = np.diff(matrix.indptr).astype(np.float32)
        self.idf = np.log(1 + (n - df + 0.5) / (df + 0.5))

    def coverage(self, terms: dict[str, float], columns: list[int]) -> float:
        """Best share of the query's IDF mass that one of the chunks (columns) contains.

        Unknown query words count as missing: a question about something the
        knowledge base never mentions covers little of itself.
        """
        shares = self.coverages(terms, columns)
        return float(shares.max()) if len(shares) else 0.0

    def coverages(self, terms: dict[str, float], columns: list[int]) -> np.ndarray:
        """Share of the query's IDF mass contained in each chunk (column)."""
        known = [t for t in terms if terms[t] >= 1.0]
        if not known or not columns:
            return np.zeros(len(columns), dtype=np.float32)
        # Words absent from the vocabulary weigh like the rarest known word.
        weights = [
            float(self.idf[self.vocab[t]]) if t in self.vocab else float(self.idf.max(initial=1.0))
            for t in known
        ]
        total = sum(weights)
        present = [t for t in known if t in self.vocab]
        if not present:
            return np.zeros(len(columns), dtype=np.float32)
        # One slice for all (term, chunk) pairs instead of element-by-element access.
        block = self.matrix[[self.vocab[t] for t in present]][:, columns].toarray() > 0
        weight_of = dict(zip(known, weights, strict=True))
        hits = np.asarray([weight_of[t] for t in present]) @ block
        return (hits / total).astype(np.float32)

    @classmethod
    def build(cls, token_lists: Iterable[list[str]], k1: float, b: float) -> KeywordIndex:
        """BM25 weights of the token lists (one per chunk, in column order; any iterable).

        The (term, chunk, count) triples are kept in typed arrays, not Python
        lists of ints: at 100k chunks that is tens of MB instead of about a GB.
        """
        vocab: dict[str, int] = {}
        rows, cols, tfs, lengths = array("i"), array("i"), array("f"), array("f")
        for col, tokens in enumerate(token_lists):
            lengths.append(len(tokens))
            counts = Counter(vocab.setdefault(token, len(vocab)) for token in tokens)
            rows.extend(counts.keys())
            cols.extend(repeat(col, len(counts)))
            tfs.extend(counts.values())
        n_cols = len(lengths)
        n = max(1, n_cols)
        tf = np.frombuffer(tfs, dtype=np.float32)
        col_idx = np.frombuffer(cols, dtype=np.int32)
        row_idx = np.frombuffer(rows, dtype=np.int32)
        length = np.frombuffer(lengths, dtype=np.float32)
        df = np.bincount(row_idx, minlength=len(vocab)).astype(np.float32)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        avg = float(length.mean()) if n_cols else 1.0
        norm = k1 * (1 - b + b * length[col_idx] / max(avg, 1e-9))
        weights = idf[row_idx] * tf * (k1 + 1) / (tf + norm)
        matrix = sparse.csr_matrix(
            (weights.astype(np.float32), (row_idx, col_idx)), shape=(len(vocab), n_cols)
        )
        return cls(vocab, matrix)

    def scores(self, terms: dict[str, float]) -> np.ndarray:
        """Dense array of BM25 scores for every chunk (0 where no term matches)."""
        ids = [self.vocab[t] for t in terms if t in self.vocab]
        if not ids:
            return np.zeros(self.matrix.shape[1], dtype=np.float32)
        weights = np.asarray([terms[t] for t in terms if t in self.vocab], dtype=np.float32)
        return np.asarray(self.matrix[ids].T @ weights).ravel()

    def save(self, folder: Path) -> None:
        m = self.matrix
        np.save(folder / "bm25_data.npy", m.data, allow_pickle=False)
        np.save(folder / "bm25_indices.npy", m.indices, allow_pickle=False)
        np.save(folder / "bm25_indptr.npy", m.indptr, allow_pickle=False)
        (folder / "bm25_vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, n_chunks: int) -> KeywordIndex:
        vocab = json.loads((folder / "bm25_vocab.json").read_text(encoding="utf-8"))
        matrix = sparse.csr_matrix(
            (
                np.load(folder / "bm25_data.npy", allow_pickle=False),
                np.load(folder / "bm25_indices.npy", allow_pickle=False),
                np.load(folder / "bm25_indptr.npy", allow_pickle=False),
            ),
            shape=(len(vocab), n_chunks),
        )
        return cls(vocab, matrix)
