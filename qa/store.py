"""SQLite persistence of scoring runs, so history per agent and per policy version can be shown.

A run records the policy name, its version hash and text; each scorecard is
kept whole (the JSON contract) plus one row per rule verdict for queries.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from common.db import connect, migrate
from common.settings import setting
from qa.review_store import migrate_reviews
from qa.runner import RunResult

MIGRATIONS = [
    """
    CREATE TABLE qa_runs (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        policy_name TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        policy_text TEXT NOT NULL,
        files TEXT NOT NULL,
        scored INTEGER NOT NULL,
        rejected INTEGER NOT NULL
    );
    CREATE TABLE qa_scorecards (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES qa_runs(id) ON DELETE CASCADE,
        conversation_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        channel TEXT NOT NULL,
        score REAL NOT NULL,
        passed INTEGER NOT NULL,
        critical_failed INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX qa_scorecards_run ON qa_scorecards(run_id);
    CREATE INDEX qa_scorecards_agent ON qa_scorecards(agent);
    CREATE TABLE qa_rule_results (
        scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id) ON DELETE CASCADE,
        rule_id TEXT NOT NULL,
        status TEXT NOT NULL,
        points REAL NOT NULL,
        PRIMARY KEY (scorecard_id, rule_id)
    );
    CREATE TABLE qa_rejections (
        run_id INTEGER NOT NULL REFERENCES qa_runs(id) ON DELETE CASCADE,
        file TEXT NOT NULL,
        line INTEGER,
        unit TEXT NOT NULL,
        reason TEXT NOT NULL
    );
    """,
    # The human review loop: when the conversation started (for review periods), and the
    # final score after human verdicts (the machine's score stays in ``score``).
    """
    ALTER TABLE qa_scorecards ADD COLUMN started_at TEXT;
    ALTER TABLE qa_scorecards ADD COLUMN final_score REAL;
    ALTER TABLE qa_scorecards ADD COLUMN final_passed INTEGER;
    ALTER TABLE qa_scorecards ADD COLUMN reviewed INTEGER NOT NULL DEFAULT 0;
    UPDATE qa_scorecards SET final_score = score, final_passed = passed;
    CREATE INDEX qa_scorecards_conversation ON qa_scorecards(conversation_id);
    """,
]


def open_store(
    db_path: str | Path, busy_timeout: float = setting("db_busy_seconds").default
) -> sqlite3.Connection:
    """Connect to the product database with the QA tables migrated."""
    conn = connect(db_path, busy_timeout)
    migrate(conn, "qa", MIGRATIONS)
    migrate_reviews(conn)
    return conn


def save_run(conn: sqlite3.Connection, result: RunResult) -> int:
    """Store a run with its scorecards and rejections in one transaction; returns the run id."""
    policy = result.policy
    with conn:
        run_id = conn.execute(
            "INSERT INTO qa_runs(created_at, policy_name, policy_version, policy_text, files, scored,"
            " rejected) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                datetime.now(UTC).isoformat(timespec="seconds"),
                policy.name,
                policy.version,
                policy.text,
                json.dumps(result.files, ensure_ascii=False),
                len(result.scorecards),
                len(result.rejections),
            ),
        ).lastrowid
        for card in result.scorecards:
            card_id = conn.execute(
                "INSERT INTO qa_scorecards(run_id, conversation_id, agent, channel, score, passed,"
                " critical_failed, data, started_at, final_score, final_passed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    card.id,
                    card.agent,
                    card.channel,
                    card.score,
                    int(card.passed),
                    int(card.critical_failed),
                    json.dumps(card.as_dict(), ensure_ascii=False),
                    card.started_at or None,
                    card.score,
                    int(card.passed),
                ),
            ).lastrowid
            conn.executemany(
                "INSERT INTO qa_rule_results(scorecard_id, rule_id, status, points) VALUES (?, ?, ?, ?)",
                [(card_id, r.id, r.status, r.points) for r in card.rules],
            )
        conn.executemany(
            "INSERT INTO qa_rejections(run_id, file, line, unit, reason) VALUES (?, ?, ?, ?, ?)",
            [(run_id, r.file, r.line, r.unit, r.reason) for r in result.rejections],
        )
    return int(run_id)


def list_runs(conn: sqlite3.Connection, limit: int = 50, policy_version: str | None = None) -> list[dict]:
    """Recent runs, newest first, with their mean score."""
    where, params = ("WHERE r.policy_version = ?", [policy_version]) if policy_version else ("", [])
    rows = conn.execute(
        "SELECT r.id, r.created_at, r.policy_name, r.policy_version, r.files, r.scored, r.rejected,"
        " AVG(s.score) AS mean_score FROM qa_runs r LEFT JOIN qa_scorecards s ON s.run_id = r.id"
        f" {where} GROUP BY r.id ORDER BY r.id DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [dict(row, files=json.loads(row["files"])) for row in rows]


def get_run(conn: sqlite3.Connection, run_id: int) -> dict | None:
    """One run with its mean score and policy text, or ``None``."""
    row = conn.execute(
        "SELECT r.id, r.created_at, r.policy_name, r.policy_version, r.policy_text, r.files, r.scored,"
        " r.rejected, AVG(s.score) AS mean_score FROM qa_runs r LEFT JOIN qa_scorecards s ON s.run_id = r.id"
        " WHERE r.id = ? GROUP BY r.id",
        (run_id,),
    ).fetchone()
    return None if row is None else dict(row, files=json.loads(row["files"]))


def run_policy_text(conn: sqlite3.Connection, run_id: int) -> str | None:
    """The policy text a run was scored with (None when the run is unknown)."""
    row = conn.execute("SELECT policy_text FROM qa_runs WHERE id = ?", (run_id,)).fetchone()
    return row["policy_text"] if row is not None else None


def list_scorecards(conn: sqlite3.Connection, run_id: int, agent: str | None = None) -> list[dict]:
    """Scorecard headlines of one run (id, conversation, agent, score, passed)."""
    sql = (
        "SELECT id, conversation_id, agent, channel, score, passed, critical_failed FROM qa_scorecards"
        " WHERE run_id = ?" + (" AND agent = ?" if agent else "") + " ORDER BY id"
    )
    return [dict(r) for r in conn.execute(sql, (run_id, agent) if agent else (run_id,))]


def run_cards(conn: sqlite3.Connection, run_id: int) -> list[dict]:
    """Every scorecard of a run in the JSON contract (machine verdicts), with its ``scorecard_id``."""
    rows = conn.execute("SELECT id, data FROM qa_scorecards WHERE run_id = ? ORDER BY id", (run_id,))
    return [{**json.loads(row["data"]), "scorecard_id": row["id"]} for row in rows]


def get_scorecard(conn: sqlite3.Connection, scorecard_id: int) -> dict | None:
    """One stored scorecard in the JSON contract, plus its run and policy version."""
    row = conn.execute(
        "SELECT s.data, s.run_id, r.created_at FROM qa_scorecards s JOIN qa_runs r ON r.id = s.run_id"
        " WHERE s.id = ?",
        (scorecard_id,),
    ).fetchone()
    if row is None:
        return None
    return {**json.loads(row["data"]), "run_id": row["run_id"], "created_at": row["created_at"]}


def agent_history(conn: sqlite3.Connection, agent: str, policy_version: str | None = None) -> list[dict]:
    """One entry per run for ``agent`` (oldest first): policy version, conversations, mean score,
    pass rate and failure rate per rule, so trends are only compared within a policy version."""
    where = "s.agent = ?" + (" AND r.policy_version = ?" if policy_version else "")
    params = (agent, policy_version) if policy_version else (agent,)
    runs = conn.execute(
        "SELECT r.id AS run_id, r.created_at, r.policy_name, r.policy_version, COUNT(*) AS conversations,"
        " AVG(s.score) AS mean_score, AVG(s.passed) AS pass_rate FROM qa_scorecards s"
        f" JOIN qa_runs r ON r.id = s.run_id WHERE {where} GROUP BY r.id ORDER BY r.id",
        params,
    ).fetchall()
    history = []
    for run in runs:
        rules = conn.execute(
            "SELECT q.rule_id, SUM(q.status = 'fail') AS failed, SUM(q.status != 'na') AS applicable"
            " FROM qa_rule_results q JOIN qa_scorecards s ON s.id = q.scorecard_id"
            " WHERE s.run_id = ? AND s.agent = ? GROUP BY q.rule_id ORDER BY q.rule_id",
            (run["run_id"], agent),
        ).fetchall()
        entry = dict(run)
        entry["mean_score"] = round(entry["mean_score"], 2)
        entry["pass_rate"] = round(entry["pass_rate"], 4)
        entry["rule_failure_rate"] = {
            r["rule_id"]: round(r["failed"] / r["applicable"], 4) if r["applicable"] else None for r in rules
        }
        history.append(entry)
    return history
