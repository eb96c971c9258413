"""The index is built and searched from whatever hands it chunks (index.source.ChunkSource), no kb tables."""

from __future__ import annotations

import json

from common.db import connect
from common.settings import load_settings
from common.textnorm import normalize
from index.build import build_snapshot
from index.embed_cache import EmbeddingCache
from index.embedder import load_embedder
from index.search import Searcher
from index.tokenize import Tokenizer, ensure_default_files

TEXTS = {
    1: ("退货规定", "顾客退货须带购物小票和完好的原包装，七天内到任一门店办理。"),
    2: ("发票说明", "電子發票在確認收貨後於訂單詳情頁下載。"),
    3: ("会员积分", "会员积分每年十二月三十一日清零，积分可抵扣现金。"),
}


class ListSource:
    """Chunks held in a list: a ChunkSource with no database behind it."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.rows = {}
        for chunk_id, (title, text) in TEXTS.items():
            norm = normalize(text)
            self.rows[chunk_id] = {
                "id": chunk_id,
                "doc_id": chunk_id,
                "kind": "text",
                "text": text,
                "question": "",
                "answer": "",
                "similar": "[]",
                "norm_text": norm,
                "tokens": " ".join(tokenizer.tokens(norm)),
                "headings": json.dumps([title], ensure_ascii=False),
                "tags": json.dumps(["门店"] if chunk_id == 1 else []),
                "doc_name": f"{title}.txt",
                "doc_title": title,
                "doc_tags": "[]",
            }

    def index_rows(self):
        return list(self.rows.values())

    def fetch_chunks(self, ids):
        return {i: self.rows[i] for i in ids if i in self.rows}

    def chunk_ids_matching(self, documents, tags):
        return {
            i
            for i, row in self.rows.items()
            if (not documents or row["doc_name"] in documents or row["doc_title"] in documents)
            and (not tags or set(tags) & set(json.loads(row["tags"])))
        }


def test_an_index_built_from_a_list_of_chunks_answers_searches_and_filters(tmp_path):
    settings = load_settings(tmp_path / "home", embedding_cache="")
    ensure_default_files(tmp_path / "user_dict.txt", tmp_path / "synonyms.txt")
    tokenizer = Tokenizer(tmp_path / "user_dict.txt", tmp_path / "synonyms.txt")
    embedder = load_embedder(settings.embedder)
    source = ListSource(tokenizer)
    cache = EmbeddingCache(connect(tmp_path / "cache.sqlite3"), embedder)

    summary = build_snapshot(source, tmp_path / "index", cache, settings, tokenizer.dictionary_hash)
    assert summary["live"] == 3

    searcher = Searcher(source, tmp_path / "index", settings, embedder, tokenizer)
    hits = searcher.search("客人退货要带什么", k=3).results
    assert hits[0].chunk_id == 1 and hits[0].document == "退货规定.txt"
    assert hits[0].headings == ["退货规定"] and "<mark>" in hits[0].snippet
    traditional = searcher.search("发票在哪里下载", k=1).results  # Simplified query, Traditional text
    assert traditional[0].chunk_id == 2
    only_points = searcher.search("退货", k=3, documents=["会员积分"]).results
    assert [r.chunk_id for r in only_points] == [3]
    assert [r.chunk_id for r in searcher.search("积分", k=3, tags=["门店"]).results] == [1]
