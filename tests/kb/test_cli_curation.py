"""The curation commands: dropped, restore, chunk disable/enable/edit/revert/history."""

from __future__ import annotations

import json

import app

MANUAL = (
    "第一章 退货\n顾客签收后七天内可以无理由退货，商品需保持完好，客服审核后生成退货单。\n"
    "第二章 随想\n啊，夏夜的星空，你把银色的梦撒满田野，撒进每一声蛙鸣，撒进我心底的歌谣。\n"
    "第三章 发票\n电子发票在顾客确认收货后由客服在后台开具，并发送到顾客的邮箱。\n"
)


def run(capsys, *argv):
    status = app.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_the_admin_lists_restores_disables_and_edits_from_the_command_line(tmp_path, capsys):
    home = str(tmp_path / "home")
    manual = tmp_path / "门店手册.txt"
    manual.write_text(MANUAL, encoding="utf-8")
    assert run(capsys, "--home", home, "ingest", str(manual))[0] == 0

    status, out, _ = run(capsys, "--home", home, "dropped", "门店手册.txt", "--json")
    poem = next(d for d in json.loads(out) if d["reason"] == "off-topic: poem")
    assert status == 0 and "夏夜的星空" in poem["text"]
    status, out, _ = run(capsys, "--home", home, "dropped", "门店手册.txt")
    assert "与客服无关：诗歌" in out

    status, out, _ = run(capsys, "--home", home, "restore", str(poem["id"]))
    assert status == 0 and "已恢复到 门店手册.txt v2" in out
    status, out, _ = run(capsys, "--home", home, "search", "夏夜的星空 银色的梦", "--json")
    assert any("夏夜的星空" in r["text"] for r in json.loads(out)["results"])

    chunks = json.loads(run(capsys, "--home", home, "search", "电子发票什么时候开", "--json")[1])["results"]
    invoice = next(r for r in chunks if "电子发票" in r["text"])["chunk_id"]
    assert (
        run(capsys, "--home", home, "chunk", "disable", str(invoice))[1].strip() == f"段落 #{invoice} 已停用"
    )
    found = json.loads(run(capsys, "--home", home, "search", "电子发票什么时候开", "--json")[1])["results"]
    assert not any("电子发票" in r["text"] for r in found)
    assert run(capsys, "--home", home, "chunk", "enable", str(invoice))[0] == 0

    status, out, _ = run(
        capsys, "--home", home, "chunk", "edit", str(invoice), "--text", "电子发票在签收后开具。"
    )
    assert status == 0 and f"段落 #{invoice} 已修改" in out
    new_id = int(out.rsplit("#", 1)[1])
    history = json.loads(run(capsys, "--home", home, "chunk", "history", str(new_id))[1])
    assert [h["action"] for h in history] == ["disable", "enable", "edit"]
    assert run(capsys, "--home", home, "chunk", "revert", str(new_id))[0] == 0
    status, _, err = run(capsys, "--home", home, "chunk", "disable", "999999")
    assert status == 2 and "没有编号为 999999 的段落" in err


def test_removing_a_document_forgets_its_restores_so_a_new_file_of_that_name_starts_clean(tmp_path, capsys):
    home = str(tmp_path / "home")
    manual = tmp_path / "门店手册.txt"
    manual.write_text(MANUAL, encoding="utf-8")
    assert run(capsys, "--home", home, "ingest", str(manual))[0] == 0
    poem = next(
        d
        for d in json.loads(run(capsys, "--home", home, "dropped", "门店手册.txt", "--json")[1])
        if d["reason"] == "off-topic: poem"
    )
    assert run(capsys, "--home", home, "restore", str(poem["id"]))[0] == 0
    assert run(capsys, "--home", home, "remove", "门店手册.txt")[0] == 0
    assert run(capsys, "--home", home, "ingest", str(manual))[0] == 0
    dropped = json.loads(run(capsys, "--home", home, "dropped", "门店手册.txt", "--json")[1])
    assert any(d["reason"] == "off-topic: poem" and not d["restored"] for d in dropped)
