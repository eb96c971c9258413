"""Finish or undo a write that stopped between its steps (a crash, a full disk, a kill).

An ingest stages a new version as pending rows (with its metadata and dedup
marks in the ``staged`` table), publishes a snapshot, then promotes. A removal
marks rows 'removing', publishes, then deletes. The live snapshot decides
which way each interrupted write goes: what it already serves is finished,
what it does not is undone. Every writer runs this before writing.

Readers never write, so they cannot repair; :func:`served_documents` shows the
documents as this repair would leave them - which is what search serves now.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np

from index import snapshot
from kb import store


def _published(index_root: Path) -> set[int]:
    """Chunk ids the live snapshot serves."""
    folder = snapshot.current_folder(index_root)
    if folder is None:
        return set()
    return set(np.load(folder / "ids.npy", allow_pickle=False).tolist())


def _pending_versions(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        # Disabled chunks are never in a snapshot: only the others say whether it was published.
        "SELECT doc_id, version, group_concat(CASE WHEN disabled = 0 THEN id END) AS ids,"
        " count(*) AS n FROM chunks WHERE state = 'pending' GROUP BY doc_id, version"
    ).fetchall()


def _removals(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT doc_id, group_concat(CASE WHEN disabled = 0 THEN id END) AS ids FROM chunks"
        " WHERE state = 'removing' GROUP BY doc_id"
    ).fetchall()


def _ids(row: sqlite3.Row) -> set[int]:
    return {int(i) for i in row["ids"].split(",")} if row["ids"] else set()


def recover(conn: sqlite3.Connection, index_root: Path) -> None:
    """Bring the store in line with the live snapshot."""
    published = _published(index_root)
    _settle_pending(conn, published)
    _settle_removals(conn, published)
    store.discard_pending(conn)


def _settle_pending(conn: sqlite3.Connection, published: set[int]) -> None:
    pending = _pending_versions(conn)
    staged = store.staged_versions(conn)
    unstaged, served = [], False
    with conn:
        for row in pending:
            if not _ids(row) <= published:
                # Never served: undo it (discard_pending drops the rows afterwards).
                conn.execute(
                    "DELETE FROM staged WHERE doc_id = ? AND version = ?", (row["doc_id"], row["version"])
                )
            elif (row["doc_id"], row["version"]) not in staged:
                unstaged.append(row)
            else:
                served = True
        for row in unstaged:
            # Served, but its staged metadata is gone (a database from before it was kept):
            # promote by hand and clear the content hash so the next ingest redoes the marks.
            conn.execute("DELETE FROM chunks WHERE doc_id = ? AND state = 'live'", (row["doc_id"],))
            conn.execute(
                "UPDATE chunks SET state = 'live' WHERE doc_id = ? AND version = ?",
                (row["doc_id"], row["version"]),
            )
            conn.execute(
                "UPDATE documents SET version = ?, chunk_count = ?, content_hash = '' WHERE id = ?",
                (row["version"], row["n"], row["doc_id"]),
            )
            conn.execute("DELETE FROM marks WHERE doc_id = ?", (row["doc_id"],))  # the old version's
    if served:
        # Served and staged: finish the promotion with its own marks, report and content hash.
        store.promote(conn)


def _settle_removals(conn: sqlite3.Connection, published: set[int]) -> None:
    for row in _removals(conn):
        if _ids(row) & published:
            # The write stopped before the snapshot without the document: it was not removed.
            with conn:
                conn.execute(
                    "UPDATE chunks SET state = 'live' WHERE doc_id = ? AND state = 'removing'",
                    (row["doc_id"],),
                )
        else:
            # The snapshot no longer serves it: finish the removal.
            store.delete_document(conn, row["doc_id"])


def served_documents(conn: sqlite3.Connection, index_root: Path) -> list[store.DocumentInfo]:
    """The documents as the live snapshot serves them, read-only (what :func:`recover` would leave).

    After a crash between publishing and promoting, search already serves the new
    version: it is listed with its staged version, chunk count and report. A document
    whose first version was never published (a ghost "v0, 0 chunks") is not listed,
    nor one whose removal was published.
    """
    published = _published(index_root)
    documents = {d.id: d for d in store.list_documents(conn)}
    store.staged_versions(conn)  # the table exists on a database from before it was kept
    staged = {(r["doc_id"], r["version"]): r for r in conn.execute("SELECT * FROM staged").fetchall()}
    for row in _pending_versions(conn):
        doc = documents.get(row["doc_id"])
        if doc is None or not _ids(row) <= published:
            continue
        meta = staged.get((row["doc_id"], row["version"]))
        documents[doc.id] = replace(
            doc,
            version=row["version"],
            chunk_count=row["n"],
            content_hash=meta["content_hash"] if meta else "",
            report=json.loads(meta["report"]) if meta else doc.report,
            warnings=json.loads(meta["warnings"]) if meta else doc.warnings,
        )
    for row in _removals(conn):
        if not _ids(row) & published:
            documents.pop(row["doc_id"], None)
    return sorted((d for d in documents.values() if d.version > 0), key=lambda d: d.name)
