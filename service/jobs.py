"""Jobs as people see them: the ``jobs`` table and its rows (kind, who started it, status, progress,
log lines, result, error), who may read one, and whether the process that ran one is gone.

The queue that runs them is service/job_queue.py.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from dataclasses import dataclass, field

from common.db import migrate

KIND_LABELS = {
    "ingest": "导入文档",
    "reindex": "重建索引",
    "quiz": "生成测验",
    "golden": "运行黄金测试集",
    "qa_score": "质检评分",
    "restore": "恢复被清洗的内容",
    "chunk_edit": "修改段落",
}
STATUS_LABELS = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}
FINISHED = ("done", "failed")

MIGRATIONS = [
    """
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        params TEXT NOT NULL,
        started_by TEXT NOT NULL,
        mode TEXT NOT NULL,
        status TEXT NOT NULL,
        runner TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        current TEXT NOT NULL DEFAULT '',
        waiting_for TEXT NOT NULL DEFAULT '',
        result TEXT,
        error TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL
    );
    CREATE INDEX jobs_status ON jobs(status, id);
    CREATE INDEX jobs_started_by ON jobs(started_by, id);
    CREATE TABLE job_log (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        at REAL NOT NULL,
        line TEXT NOT NULL
    );
    CREATE INDEX job_log_job ON job_log(job_id, id);
    """
]

# Job queues of this process that are running (their rows are not orphans).
LIVE_RUNNERS: set[str] = set()


class JobFailed(Exception):
    """Raised by a job body with a user-facing (Chinese) reason; the job is marked failed with it."""


@dataclass
class Job:
    """One row of ``jobs`` with its newest log lines."""

    id: int
    kind: str
    params: dict
    started_by: str
    mode: str
    status: str
    attempts: int
    done: int
    total: int
    current: str
    waiting_for: str
    result: dict | None
    error: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    log: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def fraction(self) -> float:
        """Share of the current phase's work done, 0 to 1."""
        if self.status == "done":
            return 1.0
        return min(1.0, self.done / self.total) if self.total > 0 else 0.0

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "kind_label": self.kind_label,
            "started_by": self.started_by,
            "status": self.status,
            "status_label": self.status_label,
            "done": self.done,
            "total": self.total,
            "fraction": round(self.fraction, 4),
            "current": self.current,
            "waiting_for": self.waiting_for,
            "log": self.log,
            "result": self.result,
            "error": self.error,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


def init_schema(conn: sqlite3.Connection) -> None:
    migrate(conn, "jobs", MIGRATIONS)


def row_to_job(row: sqlite3.Row, lines: list[str]) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        params=json.loads(row["params"]),
        started_by=row["started_by"],
        mode=row["mode"],
        status=row["status"],
        attempts=row["attempts"],
        done=row["done"],
        total=row["total"],
        current=row["current"],
        waiting_for=row["waiting_for"],
        result=json.loads(row["result"]) if row["result"] else None,
        error=row["error"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        log=lines,
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def runner_gone(runner: str) -> bool:
    """True when the process (or job queue of this process) that ran a job no longer exists.

    A runner on another host cannot be checked from here: it is never taken for gone.
    """
    host, _, rest = runner.partition(":")
    pid, _, token = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return runner not in LIVE_RUNNERS
    return not _pid_alive(int(pid))


def may_read(job: Job, username: str, is_admin: bool) -> bool:
    """Only the person who started a job, or an admin, may follow it."""
    return is_admin or job.started_by == username
