"""Searches on many threads while an ingest job writes: none fails, none waits, the log never blocks them."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from common.db import connect
from common.settings import load_settings
from service.playbook import Playbook

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
SEARCHERS = 6
QUERIES = ["烤箱保修多久", "烤箱坏了怎么办", "保修凭什么办理", "烤箱保修期是多少个月"]
FIRST_MANUAL = (
    "# 烤箱售后\n\n## 保修\n\n本店烤箱保修期为三十个月，凭发票或电子订单办理。\n\n"
    "## 报修\n\n烤箱坏了请先拍照留证，再联系客服登记维修，上门检测免费。\n"
)


@pytest.fixture
def home_with(tmp_path):
    """``home_with(**settings)``: the Playbook of a home with one small manual (embeddings kept in the home)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "烤箱售后.md").write_text(FIRST_MANUAL, encoding="utf-8")
    opened = []

    def open_playbook(**settings) -> Playbook:
        playbook = Playbook(load_settings(tmp_path / "home", embedding_cache="", **settings))
        opened.append(playbook)
        first = playbook.jobs.wait(playbook.start_ingest([docs / "烤箱售后.md"], "admin").id, timeout=600)
        assert first.status == "done", first
        return playbook

    yield open_playbook
    for playbook in opened:
        playbook.close()


@pytest.fixture
def big_manual(tmp_path) -> Path:
    source = CORPUS / "003_0437c28d8b074b47.txt"
    if not source.exists():
        pytest.skip("../shared/corpus is not present")
    path = tmp_path / "大手册.txt"
    path.write_text(source.read_text(encoding="utf-8")[:4000], encoding="utf-8")
    return path


def test_searches_on_other_threads_succeed_while_an_ingest_job_runs(home_with, big_manual):
    playbook = home_with()
    job = playbook.start_ingest([big_manual], "admin")
    stop = threading.Event()
    answered, failures = [], []

    def search_until_the_job_ends(worker: int) -> None:
        turn = 0
        while not stop.is_set():
            query = QUERIES[(worker + turn) % len(QUERIES)]
            turn += 1
            try:
                response = playbook.search(query, k=3, log=True)
                answered.append(response.results[0].document if response.results else None)
            except Exception as exc:  # noqa: BLE001 - any failure is what this test counts
                failures.append(repr(exc))

    threads = [threading.Thread(target=search_until_the_job_ends, args=(i,)) for i in range(SEARCHERS)]
    for thread in threads:
        thread.start()
    done = playbook.jobs.wait(job.id, timeout=600)
    stop.set()
    for thread in threads:
        thread.join()
    assert done.status == "done", done
    assert failures == []
    assert len(answered) >= SEARCHERS and set(answered) == {"烤箱售后.md"}  # the published snapshot
    assert (
        playbook.search(big_manual.read_text(encoding="utf-8")[300:360], k=1).results[0].document
        == "大手册.txt"
    )
    playbook.query_log.flush()
    assert playbook.query_log.written + playbook.query_log.dropped == len(answered) + len(failures)


def test_a_locked_database_drops_the_log_line_not_the_search(home_with):
    playbook = home_with(query_log_busy_seconds=0.05)
    holder = connect(playbook.settings.db_path)
    holder.execute("BEGIN IMMEDIATE")  # a long write elsewhere, e.g. a CLI ingest's transaction
    try:
        response = playbook.search("烤箱保修多久", k=1, log=True)
        playbook.query_log.flush()
    finally:
        holder.rollback()
        holder.close()
    assert response.results[0].document == "烤箱售后.md"
    assert playbook.query_log.dropped == 1 and playbook.query_log.written == 0
    playbook.search("烤箱保修多久", k=1, log=True)
    playbook.query_log.flush()
    assert playbook.query_log.written == 1
