"""`docs` lists the documents as search serves them, even after a writer died between its steps.

A crash is a process that stops: no recovery runs until the next writer. The tests
stop a write at a step and disable the in-process repair to leave that state behind.
"""

import json

import pytest

import app
from common.settings import load_settings
from kb import store
from kb.knowledge_base import KnowledgeBase

V1 = "第一章 退货\n顾客签收后7天内可以无理由退货，商品需保持完好。\n第二章 发票\n电子发票在确认收货后开具。\n"
V2 = V1.replace("7天内", "15天内") + "第三章 运费\n质量问题的退货运费由本店承担。\n"


def _docs(capsys, home):
    assert app.main(["--home", str(home), "docs", "--json"]) == 0
    return [(d["name"], d["version"], d["chunk_count"]) for d in json.loads(capsys.readouterr().out)]


def _crash_at(monkeypatch, target: str):
    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(target, crash)
    monkeypatch.setattr(KnowledgeBase, "_recover", lambda self: None)  # the process is gone


def test_a_document_whose_first_version_was_never_published_is_not_listed(
    tiny_home, tmp_path, monkeypatch, capsys
):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "退货.txt").write_text(V1, encoding="utf-8")
    KnowledgeBase(load_settings(tiny_home)).ingest([docs])
    (docs / "新品.txt").write_text("新品上架后三十天内不参加满减活动。", encoding="utf-8")
    _crash_at(monkeypatch, "index.build.build_snapshot")
    with pytest.raises(RuntimeError):
        KnowledgeBase(load_settings(tiny_home)).ingest([docs])
    monkeypatch.undo()
    assert _docs(capsys, tiny_home) == [("退货.txt", 1, 2)]  # no "新品.txt v0, 0 chunks" ghost


def test_after_a_crash_between_publishing_and_promoting_docs_shows_the_served_version(
    tiny_home, tmp_path, monkeypatch, capsys
):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "退货.txt").write_text(V1, encoding="utf-8")
    KnowledgeBase(load_settings(tiny_home)).ingest([docs])
    (docs / "退货.txt").write_text(V2, encoding="utf-8")
    _crash_at(monkeypatch, "kb.store.promote")
    with pytest.raises(RuntimeError):
        KnowledgeBase(load_settings(tiny_home)).ingest([docs])
    monkeypatch.undo()
    reader = KnowledgeBase(load_settings(tiny_home))
    served = reader.search("质量问题的退货运费谁承担", k=1).results[0]
    assert "本店承担" in served.text  # search serves version 2 already
    assert _docs(capsys, tiny_home) == [("退货.txt", 2, 3)]
    assert reader.document("退货.txt").version == 2
    # The next writer finishes the promotion; the listing does not change.
    report = KnowledgeBase(load_settings(tiny_home)).ingest([docs])
    assert [f.status for f in report.files] == ["unchanged"]
    assert _docs(capsys, tiny_home) == [("退货.txt", 2, 3)]


def test_a_removal_published_before_a_crash_is_not_listed(tiny_home, tmp_path, monkeypatch, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "退货.txt").write_text(V1, encoding="utf-8")
    (docs / "新品.txt").write_text("新品上架后三十天内不参加满减活动。", encoding="utf-8")
    KnowledgeBase(load_settings(tiny_home)).ingest([docs])
    _crash_at(monkeypatch, "kb.store.delete_document")
    with pytest.raises(RuntimeError):
        KnowledgeBase(load_settings(tiny_home)).remove("新品.txt")
    monkeypatch.undo()
    assert store.get_document(KnowledgeBase(load_settings(tiny_home)).conn, "新品.txt") is not None
    assert _docs(capsys, tiny_home) == [("退货.txt", 1, 2)]
