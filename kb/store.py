"""SQLite storage of documents, their versions and chunks.

A document's chunks are written as ``pending`` rows, the index snapshot that
references them is published, and only then are they switched ``live`` and
the previous version's rows deleted: a search sees the old version or the new
one, never both or neither, and a crash at any point leaves a loadable state.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from common.db import migrate
from kb.models import Chunk, content_key

MIGRATIONS = [
    """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        title TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        content_hash TEXT NOT NULL,
        encoding TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        report TEXT NOT NULL DEFAULT '{}',
        warnings TEXT NOT NULL DEFAULT '[]',
        chunk_count INTEGER NOT NULL DEFAULT 0,
        updated_at REAL NOT NULL
    );
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        ord INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        headings TEXT NOT NULL,
        question TEXT NOT NULL DEFAULT '',
        answer TEXT NOT NULL DEFAULT '',
        similar TEXT NOT NULL DEFAULT '[]',
        tags TEXT NOT NULL DEFAULT '[]',
        index_text TEXT NOT NULL,
        norm_text TEXT NOT NULL,
        tokens TEXT NOT NULL
    );
    CREATE INDEX chunks_doc ON chunks(doc_id, version);
    CREATE TABLE marks (
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        norm TEXT NOT NULL
    );
    CREATE INDEX marks_doc ON marks(doc_id);
    CREATE TABLE query_log (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        query TEXT NOT NULL,
        answered INTEGER NOT NULL,
        top_score REAL,
        top_chunk INTEGER
    );
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        query TEXT NOT NULL,
        chunk_id INTEGER,
        vote INTEGER NOT NULL,
        comment TEXT NOT NULL DEFAULT ''
    );
    """,
    # Chunk ids are never reused (AUTOINCREMENT): a snapshot that still lists a
    # deleted id must not find another chunk under it.
    """
    CREATE TABLE chunks_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        ord INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        headings TEXT NOT NULL,
        question TEXT NOT NULL DEFAULT '',
        answer TEXT NOT NULL DEFAULT '',
        similar TEXT NOT NULL DEFAULT '[]',
        tags TEXT NOT NULL DEFAULT '[]',
        index_text TEXT NOT NULL,
        norm_text TEXT NOT NULL,
        tokens TEXT NOT NULL
    );
    INSERT INTO chunks_new SELECT * FROM chunks;
    DROP TABLE chunks;
    ALTER TABLE chunks_new RENAME TO chunks;
    CREATE INDEX chunks_doc ON chunks(doc_id, version);
    """,
    # The admin's curation (kb/curation.py): what cleaning dropped, restore decisions, chunks
    # disabled or edited (kept across re-ingests by the content key of the original text).
    """
    ALTER TABLE chunks ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    ALTER TABLE chunks ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE dropped_spans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        line INTEGER NOT NULL,
        reason TEXT NOT NULL,
        text TEXT NOT NULL,
        content_key TEXT NOT NULL
    );
    CREATE INDEX dropped_spans_doc ON dropped_spans(doc_id, version);
    CREATE TABLE restore_decisions (
        doc_name TEXT NOT NULL,
        content_key TEXT NOT NULL,
        reason TEXT NOT NULL,
        text TEXT NOT NULL,
        decided_by TEXT NOT NULL,
        ts REAL NOT NULL,
        PRIMARY KEY (doc_name, content_key)
    );
    CREATE TABLE chunk_overrides (
        doc_name TEXT NOT NULL,
        origin TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        text TEXT,
        PRIMARY KEY (doc_name, origin)
    );
    CREATE TABLE chunk_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_name TEXT NOT NULL,
        origin TEXT NOT NULL,
        action TEXT NOT NULL,
        old_text TEXT NOT NULL,
        new_text TEXT NOT NULL,
        decided_by TEXT NOT NULL,
        ts REAL NOT NULL
    );
    CREATE INDEX chunk_history_origin ON chunk_history(doc_name, origin);
    """,
]

# Kept on disk, not in a TEMP table: after a crash between publishing and promoting, the
# next writer finishes the promotion with the version's own marks and content hash.
_STAGED = (
    "CREATE TABLE IF NOT EXISTS staged (doc_id INTEGER PRIMARY KEY, version INTEGER,"
    " content_hash TEXT, report TEXT, warnings TEXT, chunk_count INTEGER, marks TEXT)"
)


@dataclass
class DocumentInfo:
    """A stored document as listed by ``docs``."""

    id: int
    name: str
    path: str
    title: str
    version: int
    content_hash: str
    encoding: str
    tags: list[str]
    report: dict
    warnings: list[str]
    chunk_count: int
    updated_at: float


def init_schema(conn: sqlite3.Connection) -> None:
    """Create or upgrade the knowledge-base tables."""
    migrate(conn, "kb", MIGRATIONS)


def _document(row: sqlite3.Row) -> DocumentInfo:
    return DocumentInfo(
        row["id"],
        row["name"],
        row["path"],
        row["title"],
        row["version"],
        row["content_hash"],
        row["encoding"],
        json.loads(row["tags"]),
        json.loads(row["report"]),
        json.loads(row["warnings"]),
        row["chunk_count"],
        row["updated_at"],
    )


def list_documents(conn: sqlite3.Connection) -> list[DocumentInfo]:
    """Every document, by name."""
    return [_document(r) for r in conn.execute("SELECT * FROM documents ORDER BY name")]


def get_document(conn: sqlite3.Connection, name_or_id: str | int) -> DocumentInfo | None:
    """A document by name or numeric id."""
    row = conn.execute(
        "SELECT * FROM documents WHERE name = ? OR id = ?", (str(name_or_id), str(name_or_id))
    ).fetchone()
    return _document(row) if row else None


def stage_version(
    conn: sqlite3.Connection,
    name: str,
    path: str,
    title: str,
    content_hash: str,
    encoding: str,
    report: dict,
    warnings: list[str],
    chunks: list[tuple[Chunk, str, str]],
    marks: list[tuple[str, str]],
    dropped: list[tuple[str, str, int]] = (),
) -> tuple[int, int]:
    """Write a new version's chunks as pending rows; returns ``(doc_id, version)``.

    ``chunks`` holds ``(chunk, normalised index text, space-joined tokens)``; ``dropped``
    what cleaning removed, ``(reason, text, source line)``, kept with the version.
    The document row keeps pointing at the live version until :func:`promote`.
    """
    now = time.time()
    with conn:
        row = conn.execute("SELECT id, version FROM documents WHERE name = ?", (name,)).fetchone()
        if row is None:
            doc_id = conn.execute(
                "INSERT INTO documents(name, path, title, version, content_hash, encoding, report,"
                " warnings, chunk_count, updated_at) VALUES (?, ?, ?, 0, '', ?, ?, ?, 0, ?)",
                (
                    name,
                    path,
                    title,
                    encoding,
                    json.dumps(report, ensure_ascii=False),
                    json.dumps(warnings, ensure_ascii=False),
                    now,
                ),
            ).lastrowid
            version = 1
        else:
            doc_id, version = row["id"], row["version"] + 1
        conn.execute("DELETE FROM chunks WHERE doc_id = ? AND state = 'pending'", (doc_id,))
        conn.executemany(
            "INSERT INTO chunks(doc_id, version, ord, state, kind, text, headings, question, answer,"
            " similar, tags, index_text, norm_text, tokens, origin, disabled)"
            " VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    doc_id,
                    version,
                    i,
                    c.kind,
                    c.text,
                    json.dumps(c.headings, ensure_ascii=False),
                    c.question,
                    c.answer,
                    json.dumps(c.similar, ensure_ascii=False),
                    json.dumps(c.tags, ensure_ascii=False),
                    c.index_text(),
                    norm,
                    tokens,
                    c.origin,
                    int(c.disabled),
                )
                for i, (c, norm, tokens) in enumerate(chunks)
            ],
        )
        conn.execute("DELETE FROM dropped_spans WHERE doc_id = ? AND version = ?", (doc_id, version))
        conn.executemany(
            "INSERT INTO dropped_spans(doc_id, version, seq, line, reason, text, content_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (doc_id, version, seq, line, reason, text, content_key(text))
                for seq, (reason, text, line) in enumerate(dropped)
            ],
        )
        conn.execute(
            "UPDATE documents SET path = ?, title = ?, encoding = ? WHERE id = ?",
            (path, title, encoding, doc_id),
        )
        # The staged version's metadata (and dedup marks) until promotion, committed with its
        # rows: no transaction stays open into the (long) publish step.
        conn.execute(_STAGED)
        conn.execute(
            "INSERT OR REPLACE INTO staged VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                doc_id,
                version,
                content_hash,
                json.dumps(report, ensure_ascii=False),
                json.dumps(warnings, ensure_ascii=False),
                len(chunks),
                json.dumps(marks, ensure_ascii=False),
            ),
        )
    return doc_id, version


def promote(conn: sqlite3.Connection) -> None:
    """Make every staged version live and drop the versions they replace (one transaction).

    Only staged versions whose pending rows still exist are promoted, so a
    stale entry (an ingest that failed after staging) can never replace a
    live version with nothing.
    """
    conn.execute(_STAGED)
    now = time.time()
    with conn:
        for row in conn.execute("SELECT * FROM staged").fetchall():
            pending = conn.execute(
                "SELECT 1 FROM chunks WHERE doc_id = ? AND version = ? AND state = 'pending' LIMIT 1",
                (row["doc_id"], row["version"]),
            ).fetchone()
            if pending is None:
                continue
            conn.execute("DELETE FROM marks WHERE doc_id = ?", (row["doc_id"],))
            conn.executemany(
                "INSERT INTO marks(doc_id, kind, norm) VALUES (?, ?, ?)",
                [(row["doc_id"], kind, norm) for kind, norm in json.loads(row["marks"])],
            )
            conn.execute("DELETE FROM chunks WHERE doc_id = ? AND state = 'live'", (row["doc_id"],))
            conn.execute(
                "UPDATE chunks SET state = 'live' WHERE doc_id = ? AND version = ?",
                (row["doc_id"], row["version"]),
            )
            conn.execute(
                "DELETE FROM dropped_spans WHERE doc_id = ? AND version != ?", (row["doc_id"], row["version"])
            )
            conn.execute(
                "UPDATE documents SET version = ?, content_hash = ?, report = ?, warnings = ?,"
                " chunk_count = ?, updated_at = ? WHERE id = ?",
                (
                    row["version"],
                    row["content_hash"],
                    row["report"],
                    row["warnings"],
                    row["chunk_count"],
                    now,
                    row["doc_id"],
                ),
            )
        conn.execute("DELETE FROM staged")


def discard_pending(conn: sqlite3.Connection) -> int:
    """Forget half-finished ingests (a crash or error before promotion); returns rows removed."""
    conn.execute(_STAGED)
    with conn:
        removed = conn.execute("DELETE FROM chunks WHERE state = 'pending'").rowcount
        conn.execute("DELETE FROM documents WHERE version = 0")
        conn.execute("DELETE FROM staged")
    return removed


def delete_document(conn: sqlite3.Connection, doc_id: int) -> None:
    """Remove a document with its chunks, dedup marks and the admin's decisions about it.

    Restores, disables and edits are keyed by the document's name: left behind, they would
    apply to an unrelated file uploaded later under the same name. Their history stays (audit).
    """
    with conn:
        row = conn.execute("SELECT name FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is not None:
            conn.execute("DELETE FROM restore_decisions WHERE doc_name = ?", (row[0],))
            conn.execute("DELETE FROM chunk_overrides WHERE doc_name = ?", (row[0],))
        conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))


def index_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """The rows an index snapshot is built from: pending versions replace live ones."""
    rows = conn.execute(
        "SELECT c.id, c.doc_id, c.state, c.version, c.kind, c.text, c.question, c.answer, c.similar,"
        " c.norm_text, c.tokens FROM chunks c"
        " WHERE c.state != 'removing' AND c.disabled = 0 ORDER BY c.doc_id, c.version, c.ord"
    ).fetchall()
    pending_docs = {r["doc_id"] for r in rows if r["state"] == "pending"}
    return [r for r in rows if r["state"] == "pending" or r["doc_id"] not in pending_docs]


def fetch_chunks(conn: sqlite3.Connection, ids: list[int]) -> dict[int, sqlite3.Row]:
    """Chunk rows with their document's name and title, by id."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        "SELECT c.*, d.name AS doc_name, d.title AS doc_title, d.tags AS doc_tags FROM chunks c"
        f" JOIN documents d ON d.id = c.doc_id WHERE c.id IN ({marks})",
        ids,
    ).fetchall()
    return {r["id"]: r for r in rows}


