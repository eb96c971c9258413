"""Per-user preferences kept across sessions: the search page's document and tag filters."""

from __future__ import annotations

import json
import sqlite3

from common.db import migrate

MIGRATIONS = [
    """
    CREATE TABLE user_preferences (
        user_id INTEGER NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (user_id, key)
    ) WITHOUT ROWID;
    """
]
SEARCH_FILTERS = "search_filters"


def init_schema(conn: sqlite3.Connection) -> None:
    migrate(conn, "preferences", MIGRATIONS)


def get(conn: sqlite3.Connection, user_id: int, key: str, default=None):
    """A saved preference; a read only (a search page never waits for a writer elsewhere)."""
    try:
        row = conn.execute(
            "SELECT value FROM user_preferences WHERE user_id = ? AND key = ?", (user_id, key)
        ).fetchone()
    except sqlite3.OperationalError:  # no preference saved on this data home yet: no table
        return default
    return json.loads(row["value"]) if row else default


def put(conn: sqlite3.Connection, user_id: int, key: str, value) -> None:
    init_schema(conn)
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO user_preferences(user_id, key, value) VALUES (?, ?, ?)",
            (user_id, key, json.dumps(value, ensure_ascii=False)),
        )
