"""The admin's hand on cleaning and chunks: see what was dropped, restore it, disable or edit a chunk.

Every piece cleaning removes is stored with its document version, source line and reason
(``dropped_spans``). Restoring one records a decision by content key (the text without white
space, :func:`kb.models.content_key`) and processes the document again from its file: the
stages leave that text in place, now and on every later ingest of the document.

Disabling hides a chunk from search, quizzes and QA examples; editing replaces its text (a new
chunk id, so the index embeds it and the fact cache extracts it again). Both are remembered by
the content key of the text chunking produced (``origin``), so they survive a re-ingest of an
unchanged passage, and every edit is kept in ``chunk_history``: the original is restorable.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from common.textnorm import normalize
from kb.models import Chunk, content_key


class CurationError(ValueError):
    """An admin action that cannot be done; the message is user-facing (Chinese)."""


@dataclass(frozen=True)
class DroppedSpan:
    """A piece of a document's current version that cleaning removed."""

    id: int
    doc_id: int
    doc_name: str
    seq: int
    line: int
    reason: str
    text: str
    restored: bool  # the admin restored it (kept from the next processing of the document on)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "document": self.doc_name,
            "position": self.seq,
            "line": self.line,
            "reason": self.reason,
            "text": self.text,
            "restored": self.restored,
        }


def dropped_spans(conn: sqlite3.Connection, doc_id: int, reason: str | None = None) -> list[DroppedSpan]:
    """What cleaning removed from the document's live version, in document order."""
    rows = conn.execute(
        "SELECT s.*, d.name AS doc_name, r.content_key IS NOT NULL AS restored FROM dropped_spans s"
        " JOIN documents d ON d.id = s.doc_id AND d.version = s.version"
        " LEFT JOIN restore_decisions r ON r.doc_name = d.name AND r.content_key = s.content_key"
        " WHERE s.doc_id = ? ORDER BY s.seq",
        (doc_id,),
    ).fetchall()
    spans = [
        DroppedSpan(
            r["id"],
            r["doc_id"],
            r["doc_name"],
            r["seq"],
            r["line"],
            r["reason"],
            r["text"],
            bool(r["restored"]),
        )
        for r in rows
    ]
    return [s for s in spans if reason is None or s.reason == reason]


def dropped_span(conn: sqlite3.Connection, span_id: int) -> DroppedSpan | None:
    row = conn.execute("SELECT doc_id FROM dropped_spans WHERE id = ?", (span_id,)).fetchone()
    if row is None:
        return None
    return next((s for s in dropped_spans(conn, row["doc_id"]) if s.id == span_id), None)


def restore_keys(conn: sqlite3.Connection, doc_name: str) -> frozenset[str]:
    """Content keys the admin restored in this document: cleaning never drops them."""
    rows = conn.execute("SELECT content_key FROM restore_decisions WHERE doc_name = ?", (doc_name,))
    return frozenset(r["content_key"] for r in rows)


def record_restore(conn: sqlite3.Connection, span: DroppedSpan, decided_by: str) -> None:
    """Remember that this piece of this document is to be kept (by content key)."""
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO restore_decisions VALUES (?, ?, ?, ?, ?, ?)",
            (span.doc_name, content_key(span.text), span.reason, span.text, decided_by, time.time()),
        )


def overrides(conn: sqlite3.Connection, doc_name: str) -> dict[str, sqlite3.Row]:
    """The admin's disable/edit decisions of one document, by origin content key."""
    rows = conn.execute("SELECT * FROM chunk_overrides WHERE doc_name = ?", (doc_name,)).fetchall()
    return {r["origin"]: r for r in rows}


def apply_overrides(conn: sqlite3.Connection, doc_name: str, chunks: list[Chunk]) -> None:
    """Give each freshly chunked passage its origin key and the admin's decisions about it."""
    decided = overrides(conn, doc_name)
    for chunk in chunks:
        chunk.origin = chunk.origin or content_key(chunk.text)
        row = decided.get(chunk.origin)
        if row is None:
            continue
        chunk.disabled = bool(row["disabled"])
        if row["text"] is not None and chunk.kind == "text":
            chunk.text = row["text"]


def history(conn: sqlite3.Connection, chunk_id: int) -> list[dict]:
    """The edits and disable/enable decisions of a chunk's passage, oldest first."""
    row = _chunk_row(conn, chunk_id)
    rows = conn.execute(
        "SELECT * FROM chunk_history WHERE doc_name = ? AND origin = ? ORDER BY id",
        (row["doc_name"], row["origin"]),
    ).fetchall()
    return [dict(r) for r in rows]


