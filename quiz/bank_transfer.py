"""The question bank in and out: GIFT and Moodle XML import, export of the whole bank."""

from __future__ import annotations

import sqlite3

from quiz.bank import ACCEPTED, add_candidates, list_bank
from quiz.exporters import export_quiz
from quiz.importers import ImportProblem, read_gift, read_moodle_xml
from quiz.models import Quiz
from quiz.store import QuizError


def import_questions(conn: sqlite3.Connection, data: bytes, filename: str, topic: str = "") -> dict:
    """Read a GIFT (.gift/.txt) or Moodle XML (.xml) file into the bank as accepted questions.

    A trainer's own questions are accepted as they come. Returns ``{"added", "skipped",
    "problems"}``; an unreadable file raises :class:`QuizError` naming the file.
    """
    name = filename.lower()
    try:
        if name.endswith(".xml"):
            questions, problems = read_moodle_xml(data, collect=True)
        elif name.endswith((".gift", ".txt")):
            text = data.decode("utf-8-sig")
            questions, problems = read_gift(text, collect=True)
        else:
            raise QuizError(f"{filename}：只能导入 GIFT（.gift/.txt）或 Moodle XML（.xml）文件")
    except UnicodeDecodeError as exc:
        raise QuizError(f"{filename}：不是 UTF-8 文本（第 {exc.start} 字节）") from None
    except (ImportProblem, ValueError) as exc:
        raise QuizError(f"{filename}：{exc}") from None
    problems = [f"{filename}：{p}" for p in problems]
    valid = []
    for q in questions:
        issues = q.validate()
        if issues:
            problems.append(f"{filename}：“{q.stem[:30]}”：{'；'.join(issues)}")
        else:
            valid.append(q)
    result = add_candidates(conn, valid, topic=topic, origin=name.rsplit(".", 1)[-1], status=ACCEPTED)
    return {"added": len(result["added"]), "skipped": result["skipped"], "problems": problems}


def export_bank(conn: sqlite3.Connection, fmt: str, status: str | None = None) -> tuple[bytes, str, str]:
    """The whole bank (or one status) in an export format; ``(content, mimetype, filename)``."""
    entries = list_bank(conn, status=status)
    quiz = Quiz("题库", [e["question"] for e in entries], id=None)
    content, mimetype, filename = export_quiz(quiz, fmt)
    return content, mimetype, filename.replace("quiz-draft", "question-bank")
