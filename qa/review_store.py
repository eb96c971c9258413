"""SQLite persistence of the human review loop: reviews, appeals, calibrations, assignments.

Every row records who and when. A review is one person's verdict on one rule of one
stored scorecard; the latest review (not a calibration judgement) of a rule is the
human verdict the final score uses. The machine's verdict stays in ``qa_rule_results``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from common.db import migrate

COMPONENT = "qa_review"
MIGRATIONS = [
    """
    CREATE TABLE qa_reviews (
        id INTEGER PRIMARY KEY,
        scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id) ON DELETE CASCADE,
        rule_id TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        verdict TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        message INTEGER,
        calibration_id INTEGER REFERENCES qa_calibrations(id) ON DELETE CASCADE,
        appeal_id INTEGER REFERENCES qa_appeals(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX qa_reviews_card ON qa_reviews(scorecard_id, rule_id);
    CREATE INDEX qa_reviews_calibration ON qa_reviews(calibration_id);
    CREATE TABLE qa_appeals (
        id INTEGER PRIMARY KEY,
        scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id) ON DELETE CASCADE,
        rule_id TEXT NOT NULL,
        agent_user TEXT NOT NULL,
        comment TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        created_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        decision_comment TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX qa_appeals_card ON qa_appeals(scorecard_id);
    CREATE TABLE qa_appeal_events (
        id INTEGER PRIMARY KEY,
        appeal_id INTEGER NOT NULL REFERENCES qa_appeals(id) ON DELETE CASCADE,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    );
    CREATE TABLE qa_calibrations (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        reviewers TEXT NOT NULL
    );
    CREATE TABLE qa_calibration_items (
        calibration_id INTEGER NOT NULL REFERENCES qa_calibrations(id) ON DELETE CASCADE,
        scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id) ON DELETE CASCADE,
        PRIMARY KEY (calibration_id, scorecard_id)
    );
    CREATE TABLE qa_assignments (
        id INTEGER PRIMARY KEY,
        reviewer TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        params TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE qa_assignment_items (
        assignment_id INTEGER NOT NULL REFERENCES qa_assignments(id) ON DELETE CASCADE,
        scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id) ON DELETE CASCADE,
        agent TEXT NOT NULL,
        reasons TEXT NOT NULL,
        PRIMARY KEY (assignment_id, scorecard_id)
    );
    """
]


def now() -> str:
    """The current UTC time as stored (ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def migrate_reviews(conn: sqlite3.Connection) -> None:
    """Create or upgrade the review tables (after the QA tables they refer to)."""
    migrate(conn, COMPONENT, MIGRATIONS)


# --- reviews -----------------------------------------------------------------------------------


def add_reviews(
    conn: sqlite3.Connection, scorecard_id: int, reviewer: str, items: list[dict], **link
) -> None:
    """Store one verdict per item (``rule_id``, ``verdict``, ``comment``, ``message``) in one transaction.

    ``link``: ``calibration_id`` or ``appeal_id`` when the verdicts belong to one.
    """
    at = now()
    conn.executemany(
        "INSERT INTO qa_reviews(scorecard_id, rule_id, reviewer, verdict, comment, message, calibration_id,"
        " appeal_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                scorecard_id,
                item["rule_id"],
                reviewer,
                item["verdict"],
                item.get("comment") or "",
                item.get("message"),
                link.get("calibration_id"),
                link.get("appeal_id"),
                at,
            )
            for item in items
        ],
    )


def review_history(conn: sqlite3.Connection, scorecard_id: int) -> list[dict]:
    """Every review of a scorecard outside calibrations, oldest first."""
    rows = conn.execute(
        "SELECT id, rule_id, reviewer, verdict, comment, message, appeal_id, created_at FROM qa_reviews"
        " WHERE scorecard_id = ? AND calibration_id IS NULL ORDER BY id",
        (scorecard_id,),
    )
    return [dict(r) for r in rows]


def latest_reviews(conn: sqlite3.Connection, scorecard_id: int) -> dict[str, dict]:
    """The human verdict per rule of a scorecard: its latest review outside calibrations."""
    return {r["rule_id"]: r for r in review_history(conn, scorecard_id)}


