"""Agents over all runs: each conversation counted once, by its latest scorecard and final verdicts.

A conversation scored by several runs is one conversation; its latest scorecard (after
human review, its final score and verdicts) is the one that counts, unless one run is
asked for. The trend is each run's mean final score for the agent, oldest first.
"""

from __future__ import annotations

import sqlite3

LATEST = (
    "s.id = (SELECT MAX(t.id) FROM qa_scorecards t WHERE t.agent = s.agent"
    " AND t.conversation_id = s.conversation_id)"
)
FINAL_STATUS = (
    "COALESCE((SELECT v.verdict FROM qa_reviews v WHERE v.scorecard_id = q.scorecard_id"
    " AND v.rule_id = q.rule_id AND v.calibration_id IS NULL ORDER BY v.id DESC LIMIT 1), q.status)"
)


def _scope(run_id: int | None) -> tuple[str, tuple]:
    return ("s.run_id = ?", (run_id,)) if run_id is not None else (LATEST, ())


def agents_overview(conn: sqlite3.Connection, run_id: int | None = None) -> list[dict]:
    """One row per agent: conversations, mean final score, pass rate, failure rate per rule, trend."""
    where, params = _scope(run_id)
    rows = conn.execute(
        "SELECT s.agent, COUNT(*) AS conversations, AVG(s.final_score) AS mean_score,"
        " AVG(s.final_passed) AS pass_rate, SUM(s.critical_failed) AS critical,"
        f" SUM(s.reviewed) AS reviewed FROM qa_scorecards s WHERE {where} GROUP BY s.agent ORDER BY s.agent",
        params,
    ).fetchall()
    failures = rule_failure_rates(conn, None, run_id)
    trends = _trends(conn)
    return [
        {
            **dict(row),
            "mean_score": round(row["mean_score"], 2),
            "pass_rate": round(row["pass_rate"], 4),
            "rule_failure_rate": failures.get(row["agent"], {}),
            "trend": trends.get(row["agent"], []),
        }
        for row in rows
    ]


def rule_failure_rates(
    conn: sqlite3.Connection, agent: str | None = None, run_id: int | None = None
) -> dict[str, dict[str, float | None]]:
    """Per agent, per rule: final fails / applicable results (N/A left out)."""
    where, params = _scope(run_id)
    if agent is not None:
        where, params = f"{where} AND s.agent = ?", (*params, agent)
    rows = conn.execute(
        f"SELECT s.agent, q.rule_id, {FINAL_STATUS} AS status FROM qa_rule_results q"
        f" JOIN qa_scorecards s ON s.id = q.scorecard_id WHERE {where}",
        params,
    )
    counts: dict[str, dict[str, list[int]]] = {}
    for row in rows:
        fail_applicable = counts.setdefault(row["agent"], {}).setdefault(row["rule_id"], [0, 0])
        if row["status"] != "na":
            fail_applicable[1] += 1
            fail_applicable[0] += row["status"] == "fail"
    return {
        agent: {rule: round(f / n, 4) if n else None for rule, (f, n) in sorted(rules.items())}
        for agent, rules in counts.items()
    }


def _trends(conn: sqlite3.Connection) -> dict[str, list[dict]]:
    rows = conn.execute(
        "SELECT s.agent, r.id AS run_id, r.created_at, AVG(s.final_score) AS mean_score FROM qa_scorecards s"
        " JOIN qa_runs r ON r.id = s.run_id GROUP BY s.agent, r.id ORDER BY r.id"
    )
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["agent"], []).append(
            {
                "run_id": row["run_id"],
                "created_at": row["created_at"],
                "mean_score": round(row["mean_score"], 2),
            }
        )
    return out


def agent_scorecard_ids(conn: sqlite3.Connection, agent: str, run_id: int | None = None) -> list[int]:
    """The agent's scorecards that count: latest per conversation, or those of one run."""
    where, params = _scope(run_id)
    rows = conn.execute(
        f"SELECT s.id FROM qa_scorecards s WHERE s.agent = ? AND {where} ORDER BY s.id", (agent, *params)
    )
    return [row["id"] for row in rows]
