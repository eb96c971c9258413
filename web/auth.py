"""Sign-in, sign-out, own account (password, API token) and the role checks every view uses."""

from __future__ import annotations

import functools
import sqlite3
import time

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
from web import users
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
    user_id = session.get("uid")
    if user_id is not None:
        g.user = users.get_user(db(), user_id)
        if g.user is None:
            session.clear()
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


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never redirect a sign-in to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


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
        session["uid"] = user.id
        session.permanent = True
        if user.must_change_password:
            return redirect(url_for("auth.account"))
        return redirect(_safe_next(request.args.get("next")) or home_for(user))
    if g.user is not None:
        return redirect(home_for(g.user))
    return render_template("login.html", username="")


@bp.post("/logout")
def logout():
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
                    users.set_password(db(), g.user.id, request.form.get("new", ""))
                    flash("密码已更新", "success")
                    return redirect(home_for(g.user))
                except users.UserError as exc:
                    flash(str(exc), "error")
        elif action == "token":
            token = users.issue_token(db(), g.user.id)
            flash("新的 API 令牌已生成，只显示这一次，请立即保存", "success")
        else:
            abort(400)
    return render_template("account.html", token=token)
