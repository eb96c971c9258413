"""The knowledge-base CLI: ingest, search (single and batch), docs, remove, reindex."""

import io
import json

import app

MANUAL = (
    "第一章 退货\n顾客签收后7天内可以无理由退货，商品需保持完好。\n第二章 发票\n电子发票在确认收货后开具。\n"
)


def run(capsys, *argv):
    status = app.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_journey(tmp_path, capsys, monkeypatch):
    home = str(tmp_path / "home")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "售后.txt").write_text(MANUAL, encoding="gb18030")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")

    status, out, err = run(capsys, "--home", home, "ingest", str(docs))
    assert status == 1  # one file failed
    assert "added" in out and "售后.txt" in out
    assert "broken.pdf" in err and "1 ingested, 1 failed" in out

    status, out, _ = run(capsys, "--home", home, "search", "几天可以退货", "-k", "2", "--json")
    data = json.loads(out)
    assert status == 0 and data["query"] == "几天可以退货"
    first = data["results"][0]
    assert "7天" in first["text"] and first["document"] == "售后.txt"
    assert first["headings"] == ["第一章 退货"]
    assert {"snippet", "score", "dense_score", "bm25_score", "dense_rank", "bm25_rank"} <= set(first)

    monkeypatch.setattr("sys.stdin", io.StringIO("几天可以退货\n\n发票什么时候开\n"))
    status, out, _ = run(capsys, "--home", home, "search")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [x["query"] for x in lines] == ["几天可以退货", "发票什么时候开"]
    assert all("answered" in x and "results" in x for x in lines)

    status, out, _ = run(capsys, "--home", home, "docs", "--json")
    listed = json.loads(out)
    assert [(d["name"], d["version"], d["chunk_count"]) for d in listed] == [("售后.txt", 1, 2)]

    status, out, _ = run(capsys, "--home", home, "reindex")
    assert status == 0 and "2 chunks" in out

    status, out, _ = run(capsys, "--home", home, "remove", "售后.txt")
    assert status == 0 and "removed 售后.txt" in out
    status, _, err = run(capsys, "--home", home, "remove", "售后.txt")
    assert status == 2 and "no document named" in err


def test_search_on_an_empty_home_says_no_confident_answer(tmp_path, capsys):
    status, out, _ = run(capsys, "--home", str(tmp_path / "empty"), "search", "退货")
    assert status == 0 and "no confident answer" in out


def test_a_command_on_a_database_locked_elsewhere_says_so(tmp_path, capsys, monkeypatch):
    from common.db import connect
    from common.settings import load_settings

    home = str(tmp_path / "home")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "售后.txt").write_text(MANUAL, encoding="utf-8")
    assert run(capsys, "--home", home, "ingest", str(docs))[0] == 0
    monkeypatch.setenv("KEFU_DB_BUSY_SECONDS", "0.05")
    holder = connect(load_settings(home).db_path)
    holder.execute("BEGIN IMMEDIATE")  # a long write elsewhere
    try:
        status, _, err = run(capsys, "--home", home, "remove", "售后.txt")
    finally:
        holder.rollback()
    assert status == 3 and "database is locked" in err and "run the command again" in err
    status, out, _ = run(capsys, "--home", home, "docs")
    assert status == 0 and "售后.txt" in out


def test_a_bounded_wait_for_the_write_lock_gives_up_with_a_clear_error(tmp_path):
    import fcntl

    import pytest

    from kb.write_lock import KnowledgeBaseBusy, wait_for_lock

    path = tmp_path / "write.lock"
    with open(path, "w") as holder, open(path, "w") as waiter:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(KnowledgeBaseBusy, match="still running"):
            wait_for_lock(waiter, 0.1)
        fcntl.flock(holder, fcntl.LOCK_UN)
        wait_for_lock(waiter, 0.1)  # free: taken at once
        fcntl.flock(waiter, fcntl.LOCK_UN)
        wait_for_lock(waiter, None)  # no limit (the CLI's way): taken when free
