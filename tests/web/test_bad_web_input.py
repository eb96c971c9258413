"""Hostile web input: no cookie, redirect target, form, upload or JSON body takes over or breaks the app.

Every case is built here, in code. Each checks the status code and the Chinese message the
caller gets, and where data could be harmed, that nothing changed (the user still exists, the
document is still there, the good file of an upload batch was ingested and is searchable).
Session cases run on an app of their own; the rest share the session's app and its tokens.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
from collections.abc import Callable

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from common.db import connect
from service import users

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN_PASSWORD = "admin-secret-1"
NEEDS_SIGN_IN = "需要登录"


def _csrf(client, path="/account"):
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def _sign_in(client, username, password):
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": _csrf(client, "/login")}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _browser_with(app, cookie: str):
    browser = app.test_client()
    browser.set_cookie("session", cookie)
    return browser


def _assert_signed_out(browser) -> None:
    page = browser.get("/account")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login"), page.status_code
    api = browser.get("/api/me")
    assert api.status_code == 401 and NEEDS_SIGN_IN in api.get_json()["error"]["message"]


@pytest.fixture
def site(own_app, tmp_path):
    app = own_app()
    conn = connect(tmp_path / "h" / "kefu.sqlite3")
    yield app, conn
    conn.close()


# --- cookies that must sign nobody in -------------------------------------------------------------


def _forged(app, conn) -> str:
    return "eyJzaWQiOiJ4In0.forged.signature"


def _tampered(app, conn) -> str:
    users.create_user(conn, "tamper", "tamper-pass-1", "agent")
    cookie = _cookie(_sign_in(app.test_client(), "tamper", "tamper-pass-1"))
    payload, rest = cookie.split(".", 1)
    return payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + rest


def _signed_with_another_key(app, conn) -> str:
    from flask.sessions import SecureCookieSessionInterface

    users.create_user(conn, "rekey", "rekey-pass-1", "agent")
    session_id = _session_id(app, _sign_in(app.test_client(), "rekey", "rekey-pass-1"))
    original = app.secret_key
    app.secret_key = "a key an attacker guessed"
    try:
        return SecureCookieSessionInterface().get_signing_serializer(app).dumps({"sid": session_id})
    finally:
        app.secret_key = original


def _unsigned(app, conn) -> str:
    users.create_user(conn, "unsigned", "unsigned-pass-1", "agent")
    session_id = _session_id(app, _sign_in(app.test_client(), "unsigned", "unsigned-pass-1"))
    return base64.urlsafe_b64encode(json.dumps({"sid": session_id}).encode()).decode().rstrip("=")


def _after_sign_out(app, conn) -> str:
    users.create_user(conn, "leaver", "leaver-pass-1", "agent")
    browser = _sign_in(app.test_client(), "leaver", "leaver-pass-1")
    cookie = _cookie(browser)
    assert browser.post("/logout", data={"csrf_token": _csrf(browser)}).status_code == 302
    return cookie


def _of_a_deleted_user(app, conn) -> str:
    victim = users.create_user(conn, "gone", "gone-pass-1", "agent")
    cookie = _cookie(_sign_in(app.test_client(), "gone", "gone-pass-1"))
    users.delete_user(conn, victim.id)
    users.create_user(conn, "newadmin", "newadmin-pass-1", "admin")  # the next user gets a new id
    return cookie


def _after_a_password_change(app, conn) -> str:
    user = users.create_user(conn, "changer", "changer-pass-1", "agent")
    cookie = _cookie(_sign_in(app.test_client(), "changer", "changer-pass-1"))
    users.set_password(conn, user.id, "changer-pass-2")
    return cookie


def _after_an_admin_reset(app, conn) -> str:
    user = users.create_user(conn, "reset", "reset-pass-1", "agent")
    cookie = _cookie(_sign_in(app.test_client(), "reset", "reset-pass-1"))
    users.reset_password(conn, user.id, "one-time-pass-1")
    return cookie


def _expired(app, conn) -> str:
    users.create_user(conn, "late", "late-pass-1", "agent")
    cookie = _cookie(_sign_in(app.test_client(), "late", "late-pass-1"))
    with conn:
        conn.execute("UPDATE web_sessions SET expires_at = ?", (time.time() - 1,))
    return cookie


def _from_before_server_side_sessions(app, conn) -> str:
    from flask.sessions import SecureCookieSessionInterface

    user = users.create_user(conn, "oldstyle", "oldstyle-pass-1", "admin")
    return SecureCookieSessionInterface().get_signing_serializer(app).dumps({"uid": user.id})


def _session_id(app, client) -> str:
    from flask.sessions import SecureCookieSessionInterface

    return SecureCookieSessionInterface().get_signing_serializer(app).loads(_cookie(client))["sid"]


COOKIE_CASES: dict[str, Callable] = {
    "forged_cookie": _forged,
    "tampered_cookie": _tampered,
    "cookie_signed_with_another_key": _signed_with_another_key,
    "unsigned_cookie": _unsigned,
    "stale_cookie_after_sign_out": _after_sign_out,
    "deleted_users_cookie": _of_a_deleted_user,
    "cookie_after_a_password_change": _after_a_password_change,
    "cookie_after_an_admin_reset": _after_an_admin_reset,
    "expired_session": _expired,
    "cookie_from_before_server_side_sessions": _from_before_server_side_sessions,
}


@pytest.mark.parametrize("make_cookie", COOKIE_CASES.values(), ids=COOKIE_CASES.keys())
def test_a_bad_session_cookie_signs_nobody_in(site, make_cookie):
    app, conn = site
    browser = _browser_with(app, make_cookie(app, conn))
    _assert_signed_out(browser)
    token = browser.get("/api/me").get_json()
    assert token["error"]["status"] == 401


# --- where sign-in may send the browser -------------------------------------------------------------


OFF_SITE = [
    "//evil.example/",
    "/%09/evil.example/",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "https://evil.example/",
    "http:evil.example",
    "///evil.example",
    "%2F%2Fevil.example",
    "/%20/evil.example",
    "/%0d%0aSet-Cookie:%20owned=1",
    "/%0aLocation:%20https://evil.example",
    "javascript:alert(1)",
    "/%E3%80%80/evil.example",
    "/%E2%80%AE/evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_answers_an_off_site_next_with_the_home_page(site, target):
    app, _ = site
    client = app.test_client()
    response = client.post(
        f"/login?next={target}",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": _csrf(client, "/login")},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert "owned" not in response.headers.get("Set-Cookie", "")


# --- forms and API writes without their CSRF token ------------------------------------------------------


def test_forms_without_a_csrf_token_change_nothing(site):
    app, conn = site
    admin = _sign_in(app.test_client(), "admin", ADMIN_PASSWORD)
    response = admin.post("/admin/users", data={"action": "create", "username": "intruder",
                                                "password": "intruder-pass-1", "role": "admin"})  # fmt: skip
    assert response.status_code == 400 and "CSRF 校验失败" in response.get_data(as_text=True)
    assert all(u["username"] != "intruder" for u in users.list_users(conn))
    response = admin.post("/logout")  # a cross-site sign-out is refused too
    assert response.status_code == 400 and admin.get("/account").status_code == 200


def test_a_csrf_token_of_another_session_is_refused(site):
    app, conn = site
    other = app.test_client()
    foreign = _csrf(other, "/login")
    admin = _sign_in(app.test_client(), "admin", ADMIN_PASSWORD)
    response = admin.post("/account", data={"action": "token", "csrf_token": foreign})
    assert response.status_code == 400 and "CSRF 校验失败" in response.get_data(as_text=True)


def test_an_api_write_with_the_session_cookie_alone_is_refused(site):
    app, conn = site
    admin = _sign_in(app.test_client(), "admin", ADMIN_PASSWORD)
    response = admin.post("/api/feedback", json={"query": "退货", "vote": 1})
    assert response.status_code == 400
    assert "CSRF 校验失败" in response.get_json()["error"]["message"]
    kb = app.extensions["kefu_playbook"].kb
    assert kb.conn.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0


# --- uploads ------------------------------------------------------------------------------------------


def _multipart(fields: dict) -> tuple[str, bytes]:
    return encode_multipart(fields)


def test_an_upload_over_max_upload_mb_is_413_with_the_limit(own_app, tmp_path):
    app = own_app(max_upload_mb=1)
    conn = connect(tmp_path / "h" / "kefu.sqlite3")
    token = users.issue_token(conn, users.authenticate(conn, "admin", ADMIN_PASSWORD).id)
    conn.close()
    boundary, body = _multipart({"files": FileStorage(io.BytesIO(b"x" * (1024 * 1024 + 10)), "大.txt")})
    response = app.test_client().post(
        "/api/documents",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 413
    assert "超过了 1 MB 的上限" in response.get_json()["error"]["message"]


GOOD_UPLOAD = "顾客换购的以旧换新补贴在旧机检测合格后三个工作日内发放到账户余额。\n"


def _corrupt_docx() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("坏的上传.docx", _corrupt_docx(), "坏的上传.docx: 无法读取 docx 文件，文件可能已损坏"),
        ("改名的上传.xlsx", "问题,答案\n".encode(), "改名的上传.xlsx: 不是有效的 xlsx 文件"),
        ("空的上传.pdf", b"", "空的上传.pdf: 文件是空的"),
    ],
)
def test_a_corrupt_upload_on_the_admin_page_is_named_in_its_jobs_report(
    client, login_as, csrf, auth, name, data, message
):
    login_as(client, "admin")
    good = f"以旧换新{name}.txt"
    response = client.post(
        "/admin/documents",
        data={
            "csrf_token": csrf(client, "/admin/"),
            "files": [(io.BytesIO(data), name), (io.BytesIO(GOOD_UPLOAD.encode()), good)],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302  # at once: the ingest is a job
    job_id = int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    job = client.application.extensions["kefu_playbook"].jobs.wait(job_id, timeout=600)
    files = {f["name"]: f for f in job.result["files"]}
    assert files[name]["status"] == "error" and files[name]["error"].startswith(message)
    assert "/uploads/" not in files[name]["error"]  # server paths are not shown on the web
    assert files[good]["status"] == "added"
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert message.split(":")[0] in page
    found = client.get(
        "/api/search", query_string={"q": "以旧换新补贴多久到账", "k": 1}, headers=auth("agent")
    )
    assert found.get_json()["results"][0]["document"] == good
    assert client.delete(f"/api/documents/{good}", headers=auth("admin")).status_code == 200


def test_a_bad_csv_row_is_named_by_file_and_line_in_the_jobs_report_without_server_paths(
    client, auth, job_result
):
    sheet = '问题,答案\n以旧换新补贴多久到账？,检测合格后三个工作日内到账。\n能叠加优惠吗？,"可以\n'
    response = client.post(
        "/api/documents",
        data={"files": [(io.BytesIO(sheet.encode()), "以旧换新问答.csv")]},
        content_type="multipart/form-data",
        headers=auth("admin"),
    )
    job = job_result(client, response, auth("admin"))
    (item,) = job["result"]["files"]
    assert item["status"] == "added" and "path" not in item
    assert item["warnings"][0].startswith("以旧换新问答.csv: 第 3 行 (line 3)：引号没有闭合"), item[
        "warnings"
    ]
    assert not any("/uploads/" in w for w in item["warnings"])
    assert client.delete("/api/documents/以旧换新问答.csv", headers=auth("admin")).status_code == 200


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../../etc/evil.md", "不允许包含路径"),
        ("..\\evil.md", "不允许包含路径"),
        (".bashrc.md", "不允许包含路径"),
        ("evil\x1b[31m.md", "含有控制字符"),
        ("evil.sh", "不支持的文件类型 .sh"),
    ],
)
def test_an_upload_named_to_escape_its_folder_is_refused_on_the_admin_page(
    client, login_as, csrf, name, message
):
    login_as(client, "admin")
    response = client.post(
        "/admin/documents",
        data={"csrf_token": csrf(client, "/admin/"), "files": [(io.BytesIO(b"x"), name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and message in response.get_data(as_text=True)


# --- JSON bodies ----------------------------------------------------------------------------------------


DEEP = "[" * 100_000 + "]" * 100_000
JSON_CASES = [
    # (id, role, path, raw body, status, message)
    ("feedback_nested_100k_deep", "agent", "/api/feedback", '{"query": ' + DEEP + "}", 400, "嵌套过深"),
    ("quiz_nested_100k_deep", "trainer", "/api/quizzes", '{"topic": ' + DEEP + "}", 400, "嵌套过深"),
    ("validate_nested_100k_deep", "qa", "/api/qa/policies/validate", DEEP, 400, "嵌套过深"),
    ("attempt_nested_100k_deep", "agent", "/api/quizzes/1/attempts", '{"answers": ' + DEEP + "}", 400, "嵌套过深"),
    ("body_is_an_array", "agent", "/api/feedback", "[1, 2]", 400, "必须是 JSON 对象"),
    ("body_is_a_string", "qa", "/api/qa/score", '"conversations"', 400, "必须是 JSON 对象"),
    ("body_is_not_json", "agent", "/api/feedback", "{query: 退货", 400, "必须是 JSON 对象"),
    ("feedback_vote_is_text", "agent", "/api/feedback", '{"query": "退货", "vote": "1"}', 400, "vote 必须是 1"),
    ("feedback_vote_is_true", "agent", "/api/feedback", '{"query": "退货", "vote": true}', 400, "vote 必须是 1"),
    ("feedback_query_is_a_list", "agent", "/api/feedback", '{"query": ["退货"], "vote": 1}', 400, "缺少 query"),
    ("feedback_chunk_id_is_text", "agent", "/api/feedback",
     '{"query": "退货", "vote": 1, "chunk_id": "7"}', 400, "chunk_id 必须是整数"),
    ("feedback_comment_is_an_object", "agent", "/api/feedback",
     '{"query": "退货", "vote": 1, "comment": {"a": 1}}', 400, "comment 必须是"),
    ("quiz_n_is_text", "trainer", "/api/quizzes", '{"n": "many"}', 400, "n 必须是整数"),
    ("quiz_n_is_huge", "trainer", "/api/quizzes", '{"n": 1e308}', 400, "n 必须"),
    ("quiz_types_is_text", "trainer", "/api/quizzes", '{"types": "mc"}', 400, "types 必须是"),
    ("quiz_documents_is_text", "trainer", "/api/quizzes", '{"documents": "手册"}', 400, "documents 必须是文档名数组"),
    ("quiz_topic_is_a_number", "trainer", "/api/quizzes", '{"topic": 5}', 400, "topic 必须是文本"),
    ("quiz_unknown_document", "trainer", "/api/quizzes", '{"documents": ["../../etc/passwd"]}', 400, "没有这些文档"),
    ("score_conversations_is_an_object", "qa", "/api/qa/score", '{"conversations": {"id": 1}}', 400,
     "conversations 必须是非空数组"),
    ("score_policy_is_a_list", "qa", "/api/qa/score", '{"policy": ["default.yaml"], "conversations": [{}]}', 400,
     "policy 必须是"),
    ("score_semantic_is_text", "qa", "/api/qa/score", '{"semantic": "no", "conversations": [{}]}', 400,
     "semantic 必须是"),
    ("score_policy_outside_the_library", "qa", "/api/qa/score",
     '{"policy": "../../../etc/passwd.yaml", "conversations": [{}]}', 404, "没有名为"),
    ("validate_text_is_a_list", "qa", "/api/qa/policies/validate", '{"text": ["rules: []"]}', 400, "缺少 text"),
    ("attempt_answers_is_a_list", "agent", "/api/quizzes/1/attempts", '{"answers": [1]}', 400, "answers 必须是对象"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "path", "body", "status", "message"), [c[1:] for c in JSON_CASES], ids=[c[0] for c in JSON_CASES]
)
def test_a_hostile_json_body_gets_a_clear_4xx(client, auth, role, path, body, status, message):
    response = client.post(path, data=body, content_type="application/json", headers=auth(role))
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert message in response.get_json()["error"]["message"]


def test_deeply_nested_yaml_to_policy_validation_is_an_error_not_a_crash(client, auth):
    text = "rules: " + "[" * 100_000 + "]" * 100_000
    response = client.post("/api/qa/policies/validate", json={"text": text}, headers=auth("qa"))
    assert response.status_code == 200
    data = response.get_json()
    assert data["valid"] is False and any("嵌套" in e for e in data["errors"]), data


def test_unknown_fields_are_ignored_and_do_not_reach_the_stored_row(client, auth, app):
    response = client.post(
        "/api/feedback",
        json={"query": "退货多久到账", "vote": -1, "ts": "1970", "id": 1, "chunk_id": None, "admin": True},
        headers=auth("agent"),
    )
    assert response.status_code == 201
    conn = connect(app.extensions["kefu_settings"].db_path)
    row = conn.execute("SELECT id, ts FROM feedback ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    assert row[1] > 1e9  # the server's time, not the body's


# --- the policy editor -------------------------------------------------------------------------------------


def test_the_policy_editor_refuses_a_name_that_climbs_out(client, login_as):
    login_as(client, "qa")
    response = client.get("/qa/policies/edit", query_string={"name": "../../secret_key.yaml"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/qa/policies")
    assert "规则文件名无效" in client.get("/qa/policies").get_data(as_text=True)


TRIAL_POLICY = "name: 试运行\nrules:\n  - id: greeting\n    kind: required\n    phrases: [您好]\n"


@pytest.mark.parametrize(
    ("text", "conversation", "message"),
    [
        (TRIAL_POLICY, "[" * 100_000 + "]" * 100_000, "嵌套过深"),
        (TRIAL_POLICY, '{"id": "x", "agent": "a", "messages": [{"role": "agent", "text": ["您好"], "ts": 1}]}',
         "必须是文本"),
        (TRIAL_POLICY, "不是 JSON", "对话无法读取"),
        ("name: x\nrules:\n  - id: r\n    kind: required\n    regex: ['(a+)+$']\n", "{}", ""),
        ("rules: " + "[" * 100_000 + "]" * 100_000, "{}", "嵌套过深"),
        ("a: &x [1]\nb: *x\n", "{}", "不支持 YAML 别名"),
    ],
    ids=["conversation_nested_100k_deep", "message_text_is_a_list", "conversation_not_json",
         "catastrophic_regex", "policy_nested_100k_deep", "policy_with_yaml_alias"],
)  # fmt: skip
def test_the_policy_editor_answers_a_hostile_try_with_400_and_a_message(
    client, login_as, csrf, text, conversation, message
):
    login_as(client, "qa")
    response = client.post(
        "/qa/policies/edit?name=trial.yaml",
        data={"action": "try", "text": text, "conversation": conversation,
              "csrf_token": csrf(client, "/qa/policies/edit?name=default.yaml")},
    )  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400), page[:300]
    assert "Traceback" not in page
    if message:
        assert response.status_code == 400 and message in page, page[:2000]


# --- names and paths that try to leave their folder ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/api/documents/..%2F..%2Fkefu.sqlite3", 404, "没有名为 ../../kefu.sqlite3 的文档"),
        ("GET", "/api/documents/%2Fetc%2Fpasswd", 404, "没有名为 etc/passwd 的文档"),  # slashes merged
        ("GET", "/api/documents/%2E%2E%2F%2E%2E%2Fsecret_key", 404, "没有名为 ../../secret_key 的文档"),
        ("DELETE", "/api/documents/..%2Fkefu.sqlite3", 404, "没有名为 ../kefu.sqlite3 的文档"),
        ("GET", "/api/quizzes/1/export?format=../../app.py", 400, "format 必须是"),
        ("GET", "/static/../app.py", 404, ""),
        ("GET", "/static/%2e%2e/app.py", 404, ""),
        ("GET", "/static/..%2fapp.py", 404, ""),
    ],
)
def test_a_path_that_climbs_out_is_refused(client, auth, app, method, path, status, message):
    response = client.open(path, method=method, headers=auth("admin"), follow_redirects=True)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if message:
        assert message in response.get_json()["error"]["message"]
    assert (app.extensions["kefu_settings"].home_path / "kefu.sqlite3").is_file()


def test_a_document_from_a_subfolder_is_found_and_removed_by_its_name(client, auth, app, tmp_path):
    folder = tmp_path / "手册"
    (folder / "子目录").mkdir(parents=True)
    (folder / "子目录" / "保价.md").write_text(
        "价格保护期为签收后十五天，差价退回原支付账户。\n", encoding="utf-8"
    )
    playbook = app.extensions["kefu_playbook"]
    job = playbook.jobs.wait(playbook.start_ingest([folder], "admin").id, timeout=600)
    assert job.status == "done" and job.result["files"][0]["name"] == "子目录/保价.md", job
    response = client.get("/api/documents/子目录/保价.md", headers=auth("admin"))
    assert response.status_code == 200 and "价格保护期" in response.get_json()["chunks"][0]["text"]
    assert client.delete("/api/documents/子目录/保价.md", headers=auth("admin")).status_code == 200
    assert client.get("/api/documents/子目录/保价.md", headers=auth("admin")).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/passage?doc=../../secret_key&chunk=1",
        "/passage?doc=%00&chunk=-1",
        "/admin/documents/-1",
        "/admin/documents/99999999999999999999999",
        "/quiz/take/..%2F..%2Fapp.py",
        "/quiz/take/eyJhIjoxfQ.forged-signature",
        "/jobs/0",
    ],
)
def test_a_page_asked_for_something_that_is_not_there_is_404(client, login_as, path):
    login_as(client, "admin")
    response = client.get(path)
    assert response.status_code == 404, response.status_code
    assert "页面不存在" in response.get_data(as_text=True)
