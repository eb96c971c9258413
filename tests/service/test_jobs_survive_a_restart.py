"""A server that dies mid-job: at the next start the job resumes from what was committed, or fails saying why."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.settings import load_settings
from service.playbook import Playbook

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
POLL = 0.1  # seconds between looks at the jobs table
MAX_POLLS = 3000  # the bounded wait for the job under test to get far enough

SERVER = """
import sys, time
from common.settings import load_settings
from service.playbook import Playbook

playbook = Playbook(load_settings(sys.argv[1]))
job = playbook.start_ingest([sys.argv[2]], started_by="admin")
print(job.id, flush=True)
time.sleep(3600)  # a server whose worker thread runs the job until it is killed
"""


def _row(home: Path, job_id: int) -> sqlite3.Row | None:
    conn = sqlite3.connect(home / "kefu.sqlite3", timeout=5)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    finally:
        conn.close()


def _cached_vectors(home: Path) -> int:
    conn = sqlite3.connect(home / "kefu.sqlite3", timeout=5)
    try:
        return conn.execute("SELECT count(*) FROM embedding_cache").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def manual(tmp_path) -> Path:
    """A slice of a real scraped manual: enough passages that embedding them takes a while."""
    source = CORPUS / "001_0c8f194ee67aa756.txt"
    if not source.exists():
        pytest.skip("../shared/corpus is not present")
    path = tmp_path / "重启测试手册.txt"
    path.write_text(source.read_text(encoding="utf-8")[:9000], encoding="utf-8")
    return path


def test_an_ingest_cut_off_by_a_dead_server_resumes_at_the_next_start(tmp_path, manual, monkeypatch):
    home = tmp_path / "home"
    env = {**os.environ, "KEFU_EMBEDDING_CACHE": "", "PYTHONPATH": str(ROOT)}  # the home's own cache
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(home), str(manual)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        job_id = int(server.stdout.readline())
        for _ in range(MAX_POLLS):  # until some passages were embedded (and committed to the cache)
            row = _row(home, job_id)
            if row["status"] != "queued" and row["current"].startswith("计算向量") and row["done"] >= 32:
                break
            assert row["status"] in ("queued", "running"), dict(row)
            time.sleep(POLL)
        else:
            pytest.fail("the job never got to embedding")
    finally:
        server.send_signal(signal.SIGKILL)  # no clean-up, as in a crash or an OOM kill
        server.wait()
        server.stdout.close()
    assert _row(home, job_id)["status"] == "running"
    committed = _cached_vectors(home)
    assert committed >= 32

    monkeypatch.setenv("KEFU_EMBEDDING_CACHE", "")
    playbook = Playbook(load_settings(home))  # the server, started again
    try:
        playbook.jobs.start()
        job = playbook.jobs.wait(job_id, timeout=600)
        assert job.status == "done", job
        assert job.attempts == 2
        assert any("服务器重启" in line for line in job.log)
        assert [(f["name"], f["status"]) for f in job.result["files"]] == [("重启测试手册.txt", "added")]
        response = playbook.search(manual.read_text(encoding="utf-8")[200:260], k=1)
        assert response.results and response.results[0].document == "重启测试手册.txt"
    finally:
        playbook.close()
    assert _cached_vectors(home) > committed  # the rest was embedded; what was cached was reused


def _dead_runner() -> str:
    """The runner name of a process that has exited."""
    import socket

    probe = subprocess.Popen([sys.executable, "-c", "pass"])
    probe.wait()
    return f"{socket.gethostname()}:{probe.pid}:gone"


@pytest.mark.parametrize(
    ("mode", "attempts", "reason"),
    [
        ("background", 2, "服务器在任务进行中停止"),  # resumed once already (job_resume_attempts = 1)
        ("foreground", 1, "命令行任务在运行中被终止"),  # a CLI run is the user's to run again
    ],
)
def test_a_job_that_cannot_be_resumed_is_failed_with_the_reason(tmp_path, mode, attempts, reason):
    settings = load_settings(tmp_path / "home")
    playbook = Playbook(settings)
    try:
        with playbook.jobs.conns:
            job_id = playbook.jobs.conns.execute(
                "INSERT INTO jobs(kind, params, started_by, mode, status, runner, attempts, created_at)"
                " VALUES ('reindex', '{}', 'admin', ?, 'running', ?, ?, ?)",
                (mode, _dead_runner(), attempts, time.time()),
            ).lastrowid
        assert playbook.jobs.recover() == []
        job = playbook.jobs.get(job_id)
        assert job.status == "failed" and reason in job.error and reason in job.log[-1]
    finally:
        playbook.close()


def test_a_job_of_a_live_process_is_left_alone(tmp_path):
    settings = load_settings(tmp_path / "home")
    first, second = Playbook(settings), Playbook(settings)
    try:
        first.jobs.start()  # a live server of this home
        with first.jobs.conns:
            job_id = first.jobs.conns.execute(
                "INSERT INTO jobs(kind, params, started_by, mode, status, runner, attempts, created_at)"
                " VALUES ('reindex', '{}', 'admin', 'background', 'running', ?, 1, ?)",
                (first.jobs.runner, time.time()),
            ).lastrowid
        assert second.jobs.recover() == []
        assert second.jobs.get(job_id).status == "running"
    finally:
        first.close()
        second.close()
