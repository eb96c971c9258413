"""The review loop in headless Chromium: review a scorecard, appeal it, calibrate blind, the agents page."""

from __future__ import annotations

import pytest

from tests.web.test_review_loop import CONVERSATIONS

pytestmark = pytest.mark.browser


@pytest.fixture
def cards(app, auth):
    """A stored run of the review conversations (rv-1 is the test agent's own); {conversation: scorecard id}."""
    client = app.test_client()
    response = client.post(
        "/api/qa/score", headers=auth("qa"), json={"semantic": False, "conversations": CONVERSATIONS}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    run = client.get(f"/api/qa/runs/{response.get_json()['run_id']}", headers=auth("qa")).get_json()
    return {c["conversation_id"]: c["id"] for c in run["scorecards"]}


def test_reviewer_overturns_a_rule_and_sees_final_and_machine_scores(page, sign_in, cards):
    sign_in(page, "qa")
    page.goto(f"/qa/scorecards/{cards['rv-2']}")
    machine = page.locator("#final-score").inner_text()
    page.select_option("select[name=verdict-closing]", "fail")
    page.fill("input[name=comment-closing]", "只是祝福，没有道别")
    page.click("#review-form button[type=submit]")
    page.wait_for_selector(".flash-error:has-text('哪条消息')")  # a miss must name its message
    page.fill("input[name=message-closing]", "3")
    page.click("#review-form button[type=submit]")
    page.wait_for_selector(".flash-success:has-text('已保存复核')")
    assert float(page.locator("#final-score").inner_text()) < float(machine)
    assert page.locator("#machine-score").inner_text() == machine
    assert "只是祝福，没有道别" in page.locator("#review-history").inner_text()
    page.goto("/qa/agreement")
    assert page.locator("#agreement tr[data-rule=closing]").count() == 1


def test_agent_appeals_own_scorecard_and_lead_overturns(page, sign_in, cards, browser, live_server):
    sign_in(page, "agent")
    page.goto("/my/qa/")
    page.click(f"a[href='/my/qa/{cards['rv-1']}']")
    page.select_option("select[name=rule_id]", "forbidden_phrases")
    page.fill("textarea[name=comment]", "客户问的是别的部门的事")
    page.click("#appeal-form button[type=submit]")
    page.wait_for_selector(".flash-success:has-text('已提交')")
    response = page.goto(f"/my/qa/{cards['rv-2']}")  # another agent's scorecard: as if it did not exist
    assert response.status == 404
    lead = browser.new_context(base_url=live_server, locale="zh-CN").new_page()
    from tests.web.conftest import browser_login

    browser_login(lead, "qa")
    lead.goto("/qa/appeals")
    card = lead.locator(".appeal", has_text="客户问的是别的部门的事").first
    card.locator("select[name=decision]").select_option("overturned")
    card.locator("input[name=comment]").fill("推诿不成立")
    card.locator("button[type=submit]").click()
    lead.wait_for_selector(".flash-success:has-text('已处理')")
    lead.context.close()
    page.goto(f"/my/qa/{cards['rv-1']}")
    assert "已改判" in page.locator(".appeal").last.inner_text()
    assert "推诿不成立" in page.content()


def test_calibration_is_blind_for_a_reviewer_until_done(page, sign_in, cards):
    sign_in(page, "qa")
    page.goto("/qa/calibrations")
    page.fill("input[name=name]", "浏览器校准")
    page.fill("input[name=reviewers]", "qa, qa2")
    page.fill("input[name=scorecards]", str(cards["rv-2"]))
    page.click("#calibration-form button[type=submit]")
    page.wait_for_selector("#blind-note")
    page.click("text=判定 rv-2")
    page.wait_for_selector("#judge-form")
    assert page.locator(".badge.st-pass, .badge.st-fail").count() == 0  # no machine verdicts shown
    for select in page.locator("#judge-form select").all():
        select.select_option("pass")
    page.click("#judge-form button[type=submit]")
    page.wait_for_selector("#calibration-items")  # done: the comparison appears
    assert page.locator("#blind-note").count() == 0


def test_agents_page_lists_each_agent_with_rates_and_links(page, sign_in, cards):
    sign_in(page, "qa")
    page.goto("/qa/agents")
    row = page.locator("#agents tbody tr", has_text="a77")
    assert row.count() == 1 and "%" in row.inner_text()
    row.locator("a", has_text="a77").first.click()
    page.wait_for_selector("#agent-summary")
    assert "按最近一次评分计一次" in page.locator("#agent-summary").inner_text()
    assert page.locator("#rule-failures tr").count() >= 1
