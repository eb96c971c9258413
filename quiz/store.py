"""Quizzes in SQLite: drafts are editable, published quizzes are frozen and take attempts."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict

from quiz.models import DELIVERY_FIELDS, DRAFT, PUBLISHED, SHOW_ANSWERS, Question, Quiz, Source
from quiz.schema import init_schema


class QuizError(ValueError):
    """A request the quiz store cannot satisfy (unknown id, editing a published quiz...)."""


def question_from_row(row: sqlite3.Row) -> Question:
    """A question from a stored row (quiz questions and bank questions share the columns);
    ``position`` is 0 for a row that has none (the bank)."""
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
        row["position"] if "position" in row.keys() else 0,
        json.loads(row["answers"]),
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
        json.dumps(q.answers, ensure_ascii=False),
    )


_QUESTION_COLUMNS = (
    "type, stem, options, answer, accepted, explanation, source, difficulty, key, fingerprint, answers"
)
_QUESTION_SLOTS = ", ".join("?" * len(_QUESTION_COLUMNS.split(",")))


def save_quiz(conn: sqlite3.Connection, quiz: Quiz) -> Quiz:
    """Store a new draft with its questions; sets ``quiz.id`` and the question ids."""
    init_schema(conn)
    quiz.created_at = quiz.created_at or time.time()
    with conn:
        cur = conn.execute(
            "INSERT INTO quiz_drafts(title, status, topic, documents, seed, notes, created_at, show_answers,"
            " delivery) VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
            (
                quiz.title,
                quiz.topic,
                json.dumps(quiz.documents, ensure_ascii=False),
                quiz.seed,
                json.dumps(quiz.notes, ensure_ascii=False),
                quiz.created_at,
                quiz.show_answers,
                json.dumps(delivery_of(quiz)),
            ),
        )
        quiz.id = cur.lastrowid
        for position, q in enumerate(quiz.questions, 1):
            q.position = position
            q.id = conn.execute(
                f"INSERT INTO quiz_questions(quiz_id, position, {_QUESTION_COLUMNS})"
                f" VALUES (?, ?, {_QUESTION_SLOTS})",
                (quiz.id, position, *_question_values(q)),
            ).lastrowid
    quiz.status = DRAFT
    return quiz


def list_quizzes(conn: sqlite3.Connection) -> list[dict]:
    """Every quiz, newest first, with question and attempt counts."""
    init_schema(conn)
    rows = conn.execute(
        "SELECT d.*, (SELECT count(*) FROM quiz_questions q WHERE q.quiz_id = d.id) AS questions,"
        " (SELECT count(*) FROM quiz_attempts a WHERE a.quiz_id = d.id AND a.state = 'submitted')"
        " AS attempts,"
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
        question_from_row(r)
        for r in conn.execute(
            "SELECT * FROM quiz_questions WHERE quiz_id = ? ORDER BY position, id", (row["id"],)
        )
    ]
    delivery = json.loads(row["delivery"])
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
        **{name: delivery[name] for name in DELIVERY_FIELDS if name in delivery},
    )


def delivery_of(quiz: Quiz) -> dict:
    """The quiz's delivery settings (shuffle, time limit, attempts, dates, pass mark) as a dict."""
    return {name: getattr(quiz, name) for name in DELIVERY_FIELDS}


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
    question = question_from_row(row)
    allowed = {"type", "stem", "options", "answer", "explanation", "difficulty", "accepted", "key", "answers"}
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
            f"UPDATE quiz_questions SET ({_QUESTION_COLUMNS}) = ({_QUESTION_SLOTS}) WHERE id = ?",
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
            f" VALUES (?, ?, {_QUESTION_SLOTS})",
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


def set_delivery(conn: sqlite3.Connection, quiz_id: int, **fields) -> Quiz:
    """Change how a quiz is taken (any of ``DELIVERY_FIELDS``); allowed at any status.

    Refused with a Chinese message naming the field: a negative time limit or attempt
    count, a pass mark outside 0-100, a close date before the open date.
    """
    quiz = get_quiz(conn, quiz_id)
    unknown = set(fields) - set(DELIVERY_FIELDS)
    if unknown:
        raise QuizError(f"未知的测验设置：{', '.join(sorted(unknown))}")
    merged = {**delivery_of(quiz), **fields}
    try:
        merged["shuffle_questions"] = bool(merged["shuffle_questions"])
        merged["shuffle_options"] = bool(merged["shuffle_options"])
        merged["time_limit_minutes"] = int(merged["time_limit_minutes"] or 0)
        merged["attempts_allowed"] = int(merged["attempts_allowed"] or 0)
        merged["pass_percent"] = float(merged["pass_percent"])
        for name in ("opens_at", "closes_at"):
            merged[name] = None if merged[name] in (None, "") else float(merged[name])
    except (TypeError, ValueError) as exc:
        raise QuizError(f"测验设置不是有效的数字：{exc}") from None
    if not 0 <= merged["time_limit_minutes"] <= 24 * 60:
        raise QuizError("限时（分钟）须在 0（不限时）到 1440 之间")
    if not 0 <= merged["attempts_allowed"] <= 100:
        raise QuizError("允许作答次数须在 0（不限）到 100 之间")
    if not 0 <= merged["pass_percent"] <= 100:
        raise QuizError("及格线须在 0 到 100 之间")
    if merged["opens_at"] and merged["closes_at"] and merged["closes_at"] <= merged["opens_at"]:
        raise QuizError("截止时间须晚于开放时间")
    with conn:
        conn.execute("UPDATE quiz_drafts SET delivery = ? WHERE id = ?", (json.dumps(merged), quiz.id))
    return get_quiz(conn, quiz.id)


def copy_to_draft(conn: sqlite3.Connection, quiz_id: int, title: str | None = None) -> Quiz:
    """A new draft with the quiz's questions and settings (a published quiz stays as it is)."""
    quiz = get_quiz(conn, quiz_id)
    for q in quiz.questions:
        q.id = None
    copy = Quiz(
        title or f"{quiz.title}（副本）",
        quiz.questions,
        topic=quiz.topic,
        documents=quiz.documents,
        seed=quiz.seed,
        notes=[f"复制自测验 {quiz.id}"],
        show_answers=quiz.show_answers,
        **{**delivery_of(quiz), "opens_at": None, "closes_at": None},
    )
    return save_quiz(conn, copy)


def unpublish_quiz(conn: sqlite3.Connection, quiz_id: int) -> Quiz:
    """Turn a published quiz nobody has taken back into a draft; one with attempts is refused."""
    quiz = get_quiz(conn, quiz_id)
    if quiz.status != PUBLISHED:
        raise QuizError(f"测验 {quiz_id} 是草稿，无需撤回发布")
    taken = conn.execute("SELECT count(*) FROM quiz_attempts WHERE quiz_id = ?", (quiz.id,)).fetchone()[0]
    if taken:
        raise QuizError(f"测验 {quiz_id} 已有 {taken} 次作答，不能撤回发布；请“复制为草稿”后修改")
    with conn:
        conn.execute("DELETE FROM quiz_publications WHERE quiz_id = ?", (quiz.id,))
        conn.execute("UPDATE quiz_drafts SET status = ?, closed_at = NULL WHERE id = ?", (DRAFT, quiz.id))
    return get_quiz(conn, quiz.id)


def delete_quiz(conn: sqlite3.Connection, quiz_id: int) -> None:
    """Delete a quiz with its questions, attempts and assignments."""
    quiz = get_quiz(conn, quiz_id)
    with conn:
        conn.execute("DELETE FROM quiz_drafts WHERE id = ?", (quiz.id,))
