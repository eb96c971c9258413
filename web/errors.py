"""Error pages and JSON errors: a clear message for every failure, never a stack trace."""

from __future__ import annotations

import sqlite3

from flask import current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from common.db import is_busy
from kb.write_lock import KnowledgeBaseBusy

MESSAGES = {
    400: ("请求有误", "提交的内容不完整或格式不对，请检查后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("没有权限", "您的角色不能访问这个页面。如需开通，请联系管理员。"),
    404: ("页面不存在", "您访问的页面或资源不存在，可能已被删除。"),
    405: ("操作不允许", "这个地址不支持该操作。"),
    413: ("文件太大", "上传的内容超过了大小上限。"),
    500: ("系统出错了", "服务器处理请求时出错，已记录日志。请稍后重试，或联系管理员。"),
    503: ("系统繁忙", "数据库正忙（例如正在导入资料），请稍后再试。"),
}
BUSY_RETRY_SECONDS = 30  # Retry-After on a 503 for a locked database


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(status: int, detail: str | None = None):
    """The error as JSON for the API, as a page otherwise."""
    title, message = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    if status == 413:
        limit = current_app.extensions["kefu_settings"].max_upload_mb
        message = f"上传的内容超过了 {limit} MB 的上限。请拆分后分批上传。"
    if wants_json():
        return jsonify({"error": {"status": status, "title": title, "message": detail or message}}), status
    return render_template("error.html", status=status, title=title, message=detail or message), status


def busy_response(detail: str | None = None):
    """503 with ``Retry-After``: the database or the knowledge base is busy; try again later."""
    response = current_app.make_response(render_error(503, detail))
    response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, "表单已过期或来源不明（CSRF 校验失败）。请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        detail = exc.description if getattr(exc, "kefu_detail", False) else None
        return render_error(exc.code or 500, detail)

    @app.errorhandler(sqlite3.OperationalError)
    def database_busy(exc: sqlite3.OperationalError):
        # A lock held past ``db_busy_seconds`` (a long ingest elsewhere): try again later.
        if not is_busy(exc):
            return unexpected(exc)
        current_app.logger.warning("database busy on %s %s: %s", request.method, request.path, exc)
        return busy_response()

    @app.errorhandler(KnowledgeBaseBusy)
    def writer_busy(exc: KnowledgeBaseBusy):
        # Another upload, removal or reindex held the knowledge base past db_busy_seconds.
        current_app.logger.warning("knowledge base busy on %s %s: %s", request.method, request.path, exc)
        return busy_response("知识库正在更新（另一个导入、删除或重建索引还在进行），请稍后再试。")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)


def user_error(status: int, message: str) -> HTTPException:
    """An HTTP error whose (user-facing, Chinese) message is shown as is."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[status](message)
    exc.kefu_detail = True
    return exc
