"""Taking a published quiz as Moodle does: start an attempt, answer, submit, see what is allowed.

An attempt starts (``start_attempt``) with its own order of questions and of each
question's options when the quiz shuffles them, and with the clock running when it
has a time limit. It is submitted once (``submit_attempt``); a submission after the
limit plus a grace period scores 0 and is marked overdue. A quiz takes attempts only
between its open and close dates, and only as many per taker as it allows.
Answer keys reach a taker only as :func:`keys_visible` says: never for a blank or
unfinished attempt.
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
import time

from quiz.grading import credit
from quiz.models import CHOICE_TYPES, MULTIPLE, PUBLISHED, Quiz
from quiz.store import QuizError, get_quiz, init_schema

IN_PROGRESS, SUBMITTED = "in_progress", "submitted"
DEFAULT_GRACE_S = 60  # the quiz_grace_s setting's default: a submission this late still counts


def is_closed(quiz: Quiz, now: float | None = None) -> bool:
    """Closed by the trainer, or past its close date."""
    now = time.time() if now is None else now
    return quiz.closed_at is not None or (quiz.closes_at is not None and now >= quiz.closes_at)


def attempts_used(conn: sqlite3.Connection, quiz_id: int, taker: str) -> int:
    return conn.execute(
        "SELECT count(*) FROM quiz_attempts WHERE quiz_id = ? AND taker = ?", (quiz_id, taker)
    ).fetchone()[0]


def why_not_start(conn: sqlite3.Connection, quiz: Quiz, taker: str, now: float | None = None) -> str:
    """Why ``taker`` may not start an attempt now ('' when they may)."""
    now = time.time() if now is None else now
    if quiz.status != PUBLISHED:
        return f"测验 {quiz.id} 尚未发布"
    if is_closed(quiz, now):
        return f"测验 {quiz.id} 已关闭，不再接受答卷"
    if quiz.opens_at is not None and now < quiz.opens_at:
        return f"测验 {quiz.id} 尚未开放"
    used = attempts_used(conn, quiz.id, taker)
    if quiz.attempts_allowed and used >= quiz.attempts_allowed:
        return f"已用完本测验的作答次数（共 {quiz.attempts_allowed} 次）"
    return ""


def _layout(quiz: Quiz, seed: int) -> dict:
    """Question order and each question's option order for one attempt."""
    rng = random.Random(seed)
    order = [q.id for q in quiz.questions]
    if quiz.shuffle_questions:
        rng.shuffle(order)
    options = {}
    for q in quiz.questions:
        idx = list(range(len(q.options)))
        if quiz.shuffle_options and q.type in (*CHOICE_TYPES, MULTIPLE):
            rng.shuffle(idx)
        options[str(q.id)] = idx
    return {"seed": seed, "questions": order, "options": options}


def _row_attempt(row: sqlite3.Row) -> dict:
    return {
        "attempt_id": row["id"],
        "quiz_id": row["quiz_id"],
        "taker": row["taker"],
        "state": row["state"],
        "started_at": row["started_at"],
        "submitted_at": row["submitted_at"] if row["state"] == SUBMITTED else None,
        "layout": json.loads(row["layout"] or "{}"),
    }


def open_attempt(conn: sqlite3.Connection, quiz_id: int, taker: str) -> dict | None:
    """The taker's attempt in progress at this quiz, if any."""
    init_schema(conn)
    row = conn.execute(
        "SELECT * FROM quiz_attempts WHERE quiz_id = ? AND taker = ? AND state = ? ORDER BY id DESC LIMIT 1",
        (int(quiz_id), str(taker), IN_PROGRESS),
    ).fetchone()
    return _row_attempt(row) if row else None