def reviewed_rule_results(
    conn: sqlite3.Connection, run_id: int | None = None, since: str | None = None, until: str | None = None
) -> list[dict]:
    """Machine verdict beside the latest human verdict, one row per reviewed (scorecard, rule).

    ``since``/``until`` (ISO dates) bound the review time.
    """
    where, params = ["v.calibration_id IS NULL"], []
    if run_id is not None:
        where.append("s.run_id = ?")
        params.append(run_id)
    if since:
        where.append("v.created_at >= ?")
        params.append(since)
    if until:
        where.append("v.created_at < ?")
        params.append(until)
    rows = conn.execute(
        "SELECT v.scorecard_id, v.rule_id, v.reviewer, v.verdict, v.comment, v.message, v.created_at,"
        " q.status AS machine, s.conversation_id, s.agent, s.run_id FROM qa_reviews v"
        " JOIN qa_rule_results q ON q.scorecard_id = v.scorecard_id AND q.rule_id = v.rule_id"
        " JOIN qa_scorecards s ON s.id = v.scorecard_id"
        f" WHERE {' AND '.join(where)} AND v.id = (SELECT MAX(w.id) FROM qa_reviews w"
        "  WHERE w.scorecard_id = v.scorecard_id AND w.rule_id = v.rule_id AND w.calibration_id IS NULL)"
        " ORDER BY v.scorecard_id, v.rule_id",
        params,
    )
    return [dict(r) for r in rows]


def set_final(
    conn: sqlite3.Connection, scorecard_id: int, score: float, passed: bool, reviewed: bool
) -> None:
    conn.execute(
        "UPDATE qa_scorecards SET final_score = ?, final_passed = ?, reviewed = ? WHERE id = ?",
        (score, int(passed), int(reviewed), scorecard_id),
    )


# --- appeals -----------------------------------------------------------------------------------


def add_appeal(
    conn: sqlite3.Connection, scorecard_id: int, rule_id: str, agent_user: str, comment: str
) -> int:
    at = now()
    appeal_id = conn.execute(
        "INSERT INTO qa_appeals(scorecard_id, rule_id, agent_user, comment, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (scorecard_id, rule_id, agent_user, comment, at),
    ).lastrowid
    add_appeal_event(conn, appeal_id, agent_user, "opened", comment, at)
    return int(appeal_id)


def add_appeal_event(
    conn: sqlite3.Connection, appeal_id: int, actor: str, action: str, comment: str, at: str | None = None
) -> None:
    conn.execute(
        "INSERT INTO qa_appeal_events(appeal_id, actor, action, comment, at) VALUES (?, ?, ?, ?, ?)",
        (appeal_id, actor, action, comment, at or now()),
    )


def decide_appeal_row(conn: sqlite3.Connection, appeal_id: int, status: str, who: str, comment: str) -> None:
    at = now()
    conn.execute(
        "UPDATE qa_appeals SET status = ?, decided_by = ?, decided_at = ?, decision_comment = ? WHERE id = ?",
        (status, who, at, comment, appeal_id),
    )
    add_appeal_event(conn, appeal_id, who, status, comment, at)


def get_appeal(conn: sqlite3.Connection, appeal_id: int) -> dict | None:
    row = conn.execute(
        "SELECT a.*, s.conversation_id, s.agent, s.run_id FROM qa_appeals a"
        " JOIN qa_scorecards s ON s.id = a.scorecard_id WHERE a.id = ?",
        (appeal_id,),
    ).fetchone()
    if row is None:
        return None
    events = conn.execute(
        "SELECT actor, action, comment, at FROM qa_appeal_events WHERE appeal_id = ? ORDER BY id",
        (appeal_id,),
    )
    return {**dict(row), "events": [dict(e) for e in events]}


