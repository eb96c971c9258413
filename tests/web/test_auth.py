"""Sign-in, roles, CSRF, first-run admin, error pages, upload limits and file-name checks."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from web.uploads import UploadError, check_name

ROLE_PAGES = {  # a page of each role, and who may open it
    "/": {"agent", "admin"},
    "/admin/": {"admin"},
    "/admin/hit-test": {"admin"},
    "/qa/": {"qa", "admin"},
    "/qa/policies": {"qa", "admin"},
    "/quiz/": {"trainer", "admin"},
    "/quiz/mine": {"agent", "qa", "trainer", "admin"},
}


def test_pages_need_sign_in(client):
    for path in ROLE_PAGES:
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/login?next=")


@pytest.mark.parametrize("role", ["agent", "qa", "trainer", "admin"])
def test_each_role_sees_only_its_pages(client, login_as, role):
    login_as(client, role)
    for path, allowed in ROLE_PAGES.items():
        status = client.get(path).status_code
        assert status == (200 if role in allowed else 403), (role, path, status)


def test_navigation_shows_only_allowed_sections(client, login_as):
    html = login_as(client, "qa").get("/qa/").get_data(as_text=True)
    assert "质检" in html and "知识库管理" not in html and "培训测验" not in html


def test_wrong_password_is_refused(client, csrf):
    token = csrf(client, "/login")
    response = client.post("/login", data={"username": "agent", "password": "nope-nope", "csrf_token": token})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_redirects_only_to_same_site(client, csrf):
    token = csrf(client, "/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": "agent", "password": "agent-secret-1", "csrf_token": token},
    )
    assert response.location == "/"


def test_form_without_csrf_token_is_rejected(client, login_as):
    login_as(client, "admin")
    response = client.post(
        "/admin/users", data={"action": "create", "username": "x1", "role": "agent", "password": "12345678"}
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "CSRF" in text and "Traceback" not in text


def test_session_cookie_is_httponly_and_lax(client, csrf):
    token = csrf(client, "/login")
    response = client.post(
        "/login", data={"username": "agent", "password": "agent-secret-1", "csrf_token": token}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout(client, login_as, csrf):
    login_as(client, "agent")
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert client.get("/").status_code == 302


def test_first_run_prints_one_time_admin_password_and_forces_change(tmp_path, capsys):
    import re

    from web import create_app

    app = create_app({"home": str(tmp_path / "home"), "TESTING": True})
    printed = capsys.readouterr().err
    password = re.search(r"one-time password: (\S+)", printed).group(1)
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)
    ).group(1)
    response = client.post("/login", data={"username": "admin", "password": password, "csrf_token": token})
    assert response.location == "/account"
    assert client.get("/admin/").location == "/account"  # nothing else until the password is changed
    page = client.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/account",
        data={
            "action": "password",
            "current": password,
            "new": "brand-new-pass",
            "confirm": "brand-new-pass",
            "csrf_token": token,
        },
    )
    assert client.get("/admin/").status_code == 200
    # A second start with users present creates nobody and prints nothing.
    create_app({"home": str(tmp_path / "home"), "TESTING": True})
    assert "one-time" not in capsys.readouterr().err


def test_admin_password_setting_creates_admin_without_forced_change(tmp_path, capsys):
    from web import create_app

    create_app({"home": str(tmp_path / "h"), "admin_password": "configured-pass", "TESTING": True})
    assert "one-time" not in capsys.readouterr().err


def test_cli_create_user_prints_a_working_token(app, tmp_path, capsys):
    from app import main

    home = app.extensions["kefu_settings"].home
    assert main(["--home", home, "create-user", "lin", "--role", "agent", "--password", "lin-secret-1"]) == 0
    token = capsys.readouterr().out.split("API token (shown once): ")[1].strip()
    me = app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json() == {"username": "lin", "role": "agent"}
    assert main(["--home", home, "create-user", "lin", "--role", "agent", "--password", "lin-secret-1"]) == 2
    assert "已存在" in capsys.readouterr().err


def test_error_pages_are_friendly(client, login_as):
    login_as(client, "agent")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_unexpected_error_shows_no_stack_trace(app, client, login_as, monkeypatch):
    from web.extensions import playbook

    login_as(client, "agent")
    with app.app_context():
        reader = playbook().kb

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(reader, "search", explode)
    response = client.get("/?q=退款")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统出错了" in text and "secret internal detail" not in text and "Traceback" not in text
    api = client.get("/api/search?q=退款")
    assert api.status_code == 500 and api.get_json()["error"]["status"] == 500


def test_upload_size_limit(tmp_path):
    import re

    from web import create_app

    app = create_app(
        {"home": str(tmp_path / "h"), "admin_password": "small-limit-1", "max_upload_mb": 1, "TESTING": True}
    )
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)
    ).group(1)
    client.post("/login", data={"username": "admin", "password": "small-limit-1", "csrf_token": token})
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/admin/").get_data(as_text=True)
    ).group(1)
    # Encoded in memory: the test client would spool a body this big to a temporary file
    # and never close it.
    boundary, body = encode_multipart(
        {"csrf_token": token, "files": FileStorage(io.BytesIO(b"x" * (1024 * 1024 + 10)), "大文件.txt")}
    )
    response = client.post(
        "/admin/documents", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "1 MB" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "name",
    ["../x.md", "..\\x.md", "a/b.md", "/etc/passwd.md", ".hidden.md", "a\x00b.md", "x.exe", "", "noext"],
)
def test_bad_file_names_are_refused(name):
    with pytest.raises(UploadError):
        check_name(name, {".md", ".txt"})


def test_chinese_file_names_are_kept():
    assert check_name("售后服务手册 2024.md", {".md"}) == "售后服务手册 2024.md"


def _sign_in(client, username, password, address):
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def fresh_client(own_app):
    """An app of its own: held-back sign-ins must not leak into the shared test users."""
    return own_app().test_client()


def test_repeated_failed_sign_ins_are_held_back(fresh_client):
    for _ in range(5):
        assert _sign_in(fresh_client, "admin", "wrong-password", "10.1.0.1").status_code == 401
    # The sixth attempt waits, even with the right password and from another address.
    response = _sign_in(fresh_client, "admin", "admin-secret-1", "10.1.0.2")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_one_address_guessing_many_names_is_held_back(fresh_client):
    for i in range(20):
        assert _sign_in(fresh_client, f"nobody{i}", "wrong-password", "10.2.0.1").status_code == 401
    assert _sign_in(fresh_client, "admin", "admin-secret-1", "10.2.0.1").status_code == 429
    # Another address is not affected.
    assert _sign_in(fresh_client, "admin", "admin-secret-1", "10.2.0.2").status_code == 302


def test_sign_in_throttling_can_be_switched_off(own_app):
    client = own_app(sign_in_max_failures=0).test_client()
    for _ in range(6):
        assert _sign_in(client, "admin", "wrong-password", "10.3.0.1").status_code == 401
    assert _sign_in(client, "admin", "admin-secret-1", "10.3.0.1").status_code == 302


def test_a_parallel_burst_of_guesses_is_held_back_too(own_app):
    """Attempts are counted before the (slow) password check: threads cannot all slip through."""
    import re
    import threading

    app = own_app()
    clients, tokens = [], []
    for _ in range(12):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        clients.append(client)
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    start, codes = threading.Barrier(len(clients)), []

    def guess(client, token):
        start.wait()
        response = client.post(
            "/login",
            data={"username": "admin", "password": "wrong-password", "csrf_token": token},
            environ_base={"REMOTE_ADDR": "10.4.0.1"},
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [401] * 5 + [429] * 7


def test_the_attempt_is_counted_only_on_a_clean_connection_and_a_locked_database_says_so(own_app, tmp_path):
    import sqlite3

    from common.db import connect
    from common.settings import load_settings
    from service import users

    own_app()
    path = load_settings(tmp_path / "h").db_path
    conn = connect(path)
    conn.execute("INSERT INTO sign_in_failures(username, address, at) VALUES ('x', 'y', 0)")
    with pytest.raises(RuntimeError, match="no open transaction"):
        users.begin_sign_in(conn, "admin", "10.5.0.1", 5, 900, 1.0)
    conn.rollback()
    holder = connect(path)
    holder.execute("BEGIN IMMEDIATE")  # a long write elsewhere
    impatient = sqlite3.connect(path, timeout=0.05)
    impatient.row_factory = sqlite3.Row
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        users.begin_sign_in(impatient, "admin", "10.5.0.1", 5, 900, 1.0)
    holder.rollback()
    assert users.begin_sign_in(impatient, "admin", "10.5.0.1", 5, 900, 1.0) == 0


def test_a_database_locked_elsewhere_gets_503_not_500(own_app, tmp_path):
    """Through the views: a long write elsewhere outlasts ``db_busy_seconds``; nothing is counted."""
    from common.db import connect
    from common.settings import load_settings
    from web.extensions import db

    app = own_app(db_busy_seconds=0.05, seed_sample_kb=False)
    with app.test_request_context():
        assert db().execute("PRAGMA busy_timeout").fetchone()[0] == 50  # the setting, in ms
    client = app.test_client()
    assert _sign_in(client, "admin", "admin-secret-1", "10.6.0.1").status_code == 302
    assert client.get("/?q=退货").status_code == 200  # the knowledge base's tables exist from here on
    holder = connect(load_settings(tmp_path / "h").db_path)
    holder.execute("BEGIN IMMEDIATE")  # a long write elsewhere
    try:
        other = app.test_client()
        response = _sign_in(other, "admin", "admin-secret-1", "10.6.0.2")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert "系统繁忙，请稍后再试" in response.get_data(as_text=True)
        # A search is still answered: its query-log line is written off the request path (and
        # dropped if the lock outlasts query_log_busy_seconds), never waited for.
        assert client.get("/?q=退货").status_code == 200
    finally:
        holder.rollback()
    counted = holder.execute("SELECT COUNT(*) FROM sign_in_failures WHERE address = '10.6.0.2'").fetchone()[0]
    assert counted == 0  # the refused attempt left no failure behind
    assert _sign_in(other, "admin", "admin-secret-1", "10.6.0.2").status_code == 302
    assert client.get("/?q=退货").status_code == 200


def test_busy_is_told_by_the_error_code_not_the_message(tmp_path):
    import sqlite3

    from common.db import connect, is_busy

    path = tmp_path / "x.sqlite3"
    holder = connect(path)
    holder.execute("CREATE TABLE t (x)")
    holder.commit()
    holder.execute("BEGIN IMMEDIATE")
    impatient = connect(path, busy_timeout=0.01)
    with pytest.raises(sqlite3.OperationalError) as locked:
        impatient.execute("INSERT INTO t VALUES (1)")
    holder.rollback()
    assert is_busy(locked.value)
    with pytest.raises(sqlite3.OperationalError) as missing:
        impatient.execute("SELECT * FROM no_such_table")
    assert not is_busy(missing.value)  # a bug, not load: a logged 500, never a 503
    assert not is_busy(sqlite3.OperationalError("database table is locked"))
