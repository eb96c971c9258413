"""The trainer's and the agent's quiz journeys in headless Chromium.

Triage by keyboard, assembling from the bank, an assigned timed quiz taken by an agent
(with the unanswered warning), a second attempt refused when one is allowed, option
order shuffled between attempts, and the agent's history under 我的测验.
"""

from __future__ import annotations

import re

import pytest

from common.db import connect
from quiz import Question, Quiz, publish_quiz, save_quiz, set_delivery
from quiz.bank import add_candidates, list_bank

pytestmark = pytest.mark.browser

OPTIONS = ["3天", "7天", "15天", "30天"]


@pytest.fixture
def db(app):
    conn = connect(app.extensions["kefu_settings"].home_path / "kefu.sqlite3")
    yield conn
    conn.close()


def _candidates(db, topic: str, n: int = 4) -> list[int]:
    questions = [
        Question("single", f"{topic}规则{i}：退货须在签收后（　　）内申请。", OPTIONS, OPTIONS[i % 4],
                 source={"document": "售后服务手册", "sentence": f"{topic}规则{i}。", "fact_kind": "期限"})
        for i in range(n)
    ]  # fmt: skip
    return add_candidates(db, questions, topic=topic)["added"]


def _published(db, title: str, n: int = 6, **delivery) -> Quiz:
    questions = [Question("single", f"{title}第{i}题（　　）", OPTIONS, "7天") for i in range(1, n + 1)]
    quiz = save_quiz(db, Quiz(title, questions))
    if delivery:
        set_delivery(db, quiz.id, **delivery)
    return publish_quiz(db, quiz.id)


def _take_link(page, title: str) -> str:
    page.goto("/quiz/mine")
    row = page.locator("#my-quizzes tr", has_text=title).first
    return row.locator("a.button").get_attribute("href")


def _option_order(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "fieldset[data-question]",
        "sets => sets.map(s => Array.from(s.querySelectorAll('input[type=radio]')).map(i => i.value))",
    )


def test_trainer_triages_the_bank_with_the_keyboard(page, sign_in, db):
    ids = _candidates(db, "键盘审题")
    sign_in(page, "trainer")
    page.goto("/quiz/bank/?status=candidate&topic=键盘审题")
    first, second, third, fourth = (page.locator(f"#b{i}") for i in sorted(ids, reverse=True))
    page.wait_for_selector(".bank-item.current")
    assert "current" in first.get_attribute("class")
    page.keyboard.press("a")  # accept, move on
    page.wait_for_selector(f"#b{max(ids)} .status-accepted")
    assert "current" in second.get_attribute("class")
    page.keyboard.press("r")
    page.keyboard.press("3")  # 干扰项太弱或太假
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#b{sorted(ids)[-2]} .status-rejected")
    assert "干扰项太弱" in second.locator(".reject-label").inner_text()
    assert "current" in third.get_attribute("class")
    page.keyboard.press("e")
    answer = third.locator(".edit-panel input[name=answer]")
    answer.fill("九十天")  # not an option: refused, the typed text stays
    third.locator(".edit-panel textarea[name=stem]").fill("键盘审题：改过的题干（　　）")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"#b{sorted(ids)[-3]} .item-error:not(.hidden)")
    assert "答案不在选项中" in third.locator(".item-error").inner_text()
    assert answer.input_value() == "九十天"
    assert third.locator(".edit-panel textarea[name=stem]").input_value() == "键盘审题：改过的题干（　　）"
    answer.fill("15天")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"#b{sorted(ids)[-3]} .status-edited")
    assert "改过的题干" in third.locator(".view .stem").inner_text()
    assert "current" in fourth.get_attribute("class")
    page.keyboard.press("k")  # back up, then reopen the edited one
    assert "current" in third.get_attribute("class")
    page.keyboard.press("j")
    page.keyboard.press("a")
    page.wait_for_selector(f"#b{min(ids)} .status-accepted")
    statuses = {e["id"]: e["status"] for e in list_bank(db, topic="键盘审题")}
    assert sorted(statuses.values()) == ["accepted", "accepted", "edited", "rejected"]
    # The rejection is counted for its kind of fact.
    page.goto("/quiz/bank/?status=all")
    assert "干扰项太弱或太假 1" in page.locator("#rejections").inner_text()


