"""Search behaviour on the bundled sample knowledge base (ingested once per session)."""

import json

import pytest


def _texts(response):
    return [r.text for r in response.results]


def test_everyday_question_finds_the_policy_paragraph_with_its_source(sample_kb):
    response = sample_kb.search("东西坏了能退吗 运费谁出", k=5)
    assert response.answered
    top = response.results[:3]
    assert any("运费" in r.text for r in top)
    first = response.results[0]
    assert first.document and first.title
    assert first.dense_score is not None and first.score > 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("自提点包裹保管几天", "保管5天"),  # Simplified query, Traditional-only Big5 document
        ("自提點幾點開門", "10:00"),  # Traditional query
    ],
)
def test_simplified_and_traditional_queries_find_traditional_text(sample_kb, query, expected):
    response = sample_kb.search(query, k=3)
    assert any(expected in r.text for r in response.results)
    assert response.results[0].document == "門市服務須知.txt"


def test_reply_scripts_and_faq_entries_come_back_whole(sample_kb):
    response = sample_kb.search("顾客问什么时候发货", k=8)
    kinds = {r.kind for r in response.results}
    assert kinds & {"script", "faq"}
    scripted = next(r for r in response.results if r.kind in ("script", "faq"))
    assert scripted.question and scripted.answer


def test_each_result_explains_both_legs(sample_kb):
    hybrid = sample_kb.search("满多少包邮", k=5)
    top = hybrid.results[0]
    assert "99" in top.text
    assert top.bm25_rank is not None and top.dense_rank is not None
    assert "<mark>" in top.snippet
    bm25 = sample_kb.search("满多少包邮", k=5, leg="bm25")
    dense = sample_kb.search("满多少包邮", k=5, leg="dense")
    assert bm25.results and dense.results


def test_filters_by_document_and_tag(sample_kb):
    only_csv = sample_kb.search("发票", k=5, documents=["常见问题.csv"])
    assert only_csv.results and {r.document for r in only_csv.results} == {"常见问题.csv"}
    tagged = sample_kb.search("发票怎么开", k=5, tags=["发票"])
    assert tagged.results and all("发票" in r.tags for r in tagged.results)


def test_no_confident_answer_for_unrelated_questions(sample_kb):
    response = sample_kb.search("量子纠缠的数学原理是什么", k=5)
    assert not response.answered


def test_snippet_is_html_escaped(sample_kb):
    from index.search import highlight

    assert highlight("<script>退货</script>", ["退货"]) == "&lt;script&gt;<mark>退货</mark>&lt;/script&gt;"


def test_json_contract(sample_kb):
    data = sample_kb.search("退货", k=2).as_json()
    json.dumps(data, ensure_ascii=False)
    assert set(data) >= {"query", "answered", "results"}
    for result in data["results"]:
        assert set(result) >= {
            "text",
            "document",
            "headings",
            "snippet",
            "score",
            "dense_score",
            "dense_rank",
            "bm25_score",
            "bm25_rank",
        }


def test_repeated_query_is_not_embedded_twice(sample_kb):
    cache = sample_kb.searcher.queries
    sample_kb.search("会员积分怎么用", k=1)
    before = len(cache._items)
    sample_kb.search("会员积分怎么用", k=1)
    assert len(cache._items) == before