def chunk_ids_matching(
    conn: sqlite3.Connection, documents: list[str] | None, tags: list[str] | None
) -> set[int]:
    """Ids of chunks in the named documents (name or title) and carrying one of the tags."""
    rows = conn.execute(
        "SELECT c.id, c.tags, d.name, d.title, d.tags AS doc_tags FROM chunks c"
        " JOIN documents d ON d.id = c.doc_id WHERE c.state != 'removing'"
    ).fetchall()
    out = set()
    for row in rows:
        if documents and row["name"] not in documents and row["title"] not in documents:
            continue
        if tags and not set(tags) & set(json.loads(row["tags"]) + json.loads(row["doc_tags"])):
            continue
        out.add(row["id"])
    return out


def document_chunks(conn: sqlite3.Connection, doc_id: int) -> list[sqlite3.Row]:
    """The live chunks of one document in order."""
    return conn.execute(
        "SELECT * FROM chunks WHERE doc_id = ? AND state = 'live' ORDER BY ord", (doc_id,)
    ).fetchall()


def marks_except(conn: sqlite3.Connection, excluded: set[int]) -> list[tuple[str, str]]:
    """Dedup marks of every document not in ``excluded`` (cross-document duplicate detection)."""
    rows = conn.execute("SELECT doc_id, kind, norm FROM marks ORDER BY rowid").fetchall()
    return [(r["kind"], r["norm"]) for r in rows if r["doc_id"] not in excluded]


