"""On the real scraped manuals, the recitation poem and the English download notice never come back.

They were found by agents in search results (issue "Clean results"); the cleaning report now lists
them, with their reasons, for the admin to check and restore.
"""

from __future__ import annotations

from kb import curation


def _dropped(corpus_kb):
    return [s for d in corpus_kb.documents() for s in curation.dropped_spans(corpus_kb.conn, d.id)]


def test_the_poem_is_not_returned_by_search(corpus_kb):
    for query in ("我的祖国", "我的祖国 高山巍峨 大河奔腾", "歌唱我们亲爱的祖国"):
        texts = [r.text for r in corpus_kb.search(query, k=10).results]
        assert not [t for t in texts if "我的祖国" in t or "亲爱的祖国" in t], query


def test_the_english_download_notice_is_not_returned_by_search(corpus_kb):
    for query in ("Download tips", "This document is carefully compiled by this editor", "下载提示"):
        texts = [r.text for r in corpus_kb.search(query, k=10).results]
        assert not [t for t in texts if "Download tips" in t or "carefully compiled" in t], query


def test_the_cleaning_report_lists_the_dropped_material_with_its_reason(corpus_kb):
    dropped = _dropped(corpus_kb)
    poem = [s for s in dropped if s.reason == "off-topic: poem"]
    notice = [s for s in dropped if s.reason == "off-topic: site_boilerplate"]
    assert any("我的祖国" in s.text for s in poem)
    assert any("Download tips" in s.text for s in notice)
    assert all(s.text.strip() for s in dropped)


def test_service_duties_next_to_the_poem_are_kept(corpus_kb):
    texts = [r.text for r in corpus_kb.search("在线客服通过阿里旺旺解答客户问题", k=5).results]
    assert any("阿里旺旺" in t for t in texts)
