"""The question bank and quiz delivery from the command line, on the sample knowledge base."""

import json

import app
from common.db import connect
from quiz.bank import add_candidates, list_bank
from quiz.models import Question, Source


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_fill_triage_assemble_and_deliver_from_the_cli(quiz_home, tmp_path, capsys):
    home = ["--home", str(quiz_home)]
    fill = [*home, "quiz", "bank", "fill", "--topic", "退换货", "-n", "4", "--types", "single,cloze"]
    assert app.main(fill) == 0
    assert "added" in capsys.readouterr().out
    assert app.main([*home, "quiz", "bank", "list", "--topic", "退换货", "--json"]) == 0
    entries = _json(capsys)
    assert len(entries) >= 3 and all(e["doc_version"] for e in entries)
    assert all(e["question"]["source"]["sentence"] for e in entries)
    ids = [str(e["id"]) for e in entries]
    assert app.main([*home, "quiz", "bank", "accept", *ids[:-1]]) == 0
    assert app.main([*home, "quiz", "bank", "reject", ids[-1], "--reason", "trivial"]) == 0
    assert app.main([*home, "quiz", "bank", "reject", ids[-1], "--reason", "bogus"]) == 2
    capsys.readouterr()
    assert app.main([*home, "quiz", "bank", "stats", "--json"]) == 0
    assert sum(c["rejected"] for c in _json(capsys).values()) >= 1
    capsys.readouterr()
    assert (
        app.main([*home, "quiz", "bank", "assemble", "-n", "2", "--topic", "退换货", "--title", "CLI 组卷"])
        == 0
    )
    quiz_id = capsys.readouterr().out.split()[2].rstrip(":")
    assert (
        app.main(
            [*home, "quiz", "settings", quiz_id, "--time-limit", "10", "--attempts", "1", "--pass", "50"]
        )
        == 0
    )
    assert _json(capsys)["attempts_allowed"] == 1
    assert app.main([*home, "quiz", "settings", quiz_id, "--pass", "150"]) == 2
    assert app.main([*home, "quiz", "publish", quiz_id]) == 0
    assert app.main([*home, "quiz", "assign", quiz_id, "--role", "agent", "--due", "2099-01-01 18:00"]) == 0
    assert app.main([*home, "quiz", "attempt", quiz_id, "--taker", "小王", "--answers", "A|B"]) == 0
    assert app.main([*home, "quiz", "attempt", quiz_id, "--taker", "小王", "--answers", "A|B"]) == 2
    capsys.readouterr()
    out = tmp_path / "results.xlsx"
    assert app.main([*home, "quiz", "results", quiz_id, "--out", str(out)]) == 0
    assert out.stat().st_size > 0 and "小王" in capsys.readouterr().out
    assert app.main([*home, "quiz", "delete", quiz_id]) == 2  # needs --yes
    assert app.main([*home, "quiz", "delete", quiz_id, "--yes"]) == 0
    gift = tmp_path / "bank.gift"
    assert app.main([*home, "quiz", "bank", "export", "--out", str(gift), "--status", "accepted"]) == 0
    assert app.main([*home, "quiz", "bank", "import", str(gift)]) == 0
    assert "already in the bank" in capsys.readouterr().out


def test_review_flags_questions_whose_document_is_gone(quiz_home, capsys):
    conn = connect(quiz_home / "kefu.sqlite3")
    kept = list_bank(conn)[0] if list_bank(conn) else None
    gone = Question(
        "single",
        "已删除手册的题（　　）",
        ["甲", "乙"],
        "甲",
        source=Source("已删除的手册.md", [], "甲规定。"),
    )
    add_candidates(conn, [gone], versions={"已删除的手册.md": 1})
    assert app.main(["--home", str(quiz_home), "quiz", "bank", "review"]) == 0
    assert "flagged 1" in capsys.readouterr().out
    flagged = list_bank(conn, review=True)
    assert [e["question"].stem for e in flagged] == ["已删除手册的题（　　）"]
    assert "已删除" in flagged[0]["review"]
    if kept:  # questions whose source sentence is unchanged stay unflagged
        assert all(e["id"] != kept["id"] for e in flagged)
    conn.close()
