"""Quizzes in SQLite: drafts are editable, published quizzes are frozen and take attempts."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict

from common.db import migrate
from quiz.grading import grade
from quiz.models import DRAFT, PUBLISHED, SHOW_ANSWERS, Question, Quiz, Source

MIGRATIONS = [
    """
    CREATE TABLE quiz_drafts (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'draft',
        topic TEXT NOT NULL DEFAULT '',
        documents TEXT NOT NULL DEFAULT '[]',
        seed INTEGER NOT NULL DEFAULT 1,
        notes TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL
    );
    CREATE TABLE quiz_questions (
        id INTEGER PRIMARY KEY,
        quiz_id INTEGER NOT NULL REFERENCES quiz_drafts(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        type TEXT NOT NULL,
        stem TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '[]',
        answer TEXT NOT NULL,
        accepted TEXT NOT NULL DEFAULT '[]',
        explanation TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '{}',
        difficulty REAL NOT NULL DEFAULT 0.5,
        key TEXT NOT NULL DEFAULT '',
        fingerprint TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX quiz_questions_quiz ON quiz_questions(quiz_id, position);
    CREATE TABLE quiz_publications (
        quiz_id INTEGER PRIMARY KEY REFERENCES quiz_drafts(id) ON DELETE CASCADE,
        published_at REAL NOT NULL,
        snapshot TEXT NOT NULL
    );
    CREATE TABLE quiz_attempts (
        id INTEGER PRIMARY KEY,
        quiz_id INTEGER NOT NULL REFERENCES quiz_drafts(id) ON DELETE CASCADE,
        taker TEXT NOT NULL,
        submitted_at REAL NOT NULL,
        score INTEGER NOT NULL,
        total INTEGER NOT NULL
    );
    CREATE INDEX quiz_attempts_quiz ON quiz_attempts(quiz_id);
    CREATE TABLE quiz_answers (
        attempt_id INTEGER NOT NULL REFERENCES quiz_attempts(id) ON DELETE CASCADE,
        question_id INTEGER NOT NULL,
        response TEXT NOT NULL,
        correct INTEGER NOT NULL,
        PRIMARY KEY (attempt_id, question_id)
    );
    """,
    # Answer keys are shown to takers only as the trainer chooses; a closed quiz takes no attempts.
    """
    ALTER TABLE quiz_drafts ADD COLUMN show_answers TEXT NOT NULL DEFAULT 'after_close';
    ALTER TABLE quiz_drafts ADD COLUMN closed_at REAL;
    """,
]


class QuizError(ValueError):
    """A request the quiz store cannot satisfy (unknown id, editing a published quiz...)."""


def init_schema(conn: sqlite3.Connection) -> None:
    migrate(conn, "quiz", MIGRATIONS)


def _question(row: sqlite3.Row) -> Question:
    return Question(
        row["type"],
        row["stem"],
        json.loads(row["options"]),
        row["answer"],
        row["explanation"],
        Source(**json.loads(row["source"])),
        row["difficulty"],
        row["key"],
        row["fingerprint"],
        json.loads(row["accepted"]),
        row["id"],
        row["position"],
    )


def _question_values(q: Question) -> tuple:
    return (
        q.type,
        q.stem,
        json.dumps(q.options, ensure_ascii=False),
        q.answer,
        json.dumps(q.accepted, ensure_ascii=False),
        q.explanation,
        json.dumps(asdict(q.source), ensure_ascii=False),
        q.difficulty,
        q.key,
        q.fingerprint,
    )


_QUESTION_COLUMNS = "type, stem, options, answer, accepted, explanation, source, difficulty, key, fingerprint"


def save_quiz(conn: sqlite3.Connection, quiz: Quiz) -> Quiz:
    """Store a new draft with its questions; sets ``quiz.id`` and the question ids."""
    init_schema(conn)
    quiz.created_at = quiz.created_at or time.time()
    with conn:
        cur = conn.execute(
            "INSERT INTO quiz_drafts(title, status, topic, documents, seed, notes, created_at)"
            " VALUES (?, 'draft', ?, ?, ?, ?, ?)",
            (
                quiz.title,
                quiz.topic,
                json.dumps(quiz.documents, ensure_ascii=False),
                quiz.seed,
                json.dumps(quiz.notes, ensure_ascii=False),
                quiz.created_at,
            ),
        )
        quiz.id = cur.lastrowid
        for position, q in enumerate(quiz.questions, 1):
            q.position = position
            q.id = conn.execute(
                f"INSERT INTO quiz_questions(quiz_id, position, {_QUESTION_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (quiz.id, position, *_question_values(q)),
            ).lastrowid
    quiz.status = DRAFT
    return quiz


def list_quizzes(conn: sqlite3.Connection) -> list[dict]:
    """Every quiz, newest first, with question and attempt counts."""
    init_schema(conn)
    rows = conn.execute(
        "SELECT d.*, (SELECT count(*) FROM quiz_questions q WHERE q.quiz_id = d.id) AS questions,"
        " (SELECT count(*) FROM quiz_attempts a WHERE a.quiz_id = d.id) AS attempts,"
        " p.published_at FROM quiz_drafts d LEFT JOIN quiz_publications p ON p.quiz_id = d.id"
        " ORDER BY d.id DESC"
    ).fetchall()
    return [
        {
            "id": r["id"],
            "title": r["title"],
            "status": r["status"],
            "topic": r["topic"],
            "questions": r["questions"],
            "attempts": r["attempts"],
            "created_at": r["created_at"],
            "published_at": r["published_at"],
        }
        for r in rows
    ]


def get_quiz(conn: sqlite3.Connection, quiz_id: int) -> Quiz:
    """The quiz with its questions in order; raises :class:`QuizError` for an unknown id."""
    init_schema(conn)
    row = conn.execute("SELECT * FROM quiz_drafts WHERE id = ?", (int(quiz_id),)).fetchone()
    if row is None:
        raise QuizError(f"no quiz with id {quiz_id} (see `python app.py quiz list`)")
    pub = conn.execute(
        "SELECT published_at FROM quiz_publications WHERE quiz_id = ?", (row["id"],)
    ).fetchone()
    questions = [
        _question(r)
        for r in conn.execute(
            "SELECT * FROM quiz_questions WHERE quiz_id = ? ORDER BY position, id", (row["id"],)
        )
    ]
    return Quiz(
        row["title"],
        questions,
        row["id"],
        row["status"],
        row["topic"],
        json.loads(row["documents"]),
        row["seed"],
        row["created_at"],
        pub["published_at"] if pub else None,
        json.loads(row["notes"]),
        row["show_answers"],
        row["closed_at"],
    )


def _draft_of_question(conn: sqlite3.Connection, question_id: int) -> int:
    row = conn.execute(
        "SELECT q.quiz_id, d.status FROM quiz_questions q"
        " JOIN quiz_drafts d ON d.id = q.quiz_id WHERE q.id = ?",
        (int(question_id),),
    ).fetchone()
    if row is None:
        raise QuizError(f"no question with id {question_id}")
    if row["status"] != DRAFT:
        raise QuizError(f"quiz {row['quiz_id']} is published; questions can no longer change")
    return row["quiz_id"]


def _require_draft(conn: sqlite3.Connection, quiz_id: int) -> Quiz:
    quiz = get_quiz(conn, quiz_id)
    if quiz.status != DRAFT:
        raise QuizError(f"quiz {quiz_id} is published; questions can no longer change")
    return quiz


def update_question(conn: sqlite3.Connection, question_id: int, **fields) -> Question:
    """Edit a draft question by hand (stem, options, answer, explanation, type...).

    The edited question must still be valid (answer among the options...).
    """
    init_schema(conn)
    _draft_of_question(conn, question_id)
    row = conn.execute("SELECT * FROM quiz_questions WHERE id = ?", (int(question_id),)).fetchone()
    question = _question(row)
    allowed = {"type", "stem", "options", "answer", "explanation", "difficulty", "accepted", "key"}
    unknown = set(fields) - allowed
    if unknown:
        raise QuizError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(sorted(allowed))}")
    for name, value in fields.items():
        setattr(question, name, value)
    question = Question(**{**question.__dict__})  # re-run type checks
    problems = question.validate()
    if problems:
        raise QuizError("; ".join(problems))
    with conn:
        conn.execute(
            f"UPDATE quiz_questions SET ({_QUESTION_COLUMNS}) = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?",
            (*_question_values(question), question.id),
        )
    return question


def answer_for_letter(
    conn: sqlite3.Connection, question_id: int, answer: str, options: list[str] | None = None
) -> str:
    """The option an answer letter ("B") names, from ``options`` or the stored question's; else ``answer``."""
    if len(answer) != 1 or answer.upper() not in "ABCD":
        return answer
    init_schema(conn)
    if options is None:
        row = conn.execute("SELECT options FROM quiz_questions WHERE id = ?", (int(question_id),)).fetchone()
        options = json.loads(row["options"]) if row else []
    index = "ABCD".index(answer.upper())
    return options[index] if index < len(options) else answer


def delete_question(conn: sqlite3.Connection, question_id: int) -> None:
    """Drop a question from a draft; later questions move up one position."""
    init_schema(conn)
    quiz_id = _draft_of_question(conn, question_id)
    with conn:
        conn.execute("DELETE FROM quiz_questions WHERE id = ?", (int(question_id),))
        ids = [
            r["id"]
            for r in conn.execute(
                "SELECT id FROM quiz_questions WHERE quiz_id = ? ORDER BY position, id", (quiz_id,)
            )
        ]
        conn.executemany(
            "UPDATE quiz_questions SET position = ? WHERE id = ?", [(i, qid) for i, qid in enumerate(ids, 1)]
        )


def add_question(conn: sqlite3.Connection, quiz_id: int, question: Question) -> Question:
    """Append a hand-written question to a draft."""
    init_schema(conn)
    quiz = _require_draft(conn, quiz_id)
    problems = question.validate()
    if problems:
        raise QuizError("; ".join(problems))
    question.position = len(quiz.questions) + 1
    with conn:
        question.id = conn.execute(
            f"INSERT INTO quiz_questions(quiz_id, position, {_QUESTION_COLUMNS})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (quiz.id, question.position, *_question_values(question)),
        ).lastrowid
    return question


def publish_quiz(conn: sqlite3.Connection, quiz_id: int) -> Quiz:
    """Freeze a draft: its questions are snapshotted and attempts are accepted from now on."""
    quiz = _require_draft(conn, quiz_id)
    if not quiz.questions:
        raise QuizError(f"quiz {quiz_id} has no questions")
    bad = [f"第{q.position}题: {'; '.join(q.validate())}" for q in quiz.questions if q.validate()]
    if bad:
        raise QuizError("cannot publish: " + " | ".join(bad))
    now = time.time()
    with conn:
        conn.execute("UPDATE quiz_drafts SET status = ? WHERE id = ?", (PUBLISHED, quiz.id))
        conn.execute(
            "INSERT INTO quiz_publications(quiz_id, published_at, snapshot) VALUES (?, ?, ?)",
            (quiz.id, now, json.dumps(quiz.as_dict(), ensure_ascii=False)),
        )
    return get_quiz(conn, quiz.id)


def set_show_answers(conn: sqlite3.Connection, quiz_id: int, show_answers: str) -> Quiz:
    """Choose when takers see the answer keys (one of ``SHOW_ANSWERS``); allowed at any status."""
    if show_answers not in SHOW_ANSWERS:
        raise QuizError(f"未知的答案显示方式 {show_answers!r}（可选：{', '.join(SHOW_ANSWERS)}）")
    quiz = get_quiz(conn, quiz_id)
    with conn:
        conn.execute("UPDATE quiz_drafts SET show_answers = ? WHERE id = ?", (show_answers, quiz.id))
    return get_quiz(conn, quiz.id)


def close_quiz(conn: sqlite3.Connection, quiz_id: int) -> Quiz:
    """Stop taking attempts at a published quiz (keys set to show after closing become visible)."""
    quiz = get_quiz(conn, quiz_id)
    if quiz.status != PUBLISHED:
        raise QuizError(f"测验 {quiz_id} 尚未发布，无需关闭")
    with conn:
        conn.execute(
            "UPDATE quiz_drafts SET closed_at = coalesce(closed_at, ?) WHERE id = ?", (time.time(), quiz.id)
        )
    return get_quiz(conn, quiz.id)


def keys_visible(quiz: Quiz, complete: bool) -> bool:
    """May a taker see the keys of an attempt? ``complete``: every question was answered."""
    if quiz.show_answers == "after_submit":
        return complete
    if quiz.show_answers == "after_close":
        return quiz.closed_at is not None
    return False


def taker_view(quiz: Quiz, result: dict) -> dict:
    """An attempt as its taker may see it: answer keys only when :func:`keys_visible` allows."""
    shown = keys_visible(quiz, result["complete"])
    items = [item if shown else {k: v for k, v in item.items() if k != "answer"} for item in result["items"]]
    return {**result, "items": items, "keys_shown": shown}


def list_attempts(conn: sqlite3.Connection, quiz_id: int) -> list[dict]:
    """A quiz's recorded attempts, newest first: taker, submitted_at, score, total."""
    init_schema(conn)
    rows = conn.execute(
        "SELECT taker, submitted_at, score, total FROM quiz_attempts WHERE quiz_id = ? ORDER BY id DESC",
        (int(quiz_id),),
    ).fetchall()
    return [dict(r) for r in rows]


def latest_attempt(conn: sqlite3.Connection, quiz_id: int, taker: str) -> dict | None:
    """The taker's newest attempt at a quiz, graded as stored (with keys; see :func:`taker_view`)."""
    quiz = get_quiz(conn, quiz_id)
    row = conn.execute(
        "SELECT * FROM quiz_attempts WHERE quiz_id = ? AND taker = ? ORDER BY id DESC LIMIT 1",
        (quiz.id, str(taker).strip()),
    ).fetchone()
    if row is None:
        return None
    answers = {
        r["question_id"]: r
        for r in conn.execute("SELECT * FROM quiz_answers WHERE attempt_id = ?", (row["id"],))
    }
    items = [
        {
            "question_id": q.id,
            "position": q.position,
            "response": answers[q.id]["response"] if q.id in answers else "",
            "correct": bool(answers[q.id]["correct"]) if q.id in answers else False,
            "answer": q.answer_letter or q.answer,
        }
        for q in quiz.questions
    ]
    return _result(row["id"], quiz, row["taker"], items)


def _result(attempt_id: int, quiz: Quiz, taker: str, items: list[dict]) -> dict:
    score = sum(1 for i in items if i["correct"])
    return {
        "attempt_id": attempt_id,
        "quiz_id": quiz.id,
        "taker": taker,
        "score": score,
        "total": len(items),
        "percent": round(100 * score / len(items), 1) if items else 0.0,
        "complete": all(i["response"].strip() for i in items),
        "items": items,
    }


def record_attempt(conn: sqlite3.Connection, quiz_id: int, taker: str, answers: dict) -> dict:
    """Grade and store one attempt at a published, open quiz.

    ``answers`` maps a question id (or its 1-based position) to the response:
    a letter or the option text for choice questions, 正确/错误 (对/错, true/false)
    for true/false, text for cloze. Unanswered questions count as wrong.
    Returns ``{attempt_id, score, total, percent, complete, items: [{question_id, response,
    correct, answer}]}`` with every key: pass it through :func:`taker_view` before a taker sees it.
    """
    quiz = get_quiz(conn, quiz_id)
    if quiz.status != PUBLISHED:
        raise QuizError(f"quiz {quiz_id} is a draft: publish it before recording attempts")
    if quiz.closed_at is not None:
        raise QuizError(f"测验 {quiz_id} 已关闭，不再接受答卷")
    if not str(taker).strip():
        raise QuizError("taker is required")
    by_key = {str(k): v for k, v in answers.items()}
    items = []
    for q in quiz.questions:
        response = by_key.get(str(q.id), by_key.get(f"#{q.position}", by_key.get(str(q.position))))
        response = "" if response is None else str(response)
        items.append(
            {
                "question_id": q.id,
                "position": q.position,
                "response": response,
                "correct": grade(q, response),
                "answer": q.answer_letter or q.answer,
            }
        )
    result = _result(0, quiz, str(taker).strip(), items)
    with conn:
        attempt_id = conn.execute(
            "INSERT INTO quiz_attempts(quiz_id, taker, submitted_at, score, total) VALUES (?, ?, ?, ?, ?)",
            (quiz.id, result["taker"], time.time(), result["score"], result["total"]),
        ).lastrowid
        conn.executemany(
            "INSERT INTO quiz_answers(attempt_id, question_id, response, correct) VALUES (?, ?, ?, ?)",
            [(attempt_id, i["question_id"], i["response"], int(i["correct"])) for i in items],
        )
    return {**result, "attempt_id": attempt_id}


def attempt_matrix(conn: sqlite3.Connection, quiz_id: int) -> tuple[list[int], list[list[int]]]:
    """Question ids and one 0/1 row per attempt (for item analysis)."""
    quiz = get_quiz(conn, quiz_id)
    ids = [q.id for q in quiz.questions]
    rows = []
    for attempt in conn.execute("SELECT id FROM quiz_attempts WHERE quiz_id = ? ORDER BY id", (quiz.id,)):
        got = {
            r["question_id"]: r["correct"]
            for r in conn.execute(
                "SELECT question_id, correct FROM quiz_answers WHERE attempt_id = ?", (attempt["id"],)
            )
        }
        rows.append([int(got.get(qid, 0)) for qid in ids])
    return ids, rows
