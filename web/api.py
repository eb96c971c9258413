"""JSON API (``/api/...``): the same core calls as the pages, for scripts and the page's own fetches.

Authentication: ``Authorization: Bearer <token>`` (token from the account
page or ``create-user``), or the browser session; a cookie-authenticated call
that changes something must carry the page's CSRF token in ``X-CSRFToken``.
Every error is ``{"error": {"status", "title", "message"}}``. The routes are
described in ``web/openapi.json`` (a test checks both agree).
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, request

from service import users
from service.jobs import may_read
from web.errors import user_error
from web.extensions import csrf, db, kb, playbook, settings

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
    from index.search import LEGS

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
        }
        for c in kb().chunks(doc.id)
    ]
    return jsonify({**document_json(doc), "chunks": chunks})


@bp.post("/documents")
@api_role("admin")
def ingest():
    from kb.loaders import SUPPORTED_SUFFIXES
    from web.uploads import save_uploads

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


# --- QA scoring ------------------------------------------------------------------------------


@bp.get("/qa/policies")
@api_role("qa")
def qa_policies():
    from web import policies

    return jsonify({"policies": policies.list_policies(settings().home_path)})


@bp.post("/qa/policies/validate")
@api_role("qa")
def qa_validate_policy():
    from qa import validate_policy_text

    text = json_body().get("text")
    if not isinstance(text, str):
        raise user_error(400, "缺少 text（规则 YAML 文本）")
    errors = validate_policy_text(text)
    return jsonify({"valid": not errors, "errors": errors})


def _stored_conversations(conversations) -> list:
    """JSON conversations posted to the API, kept as a file under the data home like an upload."""
    from web.uploads import batch_folder

    if not isinstance(conversations, list) or not conversations:
        raise user_error(400, "conversations 必须是非空数组（每项含 id、agent、messages）")
    path = batch_folder(settings().home_path, "transcripts") / "api.json"
    path.write_text(json.dumps(conversations, ensure_ascii=False), encoding="utf-8")
    return [path]


@bp.post("/qa/score")
@api_role("qa")
def qa_score():
    """Score uploaded files (multipart ``files``, ``policy``) or JSON ``conversations``; stores the run."""
    from qa import save_run, score_files
    from web import policies
    from web.qa import TRANSCRIPT_SUFFIXES, _scorer
    from web.uploads import save_uploads

    if request.mimetype == "application/json":
        data = json_body()
        policy_name, semantic = data.get("policy", "default.yaml"), data.get("semantic", True)
        if not isinstance(policy_name, str):
            raise user_error(400, "policy 必须是质检规则的文件名（文本），例如 default.yaml")
        if not isinstance(semantic, bool):
            raise user_error(400, "semantic 必须是 true 或 false")
        paths, refused = _stored_conversations(data.get("conversations")), []
    else:
        policy_name = request.form.get("policy", "default.yaml")
        semantic = request.form.get("semantic", "1") not in ("0", "false", "off")
        saved, refused = save_uploads(
            request.files.getlist("files"), settings().home_path, "transcripts", TRANSCRIPT_SUFFIXES
        )
        if not saved:
            raise user_error(
                400, "；".join(refused) or "请上传对话文件（字段名 files）或提交 JSON conversations"
            )
        paths = [s.path for s in saved]
    policy = _load_policy(policies, str(policy_name))
    result = score_files(paths, policy, settings(), scorer=_scorer(policy, semantic))
    from web.extensions import qa_db

    run_id = save_run(qa_db(), result)
    return jsonify(
        {
            "run_id": run_id,
            "policy": {"name": policy.name, "version": policy.version},
            "scored": len(result.scorecards),
            "rejected": len(result.rejections),
            "rejections": [
                {"file": Path(r.file).name, "line": r.line, "unit": r.unit, "reason": r.reason}
                for r in result.rejections
            ]
            + [{"file": None, "line": None, "unit": "file", "reason": r} for r in refused],
            "scorecards": [c.as_dict() for c in result.scorecards],
        }
    ), 201


def _load_policy(policies, name: str):
    from qa import PolicyError, parse_policy

    try:
        text = policies.read_policy(settings().home_path, name)
    except policies.UploadError:
        text = None
    if text is None:
        raise user_error(404, f"没有名为 {name} 的质检规则")
    try:
        return parse_policy(text, name, settings())
    except PolicyError as exc:
        raise user_error(400, "规则文件有误：" + "；".join(exc.errors)) from None


@bp.get("/qa/runs")
@api_role("qa")
def qa_runs():
    from qa import list_runs
    from web.extensions import qa_db

    runs = list_runs(qa_db(), limit=int_arg(request.args.get("limit"), "limit", 1, 1000, 50))
    return jsonify({"runs": [_public_run(r) for r in runs]})


def _public_run(run: dict) -> dict:
    """A run without server-side storage paths (file names only)."""
    return {**run, "files": [Path(f).name for f in run["files"]]}


@bp.get("/qa/runs/<int:run_id>")
@api_role("qa")
def qa_run(run_id: int):
    from qa import list_runs, list_scorecards
    from web.extensions import qa_db

    run = next((r for r in list_runs(qa_db(), limit=1_000_000) if r["id"] == run_id), None)
    if run is None:
        raise user_error(404, f"没有编号为 {run_id} 的评分")
    return jsonify(
        {
            **_public_run(run),
            "scorecards": list_scorecards(qa_db(), run_id, request.args.get("agent") or None),
        }
    )


@bp.get("/qa/scorecards/<int:scorecard_id>")
@api_role("qa")
def qa_scorecard(scorecard_id: int):
    from qa import get_scorecard
    from web.extensions import qa_db

    card = get_scorecard(qa_db(), scorecard_id)
    if card is None:
        raise user_error(404, f"没有编号为 {scorecard_id} 的评分卡")
    return jsonify(card)


@bp.get("/qa/agents/<agent>")
@api_role("qa")
def qa_agent(agent: str):
    from qa import agent_history
    from web.extensions import qa_db

    history = agent_history(qa_db(), agent, request.args.get("policy_version") or None)
    if not history:
        raise user_error(404, f"没有客服 {agent} 的评分记录")
    return jsonify({"agent": agent, "history": history})


# --- quizzes ------------------------------------------------------------------------------------


def _quiz_or_404(quiz_id: int):
    from quiz import QuizError, get_quiz

    try:
        return get_quiz(db(), quiz_id)
    except QuizError:
        raise user_error(404, f"没有编号为 {quiz_id} 的测验") from None


@bp.get("/quizzes")
@api_role("trainer")
def quizzes():
    from quiz import list_quizzes

    return jsonify({"quizzes": list_quizzes(db())})


@bp.post("/quizzes")
@api_role("trainer")
def quiz_generate():
    from quiz import QUESTION_TYPES

    data = json_body()
    topic, documents = data.get("topic"), data.get("documents")
    if topic is not None and not isinstance(topic, str):
        raise user_error(400, "topic 必须是文本")
    if documents is not None and (
        not isinstance(documents, list) or not all(isinstance(d, str) for d in documents)
    ):
        raise user_error(400, "documents 必须是文档名数组")
    types = data.get("types") or list(QUESTION_TYPES)
    if not isinstance(types, list) or any(t not in QUESTION_TYPES for t in types):
        raise user_error(400, f"types 必须是 {' / '.join(QUESTION_TYPES)} 的数组")
    n = int_arg(data.get("n"), "n", 1, 50, 10)
    seed = int_arg(data.get("seed"), "seed", 0, 2**31 - 1, 1)
    title = data.get("title") if isinstance(data.get("title"), str) else None
    try:
        job = playbook().start_quiz(g.user.username, topic=topic or None, documents=documents or None, n=n,
                                    types=types, seed=seed, title=title)  # fmt: skip
    except ValueError as exc:
        raise user_error(400, f"无法生成测验：{exc}") from None
    return accepted(job)


@bp.get("/quizzes/<int:quiz_id>")
@api_role("trainer")
def quiz_detail(quiz_id: int):
    return jsonify(_quiz_or_404(quiz_id).as_dict())


@bp.post("/quizzes/<int:quiz_id>/publish")
@api_role("trainer")
def quiz_publish(quiz_id: int):
    from quiz import QuizError, publish_quiz
    from web.quiz import share_token

    _quiz_or_404(quiz_id)
    try:
        quiz = publish_quiz(db(), quiz_id)
    except QuizError as exc:
        raise user_error(409, str(exc)) from None
    return jsonify({**quiz.as_dict(), "share_path": f"/quiz/take/{share_token(quiz_id)}"})


@bp.get("/quizzes/<int:quiz_id>/export")
@api_role("trainer")
def quiz_export(quiz_id: int):
    from quiz import FORMATS, export_quiz

    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        raise user_error(400, f"format 必须是 {' / '.join(FORMATS)} 之一")
    content, mimetype, filename = export_quiz(_quiz_or_404(quiz_id), fmt)
    return current_app.response_class(
        content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.post("/quizzes/<int:quiz_id>/attempts")
def quiz_attempt(quiz_id: int):
    """Any signed-in user takes a published quiz; the taker is the caller."""
    from quiz import QuizError, record_attempt, taker_view

    answers = json_body().get("answers")
    if not isinstance(answers, dict):
        raise user_error(400, "answers 必须是对象：{题目编号或序号: 答案}")
    quiz = _quiz_or_404(quiz_id)
    if quiz.status != "published":
        raise user_error(404, f"测验 {quiz_id} 尚未发布")
    try:
        result = record_attempt(db(), quiz_id, g.user.username, answers)
    except QuizError as exc:
        raise user_error(400, str(exc)) from None
    # Keys only as the trainer chose (never to a blank or unfinished attempt), except for
    # the quiz's trainers themselves.
    return jsonify(result if g.user.may("trainer") else taker_view(quiz, result)), 201


@bp.get("/quizzes/<int:quiz_id>/analysis")
@api_role("trainer")
def quiz_analysis(quiz_id: int):
    from quiz import item_analysis

    _quiz_or_404(quiz_id)
    return jsonify({"quiz_id": quiz_id, "items": [s.as_dict() for s in item_analysis(db(), quiz_id)]})
