"""Trainer and agent quiz pages without a browser: settings, assignment, results export, the bank."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from common.db import connect
from quiz import Question, Quiz, publish_quiz, record_attempt, save_quiz
from quiz.bank import add_candidates, list_bank
from service import users

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def site(own_app, tmp_path):
    app = own_app()
    conn = connect(tmp_path / "h" / "kefu.sqlite3")
    users.create_user(conn, "coach", "coach-pass-123", "trainer")
    users.create_user(conn, "agent_a", "agent-a-pass1", "agent")
    yield app, conn
    conn.close()


def _client(app, username, password):
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    token = CSRF.search(client.get("/account").get_data(as_text=True)).group(1)
    return client, token


def _quiz(conn, **fields) -> int:
    questions = [
        Question("single", "退货须在签收后（　　）内申请。", ["3天", "7天", "15天", "30天"], "7天"),
        Question("cloze", "发票在（　　）内开具。", answer="3个工作日"),
    ]
    return save_quiz(conn, Quiz("退换货小测", questions, **fields)).id


def test_a_refused_edit_keeps_what_the_trainer_typed(site):
    app, conn = site
    quiz_id = _quiz(conn)
    client, token = _client(app, "coach", "coach-pass-123")
    question_id = conn.execute(
        "SELECT id FROM quiz_questions WHERE quiz_id = ? ORDER BY position", (quiz_id,)
    ).fetchone()[0]
    response = client.post(f"/quiz/{quiz_id}/questions/{question_id}", data={
        "csrf_token": token, "action": "save", "stem": "我改过的题干（　　）", "options": "3天\n7天\n15天",
        "answer": "九十天", "explanation": "我写的解析"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "未保存" in page and "答案不在选项中" in page
    assert "我改过的题干" in page and "我写的解析" in page
    stored = conn.execute("SELECT stem FROM quiz_questions WHERE id = ?", (question_id,)).fetchone()[0]
    assert stored == "退货须在签收后（　　）内申请。"


def test_delete_buttons_ask_for_confirmation(site):
    app, conn = site
    quiz_id = _quiz(conn)
    client, _ = _client(app, "coach", "coach-pass-123")
    page = client.get(f"/quiz/{quiz_id}").get_data(as_text=True)
    assert re.search(r'value="delete" class="danger" data-confirm="确定删除第 1 题', page)
    assert 'data-confirm="删除测验会同时删除全部作答记录' in page


def test_settings_assignment_and_results_export_neutralise_formulas(site):
    app, conn = site
    quiz_id = _quiz(conn)
    client, token = _client(app, "coach", "coach-pass-123")
    saved = client.post(f"/quiz/{quiz_id}/settings", data={
        "csrf_token": token, "shuffle_options": "1", "time_limit_minutes": "20", "attempts_allowed": "2",
        "pass_percent": "80", "opens_at": "", "closes_at": "2099-01-01T18:00", "show_answers": "after_submit"})  # fmt: skip
    assert saved.status_code == 302
    refused = client.post(f"/quiz/{quiz_id}/settings", data={"csrf_token": token, "time_limit_minutes": "-5",
                                                            "show_answers": "after_submit"}, follow_redirects=True)  # fmt: skip
    assert "限时" in refused.get_data(as_text=True)
    publish_quiz(conn, quiz_id)
    client.post(
        f"/quiz/{quiz_id}/assign",
        data={"csrf_token": token, "users": ["agent_a"], "due_at": "2099-01-01T12:00"},
    )
    agent, _ = _client(app, "agent_a", "agent-a-pass1")
    mine = agent.get("/quiz/mine").get_data(as_text=True)
    assert "已分配给我" in mine and "2099-01-01 12:00" in mine and "限时 20 分钟" in mine
    record_attempt(conn, quiz_id, '=HYPERLINK("http://x")', {"1": "B", "2": "三个工作日"})
    record_attempt(conn, quiz_id, "agent_a", {"1": "A"})
    results = client.get(f"/quiz/{quiz_id}/results").get_data(as_text=True)
    assert "退货须在签收后" in results and "点双列" in results and "3天：1" in results
    rows = list(
        csv.reader(io.StringIO(client.get(f"/quiz/{quiz_id}/results.csv").get_data().decode("utf-8-sig")))
    )
    assert rows[0][0] == "客服" and any(r[0].startswith("'=HYPERLINK") for r in rows[1:])
    book = load_workbook(io.BytesIO(client.get(f"/quiz/{quiz_id}/results.xlsx").get_data()))
    assert book.sheetnames == ["每位客服", "每次作答"]
    names = [row[0].value for row in book["每位客服"].iter_rows(min_row=2)]
    assert "agent_a" in names and all(not str(n).startswith("=") for n in names)


def test_copy_unpublish_and_delete_a_quiz(site):
    app, conn = site
    quiz_id = _quiz(conn)
    publish_quiz(conn, quiz_id)
    client, token = _client(app, "coach", "coach-pass-123")
    copied = client.post(f"/quiz/{quiz_id}/lifecycle", data={"csrf_token": token, "action": "copy"})
    copy_id = int(copied.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert conn.execute("SELECT status FROM quiz_drafts WHERE id = ?", (copy_id,)).fetchone()[0] == "draft"
    client.post(f"/quiz/{quiz_id}/lifecycle", data={"csrf_token": token, "action": "unpublish"})
    assert conn.execute("SELECT status FROM quiz_drafts WHERE id = ?", (quiz_id,)).fetchone()[0] == "draft"
    client.post(f"/quiz/{quiz_id}/lifecycle", data={"csrf_token": token, "action": "delete"})
    assert client.get(f"/quiz/{quiz_id}").status_code == 404


def test_bank_pages_triage_by_json_and_refuse_a_bad_edit(site):
    app, conn = site
    ids = add_candidates(conn, [Question("single", "运费由谁承担？", ["买家", "卖家", "平台"], "卖家",
                                         source={"document": "售后手册", "sentence": "退货运费由卖家承担。"})],
                         topic="运费")["added"]  # fmt: skip
    client, token = _client(app, "coach", "coach-pass-123")
    page = client.get("/quiz/bank/").get_data(as_text=True)
    assert "运费由谁承担" in page and "原句：退货运费由卖家承担" in page
    headers = {"X-CSRFToken": token}
    bad = client.post(f"/quiz/bank/{ids[0]}/edit", json={"answer": "快递"}, headers=headers)
    assert bad.status_code == 400 and "答案不在选项中" in bad.get_json()["error"]["message"]
    refused = client.post(f"/quiz/bank/{ids[0]}/decide", json={"action": "reject"}, headers=headers)
    assert refused.status_code == 400
    done = client.post(
        f"/quiz/bank/{ids[0]}/decide", json={"action": "reject", "reason": "trivial"}, headers=headers
    )
    assert done.get_json()["status"] == "rejected"
    assert list_bank(conn, status="rejected")[0]["reject_label"] == "考的不是重点"
    assert "考的不是重点 1" in client.get("/quiz/bank/?status=all").get_data(as_text=True)
    gift = client.get("/quiz/bank/export/gift").get_data(as_text=True)
    assert "运费由谁承担" in gift
    upload = client.post("/quiz/bank/import", data={"csrf_token": token, "file": (io.BytesIO(b"<quiz><q"), "x.xml")},
                         follow_redirects=True)  # fmt: skip
    assert "不是有效的 XML" in upload.get_data(as_text=True)
