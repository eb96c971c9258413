"""SQLite connection with WAL and explicit, per-component schema migrations."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

from common.settings import setting


def connect(
    path: str | Path,
    busy_timeout: float = setting("db_busy_seconds").default,
    factory: Callable[..., sqlite3.Connection] | None = None,
) -> sqlite3.Connection:
    """Open the database in WAL mode with foreign keys on; rows behave like dicts.

    ``busy_timeout``: seconds to wait for a lock held by another connection before
    ``sqlite3.OperationalError: database is locked`` (callers with settings pass
    ``db_busy_seconds``).
    """
    conn = sqlite3.connect(
        str(path),
        timeout=max(0.0, busy_timeout),
        check_same_thread=False,
        factory=factory or sqlite3.Connection,
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ( component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    return conn


def open_database(settings) -> sqlite3.Connection:
    """The data home's database with the ``db_busy_seconds`` busy timeout."""
    return connect(settings.db_path, settings.db_busy_seconds)


class _Connection(sqlite3.Connection):
    """A plain connection that can be weakly referenced (so :class:`ThreadConnections` can close it)."""


class ThreadConnections:
    """One SQLite connection per thread behind the ``sqlite3.Connection`` interface.

    A connection shared by request threads breaks in ways that depend on timing: one
    thread's commit ends another's transaction, and a cursor stepped by two threads
    raises "another row available". Objects that hold "the" connection (the knowledge
    base, its searcher) are given this instead and every call goes to the calling
    thread's own connection, opened on first use (like flaskr's ``get_db`` per request).
    A thread's connection is closed when the thread ends (at the next garbage
    collection) or by :meth:`close`.
    """

    def __init__(self, path: str | Path, busy_timeout: float = setting("db_busy_seconds").default) -> None:
        self._path = path
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._opened: weakref.WeakSet = weakref.WeakSet()

    def get(self) -> sqlite3.Connection:
        """The calling thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self._path, self._busy_timeout, factory=_Connection)
            self._local.conn = conn
            self._opened.add(conn)
        return conn

    def __getattr__(self, name: str):
        return getattr(self.get(), name)

    def __enter__(self):
        return self.get().__enter__()

    def __exit__(self, *exc_info):
        return self.get().__exit__(*exc_info)

    def close(self) -> None:
        """Close every thread's connection (the next use from a thread opens a new one)."""
        for conn in list(self._opened):
            conn.close()
        self._opened = weakref.WeakSet()
        self._local = threading.local()


def thread_connections(settings) -> ThreadConnections:
    """Per-thread connections to the data home's database with the ``db_busy_seconds`` timeout."""
    return ThreadConnections(settings.db_path, settings.db_busy_seconds)


def is_busy(exc: BaseException) -> bool:
    """True when ``exc`` is SQLite's "database is locked" for a lock another connection held.

    Judged by the error code (SQLITE_BUSY), not the message: "database table is
    locked" (SQLITE_LOCKED) is a conflict inside one connection, a bug, not load.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(exc, sqlite3.OperationalError) or code is None:
        return False
    return code & 0xFF == sqlite3.SQLITE_BUSY


def migrate(conn: sqlite3.Connection, component: str, migrations: Sequence[str]) -> int:
    """Apply the migrations of one component that this database has not seen yet.

    ``migrations`` is an append-only list of SQL scripts; item *i* takes the
    component's schema from version *i* to *i + 1*. Returns the new version.
    """
    row = conn.execute("SELECT version FROM schema_migrations WHERE component = ?", (component,)).fetchone()
    current = row["version"] if row else 0
    for version, script in enumerate(migrations[current:], start=current + 1):
        with conn:
            # executescript commits on its own; wrap statements so a failure rolls back.
            conn.executescript(f"BEGIN;\n{script}\nCOMMIT;")
            conn.execute(
                "INSERT INTO schema_migrations(component, version) VALUES (?, ?)"
                " ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                (component, version),
            )
    return len(migrations)
