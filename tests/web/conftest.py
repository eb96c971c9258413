"""Fixtures for the web tests: one app per session with the sample manuals ingested once.

Embedding the sample knowledge base takes tens of seconds, so the app, its data
home and its users are session-scoped; tests that change data add and remove
their own documents and never touch the sample ones.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_KB = ROOT / "sample_data" / "kb"
SAMPLE_TRANSCRIPTS = ROOT / "sample_data" / "transcripts"
PASSWORDS = {
    "admin": "admin-secret-1",
    "agent": "agent-secret-1",
    "qa": "qa-secret-1",
    "trainer": "trainer-secret-1",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def copy_home(source: Path, target: Path) -> None:
    """Copy an ingested data home (SQLite through the backup API, so WAL content comes along)."""
    import shutil
    import sqlite3

    for item in source.iterdir():
        if item.name.startswith("kefu.sqlite3") or item.name == "write.lock":
            continue
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, target / item.name)
    src, dst = sqlite3.connect(source / "kefu.sqlite3"), sqlite3.connect(target / "kefu.sqlite3")
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


@pytest.fixture(scope="session")
def app(sample_home, tmp_path_factory):
    """The web app over a private copy of the session's ingested sample home (tests here write)."""
    from common.db import connect
    from service import users
    from web import create_app

    home = tmp_path_factory.mktemp("web_home")
    copy_home(sample_home, home)
    app = create_app({"home": str(home), "admin_password": PASSWORDS["admin"], "TESTING": True})
    # Job 1, as the admin: unchanged files, so instant, and it proves the copy is whole.
    jobs = app.extensions["kefu_playbook"].jobs
    job = jobs.wait(app.extensions["kefu_playbook"].start_ingest([SAMPLE_KB], "admin").id, timeout=300)
    assert job.status == "done" and all(f["status"] == "unchanged" for f in job.result["files"]), job
    conn = connect(home / "kefu.sqlite3")
    tokens = {}
    for role in ("agent", "qa", "trainer"):
        user = users.create_user(conn, role, PASSWORDS[role], role)
        tokens[role] = users.issue_token(conn, user.id)
    admin = users.authenticate(conn, "admin", PASSWORDS["admin"])
    tokens["admin"] = users.issue_token(conn, admin.id)
    conn.close()
    app.config["TEST_TOKENS"] = tokens
    return app


@pytest.fixture(scope="session")
def tokens(app) -> dict[str, str]:
    return app.config["TEST_TOKENS"]


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path: str = "/account") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    page = client.get(path)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def login(client, role: str):
    """Sign in as the user named after ``role``; returns the client."""
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": role, "password": PASSWORDS[role], "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def login_as():
    """``login_as(client, role)`` signs a test client in."""
    return login


@pytest.fixture
def csrf():
    """``csrf(client, path)`` reads the session's CSRF token from a page."""
    return csrf_token


@pytest.fixture
def own_app(tmp_path):
    """``own_app(**settings)``: an app on a data home of its own (``tmp_path/h``), admin password
    ``admin-secret-1``, for tests that must not share state (throttling, locks) with the others."""
    from web import create_app

    return lambda **config: create_app(
        {"home": str(tmp_path / "h"), "admin_password": "admin-secret-1", "TESTING": True, **config}
    )


@pytest.fixture
def auth(tokens):
    """``auth(role)`` is the Authorization header of that role's API token."""
    return lambda role: {"Authorization": f"Bearer {tokens[role]}"}


def finish_job(client, response, headers=None) -> dict:
    """Follow a 202 job answer to its end through ``GET /api/jobs/<id>``; returns the finished job."""
    assert response.status_code == 202, response.get_data(as_text=True)
    location = response.headers["Location"]
    job_id = int(location.rsplit("/", 1)[1])
    client.application.extensions["kefu_playbook"].jobs.wait(job_id, timeout=600)
    job = client.get(location, headers=headers or {})
    assert job.status_code == 200, job.get_data(as_text=True)
    return job.get_json()


@pytest.fixture(scope="session")
def job_result():
    """``job_result(client, response, headers)``: the finished job a 202 answer started."""
    return finish_job


@pytest.fixture(scope="session")
def live_server(app):
    """The session app served on a free loopback port by a background thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) whose page fails the test on any JS dialog (XSS canary)."""
    context = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    page.dialogs = []

    def on_dialog(dialog):
        if dialog.type == "confirm":  # the app's own "really delete?" prompts
            dialog.accept()
            return
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.set_default_timeout(20000)
    yield page
    context.close()


@pytest.fixture
def sign_in():
    """``sign_in(page, role)`` signs a browser page in."""
    return browser_login


def browser_login(page, role: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", PASSWORDS[role])
    page.click("button[type=submit]")
    page.wait_for_load_state()
