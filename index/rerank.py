"""Learned re-ranking of the fused candidates (a linear model over cheap features).

Weighted fusion adds a cosine and a scaled BM25 score with one hand-set weight.
How much each piece of evidence should count depends on the query: a question
asking "多少/几天" wants a passage with a number, a colloquial paraphrase leans
on the dense leg, a keyword query on term coverage. The ranker scores every
candidate of both legs from a handful of features and a logistic-regression
model trained by ``bench/kb_train_ranker.py`` on a labelled query set that is
separate from the evaluation set. The model is a small JSON file
(``index/ranker.json``): feature names, standardisation and weights, no pickle.

Features use only the query, the candidate's own text and the two legs'
scores, so they transfer to any knowledge base.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.textnorm import normalize

MODEL_PATH = Path(__file__).with_name("ranker.json")

FEATURES = (
    "dense_best",  # best cosine over the chunk's vectors (whole chunk, sentences, Q/A)
    "dense_whole",  # cosine of the whole chunk
    "dense_top2",  # mean of the two best vectors: several matching sentences
    "dense_best_gap",  # dense_best minus the best candidate's: query-relative
    "dense_whole_gap",
    "bm25_norm",  # BM25 / the best BM25 of this query
    "dense_rank_recip",  # 1 / log2(1 + rank) in the dense leg, 0 when absent
    "bm25_rank_recip",
    "term_coverage",  # share of the query's IDF mass present in the chunk
    "bigram_coverage",  # share of the query's character bigrams in the chunk
    "heading_coverage",  # share of the query's character bigrams in the heading chain
    "log_length",
    "is_entry",  # FAQ row or reply script
    "n_vectors",
    "number_match",  # the query asks for an amount/count and the chunk states one
    "time_match",  # the query asks for a time/duration and the chunk states one
)

_NON_WORD = re.compile(r"[^\w\u4e00-\u9fff]+")
_ASKS_NUMBER = re.compile(r"多少|几[成个次条元块分%倍]|罚|比例|占|扣|费用|价格")
_ASKS_TIME = re.compile(r"多久|几天|几个?小时|几点|什么时候|多长时间|期限|时限|时间")
_HAS_NUMBER = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|元|块|次|个|件|分|条|倍|折)|[一二三四五六七八九十百千两]+(?:元|次|倍|成|折)"
)
_HAS_TIME = re.compile(
    r"\d+\s*(?:小时|天|日|分钟|周|个月|月|年|个工作日)|[一二三四五六七八九十两]+(?:小时|天|日|周|个月|个工作日)|\d+[:：]\d+"
)


def compact(text: str) -> str:
    """Normalised text with punctuation and spaces removed."""
    return _NON_WORD.sub("", text)


def bigrams(text: str) -> set[str]:
    """Character bigrams of normalised text, punctuation and spaces removed."""
    text = compact(text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _share_present(grams: set[str], text: str) -> float:
    """Share of ``grams`` that occur in ``text`` (a compact string): no per-chunk sets needed."""
    return sum(g in text for g in grams) / max(1, len(grams))


@dataclass(frozen=True)
class Candidate:
    """What the ranker knows about one candidate chunk."""

    dense_best: float
    dense_whole: float
    dense_top2: float
    n_vectors: int
    bm25: float  # 0 when the keyword leg did not find it
    dense_rank: int | None
    bm25_rank: int | None
    coverage: float
    text: str  # normalised chunk text
    headings: str  # normalised heading chain
    is_entry: bool


def feature_matrix(
    query: str, candidates: list[Candidate], best: tuple[float, float, float] | None = None
) -> np.ndarray:
    """One row of FEATURES per candidate; ``query`` is normalised text.

    ``best`` is (best dense, best whole-chunk dense, best BM25) over all of the query's
    candidates when only some of them are scored here; by default, over ``candidates``.
    """
    if not candidates:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    q_bigrams = bigrams(query)
    asks_number = bool(_ASKS_NUMBER.search(query))
    asks_time = bool(_ASKS_TIME.search(query))
    if best is None:
        best = (
            max(c.dense_best for c in candidates),
            max(c.dense_whole for c in candidates),
            max(c.bm25 for c in candidates),
        )
    best, best_whole, top_bm25 = best[0], best[1], best[2] or 1.0
    rows = []
    for c in candidates:
        rows.append(
            (
                c.dense_best,
                c.dense_whole,
                c.dense_top2,
                c.dense_best - best,
                c.dense_whole - best_whole,
                c.bm25 / top_bm25,
                1 / math.log2(1 + c.dense_rank) if c.dense_rank else 0.0,
                1 / math.log2(1 + c.bm25_rank) if c.bm25_rank else 0.0,
                c.coverage,
                _share_present(q_bigrams, compact(c.text)),
                _share_present(q_bigrams, compact(c.headings)),
                math.log(1 + len(c.text)),
                float(c.is_entry),
                float(c.n_vectors),
                float(asks_number and bool(_HAS_NUMBER.search(c.text))),
                float(asks_time and bool(_HAS_TIME.search(c.text))),
            )
        )
    return np.asarray(rows, dtype=np.float32)


class LinearRanker:
    """Logistic-regression scores: sigmoid(w · (x - mean) / scale + bias)."""

    def __init__(self, model: dict) -> None:
        if tuple(model["features"]) != FEATURES:
            raise ValueError(
                "ranker model was trained on other features; retrain it with bench/kb_train_ranker.py"
            )
        self.model = model
        self.mean = np.asarray(model["mean"], dtype=np.float32)
        self.scale = np.asarray(model["scale"], dtype=np.float32)
        self.weights = np.asarray(model["weights"], dtype=np.float32)
        self.bias = float(model["bias"])

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LinearRanker:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Probability-like relevance in [0, 1] per row."""
        logits = ((features - self.mean) / self.scale) @ self.weights + self.bias
        return 1 / (1 + np.exp(-logits))


def heading_text(headings_json: str) -> str:
    """Normalised heading chain of a stored chunk row."""
    return normalize(" ".join(json.loads(headings_json or "[]")))
