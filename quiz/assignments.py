"""Quizzes assigned to users or to a role, and what each taker sees under 我的测验."""

from __future__ import annotations

import sqlite3
import time

from quiz.attempts import attempts_used, history, is_closed, open_attempt
from quiz.models import PUBLISHED
from quiz.store import QuizError, get_quiz, init_schema, list_quizzes


def assign(
    conn: sqlite3.Connection,
    quiz_id: int,
    users: list[str] = (),
    roles: list[str] = (),
    due_at: float | None = None,
    assigned_by: str = "",
) -> list[dict]:
    """Assign a quiz to users and/or roles (again: the due date is updated). Returns the assignments."""
    quiz = get_quiz(conn, quiz_id)
    targets = [("user", u.strip()) for u in users if u.strip()] + [
        ("role", r.strip()) for r in roles if r.strip()
    ]
    if not targets:
        raise QuizError("请至少选择一个用户或角色")
    now = time.time()
    with conn:
        conn.executemany(
            "INSERT INTO quiz_assignments(quiz_id, target_kind, target, due_at, assigned_by, assigned_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(quiz_id, target_kind, target)"
            " DO UPDATE SET due_at = excluded.due_at, assigned_by = excluded.assigned_by",
            [(quiz.id, kind, target, due_at, assigned_by, now) for kind, target in targets],
        )
    return assignments(conn, quiz.id)


def unassign(conn: sqlite3.Connection, quiz_id: int, target_kind: str, target: str) -> None:
    init_schema(conn)
    with conn:
        conn.execute(
            "DELETE FROM quiz_assignments WHERE quiz_id = ? AND target_kind = ? AND target = ?",
            (int(quiz_id), target_kind, target),
        )


def assignments(conn: sqlite3.Connection, quiz_id: int) -> list[dict]:
    init_schema(conn)
    rows = conn.execute(
        "SELECT * FROM quiz_assignments WHERE quiz_id = ? ORDER BY target_kind, target", (int(quiz_id),)
    ).fetchall()
    return [dict(r) for r in rows]


def my_quizzes(conn: sqlite3.Connection, username: str, role: str, now: float | None = None) -> list[dict]:
    """Published quizzes for one taker: assigned ones first (soonest due first), then the others.

    Each has ``assigned``, ``due_at``, ``overdue`` (due and not passed), ``attempts_used``,
    ``attempts_allowed``, ``in_progress``, ``closed``, ``best`` and ``last`` (percent and
    pass/fail of the taker's attempts) and ``history`` (their submitted attempts, newest first).
    """
    init_schema(conn)
    now = time.time() if now is None else now
    due = {}
    for r in conn.execute(
        "SELECT quiz_id, due_at FROM quiz_assignments WHERE (target_kind = 'user' AND target = ?)"
        " OR (target_kind = 'role' AND target = ?)",
        (username, role),
    ):
        known = due.get(r["quiz_id"], "none")
        due[r["quiz_id"]] = r["due_at"] if known in ("none", None) else min(known, r["due_at"] or known)
    attempts = {}
    for item in history(conn, username):
        attempts.setdefault(item["quiz_id"], []).append(item)
    out = []
    for listed in list_quizzes(conn):
        if listed["status"] != PUBLISHED:
            continue
        quiz = get_quiz(conn, listed["id"])
        mine = attempts.get(quiz.id, [])
        best = max(mine, key=lambda a: (a["percent"], -a["attempt_id"])) if mine else None
        assigned = quiz.id in due
        passed = any(a["passed"] for a in mine)
        due_at = due.get(quiz.id) if assigned else None
        out.append(
            {
                "id": quiz.id,
                "title": quiz.title,
                "questions": len(quiz.questions),
                "published_at": listed["published_at"],
                "assigned": assigned,
                "due_at": due_at,
                "late": bool(assigned and due_at and now > due_at and not passed),
                "closed": is_closed(quiz, now),
                "opens_at": quiz.opens_at,
                "time_limit_minutes": quiz.time_limit_minutes,
                "pass_percent": quiz.pass_percent,
                "attempts_used": attempts_used(conn, quiz.id, username),
                "attempts_allowed": quiz.attempts_allowed,
                "in_progress": open_attempt(conn, quiz.id, username) is not None,
                "best": best,
                "last": mine[0] if mine else None,
                "passed": passed,
                "history": mine,
            }
        )
    out.sort(key=lambda q: (not q["assigned"], q["due_at"] is None, q["due_at"] or 0, -q["id"]))
    return out
