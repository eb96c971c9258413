"""The learned re-ranker: features, the bundled model and its use in search."""

import json

import numpy as np
import pytest

from common.settings import load_settings
from index import rerank
from kb.knowledge_base import KnowledgeBase


def _candidate(text: str, headings: str = "退货规定", **overrides) -> rerank.Candidate:
    values = dict(
        dense_best=0.9,
        dense_whole=0.88,
        dense_top2=0.89,
        n_vectors=3,
        bm25=0.0,
        dense_rank=1,
        bm25_rank=None,
        coverage=0.5,
        text=text,
        headings=headings,
        is_entry=False,
    )
    values.update(overrides)
    return rerank.Candidate(**values)


def test_features_reward_the_asked_kind_of_answer():
    rows = rerank.feature_matrix(
        "退货要几天内申请",
        [_candidate("签收后7天内可申请无理由退货。"), _candidate("退货请联系客服处理。")],
    )
    col = {name: i for i, name in enumerate(rerank.FEATURES)}
    assert rows.shape == (2, len(rerank.FEATURES))
    assert rows[0, col["time_match"]] == 1.0 and rows[1, col["time_match"]] == 0.0
    assert rows[0, col["number_match"]] == 0.0  # the query asks for a time, not an amount
    # The first text holds more of the query's bigrams; the heading chain holds "退货".
    assert rows[0, col["bigram_coverage"]] > rows[1, col["bigram_coverage"]]
    assert rows[0, col["heading_coverage"]] > 0
    # Query-relative features: the best candidate has a zero gap.
    assert rows[0, col["dense_best_gap"]] == 0.0
    assert rows[1, col["dense_rank_recip"]] == 1.0


def test_bm25_feature_is_relative_and_absent_is_zero():
    rows = rerank.feature_matrix(
        "运费",
        [_candidate("运费由买家承担", bm25=4.0, bm25_rank=1), _candidate("其他", bm25=0.0, dense_rank=None)],
    )
    col = {name: i for i, name in enumerate(rerank.FEATURES)}
    assert rows[0, col["bm25_norm"]] == 1.0 and rows[0, col["bm25_rank_recip"]] == 1.0
    assert rows[1, col["bm25_norm"]] == 0.0 and rows[1, col["dense_rank_recip"]] == 0.0


def test_bundled_model_matches_the_features_and_scores_in_unit_range():
    ranker = rerank.LinearRanker.load()
    model = json.loads(rerank.MODEL_PATH.read_text(encoding="utf-8"))
    assert model["trained"]["queries"] == "kb_train_queries.jsonl"  # never the evaluation set
    scores = ranker.scores(rerank.feature_matrix("退货运费谁出", [_candidate("退货运费由买家承担")]))
    assert 0.0 < scores[0] < 1.0


def test_model_for_other_features_is_refused():
    model = json.loads(rerank.MODEL_PATH.read_text(encoding="utf-8"))
    model["features"] = model["features"][:-1]
    with pytest.raises(ValueError, match="retrain"):
        rerank.LinearRanker(model)


def test_learned_fusion_is_the_default_and_explains_both_legs(sample_kb):
    assert sample_kb.settings.fusion == "learned"
    response = sample_kb.search("买了东西不想要了几天内能退", k=5)
    assert response.results
    scores = [r.score for r in response.results]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert all(r.dense_score is not None for r in response.results)
    assert any(r.bm25_rank is not None for r in response.results)


def test_custom_ranker_model_setting(sample_home, tmp_path):
    # A model that only trusts the keyword leg orders results by BM25.
    model = json.loads(rerank.MODEL_PATH.read_text(encoding="utf-8"))
    model["weights"] = [1.0 if name == "bm25_norm" else 0.0 for name in rerank.FEATURES]
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    kb = KnowledgeBase(load_settings(sample_home, ranker_model=str(path)))
    results = kb.search("退款 原路退回", k=5).results
    bm25 = [r.bm25_score or 0.0 for r in results]
    assert bm25 == sorted(bm25, reverse=True)
    assert np.isclose(results[0].score, max(r.score for r in results))


def test_asking_for_more_results_than_the_shortlist_still_gets_them(sample_kb):
    results = sample_kb.search("退货", k=40).results
    assert len(results) > sample_kb.settings.rerank_depth
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)


def test_a_model_trained_with_another_embedder_falls_back_to_weighted_fusion(sample_home, tmp_path):
    model = json.loads(rerank.MODEL_PATH.read_text(encoding="utf-8"))
    model["trained"]["embedder"] = "some-other-model"
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    other = KnowledgeBase(load_settings(sample_home, ranker_model=str(path)))
    weighted = KnowledgeBase(load_settings(sample_home, fusion="weighted"))
    assert other.searcher.ranker is None
    query = "买了东西不想要了几天内能退"
    assert [r.chunk_id for r in other.search(query).results] == [
        r.chunk_id for r in weighted.search(query).results
    ]
