"""Takers see answer keys only as the trainer chose: never for a blank or unfinished attempt."""

from __future__ import annotations

import re

import pytest

from common.db import connect
from quiz import Question, Quiz, close_quiz, publish_quiz, save_quiz, set_show_answers
from service import users

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _quiz(conn, show_answers: str) -> int:
    questions = [
        Question("single", "退货申请须在签收后几天内提出？", ["3天", "7天", "15天", "30天"], "7天",
                 explanation="手册规定签收后7天内可申请无理由退货。"),
        Question("tf", "定制商品支持七天无理由退货。", ["正确", "错误"], "错误"),
    ]  # fmt: skip
    quiz = save_quiz(conn, Quiz("退换货小测", questions))
    set_show_answers(conn, quiz.id, show_answers)
    publish_quiz(conn, quiz.id)
    return quiz.id


@pytest.fixture
def site(own_app, tmp_path):
    app = own_app()
    conn = connect(tmp_path / "h" / "kefu.sqlite3")
    users.create_user(conn, "agent_q", "agent-q-pass", "agent")
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "agent_q", "password": "agent-q-pass", "csrf_token": token})
    csrf = CSRF.search(client.get("/account").get_data(as_text=True)).group(1)
    yield client, conn, {"X-CSRFToken": csrf}
    conn.close()


def _attempt(client, headers, quiz_id, answers):
    response = client.post(f"/api/quizzes/{quiz_id}/attempts", json={"answers": answers}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize("show_answers", ["after_submit", "after_close", "never"])
def test_a_blank_attempt_gets_no_answer_keys(site, show_answers):
    client, conn, headers = site
    quiz_id = _quiz(conn, show_answers)
    result = _attempt(client, headers, quiz_id, {})
    assert result["keys_shown"] is False
    assert all("answer" not in item for item in result["items"])
    assert result["score"] == 0


def test_keys_after_submit_only_for_a_complete_attempt(site):
    client, conn, headers = site
    quiz_id = _quiz(conn, "after_submit")
    partial = _attempt(client, headers, quiz_id, {"1": "B"})
    assert partial["keys_shown"] is False and partial["complete"] is False
    full = _attempt(client, headers, quiz_id, {"1": "B", "2": "错误"})
    assert full["keys_shown"] is True
    assert [item["answer"] for item in full["items"]] == ["B", "错误"]


def test_keys_after_close_are_hidden_until_the_trainer_closes_the_quiz(site):
    client, conn, headers = site
    quiz_id = _quiz(conn, "after_close")
    result = _attempt(client, headers, quiz_id, {"1": "A", "2": "正确"})
    assert result["keys_shown"] is False
    page = client.get(f"/quiz/take/{_share_token(client, quiz_id)}").get_data(as_text=True)
    assert "手册规定签收后7天内" not in page  # the explanation gives the key away too
    close_quiz(conn, quiz_id)
    page = client.get(f"/quiz/take/{_share_token(client, quiz_id)}").get_data(as_text=True)
    assert "正确答案" in page and "手册规定签收后7天内" in page
    refused = client.post(f"/api/quizzes/{quiz_id}/attempts", json={"answers": {}}, headers=headers)
    assert refused.status_code == 400
    assert "已关闭" in refused.get_json()["error"]["message"]


def test_never_shows_keys_even_for_a_perfect_attempt(site):
    client, conn, headers = site
    quiz_id = _quiz(conn, "never")
    result = _attempt(client, headers, quiz_id, {"1": "B", "2": "错误"})
    assert result["score"] == 2 and result["keys_shown"] is False


def test_the_take_page_shows_no_key_after_a_blank_submission(site):
    client, conn, _ = site
    quiz_id = _quiz(conn, "after_submit")
    link = f"/quiz/take/{_share_token(client, quiz_id)}"
    token = CSRF.search(client.get(link).get_data(as_text=True)).group(1)
    client.post(f"{link}/start", data={"csrf_token": token})
    page = client.post(link, data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "得分 0/2" in page
    assert "正确答案：" not in page and "手册规定" not in page


def _share_token(client, quiz_id: int) -> str:
    from web.quiz import share_token

    with client.application.test_request_context():
        return share_token(quiz_id)