def list_appeals(
    conn: sqlite3.Connection, status: str | None = None, agent_user: str | None = None, scorecard_id=None
) -> list[dict]:
    where, params = [], []
    for column, value in (
        ("a.status", status),
        ("a.agent_user", agent_user),
        ("a.scorecard_id", scorecard_id),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (
        "SELECT a.id FROM qa_appeals a"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY a.id DESC"
    )
    return [get_appeal(conn, row["id"]) for row in conn.execute(sql, params).fetchall()]


# --- calibrations ------------------------------------------------------------------------------


def add_calibration(
    conn: sqlite3.Connection, name: str, created_by: str, reviewers: list[str], scorecard_ids: list[int]
) -> int:
    calibration_id = conn.execute(
        "INSERT INTO qa_calibrations(name, created_by, created_at, reviewers) VALUES (?, ?, ?, ?)",
        (name, created_by, now(), json.dumps(reviewers, ensure_ascii=False)),
    ).lastrowid
    conn.executemany(
        "INSERT INTO qa_calibration_items(calibration_id, scorecard_id) VALUES (?, ?)",
        [(calibration_id, s) for s in scorecard_ids],
    )
    return int(calibration_id)


def get_calibration(conn: sqlite3.Connection, calibration_id: int) -> dict | None:
    row = conn.execute("SELECT * FROM qa_calibrations WHERE id = ?", (calibration_id,)).fetchone()
    if row is None:
        return None
    items = [
        r["scorecard_id"]
        for r in conn.execute(
            "SELECT scorecard_id FROM qa_calibration_items WHERE calibration_id = ? ORDER BY scorecard_id",
            (calibration_id,),
        )
    ]
    return {**dict(row), "reviewers": json.loads(row["reviewers"]), "scorecards": items}


def list_calibrations(conn: sqlite3.Connection) -> list[dict]:
    ids = [r["id"] for r in conn.execute("SELECT id FROM qa_calibrations ORDER BY id DESC")]
    return [get_calibration(conn, i) for i in ids]


def calibration_judgements(conn: sqlite3.Connection, calibration_id: int) -> list[dict]:
    """Each reviewer's latest judgement per (scorecard, rule) in a calibration."""
    rows = conn.execute(
        "SELECT v.scorecard_id, v.rule_id, v.reviewer, v.verdict, v.comment, v.message, v.created_at"
        " FROM qa_reviews v WHERE v.calibration_id = ? AND v.id = (SELECT MAX(w.id) FROM qa_reviews w"
        "  WHERE w.calibration_id = v.calibration_id AND w.scorecard_id = v.scorecard_id"
        "  AND w.rule_id = v.rule_id AND w.reviewer = v.reviewer)"
        " ORDER BY v.scorecard_id, v.rule_id, v.reviewer",
        (calibration_id,),
    )
    return [dict(r) for r in rows]


# --- assignments -------------------------------------------------------------------------------


def add_assignment(
    conn: sqlite3.Connection,
    reviewer: str,
    period: tuple[str, str],
    params: dict,
    created_by: str,
    items: list[tuple[int, str, list[str]]],
) -> int:
    assignment_id = conn.execute(
        "INSERT INTO qa_assignments(reviewer, period_start, period_end, params, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (reviewer, period[0], period[1], json.dumps(params, ensure_ascii=False), created_by, now()),
    ).lastrowid
    conn.executemany(
        "INSERT INTO qa_assignment_items(assignment_id, scorecard_id, agent, reasons) VALUES (?, ?, ?, ?)",
        [
            (assignment_id, card, agent, json.dumps(reasons, ensure_ascii=False))
            for card, agent, reasons in items
        ],
    )
    return int(assignment_id)


def get_assignment(conn: sqlite3.Connection, assignment_id: int) -> dict | None:
    row = conn.execute("SELECT * FROM qa_assignments WHERE id = ?", (assignment_id,)).fetchone()
    if row is None:
        return None
    items = conn.execute(
        "SELECT i.scorecard_id, i.agent, i.reasons, s.conversation_id, s.score, s.final_score,"
        " (SELECT COUNT(DISTINCT v.rule_id) FROM qa_reviews v WHERE v.scorecard_id = i.scorecard_id"
        "   AND v.reviewer = ? AND v.calibration_id IS NULL) AS reviewed_rules,"
        " (SELECT COUNT(*) FROM qa_rule_results q WHERE q.scorecard_id = i.scorecard_id) AS rules"
        " FROM qa_assignment_items i JOIN qa_scorecards s ON s.id = i.scorecard_id"
        " WHERE i.assignment_id = ? ORDER BY i.agent, s.score, i.scorecard_id",
        (row["reviewer"], assignment_id),
    ).fetchall()
    out = []
    for item in items:
        entry = dict(item, reasons=json.loads(item["reasons"]))
        entry["done"] = entry["rules"] > 0 and entry.pop("reviewed_rules") >= entry["rules"]
        out.append(entry)
    done = sum(i["done"] for i in out)
    return {**dict(row), "params": json.loads(row["params"]), "items": out, "done": done, "total": len(out)}


def list_assignments(conn: sqlite3.Connection, reviewer: str | None = None) -> list[dict]:
    sql = "SELECT id FROM qa_assignments" + (" WHERE reviewer = ?" if reviewer else "") + " ORDER BY id DESC"
    ids = [r["id"] for r in conn.execute(sql, (reviewer,) if reviewer else ())]
    return [get_assignment(conn, i) for i in ids]