def start_attempt(conn: sqlite3.Connection, quiz_id: int, taker: str, now: float | None = None) -> dict:
    """Start (or resume) the taker's attempt: ``{attempt_id, state, started_at, layout, deadline}``."""
    quiz = get_quiz(conn, quiz_id)
    taker = str(taker).strip()
    if not taker:
        raise QuizError("taker is required")
    current = open_attempt(conn, quiz.id, taker)
    if current:
        return {**current, "deadline": deadline(quiz, current)}
    reason = why_not_start(conn, quiz, taker, now)
    if reason:
        raise QuizError(reason)
    started = time.time() if now is None else now
    layout = _layout(quiz, secrets.randbits(32))
    try:
        with conn:
            attempt_id = conn.execute(
                "INSERT INTO quiz_attempts(quiz_id, taker, submitted_at, score, total, state, started_at,"
                " layout) VALUES (?, ?, 0, 0, ?, ?, ?, ?)",
                (quiz.id, taker, len(quiz.questions), IN_PROGRESS, started, json.dumps(layout)),
            ).lastrowid
    except sqlite3.IntegrityError:  # a second click started one a moment ago: resume that one
        current = open_attempt(conn, quiz.id, taker)
        return {**current, "deadline": deadline(quiz, current)}
    attempt = _row_attempt(conn.execute("SELECT * FROM quiz_attempts WHERE id = ?", (attempt_id,)).fetchone())
    return {**attempt, "deadline": deadline(quiz, attempt)}


def deadline(quiz: Quiz, attempt: dict) -> float | None:
    """When the attempt's time runs out (the earlier of its time limit and the close date)."""
    ends = []
    if quiz.time_limit_minutes and attempt.get("started_at"):
        ends.append(attempt["started_at"] + 60 * quiz.time_limit_minutes)
    if quiz.closes_at is not None:
        ends.append(quiz.closes_at)
    return min(ends) if ends else None


def _response_for(by_key: dict, q) -> str:
    response = by_key.get(str(q.id), by_key.get(f"#{q.position}", by_key.get(str(q.position))))
    if isinstance(response, list | tuple):
        response = "；".join(str(r) for r in response)
    return "" if response is None else str(response)


def submit_attempt(
    conn: sqlite3.Connection,
    attempt_id: int,
    answers: dict,
    now: float | None = None,
    grace_s: float = DEFAULT_GRACE_S,
) -> dict:
    """Grade and store the answers of an attempt in progress (see :func:`record_attempt`)."""
    init_schema(conn)
    row = conn.execute("SELECT * FROM quiz_attempts WHERE id = ?", (int(attempt_id),)).fetchone()
    if row is None:
        raise QuizError(f"没有编号为 {attempt_id} 的答卷")
    if row["state"] != IN_PROGRESS:
        raise QuizError("这份答卷已经提交过了")
    quiz = get_quiz(conn, row["quiz_id"])
    now = time.time() if now is None else now
    attempt = _row_attempt(row)
    ends = deadline(quiz, attempt)
    overdue = ends is not None and now > ends + grace_s
    # Closing stops new attempts; one already running is still taken in (its deadline holds).
    by_key = {str(k): v for k, v in (answers or {}).items()}
    items = []
    for q in quiz.questions:
        response = _response_for(by_key, q)
        got = 0.0 if overdue else credit(q, response)
        items.append(
            {
                "question_id": q.id,
                "position": q.position,
                "response": response,
                "credit": got,
                "correct": got >= 1.0,
                "answer": q.answer_letter or q.answer,
            }
        )
    result = _result(attempt["attempt_id"], quiz, row["taker"], items, overdue)
    with conn:
        changed = conn.execute(
            "UPDATE quiz_attempts SET state = ?, submitted_at = ?, score = ?, total = ?, points = ?,"
            " overdue = ? WHERE id = ? AND state = ?",
            (
                SUBMITTED,
                now,
                result["score"],
                result["total"],
                result["points"],
                int(overdue),
                row["id"],
                IN_PROGRESS,
            ),
        ).rowcount
        if not changed:  # submitted by a concurrent request in between
            raise QuizError("这份答卷已经提交过了")
        conn.executemany(
            "INSERT INTO quiz_answers(attempt_id, question_id, response, correct, credit)"
            " VALUES (?, ?, ?, ?, ?)",
            [(row["id"], i["question_id"], i["response"], int(i["correct"]), i["credit"]) for i in items],
        )
    return result


