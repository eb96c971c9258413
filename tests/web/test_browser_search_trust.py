"""Search an agent can trust, in headless Chromium: filters, copy, 查看原文, golden sets, add-as-FAQ."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def _select_document(page, name: str) -> None:
    page.select_option("#doc-filter", value=name)
    page.wait_for_function(
        "name => [...document.querySelectorAll('#results .result .doc-name')].length > 0"
        " && [...document.querySelectorAll('#results .result .doc-name')].every(e => e.textContent === name)",
        arg=name,
    )


def test_agent_filters_by_document_and_the_filter_is_remembered(page, sign_in):
    sign_in(page, "agent")
    page.locator("#q").fill("退货")
    page.locator("#q").press("Enter")
    # The first search of a server also embeds the domain example questions (then cached).
    page.wait_for_selector("#results .result", timeout=90000)
    _select_document(page, "常见问题.csv")
    page.goto("/")  # a new visit: the filter is still chosen and applied
    assert page.locator("#doc-filter").input_value() == "常见问题.csv"
    page.locator("#q").fill("运费谁出")
    page.locator("#q").press("Enter")
    page.wait_for_selector("#results .result")
    docs = set(page.locator("#results .result .doc-name").all_inner_texts())
    assert docs == {"常见问题.csv"}
    page.select_option("#doc-filter", value="")  # leave the shared agent account unfiltered
    page.wait_for_function("() => document.querySelectorAll('#results .result').length > 0")
    page.goto("/")
    assert page.locator("#doc-filter").input_value() == ""


def test_c_copies_the_whole_manual_passage_not_the_cut_snippet(page, sign_in):
    sign_in(page, "agent")
    page.locator("#q").fill("质量问题退换货的运费怎么处理")
    page.locator("#q").press("Enter")
    page.wait_for_selector("#results .result")
    manual = page.locator("#results .result:not(:has(.copy))").first
    whole = manual.get_attribute("data-copy-text")
    manual.focus()
    page.keyboard.press("c")
    page.wait_for_selector(".toast.show:has-text('整段原文')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == whole and not copied.endswith("…")
    assert len(copied) >= len(manual.locator(".snippet").inner_text().strip("…"))


def test_passage_opened_from_search_is_clear_of_the_sticky_header(page, sign_in):
    sign_in(page, "agent")
    page.locator("#q").fill("大件商品退货怎么办理")
    page.locator("#q").press("Enter")
    page.wait_for_selector("#results .result")
    page.locator("#results .result .result-foot a").last.click()
    page.wait_for_selector(".passage.target")
    page.wait_for_timeout(300)  # the scroll into view
    header_bottom = page.evaluate("document.querySelector('header').getBoundingClientRect().bottom")
    target_top = page.evaluate("document.querySelector('.passage.target').getBoundingClientRect().top")
    assert target_top >= header_bottom, (target_top, header_bottom)
    assert page.evaluate("window.scrollY") > 0 or target_top < 900


def test_admin_marks_the_right_result_runs_the_golden_set_and_sees_the_history(page, sign_in):
    sign_in(page, "admin")
    page.goto("/admin/hit-test?q=满多少包邮&k=5&threshold=0.5")
    page.wait_for_selector(".hit-table tbody tr")
    assert page.locator("table.evidence").inner_text().count("关键词覆盖") == 1
    page.locator(".hit-table .mark-right").first.click()
    page.wait_for_selector(".flash:has-text('黄金测试集')")
    page.goto("/admin/hit-test?q=火星上能开分店吗")
    page.click("#mark-none")
    page.wait_for_selector(".flash:has-text('应当没有答案')")
    for _ in range(2):  # two runs: the page compares the second with the first
        page.goto("/admin/golden/")
        page.click("#golden-run")
        page.wait_for_selector("#job-done")
        assert "前五条里有 1.000" in page.locator("#job-done").inner_text()
    page.goto("/admin/golden/")
    assert page.locator(".golden-runs tbody tr").count() >= 2
    assert "满多少包邮" in page.locator(".golden-queries").inner_text()
    assert "没有问题变差" in page.content()
    while page.locator(".golden-queries button:has-text('删除')").count():  # leave the shared app as it was
        page.locator(".golden-queries button:has-text('删除')").first.click()
        page.wait_for_selector(".flash:has-text('已删除这条测试问题')")


def test_admin_closes_a_gap_by_adding_it_as_faq(page, sign_in, app):
    question = "可以用数字人民币付款吗"
    playbook = app.extensions["kefu_playbook"]
    playbook.search(question, log=True)
    playbook.query_log.flush()
    sign_in(page, "admin")
    page.goto("/admin/gaps")
    row = page.locator("tr", has=page.locator(f"a:has-text('{question}')")).first
    row.locator("summary:has-text('添加为常见问题')").click()
    row.locator("textarea[name=answer]").fill("可以的，结算页选择数字人民币即可支付。")
    row.locator("input[name=similar]").fill("支持数字人民币吗|能用数币付款吗")
    row.locator("button:has-text('添加并导入')").click()
    page.wait_for_selector("h2:has-text('导入结果')")
    page.goto("/admin/gaps")
    assert question not in page.locator("section.card").first.inner_text()  # resolved
    page.goto("/")  # the admin searches as agents do
    page.locator("#q").fill("支持数字人民币吗")
    page.locator("#q").press("Enter")
    page.wait_for_selector("#results .result .copy")
    assert (
        page.locator("#results .result .answer-text").first.inner_text()
        == "可以的，结算页选择数字人民币即可支付。"
    )
    page.goto("/admin/")  # leave the shared app's documents as they were
    page.click("text=知识缺口补充.csv")
    page.click("button:has-text('删除文档')")
    page.wait_for_selector("text=已删除 知识缺口补充.csv")
