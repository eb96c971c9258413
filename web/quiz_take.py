"""Agents take quizzes (any signed-in user, by the share link) and see their results under 我的测验.

Routes live on the ``quiz`` blueprint (web/quiz.py): ``quiz.mine``, ``quiz.take``,
``quiz.start``, ``quiz.submit`` and ``quiz.attempt``.
"""

from __future__ import annotations

import time

from flask import abort, flash, g, redirect, render_template, request, url_for

from quiz import (
    SHOW_ANSWERS,
    QuizError,
    attempts_left,
    deadline,
    is_closed,
    latest_attempt,
    my_quizzes,
    open_attempt,
    start_attempt,
    stored_attempt,
    submit_attempt,
    taker_view,
    why_not_start,
)
from web.auth import login_required
from web.extensions import db, settings
from web.quiz import bp, load_quiz, quiz_from_token, share_token


@bp.get("/mine")
@login_required
def mine():
    quizzes = my_quizzes(db(), g.user.username, g.user.role)
    for item in quizzes:
        item["token"] = share_token(item["id"])
    return render_template("quiz/mine.html", quizzes=quizzes, now=time.time())


def _published(token: str):
    quiz = load_quiz(quiz_from_token(token))
    if quiz.status != "published":
        abort(404)
    return quiz


@bp.get("/take/<token>")
@login_required
def take(token: str):
    """The attempt in progress, or the quiz's rules with a start button (or why it cannot start)."""
    quiz = _published(token)
    current = open_attempt(db(), quiz.id, g.user.username)
    if current:
        return _render(quiz, token, attempt={**current, "deadline": deadline(quiz, current)})
    refusal = why_not_start(db(), quiz, g.user.username)
    latest = latest_attempt(db(), quiz.id, g.user.username)
    shown = taker_view(quiz, latest, attempts_left(db(), quiz, g.user.username)) if latest else None
    return _render(quiz, token, refusal=refusal, result=shown if (refusal and shown) else None)


@bp.post("/take/<token>/start")
@login_required
def start(token: str):
    quiz = _published(token)
    try:
        start_attempt(db(), quiz.id, g.user.username)
    except QuizError as exc:
        flash(str(exc), "error")
    return redirect(url_for("quiz.take", token=token))


@bp.post("/take/<token>")
@login_required
def submit(token: str):
    quiz = _published(token)
    current = open_attempt(db(), quiz.id, g.user.username)
    if current is None:
        flash("没有进行中的答卷：请先开始作答", "error")
        return redirect(url_for("quiz.take", token=token))
    answers = {}
    for q in quiz.questions:
        values = [v for v in request.form.getlist(f"q{q.id}") if v.strip()]
        answers[str(q.id)] = values if q.type == "multi" else (values[0] if values else "")
    try:
        result = submit_attempt(db(), current["attempt_id"], answers, grace_s=settings().quiz_grace_s)
    except QuizError as exc:
        flash(str(exc), "error")
        return redirect(url_for("quiz.take", token=token))
    if result["overdue"]:
        flash("超过限时后才提交，本次答卷不计分", "error")
    return redirect(url_for("quiz.attempt", token=token, attempt_id=result["attempt_id"]))


@bp.get("/take/<token>/attempts/<int:attempt_id>")
@login_required
def attempt(token: str, attempt_id: int):
    """One of the taker's own submitted attempts, with keys only as the trainer allows."""
    quiz = _published(token)
    try:
        result = stored_attempt(db(), attempt_id)
    except QuizError:
        abort(404)
    if result["quiz_id"] != quiz.id or result["taker"] != g.user.username:
        abort(404)
    shown = taker_view(quiz, result, attempts_left(db(), quiz, g.user.username))
    return _render(quiz, token, result=shown, refusal=why_not_start(db(), quiz, g.user.username))


def _render(quiz, token: str, attempt: dict | None = None, result: dict | None = None, refusal: str = ""):
    """The take page: an attempt to answer (in its own order), a result, or the rules."""
    by_id = {item["question_id"]: item for item in result["items"]} if result else {}
    layout = (attempt or {}).get("layout") or {}
    questions = {q.id: q for q in quiz.questions}
    order = [questions[i] for i in layout.get("questions", []) if i in questions] or list(quiz.questions)
    option_order = {
        q.id: [q.options[i] for i in layout.get("options", {}).get(str(q.id), range(len(q.options)))]
        for q in quiz.questions
    }
    left = attempts_left(db(), quiz, g.user.username)
    return render_template("quiz/take.html", quiz=quiz, token=token, attempt=attempt, result=result,
                           by_id=by_id, order=order, option_order=option_order, refusal=refusal,
                           attempts_left=left, closed=is_closed(quiz), now=time.time(),
                           show_labels=SHOW_ANSWERS)  # fmt: skip
