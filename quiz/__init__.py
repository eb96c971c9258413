"""Quizzes from the knowledge base: generate, review, publish, export, grade, analyse.

The public API (the CLI and the web app call only these)::

    generate_quiz(kb, topic=None, documents=None, n=10, types=QUESTION_TYPES, seed=1, title=None) -> Quiz
    list_quizzes(conn) -> list[dict]
    get_quiz(conn, quiz_id) -> Quiz
    update_question(conn, question_id, **fields) -> Question
    delete_question(conn, question_id) -> None
    add_question(conn, quiz_id, question) -> Question
    publish_quiz(conn, quiz_id) -> Quiz
    export_quiz(quiz, fmt) -> (bytes, mimetype, filename)
    record_attempt(conn, quiz_id, taker, answers) -> dict
    item_analysis(conn, quiz_id) -> list[ItemStats]

``conn`` is the SQLite connection of the data home (``kb.conn`` or
``common.db.connect(settings.db_path)``). Nothing here imports Flask.
"""

from __future__ import annotations

from quiz.analysis import ItemStats, analyse_items
from quiz.exporters import FORMATS, export_quiz, format_for_path
from quiz.generate import GenerationError, build_questions
from quiz.models import QUESTION_TYPES, SHOW_ANSWERS, TYPE_LABELS, Question, Quiz, Source
from quiz.store import (
    QuizError,
    add_question,
    answer_for_letter,
    attempt_matrix,
    close_quiz,
    delete_question,
    get_quiz,
    latest_attempt,
    list_attempts,
    list_quizzes,
    publish_quiz,
    record_attempt,
    save_quiz,
    set_show_answers,
    taker_view,
    update_question,
)

__all__ = [
    "FORMATS",
    "QUESTION_TYPES",
    "SHOW_ANSWERS",
    "TYPE_LABELS",
    "ItemStats",
    "Question",
    "Quiz",
    "QuizError",
    "Source",
    "add_question",
    "answer_for_letter",
    "attempt_matrix",
    "close_quiz",
    "delete_question",
    "export_quiz",
    "format_for_path",
    "generate_quiz",
    "get_quiz",
    "latest_attempt",
    "list_attempts",
    "item_analysis",
    "list_quizzes",
    "publish_quiz",
    "record_attempt",
    "save_quiz",
    "set_show_answers",
    "taker_view",
    "update_question",
]


def generate_quiz(
    kb,
    topic: str | None = None,
    documents: list[str] | None = None,
    n: int = 10,
    types=QUESTION_TYPES,
    seed: int = 1,
    title: str | None = None,
    progress=None,
) -> Quiz:
    """Generate questions over a topic (a search query) or documents and store them as a draft.

    Raises :class:`quiz.generate.GenerationError` (a ``ValueError``) when the
    topic matches nothing or the arguments are invalid. ``quiz.notes`` says
    when fewer than ``n`` questions could be made. ``progress(done, total, step)`` is
    told of each step (see ``quiz.generate.build_questions``).
    """
    questions, notes = build_questions(
        kb, topic=topic, documents=documents, n=n, types=types, seed=seed, progress=progress
    )
    if not questions:
        raise GenerationError("no question could be generated: the material has no checkable facts")
    scope = topic or "、".join(documents or []) or "全部资料"
    quiz = Quiz(
        title or f"{scope} 测验",
        questions,
        topic=topic or "",
        documents=list(documents or []),
        seed=seed,
        notes=notes,
    )
    return save_quiz(kb.conn, quiz)


def item_analysis(conn, quiz_id: int) -> list[ItemStats]:
    """Facility, discrimination and flags per question over the quiz's recorded attempts."""
    ids, matrix = attempt_matrix(conn, quiz_id)
    return analyse_items(ids, matrix)
