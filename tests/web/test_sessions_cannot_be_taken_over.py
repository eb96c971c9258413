"""Sessions are the server's to end: a stale, copied or orphaned cookie never signs anyone in."""

from __future__ import annotations

import re

import pytest

from common.db import connect
from service import users

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN_PASSWORD = "admin-secret-1"


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


def _copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _signed_in_as(client) -> str | None:
    """The user name the account page shows, or None when it sends the client to sign in."""
    response = client.get("/account")
    if response.status_code != 200:
        return None
    return re.search(r'<p class="muted">([^ <]+) ·', response.get_data(as_text=True)).group(1)


@pytest.fixture
def site(own_app, tmp_path):
    app = own_app()
    conn = connect(tmp_path / "h" / "kefu.sqlite3")
    yield app, conn
    conn.close()


def test_deleted_users_cookie_never_becomes_the_next_users_session(site):
    app, conn = site
    victim = users.create_user(conn, "agent_x", "agent-x-pass", "agent")
    browser = _sign_in(app.test_client(), "agent_x", "agent-x-pass")
    assert _signed_in_as(browser) == "agent_x"
    users.delete_user(conn, victim.id)
    newcomer = users.create_user(conn, "admin_y", "admin-y-pass", "admin")
    assert newcomer.id != victim.id  # ids are never handed out again
    assert _signed_in_as(browser) is None
    assert browser.get("/admin/users").status_code == 302  # back to the sign-in page


def test_ids_of_deleted_users_are_never_reused(site):
    _, conn = site
    first = users.create_user(conn, "temp_one", "temp-one-pass", "agent")
    users.delete_user(conn, first.id)
    second = users.create_user(conn, "temp_two", "temp-two-pass", "agent")
    assert second.id > first.id


def test_signing_out_ends_the_session_even_in_a_copied_cookie(site):
    app, conn = site
    users.create_user(conn, "agent_a", "agent-a-pass", "agent")
    browser = _sign_in(app.test_client(), "agent_a", "agent-a-pass")
    stolen = _copy_of(app, browser)
    assert _signed_in_as(stolen) == "agent_a"
    browser.post("/logout", data={"csrf_token": _csrf(browser)})
    assert _signed_in_as(browser) is None
    assert _signed_in_as(stolen) is None


def test_changing_the_password_ends_other_sessions_and_the_api_token(site):
    app, conn = site
    user = users.create_user(conn, "agent_b", "agent-b-pass", "agent")
    token = users.issue_token(conn, user.id)
    laptop = _sign_in(app.test_client(), "agent_b", "agent-b-pass")
    phone = _sign_in(app.test_client(), "agent_b", "agent-b-pass")
    response = laptop.post(
        "/account",
        data={"action": "password", "current": "agent-b-pass", "new": "agent-b-new-pass",
              "confirm": "agent-b-new-pass", "csrf_token": _csrf(laptop)},
    )  # fmt: skip
    assert response.status_code == 302
    assert _signed_in_as(laptop) == "agent_b"  # the person who changed it stays signed in
    assert _signed_in_as(phone) is None
    api = app.test_client().get("/api/documents", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_an_admin_reset_ends_every_session_of_that_user(site):
    app, conn = site
    user = users.create_user(conn, "agent_c", "agent-c-pass", "agent")
    token = users.issue_token(conn, user.id)
    agent = _sign_in(app.test_client(), "agent_c", "agent-c-pass")
    admin = _sign_in(app.test_client(), "admin", ADMIN_PASSWORD)
    response = admin.post(
        "/admin/users",
        data={"action": "reset", "user_id": user.id, "password": "one-time-pass",
              "csrf_token": _csrf(admin, "/admin/users")},
    )  # fmt: skip
    assert response.status_code == 302
    assert _signed_in_as(agent) is None
    assert (
        app.test_client().get("/api/documents", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    # The one-time password works and must be changed first.
    fresh = _sign_in(app.test_client(), "agent_c", "one-time-pass")
    assert fresh.get("/").headers["Location"].endswith("/account")


def test_deleting_a_user_revokes_their_api_token(site):
    app, conn = site
    user = users.create_user(conn, "agent_d", "agent-d-pass", "agent")
    token = users.issue_token(conn, user.id)
    users.delete_user(conn, user.id)
    users.create_user(conn, "agent_e", "agent-e-pass", "admin")
    api = app.test_client().get("/api/documents", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_sign_out_everywhere_keeps_only_this_browser(site):
    app, conn = site
    users.create_user(conn, "agent_f", "agent-f-pass", "agent")
    here = _sign_in(app.test_client(), "agent_f", "agent-f-pass")
    there = _sign_in(app.test_client(), "agent_f", "agent-f-pass")
    here.post("/account", data={"action": "sign_out_everywhere", "csrf_token": _csrf(here)})
    assert _signed_in_as(here) == "agent_f"
    assert _signed_in_as(there) is None


def test_a_forged_session_id_signs_nobody_in(site):
    app, _ = site
    client = app.test_client()
    with client.session_transaction() as session:  # signed with the app's key, as a forger who had it
        session["sid"] = "forged-session-id"
    assert _signed_in_as(client) is None


def test_a_cookie_from_before_server_side_sessions_is_refused(site):
    app, conn = site
    user = users.create_user(conn, "agent_g", "agent-g-pass", "agent")
    client = app.test_client()
    with client.session_transaction() as session:
        session["uid"] = user.id
    assert _signed_in_as(client) is None


@pytest.mark.parametrize(
    "target",
    ["/%09/evil.example/", "//evil.example/", "/\\evil.example", "https://evil.example/", "/%0d%0a/evil.example",
     "/%0aLocation:%20https://evil.example", "javascript:alert(1)", "/%E2%80%8B/evil.example"],
)  # fmt: skip
def test_sign_in_never_redirects_off_site(site, target):
    app, _ = site
    client = app.test_client()
    response = client.post(
        f"/login?next={target}",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": _csrf(client, "/login")},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "evil.example" not in location


def test_sign_in_follows_a_same_site_next_path(site):
    app, _ = site
    client = app.test_client()
    response = client.post(
        "/login?next=/qa/?run=3",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": _csrf(client, "/login")},
    )
    assert response.headers["Location"] == "/qa/?run=3"