def _chunk_row(conn: sqlite3.Connection, chunk_id: int) -> sqlite3.Row:
    row = conn.execute(
        "SELECT c.*, d.name AS doc_name FROM chunks c JOIN documents d ON d.id = c.doc_id"
        " WHERE c.id = ? AND c.state = 'live'",
        (chunk_id,),
    ).fetchone()
    if row is None:
        raise CurationError(f"没有编号为 {chunk_id} 的段落（文档可能已更新，请刷新页面）")
    return row


def _origin(row: sqlite3.Row) -> str:
    return row["origin"] or content_key(row["text"])


def _remember(conn, row, action: str, old: str, new: str, by: str, disabled=None, text=...) -> None:
    """Upsert the override of the chunk's passage and append to its history (one transaction)."""
    origin = _origin(row)
    current = conn.execute(
        "SELECT disabled, text FROM chunk_overrides WHERE doc_name = ? AND origin = ?",
        (row["doc_name"], origin),
    ).fetchone()
    flag = int(disabled if disabled is not None else (current["disabled"] if current else row["disabled"]))
    value = (current["text"] if current else None) if text is ... else text
    conn.execute(
        "INSERT OR REPLACE INTO chunk_overrides VALUES (?, ?, ?, ?)", (row["doc_name"], origin, flag, value)
    )
    conn.execute(
        "INSERT INTO chunk_history(doc_name, origin, action, old_text, new_text, decided_by, ts)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (row["doc_name"], origin, action, old, new, by, time.time()),
    )


def set_disabled(conn: sqlite3.Connection, chunk_id: int, disabled: bool, by: str) -> sqlite3.Row:
    """Flag a live chunk hidden (or shown again); the caller publishes a snapshot without it."""
    row = _chunk_row(conn, chunk_id)
    with conn:
        conn.execute(
            "UPDATE chunks SET disabled = ?, origin = ? WHERE id = ?", (int(disabled), _origin(row), chunk_id)
        )
        _remember(
            conn, row, "disable" if disabled else "enable", row["text"], row["text"], by, disabled=disabled
        )
    return row


def replace_text(
    conn: sqlite3.Connection, chunk_id: int, text: str, tokens, by: str, action: str = "edit"
) -> int:
    """Replace a live text chunk by a copy with new text under a new id; returns the new id.

    ``tokens(norm_text)`` tokenises for the keyword index. A new id (never reused) makes the
    index embed the new text and tombstone the old vectors; the caller publishes.
    """
    row = _chunk_row(conn, chunk_id)
    text = text.strip()
    if row["kind"] != "text":
        raise CurationError("问答和话术条目请在源文件中修改后重新上传")
    if not text:
        raise CurationError("段落内容不能为空；不想让它出现请用“停用”")
    if text == row["text"]:
        raise CurationError("内容没有变化")
    chunk = Chunk(text, json.loads(row["headings"]), "text", tags=json.loads(row["tags"]))
    norm = normalize(chunk.index_text())
    origin = _origin(row)
    original = first_text(conn, row["doc_name"], origin) or row["text"]
    with conn:
        new_id = conn.execute(
            "INSERT INTO chunks(doc_id, version, ord, state, kind, text, headings, question, answer, similar,"
            " tags, index_text, norm_text, tokens, origin, disabled)"
            " VALUES (?, ?, ?, 'live', 'text', ?, ?, '', '', '[]', ?, ?, ?, ?, ?, ?)",
            (
                row["doc_id"],
                row["version"],
                row["ord"],
                text,
                row["headings"],
                row["tags"],
                chunk.index_text(),
                norm,
                " ".join(tokens(norm)),
                origin,
                row["disabled"],
            ),
        ).lastrowid
        conn.execute("DELETE FROM chunks WHERE id = ?", (chunk_id,))
        _remember(conn, row, action, row["text"], text, by, text=None if text == original else text)
    return int(new_id)


def first_text(conn: sqlite3.Connection, doc_name: str, origin: str) -> str | None:
    """The passage's text before its first edit (None: never edited)."""
    row = conn.execute(
        "SELECT old_text FROM chunk_history WHERE doc_name = ? AND origin = ? AND action = 'edit'"
        " ORDER BY id LIMIT 1",
        (doc_name, origin),
    ).fetchone()
    return row["old_text"] if row else None


def edited_origins(conn: sqlite3.Connection, doc_name: str) -> set[str]:
    """Origins of the document's passages whose text the admin replaced (a revert is possible)."""
    rows = conn.execute(
        "SELECT origin FROM chunk_overrides WHERE doc_name = ? AND text IS NOT NULL", (doc_name,)
    ).fetchall()
    return {r["origin"] for r in rows}
