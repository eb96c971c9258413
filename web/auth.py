"""Sign-in, sign-out, own account (password, API token) and the role checks every view uses."""

from __future__ import annotations

import functools
import sqlite3
import time
import unicodedata
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from common.db import is_busy, open_database
from service import users
from web.errors import BUSY_RETRY_SECONDS
from web.extensions import close_connections, db
from web.extensions import settings as app_settings

bp = Blueprint("auth", __name__)

# Where each role lands after signing in.
HOME_BY_ROLE = {
    "agent": "search.index",
    "qa": "qa.index",
    "trainer": "quiz.index",
    "admin": "admin.documents",
}


def init_app(app) -> None:
    app.before_request(load_user)
    app.teardown_appcontext(close_connections)
    app.context_processor(
        lambda: {
            "current_user": g.get("user"),
            "role_labels": users.ROLE_LABELS,
            "home_url": home_for(g.user) if g.get("user") else url_for("auth.login"),
        }
    )


def bootstrap_admin(settings) -> str | None:
    """Create the first admin if there are no users; returns a generated one-time password."""
    conn = open_database(settings)
    try:
        users.init_schema(conn)
        return users.ensure_admin(conn, settings.admin_password)
    finally:
        conn.close()


def load_user() -> None:
    """Resolve the signed-in user from the session cookie (the API may also use a token)."""
    g.user = None
    session_id = session.get("sid")
    if session_id is not None:
        # Checked on every request: a session ended by sign-out, a password change,
        # an admin's reset or the user's deletion is refused at once.
        g.user = users.user_for_session(db(), session_id, time.time())
        if g.user is None:
            session.clear()
    elif "uid" in session:
        session.clear()  # a cookie from before server-side sessions: sign in again
    if (
        g.user is not None
        and g.user.must_change_password
        and request.blueprint not in ("auth", "api")
        and request.endpoint != "static"
    ):
        flash("请先设置新密码（首次登录使用的是一次性密码）", "warning")
        return redirect(url_for("auth.account"))
    return None


def role_required(*roles: str):
    """Page decorator: sign-in required (redirect), and one of ``roles`` (403); admins pass."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.get("user") is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and not g.user.may(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


login_required = role_required()


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never redirect a sign-in to another host.

    Browsers drop tabs and line breaks from a URL and read a backslash as a
    slash, so ``/<TAB>/evil.example`` is ``//evil.example`` to them: any control
    character, white space or backslash refuses the target, as does anything a
    URL parser reads as having a scheme or a host.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(user: users.User) -> str:
    return url_for(HOME_BY_ROLE.get(user.role, "search.index"))


def _try_later(username: str, message: str, status: int, seconds: int):
    """The sign-in page again with ``message``, ``status`` and a ``Retry-After`` header."""
    flash(message, "error")
    response = current_app.make_response((render_template("login.html", username=username), status))
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "")
        settings = app_settings()
        address, now = request.remote_addr or "-", time.time()
        window = settings.sign_in_window_minutes * 60
        try:
            wait = users.begin_sign_in(db(), username, address, settings.sign_in_max_failures, window, now)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            # The database stayed locked for the whole busy timeout (a long write elsewhere).
            return _try_later(username, "系统繁忙，请稍后再试", 503, BUSY_RETRY_SECONDS)
        if wait:
            minutes = max(1, round(wait / 60))
            return _try_later(username, f"登录失败次数过多，请 {minutes} 分钟后再试", 429, wait)
        user = users.authenticate(db(), username, request.form.get("password", ""))
        if user is None:
            flash("用户名或密码错误", "error")
            return render_template("login.html", username=username), 401
        users.clear_sign_in_failures(db(), username)
        session.clear()  # a fresh session on sign-in: no fixation
        session["sid"] = users.start_session(db(), user.id, settings.session_hours * 3600, now)
        session.permanent = True
        if user.must_change_password:
            return redirect(url_for("auth.account"))
        return redirect(safe_next(request.args.get("next")) or home_for(user))
    if g.user is not None:
        return redirect(home_for(g.user))
    return render_template("login.html", username="")


@bp.post("/logout")
def logout():
    """End this session on the server too: a copy of the cookie stops working."""
    if session.get("sid"):
        users.end_session(db(), session["sid"])
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    token = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "password":
            if users.authenticate(db(), g.user.username, request.form.get("current", "")) is None:
                flash("当前密码不正确", "error")
            elif request.form.get("new", "") != request.form.get("confirm", ""):
                flash("两次输入的新密码不一致", "error")
            else:
                try:
                    users.set_password(
                        db(), g.user.id, request.form.get("new", ""), keep_session=session.get("sid")
                    )
                    flash("密码已更新；其他设备上的登录和 API 令牌已失效", "success")
                    return redirect(home_for(g.user))
                except users.UserError as exc:
                    flash(str(exc), "error")
        elif action == "sign_out_everywhere":
            ended = users.end_all_sessions(db(), g.user.id, keep_session=session.get("sid"))
            flash(f"已退出其他 {ended} 处登录", "success")
        elif action == "token":
            token = users.issue_token(db(), g.user.id)
            flash("新的 API 令牌已生成，只显示这一次，请立即保存", "success")
        else:
            abort(400)
    return render_template("account.html", token=token)
