"""Golden sets (service/golden.py): labelled queries, sheets, runs and their comparison."""

import pytest

from common.db import connect
from service import golden


@pytest.fixture
def conn(tmp_path):
    return connect(tmp_path / "golden.sqlite3")


def test_expected_passage_still_matches_after_it_is_rechunked():
    passage = "质量问题退换货的来回运费由本店承担，顾客先垫付的凭快递单据补偿，单笔上限25元。"
    assert golden.matches("前文。" + passage, [passage])
    assert golden.matches(passage.replace("本店", "我们"), [passage])  # lightly edited: same passage
    assert not golden.matches("七天无理由退货的运费由顾客承担。", [passage])
    assert golden.matches("满99元包邮，偏远地区除外。", ["满99元包邮"])  # a phrase from a sheet


def test_sheet_row_without_an_answer_is_refused_naming_its_line():
    sheet = "问题,答案,无答案\n满多少包邮,满99元包邮,\n火星能送吗,,是\n退款多久,,\n".encode()
    with pytest.raises(golden.GoldenError, match="第 4 行"):
        golden.read_sheet("测试集.csv", sheet)
    rows = golden.read_sheet(
        "测试集.csv", "问题,答案,无答案\n满多少包邮,满99元包邮,\n火星能送吗,,是\n".encode()
    )
    assert rows == [("满多少包邮", ["满99元包邮"]), ("火星能送吗", [])]
    with pytest.raises(golden.GoldenError, match="找不到“问题”列"):
        golden.read_sheet("x.csv", b"q1,q2\na,b\n")
    assert golden.read_sheet("x.csv", "问题,答案\n满多少\x00包邮,满99\n".encode()) == [
        ("满多少包邮", ["满99"])
    ]
    with pytest.raises(golden.GoldenError, match="第 2 行：问题最多 500 字"):
        golden.read_sheet("x.csv", ("问题,答案\n" + "退" * 501 + ",满99\n").encode())
    with pytest.raises(golden.GoldenError, match="UTF-8"):
        golden.read_sheet("x.csv", "问题,答案\n满多少包邮,满99\n".encode("gbk"))


def test_runs_are_stored_with_metrics_and_the_queries_that_got_worse(conn, sample_kb):
    golden.add(conn, "满多少包邮", ["满99元包邮"])
    golden.add(conn, "今天天气怎么样", [])
    search = lambda q, k: sample_kb.search(q, k=k)  # noqa: E731
    first = golden.run(search, golden.list_queries(conn))
    assert first["metrics"]["recall@5"] == 1.0 and first["metrics"]["no_answer_accuracy"] == 1.0
    golden.store_run(conn, "手动运行", first)
    # The admin sharpens the expectation to a passage no result holds: that query gets worse.
    conn.execute(
        "UPDATE golden_queries SET expected = '[\"一段知识库里没有的文字，用来模拟变差\"]' WHERE query = '满多少包邮'"
    )
    conn.commit()
    second = golden.run(search, golden.list_queries(conn))
    golden.store_run(conn, "导入文档后自动运行", second)
    latest, previous = golden.runs(conn)[:2]
    assert latest["trigger"] == "导入文档后自动运行" and previous["delta"] == {}
    assert latest["delta"]["recall@5"] == pytest.approx(-1.0)
    assert [w["query"] for w in latest["worse"]] == ["满多少包邮"]


def test_marking_a_query_again_adds_passages_and_no_answer_replaces_them(conn):
    golden.add(conn, "退款多久到账", ["退款1-3个工作日到账"])
    golden.add(conn, "  退款多久到账 ", ["原路退回"])  # the same query, spaces trimmed
    (query,) = golden.list_queries(conn)
    assert query.expected == ["退款1-3个工作日到账", "原路退回"]
    golden.add(conn, "退款多久到账", [])
    assert golden.list_queries(conn)[0].no_answer


def test_an_ingest_that_changes_the_knowledge_base_runs_the_golden_set(tmp_path):
    from common.settings import load_settings
    from service.playbook import Playbook

    playbook = Playbook(load_settings(tmp_path / "home"), foreground=True)
    manual = tmp_path / "售后.txt"
    manual.write_text("第一章 退货\n顾客签收后7天内可以无理由退货。\n", encoding="utf-8")
    playbook.start_ingest([manual], "admin")
    assert playbook.golden_runs() == []  # no golden set yet: nothing to run
    playbook.add_golden("几天可以退货", ["7天内可以无理由退货"], "admin")
    manual.write_text(
        "第一章 退货\n顾客签收后7天内可以无理由退货。\n第二章 换货\n质量问题15天内可换货。\n", "utf-8"
    )
    playbook.start_ingest([manual], "admin")
    (run,) = playbook.golden_runs()
    assert run["trigger"] == "导入文档后自动运行" and run["metrics"]["recall@5"] == 1.0
    playbook.start_ingest([manual], "admin")  # unchanged: no new run
    assert len(playbook.golden_runs()) == 1
    playbook.close()


def test_a_changed_search_setting_runs_the_golden_set_at_start(tmp_path):
    from common.settings import load_settings
    from service.playbook import Playbook

    manual = tmp_path / "售后.txt"
    manual.write_text("第一章 退货\n顾客签收后7天内可以无理由退货。\n", encoding="utf-8")
    first = Playbook(load_settings(tmp_path / "home"), foreground=True)
    first.start_ingest([manual], "admin")
    first.add_golden("几天可以退货", ["7天内可以无理由退货"], "admin")
    first.start_golden_run("admin")
    assert first.golden_after_settings_change() is None  # same settings: nothing to do
    first.close()
    stricter = Playbook(load_settings(tmp_path / "home", answer_threshold=0.9), foreground=True)
    assert stricter.golden_after_settings_change() is not None
    assert stricter.golden_runs()[0]["trigger"] == "设置修改后自动运行"
    stricter.close()
