"""JSON API (``/api/...``): the same core calls as the pages, for scripts and the page's own fetches.

Authentication: ``Authorization: Bearer <token>`` (token from the account
page or ``create-user``), or the browser session; a cookie-authenticated call
that changes something must carry the page's CSRF token in ``X-CSRFToken``.
Every error is ``{"error": {"status", "title", "message"}}``. The routes are
described in ``web/openapi.json`` (a test checks both agree). This module holds the blueprint,
authentication, search, jobs and the knowledge-base admin routes; web/api_qa.py and
web/api_quiz.py add the QA and quiz routes to the same blueprint.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, request

from index.search import LEGS
from kb.loaders import SUPPORTED_SUFFIXES
from service import users
from service.jobs import may_read
from web.errors import user_error
from web.extensions import csrf, db, kb, playbook, settings
from web.uploads import save_uploads

bp = Blueprint("api", __name__, url_prefix="/api")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_K = 50


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.user = users.user_for_token(db(), header[len("Bearer ") :].strip())
        if g.user is None:
            raise user_error(401, "API 令牌无效或已被更换")
        return
    if g.get("user") is None:
        raise user_error(401, "需要登录：请带上 Authorization: Bearer <令牌>")
    if request.method not in SAFE_METHODS:
        csrf.protect()  # the session cookie alone must not be enough to change data


def api_role(*roles: str):
    """Endpoint decorator: the caller needs one of ``roles`` (admins pass)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not g.user.may(*roles):
                raise user_error(403, f"角色 {g.user.role} 不能调用这个接口（需要 {' / '.join(roles)}）")
            return view(*args, **kwargs)

        return wrapped

    return decorate


def json_body() -> dict:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the json module recurses per nesting level; not a ValueError, so not silent
        raise user_error(400, "请求体的 JSON 嵌套过深，无法读取") from None
    if not isinstance(data, dict):
        raise user_error(400, "请求体必须是 JSON 对象（Content-Type: application/json）")
    return data


def int_arg(value, name: str, low: int, high: int, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise user_error(400, f"{name} 必须是整数") from None
    if not low <= number <= high:
        raise user_error(400, f"{name} 必须在 {low} 到 {high} 之间")
    return number


# --- who am I -------------------------------------------------------------------


@bp.get("/me")
def me():
    return jsonify({"username": g.user.username, "role": g.user.role})


@bp.get("/openapi.json")
def openapi():
    spec = json.loads((Path(current_app.root_path) / "openapi.json").read_text(encoding="utf-8"))
    return jsonify(spec)


# --- search -------------------------------------------------------------------------


@bp.get("/search")
@api_role("agent")
def search():
    query = (request.args.get("q") or "").strip()
    if not query:
        raise user_error(400, "缺少查询参数 q")
    if len(query) > 500:
        raise user_error(400, "q 太长（最多 500 个字符）")
    leg = request.args.get("leg", "hybrid")
    if leg not in LEGS:
        raise user_error(400, f"leg 必须是 {' / '.join(LEGS)} 之一")
    k = int_arg(request.args.get("k"), "k", 1, MAX_K, 5)
    log = request.args.get("log", "1") != "0"
    response = playbook().search(
        query,
        k=k,
        documents=request.args.getlist("doc") or None,
        tags=request.args.getlist("tag") or None,
        leg=leg,
        log=log,
    )
    return jsonify(response.as_json())


@bp.post("/feedback")
@api_role("agent")
def feedback():
    data = json_body()
    query, vote, chunk_id = data.get("query"), data.get("vote"), data.get("chunk_id")
    if not isinstance(query, str) or not query.strip():
        raise user_error(400, "缺少 query（被评价结果所对应的查询）")
    if vote not in (1, -1) or isinstance(vote, bool):
        raise user_error(400, "vote 必须是 1（有帮助）或 -1（没帮助）")
    if chunk_id is not None and (not isinstance(chunk_id, int) or isinstance(chunk_id, bool)):
        raise user_error(400, "chunk_id 必须是整数")
    comment = data.get("comment") or ""
    if not isinstance(comment, str) or len(comment) > 1000:
        raise user_error(400, "comment 必须是不超过 1000 字的文本")
    playbook().add_feedback(query.strip()[:500], chunk_id, vote, comment)
    return jsonify({"ok": True}), 201


# --- jobs ------------------------------------------------------------------------------------


def accepted(job, **extra):
    """202 for a started job: its row now, and where to follow it."""
    response = jsonify({**job.as_json(), **extra})
    response.status_code = 202
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return response


@bp.get("/jobs")
def jobs():
    """The caller's jobs, newest first (an admin sees everyone's)."""
    admin = g.user.role == "admin"
    found = playbook().jobs.list(started_by=None if admin else g.user.username)
    return jsonify({"jobs": [job.as_json() for job in found]})


@bp.get("/jobs/<int:job_id>")
def job(job_id: int):
    """A job's status, progress, log, result and error: for the person who started it, or an admin."""
    found = playbook().jobs.get(job_id)
    if found is None:
        raise user_error(404, f"没有编号为 {job_id} 的任务")
    if not may_read(found, g.user.username, g.user.role == "admin"):
        raise user_error(403, "只有发起任务的人或管理员可以查看这个任务")
    return jsonify(found.as_json())


# --- knowledge base admin ----------------------------------------------------------------


def document_json(doc) -> dict:
    data = asdict(doc)
    data.pop("path", None)  # server-side storage path: nobody's business
    return data


@bp.get("/documents")
@api_role("admin")
def documents():
    return jsonify({"documents": [document_json(d) for d in kb().documents()]})


@bp.get("/documents/<path:ref>")
@api_role("admin")
def document(ref: str):
    doc = kb().document(ref)
    if doc is None:
        raise user_error(404, f"没有名为 {ref} 的文档")
    chunks = [
        {
            "id": c["id"],
            "ord": c["ord"],
            "kind": c["kind"],
            "text": c["text"],
            "headings": json.loads(c["headings"]),
            "question": c["question"],
            "answer": c["answer"],
            "disabled": bool(c["disabled"]),
        }
        for c in kb().chunks(doc.id)
    ]
    return jsonify({**document_json(doc), "chunks": chunks})


@bp.post("/documents")
@api_role("admin")
def ingest():
    files = request.files.getlist("files")
    if not files:
        raise user_error(400, "请用 multipart/form-data 上传至少一个文件（字段名 files）")
    saved, errors = save_uploads(files, settings().home_path, "kb", SUPPORTED_SUFFIXES)
    if not saved:
        raise user_error(400, "；".join(errors) or "没有可导入的文件")
    tags = [t.strip() for t in request.form.get("tags", "").replace("，", ",").split(",") if t.strip()]
    job = playbook().start_ingest([s.path for s in saved], g.user.username, tags, rejected=errors)
    return accepted(job, rejected=errors)


@bp.delete("/documents/<path:ref>")
@api_role("admin")
def remove(ref: str):
    try:
        doc = playbook().remove(ref)
    except KeyError:
        raise user_error(404, f"没有名为 {ref} 的文档") from None
    return jsonify({"removed": doc.name, "version": doc.version, "chunks": doc.chunk_count})


@bp.get("/gaps")
@api_role("admin")
def gaps():
    return jsonify(kb().gaps())
