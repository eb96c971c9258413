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
    record_attempt(conn, quiz_id, taker, answers) -> dict     # start + submit at once
    start_attempt / submit_attempt / taker_view / history      # quiz/attempts.py
    set_delivery, copy_to_draft, unpublish_quiz, delete_quiz   # quiz/store.py
    assign / my_quizzes                                        # quiz/assignments.py
    item_analysis(conn, quiz_id) -> list[ItemStats]
    quiz_report(conn, quiz_id) -> QuizStats                    # Moodle's statistics report
    collect_facts(kb, documents=None) -> FactSet      # the typed facts and why sentences were not used

The question bank is ``quiz.bank`` (store, triage, source review), ``quiz.bank_assembly``
and ``quiz.bank_transfer`` (GIFT / Moodle XML in and out).

``conn`` is the SQLite connection of the data home (``kb.conn`` or
``common.db.connect(settings.db_path)``). Nothing here imports Flask.
"""

from __future__ import annotations

from quiz.analysis import EXPLANATIONS, FLAG_LABELS, ItemStats, QuizStats, analyse_items, quiz_statistics
from quiz.assignments import assign, assignments, my_quizzes, unassign
from quiz.attempts import (
    attempt_matrix,
    attempt_responses,
    attempts_left,
    deadline,
    history,
    is_closed,
    keys_visible,
    latest_attempt,
    open_attempt,
    quiz_attempts,
    record_attempt,
    start_attempt,
    stored_attempt,
    submit_attempt,
    taker_view,
    why_not_start,
)
from quiz.exporters import FORMATS, export_quiz, format_for_path
from quiz.facts import KIND_LABELS, KINDS, Fact
from quiz.generate import GenerationError, build_questions
from quiz.grading import chosen_options, normalise_response
from quiz.material import FactSet, collect_facts
from quiz.models import (
    ALL_TYPES,
    MULTIPLE,
    OPTION_TYPES,
    QUESTION_TYPES,
    SHOW_ANSWERS,
    TYPE_LABELS,
    Question,
    Quiz,
    Source,
)
from quiz.store import (
    QuizError,
    add_question,
    answer_for_letter,
    close_quiz,
    copy_to_draft,
    delete_question,
    delete_quiz,
    delivery_of,
    get_quiz,
    list_quizzes,
    publish_quiz,
    save_quiz,
    set_delivery,
    set_show_answers,
    unpublish_quiz,
    update_question,
)

__all__ = [
    "ALL_TYPES",
    "EXPLANATIONS",
    "FLAG_LABELS",
    "QuizStats",
    "FORMATS",
    "KINDS",
    "KIND_LABELS",
    "Fact",
    "FactSet",
    "GenerationError",
    "collect_facts",
    "build_questions",
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
    "assign",
    "assignments",
    "attempt_matrix",
    "attempt_responses",
    "attempts_left",
    "build_questions",
    "close_quiz",
    "copy_to_draft",
    "deadline",
    "delete_question",
    "delete_quiz",
    "delivery_of",
    "history",
    "is_closed",
    "keys_visible",
    "my_quizzes",
    "open_attempt",
    "quiz_attempts",
    "quiz_report",
    "set_delivery",
    "start_attempt",
    "stored_attempt",
    "submit_attempt",
    "unassign",
    "unpublish_quiz",
    "why_not_start",
    "export_quiz",
    "format_for_path",
    "generate_quiz",
    "get_quiz",
    "latest_attempt",
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
        where = f"知识库中有与“{topic}”相关的段落，但其中" if topic else "所选资料中"
        raise GenerationError(
            f"没有生成任何题目：{where}没有可出题的事实（见 `python app.py quiz facts --why`）"
        )
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
    """Facility, discrimination, point-biserial, option counts and flags per question."""
    return quiz_report(conn, quiz_id).items


def quiz_report(conn, quiz_id: int) -> QuizStats:
    """Moodle's statistics report of a quiz: quiz-level figures (KR-20...) and every item's."""
    quiz = get_quiz(conn, quiz_id)
    ids, matrix, raw = attempt_responses(conn, quiz_id)
    picked = [[_picked(q, r) for q, r in zip(quiz.questions, row, strict=True)] for row in raw]
    options = [
        [(o, o in q.answers if q.type == MULTIPLE else o == q.answer) for o in q.options]
        if q.type in OPTION_TYPES
        else []
        for q in quiz.questions
    ]
    items = analyse_items(ids, matrix, picked, options, [q.stem for q in quiz.questions])
    return quiz_statistics(items, matrix)


def _picked(question: Question, response: str) -> list[str]:
    """The options a stored response picked (the typed text for cloze)."""
    if not str(response).strip():
        return []
    if question.type == MULTIPLE:
        return chosen_options(question, response)
    return [normalise_response(question, response)]
