"""The job queue: long work (ingest, reindex, quiz generation) runs off the request, one at a time.

The request that starts a job gets its row back at once; people follow it on the
``jobs`` table (kind, who started it, status, progress, log lines, result, error),
which the web polls and the CLI prints.

The queue itself is huey's ``SqliteHuey`` in ``<home>/job_queue.sqlite3``: a kept
library with the embedded default this app needs (no broker to run), whose storage
can later be pointed at Redis when several app servers share the work. Its
consumer runs inside the web process, on one worker thread: jobs that write the
knowledge base must run one after the other anyway (the write lock), and one thread
keeps a quiz generation from reading the knowledge base mid-publish. A job that
waits says for what (the job ahead of it, or another process's write lock).

huey forgets a task once a worker took it, so a server that stops mid-job would
lose it; the ``jobs`` table remembers. When a queue starts, a job still ``running``
for a process that is gone is queued again (its body resumes from what was
committed: an ingest skips the files already stored and finds embedded passages in
the cache) up to ``job_resume_attempts`` times, else marked failed with the reason.
The CLI runs the same job bodies in the foreground, in its own process.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable

from common.db import ThreadConnections
from service.jobs import KIND_LABELS, LIVE_RUNNERS, Job, JobFailed, init_schema, row_to_job, runner_gone

log = logging.getLogger(__name__)

QUEUE_FILE = "job_queue.sqlite3"
LOG_LINES_SHOWN = 200  # newest log lines returned with a job


class Progress:
    """What a job body reports through: progress, the item at hand, waits and log lines.

    Progress is written at most every ``job_poll_ms`` (nobody reads it more often);
    a new item, a wait or a log line is written at once.
    """

    def __init__(self, queue: JobQueue, job: Job, console: bool = False) -> None:
        self._queue = queue
        self.job = job
        self._last_write = 0.0
        self._every = queue.settings.job_poll_ms / 1000
        self._bar = None
        self._console = console

    def items(self, done: int, total: int, current: str = "", phase: str = "") -> None:
        """``done`` of ``total`` items of the current phase finished; ``current`` says what is in hand.

        ``phase`` names a phase the CLI shows as a tqdm bar (``"embed"``: the passages
        embedded, the bar the CLI always showed).
        """
        changed = current != self.job.current or total != self.job.total or self.job.waiting_for
        self.job.done, self.job.total, self.job.current = done, total, current
        self.job.waiting_for = ""
        if self._console and phase == "embed":
            self._console_bar(done, total)
        self._write(force=bool(changed) or done >= total)

    def waiting(self, reason: str) -> None:
        """The job is blocked by something else; ``reason`` says what (shown to the user)."""
        if reason != self.job.waiting_for:
            self.job.waiting_for = reason
            self._write(force=True)

    def note(self, line: str) -> None:
        """Add a line to the job's log."""
        self._queue.append_log(self.job.id, line)

    def _console_bar(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self._bar is None or self._bar.total != total:
            self._close_bar()
            self._bar = tqdm(total=total, desc="embedding", unit="text")
        self._bar.update(done - self._bar.n)
        if done >= total:
            self._close_bar()

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < self._every:
            return
        self._last_write = now
        self._queue.save_progress(self.job)


class JobQueue:
    """The jobs of one data home: submit, run (in worker threads or the foreground), read, recover."""

    def __init__(self, settings, bodies: dict[str, Callable[[Job, Progress], dict]], foreground=False):
        self.settings = settings
        self.bodies = bodies
        self.foreground = foreground
        self.conns = ThreadConnections(settings.db_path, settings.db_busy_seconds)
        init_schema(self.conns)
        self.runner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._huey = None
        self._consumer = None
        self._start_lock = threading.Lock()
        self._finished = threading.Condition()

    # -- the huey side ----------------------------------------------------------
    @property
    def huey(self):
        """The huey instance (SqliteHuey in the data home) with the one task, ``run_job``."""
        if self._huey is None:
            try:
                from huey import SqliteHuey
            except ImportError:  # pragma: no cover - a broken install
                raise ImportError("huey is not available - pip install -r requirements.txt") from None
            huey = SqliteHuey(
                "kefu-jobs", filename=str(self.settings.home_path / QUEUE_FILE), results=False, utc=True
            )
            self._run_task = huey.task(name="run_job")(self.run)
            self._huey = huey
        return self._huey

    def start(self) -> None:
        """Recover jobs a stopped server left behind, then start the in-process consumer (idempotent)."""
        if self.foreground or self._consumer is not None:
            return
        with self._start_lock:
            if self._consumer is not None:
                return
            from huey.consumer import Consumer

            class InProcessConsumer(Consumer):
                def _set_signal_handlers(self):
                    pass  # the web server owns the process's signals

            huey = self.huey
            LIVE_RUNNERS.add(self.runner)
            self.recover()
            poll = self.settings.job_poll_ms / 1000
            self._consumer = InProcessConsumer(
                huey, workers=1, periodic=False, initial_delay=poll / 4, max_delay=poll, backoff=1.5
            )
            self._consumer.start()

    def stop(self) -> None:
        """Stop taking jobs (a job in hand finishes on its daemon thread or dies with the process)."""
        if self._consumer is not None:
            self._consumer.stop()
            self._consumer = None
        LIVE_RUNNERS.discard(self.runner)
        if self._huey is not None:
            self._huey.storage.close()
        self.conns.close()

    # -- submitting and reading -------------------------------------------------
    def submit(self, kind: str, params: dict, started_by: str) -> Job:
        """Record a job and queue it (background) or run it now (foreground); returns its row."""
        if kind not in self.bodies:
            raise ValueError(f"unknown job kind {kind!r}")
        with self.conns:
            cursor = self.conns.execute(
                "INSERT INTO jobs(kind, params, started_by, mode, status, created_at)"
                " VALUES (?, ?, ?, ?, 'queued', ?)",
                (
                    kind,
                    json.dumps(params, ensure_ascii=False),
                    started_by,
                    "foreground" if self.foreground else "background",
                    time.time(),
                ),
            )
        job_id = int(cursor.lastrowid)
        if self.foreground:
            self.run(job_id)
        else:
            self.start()
            self._enqueue(job_id)
        return self.get(job_id)

    def _enqueue(self, job_id: int) -> None:
        self.huey  # noqa: B018 - builds the task wrapper
        self._run_task(job_id)

    def get(self, job_id: int) -> Job | None:
        row = self.conns.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        lines = self.conns.execute(
            "SELECT line FROM (SELECT id, line FROM job_log WHERE job_id = ? ORDER BY id DESC LIMIT ?)"
            " ORDER BY id",
            (job_id, LOG_LINES_SHOWN),
        ).fetchall()
        job = row_to_job(row, [r["line"] for r in lines])
        if job.status == "queued" and not job.waiting_for:
            job.waiting_for = self._queue_position(job)
        return job

    def list(self, started_by: str | None = None, limit: int = 50) -> list[Job]:
        """Newest jobs first, all or one person's."""
        where, args = ("WHERE started_by = ?", (started_by,)) if started_by is not None else ("", ())
        rows = self.conns.execute(f"SELECT id FROM jobs {where} ORDER BY id DESC LIMIT ?", (*args, limit))
        return [self.get(r["id"]) for r in rows.fetchall()]

    def _queue_position(self, job: Job) -> str:
        ahead = self.conns.execute(
            "SELECT id, kind, status FROM jobs WHERE status IN ('queued', 'running') AND mode = 'background'"
            " AND id < ? ORDER BY status = 'running' DESC, id",
            (job.id,),
        ).fetchall()
        if not ahead:
            return "等待后台任务线程接手"
        first = ahead[0]
        what = f"任务 #{first['id']}（{KIND_LABELS.get(first['kind'], first['kind'])}）"
        more = f"，前面共 {len(ahead)} 个任务" if len(ahead) > 1 else ""
        return f"等待{what}完成{more}"

    def wait(self, job_id: int, timeout: float | None = None) -> Job:
        """Block until the job finished (or ``timeout`` seconds passed); returns its row."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._finished:
            while True:
                job = self.get(job_id)
                if job is None or job.finished:
                    return job
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return job
                # Finishing here notifies; a job run by another process is polled.
                self._finished.wait(min(left, 0.5) if left is not None else 0.5)

    # -- running ----------------------------------------------------------------
    def run(self, job_id: int) -> None:
        """Run one job to its end (a huey task, or the foreground); never raises in the background."""
        job = self._claim(job_id)
        if job is None:
            return  # finished, or taken by another runner
        progress = Progress(self, job, console=self.foreground)
        try:
            result = self.bodies[job.kind](job, progress)
        except JobFailed as exc:
            self._finish(job, "failed", None, str(exc))
        except Exception as exc:
            log.exception("job %d (%s) failed", job.id, job.kind)
            self._finish(job, "failed", None, f"任务出错：{type(exc).__name__}: {exc}")
            if self.foreground:
                raise
        except BaseException:
            self._finish(job, "failed", None, "任务被中断（进程收到停止信号），请重新提交")
            raise
        else:
            self._finish(job, "done", result, "")
        finally:
            progress._close_bar()

    def _claim(self, job_id: int) -> Job | None:
        with self.conns:
            claimed = self.conns.execute(
                "UPDATE jobs SET status = 'running', runner = ?, attempts = attempts + 1, waiting_for = '',"
                " started_at = coalesce(started_at, ?) WHERE id = ? AND status = 'queued'",
                (self.runner, time.time(), job_id),
            ).rowcount
        return self.get(job_id) if claimed else None

    def _finish(self, job: Job, status: str, result: dict | None, error: str) -> None:
        with self.conns:
            self.conns.execute(
                "UPDATE jobs SET status = ?, result = ?, error = ?, finished_at = ?, waiting_for = '',"
                " done = CASE WHEN ? = 'done' THEN max(total, done) ELSE done END WHERE id = ?",
                (
                    status,
                    json.dumps(result, ensure_ascii=False) if result is not None else None,
                    error,
                    time.time(),
                    status,
                    job.id,
                ),
            )
        with self._finished:
            self._finished.notify_all()

    def save_progress(self, job: Job) -> None:
        with self.conns:
            self.conns.execute(
                "UPDATE jobs SET done = ?, total = ?, current = ?, waiting_for = ? WHERE id = ?",
                (job.done, job.total, job.current, job.waiting_for, job.id),
            )

    def append_log(self, job_id: int, line: str) -> None:
        with self.conns:
            self.conns.execute(
                "INSERT INTO job_log(job_id, at, line) VALUES (?, ?, ?)", (job_id, time.time(), line)
            )

    # -- after a restart --------------------------------------------------------
    def recover(self) -> list[int]:
        """Requeue or fail the jobs whose runner is gone, and queued jobs huey lost; returns the requeued."""
        rows = self.conns.execute(
            "SELECT id, mode, status, runner, attempts FROM jobs WHERE status IN ('queued', 'running')"
        ).fetchall()
        queued = {task.args[0] for task in self.huey.pending() if task.args}
        requeue = []
        for row in rows:
            if row["status"] == "running":
                if not runner_gone(row["runner"]):
                    continue
                if row["mode"] == "foreground":
                    self._fail_orphan(row["id"], "命令行任务在运行中被终止，请重新运行该命令")
                    continue
                if row["attempts"] > self.settings.job_resume_attempts:
                    self._fail_orphan(
                        row["id"],
                        f"服务器在任务进行中停止，已续做 {row['attempts'] - 1} 次仍未完成；请检查后重新提交",
                    )
                    continue
                with self.conns:
                    self.conns.execute(
                        "UPDATE jobs SET status = 'queued', runner = '' WHERE id = ? AND status = 'running'",
                        (row["id"],),
                    )
                self.append_log(row["id"], "服务器重启：任务从上次提交的步骤继续")
                requeue.append(row["id"])
            elif row["mode"] == "background" and row["id"] not in queued:
                requeue.append(row["id"])
        for job_id in requeue:
            self._enqueue(job_id)
        return requeue

    def _fail_orphan(self, job_id: int, reason: str) -> None:
        with self.conns:
            self.conns.execute(
                "UPDATE jobs SET status = 'failed', error = ?, finished_at = ?"
                " WHERE id = ? AND status = 'running'",
                (reason, time.time(), job_id),
            )
        self.append_log(job_id, reason)
