"""Retrieval quality regression on the real scraped corpus (bench/data/kb_queries.jsonl).

The floors sit a little under the figures measured when the pipeline was
tuned (see README, Quality): a change that loses quality fails here.
"""

from bench.kb_eval import evaluate, load_queries


def test_hybrid_search_quality_floor(corpus_kb):
    report = evaluate(corpus_kb, load_queries())
    hybrid, bm25, dense = report["hybrid"], report["bm25"], report["dense"]
    assert hybrid["n"] >= 100
    assert hybrid["recall@5"] >= 0.83, hybrid
    assert hybrid["mrr@10"] >= 0.72, hybrid
    assert hybrid["recall@1"] >= 0.62, hybrid
    # Fusion must beat each leg alone on ranking quality.
    assert hybrid["mrr@10"] > max(bm25["mrr@10"], dense["mrr@10"])
    no_answer = report["no_answer"]
    assert no_answer["recall"] >= 0.5 and no_answer["precision"] >= 0.5, no_answer
