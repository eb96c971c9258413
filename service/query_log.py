"""The query log, written off the request path: a search never waits for it and never fails by it.

Logged searches feed the admin's 知识缺口 page, a review tool: losing a line under
load is acceptable, a search that waits 30 s for an ingest's write lock (and then
fails) is not. So :meth:`QueryLog.record` only puts the row on a bounded queue, and
one writer thread inserts what has accumulated in one transaction on its own
connection, waiting at most ``query_log_busy_seconds`` for another writer. A batch
that cannot be written then, or a row that finds the queue full, is dropped and
counted (:attr:`QueryLog.dropped`).
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time

from common.db import connect, is_busy

log = logging.getLogger(__name__)

BATCH_ROWS = 500  # rows taken off the queue for one insert transaction
INSERT = "INSERT INTO query_log(ts, query, answered, top_score, top_chunk) VALUES (?, ?, ?, ?, ?)"


class QueryLog:
    """A buffered, lossy writer of ``query_log`` rows for one data home."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.queue: queue.Queue = queue.Queue(maxsize=settings.query_log_buffer)
        self.written = 0
        self.dropped = 0
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def record(self, query: str, response) -> None:
        """Queue one search for the log; never blocks."""
        top = response.results[0] if response.results else None
        row = (time.time(), query, int(response.answered), response.best_dense, top.chunk_id if top else None)
        try:
            self.queue.put_nowait(row)
        except queue.Full:
            self.dropped += 1
            return
        self._ensure_writer()

    def flush(self) -> None:
        """Wait until every queued row was written or dropped (tests, shutdown)."""
        if self._thread is not None:
            self.queue.join()

    def close(self) -> None:
        """Write what is queued, then stop the writer thread."""
        if self._thread is not None:
            self.queue.put(None)
            self._thread.join()
            self._thread = None

    def _ensure_writer(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="query-log", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        conn = connect(self.settings.db_path, self.settings.query_log_busy_seconds)
        try:
            while True:
                rows = [self.queue.get()]
                while len(rows) < BATCH_ROWS:
                    try:
                        rows.append(self.queue.get_nowait())
                    except queue.Empty:
                        break
                stop = None in rows
                batch = [r for r in rows if r is not None]
                try:
                    self._write(conn, batch)
                finally:
                    for _ in rows:
                        self.queue.task_done()
                if stop:
                    return
        finally:
            conn.close()

    def _write(self, conn: sqlite3.Connection, batch: list[tuple]) -> None:
        if not batch:
            return
        try:
            with conn:
                conn.executemany(INSERT, batch)
            self.written += len(batch)
        except sqlite3.Error as exc:
            # Another writer held the database past query_log_busy_seconds: these lines go
            # (any other database error too, logged: the writer must keep running).
            self.dropped += len(batch)
            if is_busy(exc):
                log.warning("query log: %d lines dropped, the database was busy", len(batch))
            else:
                log.exception("query log: %d lines dropped", len(batch))
