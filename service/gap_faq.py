"""Closing a knowledge gap in one step: "add as FAQ" into a managed FAQ document.

The managed document is a plain FAQ sheet in the data home (``<home>/managed/知识缺口补充.csv``,
columns 问题, 答案, 相似问题), ingested like any uploaded FAQ, so it is versioned, searchable
and editable like the rest; each entry added marks the gap query (and its similar questions)
resolved, and resolved queries leave the gaps page.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from pathlib import Path

from common.atomic import write_text_atomic
from common.db import migrate

DOCUMENT = "知识缺口补充.csv"
HEADER = ["问题", "答案", "相似问题"]
MIGRATIONS = [
    """
    CREATE TABLE gap_resolutions (
        query TEXT PRIMARY KEY,
        resolved_at REAL NOT NULL,
        resolved_by TEXT NOT NULL,
        faq_question TEXT NOT NULL
    ) WITHOUT ROWID;
    """
]
MAX_FIELD = 2000


class GapError(ValueError):
    """A FAQ entry that cannot be added, with a Chinese message naming the field."""


def init_schema(conn: sqlite3.Connection) -> None:
    migrate(conn, "gap_faq", MIGRATIONS)


def managed_path(home: Path) -> Path:
    return home / "managed" / DOCUMENT


def read_entries(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return rows[1:]


def add_entry(home: Path, question: str, answer: str, similar: list[str]) -> Path:
    """Append (or replace, for the same question) one entry of the managed FAQ sheet."""
    question, answer = " ".join(question.split()), answer.strip()
    similar = [" ".join(s.split()) for s in similar if s.strip()]
    for field, value in (("问题", question), ("答案", answer)):
        if not value:
            raise GapError(f"“{field}”不能为空")
        if len(value) > MAX_FIELD:
            raise GapError(f"“{field}”超过 {MAX_FIELD} 个字")
    path = managed_path(home)
    entries = [row for row in read_entries(path) if row and row[0] != question]
    entries.append([question, answer, "|".join(s for s in similar if s != question)])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, out.getvalue())
    return path


def resolve(conn: sqlite3.Connection, queries: list[str], by: str, faq_question: str) -> None:
    init_schema(conn)
    with conn:
        conn.executemany(
            "INSERT OR REPLACE INTO gap_resolutions(query, resolved_at, resolved_by, faq_question)"
            " VALUES (?, ?, ?, ?)",
            [(q, time.time(), by, faq_question) for q in queries if q],
        )


def resolved(conn: sqlite3.Connection) -> dict[str, float]:
    """Resolved gap queries and when they were resolved."""
    init_schema(conn)
    return {r["query"]: r["resolved_at"] for r in conn.execute("SELECT * FROM gap_resolutions")}
