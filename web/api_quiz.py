"""JSON API for trainers and quiz takers: generate, review, publish, export, attempts, analysis.

Routes on :data:`web.api.bp` (authentication and errors as described in web/api.py).
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request

from quiz import (
    FORMATS,
    QUESTION_TYPES,
    QuizError,
    attempts_left,
    export_quiz,
    get_quiz,
    list_quizzes,
    publish_quiz,
    quiz_report,
    record_attempt,
    taker_view,
)
from web.api import accepted, api_role, bp, int_arg, json_body
from web.errors import user_error
from web.extensions import db, playbook, settings
from web.quiz import share_token

# --- quizzes ------------------------------------------------------------------------------------


def _quiz_or_404(quiz_id: int):
    try:
        return get_quiz(db(), quiz_id)
    except QuizError:
        raise user_error(404, f"没有编号为 {quiz_id} 的测验") from None


@bp.get("/quizzes")
@api_role("trainer")
def quizzes():
    return jsonify({"quizzes": list_quizzes(db())})


@bp.post("/quizzes")
@api_role("trainer")
def quiz_generate():
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
    _quiz_or_404(quiz_id)
    try:
        quiz = publish_quiz(db(), quiz_id)
    except QuizError as exc:
        raise user_error(409, str(exc)) from None
    return jsonify({**quiz.as_dict(), "share_path": f"/quiz/take/{share_token(quiz_id)}"})


@bp.get("/quizzes/<int:quiz_id>/export")
@api_role("trainer")
def quiz_export(quiz_id: int):
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

    answers = json_body().get("answers")
    if not isinstance(answers, dict):
        raise user_error(400, "answers 必须是对象：{题目编号或序号: 答案}")
    quiz = _quiz_or_404(quiz_id)
    if quiz.status != "published":
        raise user_error(404, f"测验 {quiz_id} 尚未发布")
    try:
        result = record_attempt(db(), quiz_id, g.user.username, answers, grace_s=settings().quiz_grace_s)
    except QuizError as exc:
        raise user_error(400, str(exc)) from None
    # Keys only as the trainer chose (never to a blank or unfinished attempt), except for
    # the quiz's trainers themselves.
    left = attempts_left(db(), quiz, g.user.username)
    return jsonify(result if g.user.may("trainer") else taker_view(quiz, result, left)), 201


@bp.get("/quizzes/<int:quiz_id>/analysis")
@api_role("trainer")
def quiz_analysis(quiz_id: int):
    _quiz_or_404(quiz_id)
    return jsonify({"quiz_id": quiz_id, **quiz_report(db(), quiz_id).as_dict()})
