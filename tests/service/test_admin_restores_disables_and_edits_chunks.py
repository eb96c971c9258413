"""Round trips of the admin's curation: restore a dropped piece, disable/enable and edit/revert a chunk.

Each decision must hold for search, for quiz material, and across a re-ingest of the document.
"""

from __future__ import annotations

import pytest

from common.settings import load_settings
from kb.curation import CurationError
from service.playbook import Playbook

SERVICE = [
    "退货须知：顾客在签收后七天内可以申请无理由退货，商品须保持完好，客服在后台审核后生成退货单号。",
    "换货流程：顾客提交换货申请并寄回商品，仓库收到后两个工作日内寄出新商品，客服短信通知顾客。",
    "投诉处理：客服接到投诉后先安抚顾客情绪，记录问题，二十四小时内给出处理方案并电话回访。",
]
POEM = "啊，秋天的枫林，你把火红的誓言写满山坡，写进每一片飘落的叶子，写进我远行的梦里。"


NUMBERS = "一二三四五六七八九"


def _write(path, paragraphs):
    """A manual with one numbered section per paragraph (so one chunk each)."""
    sections = [f"{NUMBERS[i]}、第{NUMBERS[i]}部分\n\n{text}" for i, text in enumerate(paragraphs)]
    path.write_text("门店客服手册\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8")


@pytest.fixture
def playbook(tmp_path):
    manual = tmp_path / "files" / "门店客服手册.txt"
    manual.parent.mkdir()
    _write(manual, [SERVICE[0], POEM, SERVICE[1], SERVICE[2]])
    book = Playbook(load_settings(tmp_path / "home"), foreground=True)
    job = book.start_ingest([manual], "admin")
    assert job.status == "done", job.error
    book.manual = manual
    yield book
    book.close()


def _texts(book, query):
    return [r.text for r in book.search(query, k=10).results]


def _chunk_with(book, fragment):
    return next(p for p in book.kb.passages() if fragment in p.text)


def test_a_dropped_poem_is_listed_restored_searchable_and_kept_on_reingest(playbook):
    dropped = playbook.curation.dropped("门店客服手册.txt")
    poem = next(s for s in dropped if s.reason == "off-topic: poem")
    assert POEM in poem.text and not poem.restored
    assert not any(POEM in t for t in _texts(playbook, "秋天的枫林 火红的誓言"))

    job = playbook.curation.restore(poem.id, "admin")
    assert job.status == "done", job.error
    assert any("秋天的枫林" in t for t in _texts(playbook, "秋天的枫林 火红的誓言"))
    assert all(s.reason != "off-topic: poem" for s in playbook.curation.dropped("门店客服手册.txt"))

    # A new version of the file (one more paragraph): the decision, kept by content, still holds.
    _write(
        playbook.manual,
        [SERVICE[0], POEM, SERVICE[1], SERVICE[2], "发票：顾客可在订单完成后三十天内申请电子发票。"],
    )
    assert playbook.start_ingest([playbook.manual], "admin").result["files"][0]["status"] == "updated"
    assert any("秋天的枫林" in t for t in _texts(playbook, "秋天的枫林 火红的誓言"))


def test_a_disabled_chunk_leaves_search_and_quiz_material_until_enabled(playbook):
    chunk = _chunk_with(playbook, "换货流程")
    playbook.curation.set_disabled(chunk.chunk_id, True, "admin")
    assert not any("换货流程" in t for t in _texts(playbook, "换货流程 寄回商品"))
    assert not any("换货流程" in p.text for p in playbook.kb.passages())
    assert playbook.kb.chunk(chunk.chunk_id)["disabled"] == 1  # still shown to the admin

    _write(
        playbook.manual,
        [SERVICE[0], POEM, SERVICE[1], SERVICE[2], "发票：顾客可在订单完成后三十天内申请电子发票。"],
    )
    playbook.start_ingest([playbook.manual], "admin")
    assert not any("换货流程" in t for t in _texts(playbook, "换货流程 寄回商品"))  # stays disabled

    again = next(
        c for c in playbook.kb.chunks(playbook.kb.document("门店客服手册.txt").id) if "换货流程" in c["text"]
    )
    playbook.curation.set_disabled(again["id"], False, "admin")
    assert any("换货流程" in t for t in _texts(playbook, "换货流程 寄回商品"))
    assert [h["action"] for h in playbook.curation.history(again["id"])] == ["disable", "enable"]


def test_an_edited_chunk_is_searched_by_its_new_text_and_its_original_can_be_put_back(playbook):
    chunk = _chunk_with(playbook, "投诉处理")
    edited = "投诉处理：客服接到投诉后先安抚顾客情绪，记录问题，十二小时内给出处理方案并电话回访。"
    job = playbook.curation.edit(chunk.chunk_id, edited, "admin")
    assert job.status == "done", job.error
    new_id = job.result["chunk"]
    assert new_id != chunk.chunk_id
    assert playbook.kb.chunk(new_id)["text"] == edited
    assert edited in _texts(playbook, "投诉多久给出处理方案")
    assert SERVICE[2] not in [p.text for p in playbook.kb.passages()]
    history = playbook.curation.history(new_id)
    assert history[0]["action"] == "edit" and history[0]["old_text"] == SERVICE[2]

    # The edit is remembered for the passage: an updated file keeps it.
    _write(
        playbook.manual,
        [SERVICE[0], POEM, SERVICE[1], SERVICE[2], "发票：顾客可在订单完成后三十天内申请电子发票。"],
    )
    playbook.start_ingest([playbook.manual], "admin")
    current = _chunk_with(playbook, "投诉处理")
    assert current.text == edited

    reverted = playbook.curation.revert(current.chunk_id, "admin")
    assert reverted.status == "done", reverted.error
    assert _chunk_with(playbook, "投诉处理").text == SERVICE[2]
    with pytest.raises(CurationError):
        playbook.curation.revert(reverted.result["chunk"], "admin")


def test_editing_refuses_empty_text_and_unknown_chunks(playbook):
    chunk = _chunk_with(playbook, "退货须知")
    with pytest.raises(CurationError):
        playbook.curation.edit(chunk.chunk_id, "   ", "admin")
    with pytest.raises(CurationError):
        playbook.curation.edit(999999, "新的内容", "admin")