def document_marks(conn: sqlite3.Connection, doc_id: int) -> set[tuple[str, str]]:
    """Dedup marks (kind, normalised text) of the live version of one document."""
    rows = conn.execute("SELECT kind, norm FROM marks WHERE doc_id = ?", (doc_id,)).fetchall()
    return {(r["kind"], r["norm"]) for r in rows}


def staged_versions(conn: sqlite3.Connection) -> set[tuple[int, int]]:
    """(doc_id, version) of every staged, not yet promoted version."""
    conn.execute(_STAGED)
    return {(r["doc_id"], r["version"]) for r in conn.execute("SELECT doc_id, version FROM staged")}


def tag_names(conn: sqlite3.Connection) -> list[str]:
    """Every tag carried by a live chunk or its document, sorted."""
    found: set[str] = set()
    for row in conn.execute(
        "SELECT DISTINCT c.tags, d.tags AS doc_tags FROM chunks c JOIN documents d ON d.id = c.doc_id"
        " WHERE c.state = 'live'"
    ):
        found.update(json.loads(row["tags"]) + json.loads(row["doc_tags"]))
    return sorted(found)


def document_choices(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(name, title) of every document with live chunks, by name: a read only, for filters."""
    return [
        (row["name"], row["title"])
        for row in conn.execute(
            "SELECT DISTINCT d.name, d.title FROM documents d JOIN chunks c ON c.doc_id = d.id"
            " WHERE c.state = 'live' ORDER BY d.name"
        )
    ]
