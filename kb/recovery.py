"""Finish or undo a write that stopped between its steps (a crash, a full disk, a kill).

An ingest stages a new version as pending rows (with its metadata and dedup
marks in the ``staged`` table), publishes a snapshot, then promotes. A removal
marks rows 'removing', publishes, then deletes. The live snapshot decides
which way each interrupted write goes: what it already serves is finished,
what it does not is undone. Every writer runs this before writing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from index import snapshot
from kb import store


def recover(conn: sqlite3.Connection, index_root: Path) -> None:
    """Bring the store in line with the live snapshot."""
    folder = snapshot.current_folder(index_root)
    published: set[int] = set()
    if folder is not None:
        published = set(np.load(folder / "ids.npy", allow_pickle=False).tolist())
    _settle_pending(conn, published)
    _settle_removals(conn, published)
    store.discard_pending(conn)


def _settle_pending(conn: sqlite3.Connection, published: set[int]) -> None:
    pending = conn.execute(
        "SELECT doc_id, version, group_concat(id) AS ids, count(*) AS n FROM chunks"
        " WHERE state = 'pending' GROUP BY doc_id, version"
    ).fetchall()
    staged = store.staged_versions(conn)
    unstaged, served = [], False
    with conn:
        for row in pending:
            ids = {int(i) for i in row["ids"].split(",")}
            if not ids <= published:
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
    removing = conn.execute(
        "SELECT doc_id, group_concat(id) AS ids FROM chunks WHERE state = 'removing' GROUP BY doc_id"
    ).fetchall()
    for row in removing:
        ids = {int(i) for i in row["ids"].split(",")}
        if ids & published:
            # The write stopped before the snapshot without the document: it was not removed.
            with conn:
                conn.execute(
                    "UPDATE chunks SET state = 'live' WHERE doc_id = ? AND state = 'removing'",
                    (row["doc_id"],),
                )
        else:
            # The snapshot no longer serves it: finish the removal.
            store.delete_document(conn, row["doc_id"])