def test_trainer_assembles_a_quiz_from_the_bank(page, sign_in, db):
    ids = _candidates(db, "组卷主题", n=3)
    for entry_id in ids:
        db.execute("UPDATE bank_questions SET status = 'accepted' WHERE id = ?", (entry_id,))
    db.commit()
    sign_in(page, "trainer")
    page.goto("/quiz/bank/")
    form = page.locator("#assemble")
    form.locator("input[name=title]").fill("组卷测验")
    form.locator("select[name=topic]").select_option("组卷主题")
    form.locator("input[name=count]").fill("5")
    form.locator("input[name=fill_gap]").uncheck()
    form.locator("#assemble-submit").click()
    page.wait_for_selector("h1:has-text('组卷测验')")
    assert page.locator("article.quiz-item").count() == 3
    assert "还差 2 道" in page.locator(".flashes").inner_text()
    # Two more are accepted in the bank: the draft is topped up without repeating a question.
    for entry_id in _candidates(db, "组卷主题", n=5)[-2:]:
        db.execute("UPDATE bank_questions SET status = 'accepted' WHERE id = ?", (entry_id,))
    db.commit()
    page.locator("#top-up input[name=count]").fill("5")
    page.locator("#top-up-submit").click()
    page.wait_for_selector(".flashes:has-text('已从题库补入 2 道')")
    stems = page.locator("article.quiz-item > p:nth-of-type(1)").all_inner_texts()
    assert len(stems) == 5 == len(set(stems))


def test_assembling_short_generates_candidates_to_triage_and_top_up(page, sign_in, db):
    first = _candidates(db, "退款", n=1)
    db.execute("UPDATE bank_questions SET status = 'accepted' WHERE id = ?", (first[0],))
    db.commit()
    sign_in(page, "trainer")
    page.goto("/quiz/bank/")
    form = page.locator("#assemble")
    form.locator("input[name=title]").fill("补足测验")
    form.locator("select[name=topic]").select_option("退款")
    form.locator("input[name=count]").fill("3")
    form.locator("#assemble-submit").click()  # short by 2: a generation job runs, then the bank opens
    page.wait_for_selector("#bank-list", timeout=120000)
    assert "status=candidate" in page.url
    assert "题库新增" in page.locator(".flashes").inner_text()
    for accepted in (1, 2):  # one key press at a time: each accept moves to the next candidate
        page.keyboard.press("a")
        page.wait_for_function(
            f"() => document.querySelectorAll('.bank-item .status-accepted').length >= {accepted}"
        )
    page.goto("/quiz/")
    page.locator("a", has_text="补足测验").first.click()
    page.locator("#top-up-submit").click()
    page.wait_for_selector(".flashes:has-text('已从题库补入')")
    assert page.locator("article.quiz-item").count() >= 3


