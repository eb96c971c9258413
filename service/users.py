"""User accounts: roles, hashed passwords, sign-in sessions and API tokens, in the product database.

No Flask here: the CLI (`create-user`) and the web app both call these functions.
Only a SHA-256 of each API token and session id is stored, so a copied database
does not leak working credentials; a token is shown once, when it is issued.

Sessions live on the server (``web_sessions``): the browser's cookie holds only a
random session id, so the server can end a session. User ids are never reused
(``AUTOINCREMENT``), and deleting a user deletes their sessions, so an old cookie
can never sign in as the next user created.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass

from common.db import migrate
from service.passwords import check_password, dummy_hash, hash_password

ROLES = ("agent", "qa", "trainer", "admin")
ROLE_LABELS = {"agent": "客服", "qa": "质检", "trainer": "培训", "admin": "管理员"}
USERNAME = re.compile(r"^[\w.@-]{2,40}$")
MIN_PASSWORD = 8

MIGRATIONS = [
    """
    CREATE TABLE web_users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        token_hash TEXT UNIQUE,
        must_change_password INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
    """,
    """
    CREATE TABLE sign_in_failures (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL,
        address TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX sign_in_failures_at ON sign_in_failures(at);
    """,
    # Ids are never reused and sessions are server-side: a deleted user's cookie
    # must not become the next new user's session. Cookie-only sessions of the
    # previous schema stop working (their holders sign in again).
    """
    CREATE TABLE web_users_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        token_hash TEXT UNIQUE,
        must_change_password INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
    INSERT INTO web_users_new(id, username, password_hash, role, token_hash, must_change_password, created_at)
        SELECT id, username, password_hash, role, token_hash, must_change_password, created_at FROM web_users;
    DROP TABLE web_users;
    ALTER TABLE web_users_new RENAME TO web_users;
    CREATE TABLE web_sessions (
        id_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES web_users(id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE INDEX web_sessions_user ON web_sessions(user_id);
    """,
]
# One address may fail for several people (a shared office NAT) before it is held back.
ADDRESS_FAILURE_FACTOR = 4


class UserError(ValueError):
    """Invalid user input (name taken, bad role, weak password); the message is user-facing."""


@dataclass(frozen=True)
class User:
    """A signed-in person and what they may do."""

    id: int
    username: str
    role: str
    must_change_password: bool = False

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def may(self, *roles: str) -> bool:
        """True when the user has one of ``roles``; admins may everything."""
        return self.role == "admin" or self.role in roles


def init_schema(conn: sqlite3.Connection) -> None:
    """Create or upgrade the web tables."""
    migrate(conn, "web", MIGRATIONS)


def _user(row: sqlite3.Row | None) -> User | None:
    if row is None:
        return None
    return User(row["id"], row["username"], row["role"], bool(row["must_change_password"]))


def _secret_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password_strength(password: str) -> None:
    """Reject passwords too short to survive guessing."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少需要 {MIN_PASSWORD} 个字符")


def create_user(
    conn: sqlite3.Connection, username: str, password: str, role: str, must_change_password: bool = False
) -> User:
    """Add a user; raises :class:`UserError` for a taken name, unknown role or short password."""
    username = username.strip()
    if not USERNAME.match(username):
        raise UserError("用户名需为 2–40 个字母、数字或 . _ @ -")
    if role not in ROLES:
        raise UserError(f"未知角色 {role!r}（可选：{', '.join(ROLES)}）")
    check_password_strength(password)
    try:
        with conn:
            user_id = conn.execute(
                "INSERT INTO web_users(username, password_hash, role, must_change_password, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (username, hash_password(password), role, int(must_change_password), time.time()),
            ).lastrowid
    except sqlite3.IntegrityError:
        raise UserError(f"用户名 {username} 已存在") from None
    return User(int(user_id), username, role, must_change_password)


def authenticate(conn: sqlite3.Connection, username: str, password: str) -> User | None:
    """The user when the password matches, else ``None`` (same answer for unknown names)."""
    row = conn.execute("SELECT * FROM web_users WHERE username = ?", (username.strip(),)).fetchone()
    if row is None:
        # Hash anyway so response time does not reveal which user names exist.
        check_password(dummy_hash(), password)
        return None
    return _user(row) if check_password(row["password_hash"], password) else None


def get_user(conn: sqlite3.Connection, user_id: int) -> User | None:
    return _user(conn.execute("SELECT * FROM web_users WHERE id = ?", (user_id,)).fetchone())


def user_for_token(conn: sqlite3.Connection, token: str) -> User | None:
    """The owner of an API token, or ``None``."""
    if not token:
        return None
    return _user(
        conn.execute("SELECT * FROM web_users WHERE token_hash = ?", (_secret_hash(token),)).fetchone()
    )


def issue_token(conn: sqlite3.Connection, user_id: int) -> str:
    """A new API token for the user (the previous one stops working); shown to them once."""
    token = "kefu_" + secrets.token_urlsafe(32)
    with conn:
        conn.execute("UPDATE web_users SET token_hash = ? WHERE id = ?", (_secret_hash(token), user_id))
    return token


def revoke_token(conn: sqlite3.Connection, user_id: int) -> None:
    """The user's API token stops working."""
    with conn:
        conn.execute("UPDATE web_users SET token_hash = NULL WHERE id = ?", (user_id,))


def set_password(
    conn: sqlite3.Connection, user_id: int, password: str, keep_session: str | None = None
) -> None:
    """Change one's own password: clears the must-change flag, ends other sessions, revokes the API token.

    A password is changed when it may have leaked, so whatever signed in with the
    old one (another browser, a script holding the token) must sign in again;
    ``keep_session`` is the session of the person changing it.
    """
    check_password_strength(password)
    with conn:
        conn.execute(
            "UPDATE web_users SET password_hash = ?, must_change_password = 0, token_hash = NULL"
            " WHERE id = ?",
            (hash_password(password), user_id),
        )
        _end_sessions(conn, user_id, keep=keep_session)


def reset_password(conn: sqlite3.Connection, user_id: int, password: str) -> None:
    """An admin sets a new one-time password: every session and the API token of the user end."""
    check_password_strength(password)
    with conn:
        conn.execute(
            "UPDATE web_users SET password_hash = ?, must_change_password = 1, token_hash = NULL"
            " WHERE id = ?",
            (hash_password(password), user_id),
        )
        _end_sessions(conn, user_id)


def start_session(conn: sqlite3.Connection, user_id: int, lifetime_s: float, now: float) -> str:
    """A new sign-in session; returns its id for the cookie (only its hash is stored)."""
    session_id = secrets.token_urlsafe(32)
    with conn:
        conn.execute("DELETE FROM web_sessions WHERE expires_at < ?", (now,))
        conn.execute(
            "INSERT INTO web_sessions(id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (_secret_hash(session_id), user_id, now, now + lifetime_s),
        )
    return session_id


def user_for_session(conn: sqlite3.Connection, session_id: str, now: float) -> User | None:
    """The user of a live session, or ``None`` when it was ended, expired or never existed."""
    if not session_id or not isinstance(session_id, str):
        return None
    row = conn.execute(
        "SELECT u.* FROM web_sessions s JOIN web_users u ON u.id = s.user_id"
        " WHERE s.id_hash = ? AND s.expires_at > ?",
        (_secret_hash(session_id), now),
    ).fetchone()
    return _user(row)


def end_session(conn: sqlite3.Connection, session_id: str) -> None:
    """Sign out: this session id stops working, even in a copied cookie."""
    with conn:
        conn.execute("DELETE FROM web_sessions WHERE id_hash = ?", (_secret_hash(session_id or ""),))


def end_all_sessions(conn: sqlite3.Connection, user_id: int, keep_session: str | None = None) -> int:
    """End every session of a user (except ``keep_session``); returns how many ended."""
    with conn:
        return _end_sessions(conn, user_id, keep=keep_session)


def _end_sessions(conn: sqlite3.Connection, user_id: int, keep: str | None = None) -> int:
    keep_hash = _secret_hash(keep) if keep else ""
    return conn.execute(
        "DELETE FROM web_sessions WHERE user_id = ? AND id_hash != ?", (user_id, keep_hash)
    ).rowcount


def list_users(conn: sqlite3.Connection) -> list[dict]:
    """Every user (no secrets), by name."""
    rows = conn.execute(
        "SELECT id, username, role, token_hash IS NOT NULL AS has_token, created_at"
        " FROM web_users ORDER BY username"
    ).fetchall()
    return [dict(r) for r in rows]


def delete_user(conn: sqlite3.Connection, user_id: int) -> None:
    """Remove a user with their sessions and token; their id is never given to anyone else."""
    with conn:
        conn.execute("DELETE FROM web_sessions WHERE user_id = ?", (user_id,))
        conn.execute("DELETE FROM web_users WHERE id = ?", (user_id,))


def ensure_admin(conn: sqlite3.Connection, password: str = "") -> str | None:
    """Create the first admin when there are no users.

    With ``password`` (the ``admin_password`` setting) it is used as is;
    otherwise a one-time password is generated, returned for printing, and
    must be changed at first sign-in. Returns ``None`` when users exist.
    """
    if conn.execute("SELECT 1 FROM web_users LIMIT 1").fetchone():
        return None
    one_time = not password
    password = password or secrets.token_urlsafe(12)
    create_user(conn, "admin", password, "admin", must_change_password=one_time)
    return password if one_time else ""


def sign_in_wait(
    conn: sqlite3.Connection, username: str, address: str, max_failures: int, window_s: float, now: float
) -> int:
    """Seconds to wait before ``username`` may try again from ``address`` (0: go ahead).

    After ``max_failures`` failed sign-ins for one user name, or four times as many
    from one address, within ``window_s`` seconds, further attempts are refused until
    the oldest of those failures leaves the window: guessing a password stays slow.
    """
    if max_failures <= 0:
        return 0  # throttling off
    since = now - window_s
    waits = []
    for column, value, limit in (
        ("username", username.strip(), max_failures),
        ("address", address, max_failures * ADDRESS_FAILURE_FACTOR),
    ):
        times = [
            r["at"]
            for r in conn.execute(
                f"SELECT at FROM sign_in_failures WHERE {column} = ? AND at > ? ORDER BY at DESC LIMIT ?",
                (value, since, limit),
            )
        ]
        if len(times) >= limit:
            waits.append(int(times[-1] + window_s - now) + 1)
    return max(waits, default=0)


def begin_sign_in(
    conn: sqlite3.Connection, username: str, address: str, max_failures: int, window_s: float, now: float
) -> int:
    """Check the throttle and count this attempt as a failure, in one write transaction.

    Returns the seconds to wait (0: go ahead and check the password). The
    attempt is recorded *before* the password is checked and only a successful
    sign-in (:func:`clear_sign_in_failures`) removes it, so a burst of parallel
    guesses cannot all pass the check before any of them is counted: at most
    ``max_failures`` attempts per user name are in flight or failed per window.
    Failures older than a day are forgotten.
    """
    if conn.in_transaction:
        raise RuntimeError("begin_sign_in needs a connection with no open transaction")
    conn.execute("BEGIN IMMEDIATE")  # serialises check-and-count across server threads and processes
    try:
        wait = sign_in_wait(conn, username, address, max_failures, window_s, now)
        if not wait:
            conn.execute("DELETE FROM sign_in_failures WHERE at < ?", (now - 86400,))
            conn.execute(
                "INSERT INTO sign_in_failures(username, address, at) VALUES (?, ?, ?)",
                (username.strip(), address, now),
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return wait


def clear_sign_in_failures(conn: sqlite3.Connection, username: str) -> None:
    """A successful sign-in wipes the user name's failures."""
    with conn:
        conn.execute("DELETE FROM sign_in_failures WHERE username = ?", (username.strip(),))