def record_attempt(
    conn: sqlite3.Connection, quiz_id: int, taker: str, answers: dict, grace_s: float = DEFAULT_GRACE_S
) -> dict:
    """Start and submit one attempt at once (the API and the CLI).

    ``answers`` maps a question id (or its 1-based position) to the response:
    a letter or the option text for choice questions, 正确/错误 (对/错, true/false)
    for true/false, text for cloze, letters (``AC``) or a list of option texts for
    multiple-answer items. Unanswered questions earn nothing.
    Returns ``{attempt_id, score, points, total, percent, passed, complete, items: [{question_id,
    response, credit, correct, answer}]}`` with every key: pass it through :func:`taker_view`
    before a taker sees it.
    """
    attempt = start_attempt(conn, quiz_id, taker)
    return submit_attempt(conn, attempt["attempt_id"], answers, grace_s=grace_s)


def _result(attempt_id: int, quiz: Quiz, taker: str, items: list[dict], overdue: bool = False) -> dict:
    points = round(sum(i["credit"] for i in items), 4)
    percent = round(100 * points / len(items), 1) if items else 0.0
    return {
        "attempt_id": attempt_id,
        "quiz_id": quiz.id,
        "taker": taker,
        "score": sum(1 for i in items if i["correct"]),
        "points": points,
        "total": len(items),
        "percent": percent,
        "passed": percent >= quiz.pass_percent and not overdue,
        "overdue": overdue,
        "complete": all(i["response"].strip() for i in items),
        "items": items,
    }


def keys_visible(
    quiz: Quiz, complete: bool, attempts_left: int | None = None, now: float | None = None
) -> bool:
    """May a taker see the keys of an attempt? ``complete``: every question was answered.

    ``attempts_left``: attempts the taker still has (None: unlimited). Never for an
    unfinished or blank attempt, whatever the setting.
    """
    if not complete:
        return False
    if quiz.show_answers == "after_submit":
        return True
    if quiz.show_answers == "after_last_attempt":
        return attempts_left == 0 or is_closed(quiz, now)
    if quiz.show_answers == "after_close":
        return is_closed(quiz, now)
    return False


def taker_view(quiz: Quiz, result: dict, attempts_left: int | None = None) -> dict:
    """An attempt as its taker may see it: answer keys only when :func:`keys_visible` allows."""
    shown = keys_visible(quiz, result["complete"], attempts_left)
    items = [item if shown else {k: v for k, v in item.items() if k != "answer"} for item in result["items"]]
    return {**result, "items": items, "keys_shown": shown}


def attempts_left(conn: sqlite3.Connection, quiz: Quiz, taker: str) -> int | None:
    if not quiz.attempts_allowed:
        return None
    return max(0, quiz.attempts_allowed - attempts_used(conn, quiz.id, taker))


def stored_attempt(conn: sqlite3.Connection, attempt_id: int) -> dict:
    """A submitted attempt, graded as stored (with keys; see :func:`taker_view`)."""
    row = conn.execute("SELECT * FROM quiz_attempts WHERE id = ?", (int(attempt_id),)).fetchone()
    if row is None or row["state"] != SUBMITTED:
        raise QuizError(f"没有编号为 {attempt_id} 的已提交答卷")
    quiz = get_quiz(conn, row["quiz_id"])
    answers = {
        r["question_id"]: r
        for r in conn.execute("SELECT * FROM quiz_answers WHERE attempt_id = ?", (row["id"],))
    }
    items = []
    for q in quiz.questions:
        a = answers.get(q.id)
        got = (a["credit"] if a["credit"] is not None else float(a["correct"])) if a else 0.0
        items.append(
            {
                "question_id": q.id,
                "position": q.position,
                "response": a["response"] if a else "",
                "credit": got,
                "correct": got >= 1.0,
                "answer": q.answer_letter or q.answer,
            }
        )
    result = _result(row["id"], quiz, row["taker"], items, bool(row["overdue"]))
    return {**result, "submitted_at": row["submitted_at"], "started_at": row["started_at"]}


