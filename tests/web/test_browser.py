"""Each role's main journey end to end in headless Chromium, including a stored-XSS attempt."""

from __future__ import annotations

import fcntl
import io
import json
import re
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
XSS = '<script>window.__xss=1;alert("xss")</script><img src=x onerror="window.__xss=1;alert(1)">'


@contextmanager
def write_lock_held(app):
    """Hold the knowledge base's write lock as another process would (a CLI ingest): jobs wait for it."""
    with open(app.extensions["kefu_settings"].home_path / "write.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stays_on_the_page(page) -> None:
    """Mark the loaded page: the mark is gone if the page is loaded again."""
    page.evaluate("window.__stay = 1")


def no_xss(page) -> None:
    assert page.evaluate("window.__xss === undefined"), "injected script ran"
    assert page.dialogs == [], f"injected script opened a dialog: {page.dialogs}"


def test_agent_searches_as_they_type_copies_votes_and_sees_no_answer(page, sign_in):
    sign_in(page, "agent")
    assert page.url.endswith("/")
    box = page.locator("#q")
    box.press_sequentially("退貨運費誰出", delay=30)  # Traditional input, no Enter: answers as you type
    page.wait_for_selector("#results .result")
    assert "q=" in page.url
    first = page.locator("#results .result").first
    assert first.locator(".crumbs").inner_text()
    copy = page.locator("#results .copy").first
    copy.click()
    page.wait_for_selector(".toast.show")
    assert page.evaluate("navigator.clipboard.readText()") == copy.get_attribute("data-copy")
    first.locator(".vote[data-vote='1']").click()
    page.wait_for_selector("#results .vote-status:has-text('已记录')")
    # Keyboard: "/" focuses the box, Enter searches, arrows move between results.
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    box.fill("量子纠缠的数学原理是什么")
    box.press("Enter")
    page.wait_for_selector(".no-answer")
    assert "没有找到可信的答案" in page.locator(".no-answer").inner_text()
    box.fill("退款多久到账")
    box.press("Enter")
    page.wait_for_function("() => !document.querySelector('.no-answer') && document.querySelector('.result')")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.contains('result')")
    page.keyboard.press("Enter")  # opens the passage in context
    page.wait_for_selector(".passage.target")
    assert "/passage" in page.url
    no_xss(page)


def test_admin_uploads_inspects_hit_tests_reviews_gaps_and_deletes(page, sign_in, tmp_path, app):
    manual = tmp_path / "浏览器测试手册.md"
    manual.write_text(
        f"# 浏览器测试手册\n\n## 保修\n\n浏览器测试手册规定烤箱保修期为三十个月{XSS}，凭发票办理。\n",
        encoding="utf-8",
    )
    faq = tmp_path / "浏览器测试问答.csv"
    faq.write_text("问题,答案\n烤箱坏了怎么办？,请先拍照留证，再联系客服登记维修。\n", encoding="utf-8")
    sign_in(page, "admin")
    page.goto("/admin/")
    page.set_input_files("input[name=files]", [str(manual), str(faq)])
    with write_lock_held(app):  # the job waits, so its page shows a live bar first
        page.click("text=上传并导入")
        page.wait_for_selector("#job progress")
        stays_on_the_page(page)
        page.wait_for_selector("#job-waiting:has-text('释放知识库写锁')")  # news without a reload
        assert page.evaluate("window.__stay") == 1
        assert page.locator("#job-status").inner_text() == "进行中"
    page.wait_for_selector("h2:has-text('导入结果')")  # the job ended: the page shows its report
    assert page.locator("#job-status").inner_text() == "已完成"
    assert page.evaluate("document.getElementById('job-bar').value") == 1
    assert page.locator("#ingest-report tr.status-added").count() == 2
    no_xss(page)
    page.goto("/admin/")
    page.click("text=浏览器测试手册.md")
    page.wait_for_selector("text=段落（")
    assert "<script>" in page.locator("ol.chunks").inner_text()  # shown as text, not run
    no_xss(page)
    page.goto("/admin/hit-test")
    page.fill("input[name=q]", "烤箱保修多久")
    page.click("button:has-text('测试')")
    page.wait_for_selector(".hit-table tbody tr")
    assert "浏览器测试手册.md" in page.locator(".hit-table").inner_text()
    no_xss(page)
    page.goto("/admin/gaps")
    page.wait_for_selector("h2:has-text('没有可信答案的查询')")
    for name in ("浏览器测试手册.md", "浏览器测试问答.csv"):
        page.goto("/admin/")
        page.click(f"text={name}")
        page.click("button:has-text('删除文档')")  # confirm() is accepted by the fixture
        page.wait_for_selector(f"text=已删除 {name}")


def test_qa_uploads_sorts_reads_bubbles_charts_and_edits_policy(page, sign_in, tmp_path):
    hostile = tmp_path / "恶意对话.jsonl"
    hostile.write_text(json.dumps({"id": "xss-browser", "agent": "a88", "messages": [
        {"role": "customer", "text": XSS + "我要投诉", "ts": "2026-11-03T10:00:00+08:00"},
        {"role": "agent", "text": "你自己看", "ts": "2026-11-03T10:03:00+08:00"}]}, ensure_ascii=False),
        encoding="utf-8")  # fmt: skip
    sign_in(page, "qa")
    page.goto("/qa/")
    page.set_input_files(
        "input[name=files]", [str(ROOT / "sample_data/transcripts/sample.jsonl"), str(hostile)]
    )
    page.uncheck("input[name=semantic]")
    page.click("text=开始评分")
    page.wait_for_selector("#conversations tbody tr")
    page.click("#conversations th:has-text('得分')")
    scores = [float(s) for s in page.locator("#conversations tbody tr td:nth-child(4)").all_inner_texts()]
    assert scores == sorted(scores)
    page.click("text=xss-browser")
    page.wait_for_selector(".chat .msg.agent")
    assert page.locator("mark.ev-fail").first.inner_text() == "你自己看"
    assert "<script>" in page.locator(".msg.customer .bubble").first.inner_text()
    assert page.locator(".note.fail").count() > 0
    no_xss(page)
    page.click(".layout-side h1 a, h1 a:has-text('a88')")
    page.wait_for_selector(".chart svg")
    assert page.locator(".chart svg").count() == 3  # scores, reply times, history
    assert page.locator("#rule-failures tr").count() >= 1  # failure rate per rule, by description
    page.goto("/qa/policies/edit?name=default.yaml")
    page.fill("textarea[name=text]", "name: 坏规则\nrules: 5\n")
    page.click("button[value=validate]")
    page.wait_for_selector(".policy-errors li")
    page.goto("/qa/policies/edit?name=default.yaml")
    page.click("button[value=try]")
    page.wait_for_selector("text=试运行结果")
    assert page.locator(".chat .msg").count() == 4


def test_trainer_builds_reviews_publishes_and_agent_takes_quiz(
    page, sign_in, browser, live_server, app, tokens
):
    sign_in(page, "trainer")
    page.goto("/quiz/")
    page.fill("input[name=topic]", "退款")
    page.fill("input[name=count]", "4")
    page.uncheck("input[value=scenario]")
    with write_lock_held(app):
        # An admin's upload waits for the lock; the quiz job queues behind it and says so.
        upload = app.test_client().post(
            "/api/documents",
            data={"files": [(io.BytesIO("排队测试：赠品不退。".encode()), "排队测试.txt")]},
            headers={"Authorization": f"Bearer {tokens['admin']}"},
            content_type="multipart/form-data",
        )
        assert upload.status_code == 202
        page.click("text=生成草稿")
        page.wait_for_selector("#job progress")
        stays_on_the_page(page)
        waiting = page.locator("#job-waiting")
        assert "导入文档" in waiting.inner_text() and "完成" in waiting.inner_text()
        assert page.locator("#job-status").inner_text() == "排队中"
    page.wait_for_selector(".quiz-item")  # the finished job opens the draft
    assert (
        app.test_client()
        .delete("/api/documents/排队测试.txt", headers={"Authorization": f"Bearer {tokens['admin']}"})
        .status_code
        == 200
    )
    first = page.locator(".quiz-item").first
    first.locator("summary").click()
    first.locator("textarea[name=explanation]").fill("依据售后服务手册第三章。")
    first.locator("button[value=save]").click()
    page.wait_for_selector("text=已保存题目")
    page.click("text=发布测验")
    page.wait_for_selector("#share-link")
    link = page.locator("#share-link").input_value()
    exports = page.locator("a.button[href*='/export/']")
    assert exports.count() == 5
    with page.expect_download() as download:
        exports.nth(2).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    # An agent opens the shared link in their own browser session and is graded.
    context = browser.new_context(base_url=live_server)
    agent = context.new_page()
    agent.goto("/login")
    agent.fill("input[name=username]", "agent")
    agent.fill("input[name=password]", "agent-secret-1")
    agent.click("button[type=submit]")
    agent.wait_for_load_state()
    agent.goto(re.sub(r"^https?://[^/]+", live_server, link))
    agent.click("#start-attempt")
    agent.wait_for_selector("#attempt-form")
    for item in agent.locator("fieldset.quiz-item").all():
        radios = item.locator("input[type=radio]")
        if radios.count():
            radios.first.check()
        else:
            item.locator("input").fill("3")
    agent.click("text=提交答卷")
    agent.wait_for_selector("h2:has-text('得分')")
    context.close()
    page.goto(page.url.split("#")[0].rstrip("/") + "/results")
    page.wait_for_selector("#attempts tbody tr td:has-text('agent')")
    assert page.locator("#items tbody tr").count() >= 3
