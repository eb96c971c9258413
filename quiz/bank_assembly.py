"""Quizzes assembled from the question bank's accepted questions (quiz/bank.py).

By topic, kind of fact, type and difficulty band, types taken in turn, questions flagged
for review left out; the shortfall is reported so the caller can generate candidates,
have them triaged and top the draft up with :func:`add_from_bank`.
"""

from __future__ import annotations

import random
import sqlite3

from quiz.bank import list_bank
from quiz.models import ALL_TYPES, DRAFT, Question, Quiz, fact_fingerprint
from quiz.store import QuizError, add_question, get_quiz, save_quiz

# Difficulty bands for assembling (the 0-1 estimate of ``Question.difficulty``).
DIFFICULTY_BANDS = {"easy": (0.0, 0.4), "medium": (0.4, 0.65), "hard": (0.65, 1.01)}
DIFFICULTY_LABELS = {"easy": "容易", "medium": "中等", "hard": "较难"}


def _pick(conn, count, topic, kinds, types, difficulty, seed, exclude=frozenset()) -> list[Question]:
    """Up to ``count`` usable, unflagged questions matching the filters, types in turn."""
    if count < 1:
        raise QuizError("题数至少为 1")
    bad = [t for t in types or [] if t not in ALL_TYPES]
    if bad:
        raise QuizError(f"未知题型：{'、'.join(bad)}")
    if difficulty and difficulty not in DIFFICULTY_BANDS:
        raise QuizError(f"未知难度 {difficulty!r}（可选：{'、'.join(DIFFICULTY_BANDS)}）")
    pool = [e for e in list_bank(conn, status="usable", topic=topic, review=False)]
    pool = [e for e in pool if e["question"].fingerprint not in exclude]
    if kinds:
        pool = [e for e in pool if e["fact_kind"] in kinds]
    if types:
        pool = [e for e in pool if e["question"].type in types]
    if difficulty:
        low, high = DIFFICULTY_BANDS[difficulty]
        pool = [e for e in pool if low <= e["question"].difficulty < high]
    rng = random.Random(seed)
    by_type: dict[str, list[dict]] = {}
    for entry in sorted(pool, key=lambda e: e["id"]):
        by_type.setdefault(entry["question"].type, []).append(entry)
    for entries in by_type.values():
        rng.shuffle(entries)
    picked = []
    while len(picked) < count and any(by_type.values()):
        for qtype in [t for t in ALL_TYPES if by_type.get(t)]:
            if len(picked) < count:
                picked.append(by_type[qtype].pop())
    questions = [e["question"] for e in picked]
    for q in questions:
        q.id = None
    return questions


def assemble(
    conn: sqlite3.Connection,
    count: int,
    topic: str | None = None,
    kinds: list[str] | None = None,
    types: list[str] | None = None,
    difficulty: str | None = None,
    title: str | None = None,
    seed: int = 1,
) -> tuple[Quiz, int]:
    """A draft quiz of up to ``count`` accepted questions matching the filters, types in turn.

    Questions flagged for review are left out. Returns the saved draft and how many
    questions were missing (the caller may generate candidates to fill the gap, triage
    them, then :func:`add_from_bank`).
    """
    questions = _pick(conn, count, topic, kinds, types, difficulty, seed)
    if not questions:
        raise QuizError("题库中没有符合条件的已采用题目：先生成候选题并审核")
    label = topic or "题库"
    notes = [f"从题库组卷：{len(questions)} 题"]
    missing = count - len(questions)
    if missing:
        notes.append(f"题库中符合条件的已采用题目只有 {len(questions)} 道，还差 {missing} 道")
    quiz = Quiz(title or f"{label} 测验", questions, topic=topic or "", seed=seed, notes=notes)
    return save_quiz(conn, quiz), missing


def add_from_bank(
    conn: sqlite3.Connection,
    quiz_id: int,
    count: int,
    topic: str | None = None,
    kinds: list[str] | None = None,
    types: list[str] | None = None,
    difficulty: str | None = None,
) -> tuple[int, int]:
    """Append up to ``count`` accepted bank questions the draft does not hold yet.

    Returns ``(added, missing)``; a published quiz is refused (copy it to a draft first).
    """
    quiz = get_quiz(conn, quiz_id)
    if quiz.status != DRAFT:
        raise QuizError(f"测验 {quiz_id} 已发布，不能再加题；请先“复制为草稿”")
    held = {q.fingerprint or fact_fingerprint(q.source.sentence or q.stem, q.answer) for q in quiz.questions}
    questions = _pick(conn, count, topic, kinds, types, difficulty, quiz.seed + len(quiz.questions), held)
    for q in questions:
        add_question(conn, quiz.id, q)
    return len(questions), count - len(questions)