def latest_attempt(conn: sqlite3.Connection, quiz_id: int, taker: str) -> dict | None:
    """The taker's newest submitted attempt at a quiz (with keys; see :func:`taker_view`)."""
    quiz = get_quiz(conn, quiz_id)
    row = conn.execute(
        "SELECT id FROM quiz_attempts WHERE quiz_id = ? AND taker = ? AND state = ? ORDER BY id DESC LIMIT 1",
        (quiz.id, str(taker).strip(), SUBMITTED),
    ).fetchone()
    return stored_attempt(conn, row["id"]) if row else None


def history(conn: sqlite3.Connection, taker: str) -> list[dict]:
    """Every submitted attempt of a taker, newest first, with quiz title, percent and pass/fail."""
    init_schema(conn)
    rows = conn.execute(
        "SELECT a.*, d.title, d.delivery FROM quiz_attempts a JOIN quiz_drafts d ON d.id = a.quiz_id"
        " WHERE a.taker = ? AND a.state = ? ORDER BY a.id DESC",
        (str(taker), SUBMITTED),
    ).fetchall()
    return [_summary(r) for r in rows]


def _summary(r: sqlite3.Row) -> dict:
    points = r["points"] if r["points"] is not None else r["score"]
    percent = round(100 * points / r["total"], 1) if r["total"] else 0.0
    pass_percent = json.loads(r["delivery"] or "{}").get("pass_percent", Quiz("").pass_percent)
    return {
        "attempt_id": r["id"],
        "quiz_id": r["quiz_id"],
        "title": r["title"],
        "taker": r["taker"],
        "started_at": r["started_at"],
        "submitted_at": r["submitted_at"],
        "score": r["score"],
        "points": points,
        "total": r["total"],
        "percent": percent,
        "passed": percent >= pass_percent and not r["overdue"],
        "overdue": bool(r["overdue"]),
    }


def quiz_attempts(conn: sqlite3.Connection, quiz_id: int) -> list[dict]:
    """Submitted attempts at one quiz, newest first (the trainer's results)."""
    init_schema(conn)
    rows = conn.execute(
        "SELECT a.*, d.title, d.delivery FROM quiz_attempts a JOIN quiz_drafts d ON d.id = a.quiz_id"
        " WHERE a.quiz_id = ? AND a.state = ? ORDER BY a.id DESC",
        (int(quiz_id), SUBMITTED),
    ).fetchall()
    return [_summary(r) for r in rows]


def attempt_matrix(conn: sqlite3.Connection, quiz_id: int) -> tuple[list[int], list[list[float]]]:
    """Question ids and one row of credits (0-1) per submitted attempt (for item analysis)."""
    ids, rows, _ = attempt_responses(conn, quiz_id)
    return ids, rows


def attempt_responses(
    conn: sqlite3.Connection, quiz_id: int
) -> tuple[list[int], list[list[float]], list[list[str]]]:
    """Question ids, credits and the raw responses of every submitted attempt, oldest first."""
    quiz = get_quiz(conn, quiz_id)
    ids = [q.id for q in quiz.questions]
    credits, responses = [], []
    attempts = conn.execute(
        "SELECT id FROM quiz_attempts WHERE quiz_id = ? AND state = ? ORDER BY id", (quiz.id, SUBMITTED)
    ).fetchall()
    for attempt in attempts:
        got = {
            r["question_id"]: r
            for r in conn.execute("SELECT * FROM quiz_answers WHERE attempt_id = ?", (attempt["id"],))
        }
        credits.append(
            [
                float(got[qid]["credit"] if got[qid]["credit"] is not None else got[qid]["correct"])
                if qid in got
                else 0.0
                for qid in ids
            ]
        )
        responses.append([got[qid]["response"] if qid in got else "" for qid in ids])
    return ids, credits, responses
