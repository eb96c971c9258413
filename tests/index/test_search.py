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


def test_highlight_never_marks_a_lone_character():
    from index.search import highlight

    marked = highlight("退款会在三个工作日内到账，请用原账户查收。", ["到账", "用", "账", "到"])
    assert marked.count("<mark>") == 1 and "<mark>到账</mark>" in marked
    # Single characters that touch form a run and are marked together.
    assert "<mark>退款</mark>" in highlight("退款", ["退", "款"])


def test_consecutive_cards_do_not_repeat_the_overlapping_sentence():
    from index.search import compact_key, unseen_part

    seen = {compact_key("顾客签收后7天内可以退货。")}
    assert unseen_part("顾客签收后7天内可以退货。退货运费由顾客承担。", seen) == "退货运费由顾客承担。"
    assert unseen_part("顾客签收后7天内可以退货。", seen) == "顾客签收后7天内可以退货。"  # nothing new: whole


def test_query_over_the_limit_is_cut_and_says_so(sample_kb):
    limit = sample_kb.settings.max_query_chars
    response = sample_kb.search("退货运费谁出" + "。" * limit, k=3)
    assert response.truncated and len(response.query) == limit
    assert response.as_json()["truncated"] is True
    assert not sample_kb.search("退货运费谁出", k=3).truncated


def test_document_is_titled_from_its_first_heading_and_keeps_its_file_name(sample_kb):
    manual = next(d for d in sample_kb.documents() if d.name == "售后服务手册.md")
    assert manual.title == "青禾家居旗舰店售后服务手册"
    faq = next(d for d in sample_kb.documents() if d.name == "常见问题.csv")
    assert faq.title == "常见问题"  # rows of questions name no document: the file name stays


def test_result_heading_chain_is_the_path_of_enclosing_headings(sample_kb):
    response = sample_kb.search("无理由退货的退回运费谁承担", k=5)
    chains = [r.headings for r in response.results if r.document == "售后服务手册.md"]
    assert [
        "青禾家居旗舰店售后服务手册",
        "第二章 退换货政策",
        "第一节 七天无理由退货",
        "三、运费承担",
    ] in chains
