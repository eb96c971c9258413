"""The admin restores a dropped poem and disables a search result, in headless Chromium."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

MANUAL = (
    "# 浏览器清洗手册\n\n"
    "## 退款\n\n浏览器清洗手册规定：退款审核通过后，款项五个工作日内原路退回，客服短信通知顾客。\n\n"
    "## 随笔\n\n啊，春天的桃林，你把粉红的笑脸挂满枝头，挂进每一缕和风，挂进我童年的歌谣。\n\n"
    "## 发票\n\n浏览器清洗手册规定：顾客可在收货后三十天内申请电子发票，客服核对订单后开具。\n"
)
NAME = "浏览器清洗手册.md"


def test_admin_restores_a_dropped_poem_then_disables_it_from_the_search_results(page, sign_in, tmp_path, app):
    manual = tmp_path / NAME
    manual.write_text(MANUAL, encoding="utf-8")
    playbook = app.extensions["kefu_playbook"]
    job = playbook.jobs.wait(playbook.start_ingest([manual], "admin").id, timeout=600)
    assert job.status == "done", job.error
    sign_in(page, "admin")
    try:
        page.goto("/admin/")
        page.click(f"text={NAME}")
        row = page.locator("#dropped-spans tr", has_text="春天的桃林")
        assert "与客服无关：诗歌" in row.inner_text()
        row.locator("button:has-text('恢复')").click()
        page.wait_for_selector("#job-done")  # the restore job's page shows its end
        assert "春天的桃林" in page.locator("#job-done").inner_text()

        page.goto("/?q=春天的桃林 粉红的笑脸")
        result = page.locator("#results .result", has_text="春天的桃林")
        result.wait_for()
        result.locator("button.disable").click()  # the admin's 停用 on a search result
        page.wait_for_selector("text=已停用")
        page.wait_for_selector("#results .result")
        assert page.locator("#results .result", has_text="春天的桃林").count() == 0

        page.goto("/admin/")
        page.click(f"text={NAME}")
        chunk = page.locator("ol.chunks li", has_text="春天的桃林")
        assert "已停用" in chunk.inner_text()
        chunk.locator("button:has-text('启用')").click()
        page.wait_for_selector("text=已启用")
    finally:
        playbook.remove(NAME)