def test_agent_takes_an_assigned_timed_quiz_once_and_sees_the_history(
    page, sign_in, db, browser, live_server
):
    quiz = save_quiz(
        db,
        Quiz("限时分配测验", [Question("single", f"限时第{i}题（　　）", OPTIONS, "7天") for i in (1, 2, 3)]),
    )
    sign_in(page, "trainer")
    page.goto(f"/quiz/{quiz.id}")
    settings = page.locator("#quiz-settings")
    settings.locator("input[name=time_limit_minutes]").fill("15")
    settings.locator("input[name=attempts_allowed]").fill("1")
    settings.locator("input[name=pass_percent]").fill("60")
    settings.locator("select[name=show_answers]").select_option("after_submit")
    settings.locator("#save-settings").click()
    page.wait_for_selector(".flash-success")
    page.locator("#publish").click()
    page.wait_for_selector(".badge.st-pass")
    page.locator("#assign input[name=roles][value=agent]").check()
    page.locator("#assign input[name=due_at]").fill("2099-06-30T18:00")
    page.locator("#assign-submit").click()
    page.wait_for_selector("#assign li:has-text('全体客服')")

    agent = browser.new_context(base_url=live_server, locale="zh-CN").new_page()
    sign_in(agent, "agent")
    agent.goto("/quiz/mine")
    row = agent.locator(f"#my-quizzes tr[data-quiz='{quiz.id}']")
    assert "已分配给我" in row.inner_text() and "2099-06-30 18:00" in row.inner_text()
    row.locator("a.button").click()
    assert "限时 15 分钟" in agent.locator("#quiz-rules").inner_text()
    agent.locator("#start-attempt").click()
    agent.wait_for_selector("#timer-left")
    assert re.fullmatch(r"1[45]:\d\d", agent.locator("#timer-left").inner_text())
    agent.locator("fieldset[data-question]").nth(0).locator("input[value='7天']").check()
    agent.locator("#submit-attempt").click()  # two unanswered: warned first, not submitted
    warning = agent.locator("#unanswered-warning")
    warning.wait_for(state="visible")
    assert "还有 2 题未作答：第 2、3 题" in warning.inner_text()
    assert agent.locator("#attempt-form").count() == 1 and agent.locator("#attempt-result").count() == 0
    agent.locator("fieldset[data-question]").nth(1).locator("input[value='7天']").check()
    agent.locator("fieldset[data-question]").nth(2).locator("input[value='3天']").check()
    agent.locator("#submit-attempt").click()
    agent.wait_for_selector("#attempt-result")
    result = agent.locator("#attempt-result").inner_text()
    assert "2/3" in result and "及格" in result
    # One attempt allowed: no second one.
    assert "已用完本测验的作答次数" in agent.locator("#refusal").inner_text()
    agent.goto("/quiz/mine")
    row = agent.locator(f"#my-quizzes tr[data-quiz='{quiz.id}']")
    assert "次数已用完" in row.inner_text() and "66.7%" in row.inner_text()
    history = agent.locator(f"#my-quizzes tr[data-quiz='{quiz.id}'] + tr.history-row")
    history.locator("summary").click()
    assert "2/3" in history.inner_text() and "及格" in history.inner_text()
    agent.context.close()
    # The trainer sees the agent's result.
    page.goto(f"/quiz/{quiz.id}/results")
    assert "agent" in page.locator("#agents").inner_text()


def test_option_order_is_shuffled_between_attempts(page, sign_in, db):
    _published(db, "打乱选项测验", n=6, shuffle_options=True, attempts_allowed=0)
    sign_in(page, "agent")
    orders = []
    for _ in range(2):
        page.goto(_take_link(page, "打乱选项测验"))
        page.locator("#start-attempt").click()
        page.wait_for_selector("#attempt-form fieldset")
        order = _option_order(page)
        assert all(sorted(o) == sorted(OPTIONS) for o in order)
        orders.append(order)
        for i in range(6):
            page.locator("fieldset[data-question]").nth(i).locator("input[value='7天']").check()
        page.locator("#submit-attempt").click()
        page.wait_for_selector("#attempt-result")
        assert "6/6" in page.locator("#attempt-result").inner_text()
    assert orders[0] != orders[1]


def test_a_timed_attempt_submits_itself_when_the_time_is_up(page, sign_in, db):
    quiz = _published(db, "到时自动提交测验", n=2, time_limit_minutes=1)
    sign_in(page, "agent")
    page.goto(_take_link(page, "到时自动提交测验"))
    page.locator("#start-attempt").click()
    page.wait_for_selector("#timer-left")
    page.locator("fieldset[data-question]").nth(0).locator("input[value='7天']").check()
    # Move the attempt's start back so that three seconds are left, then reload the page.
    db.execute(
        "UPDATE quiz_attempts SET started_at = started_at - 57 WHERE quiz_id = ? AND state = 'in_progress'",
        (quiz.id,),
    )
    db.commit()
    page.reload()
    page.locator("fieldset[data-question]").nth(0).locator("input[value='7天']").check()
    page.wait_for_selector("#attempt-result", timeout=30000)  # submitted by the page, unanswered or not
    assert "1/2" in page.locator("#attempt-result").inner_text()
