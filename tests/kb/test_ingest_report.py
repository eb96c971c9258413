"""The ingest report says what cleaning took and why; no document shrinks or vanishes silently."""

import app
from common.settings import load_settings
from kb.knowledge_base import KnowledgeBase


def run(capsys, *argv):
    status = app.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_huge_single_line_is_reported_with_the_stage_that_dropped_it(tiny_home, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    blob = docs / "导出.txt"
    blob.write_bytes(b"data:image/png;base64," + b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ" * 120_000)
    report = KnowledgeBase(load_settings(tiny_home)).ingest([docs])
    (error,) = [f.error for f in report.errors]
    assert error.startswith(f"{blob}: 清理后没有剩下任何内容：编码数据（非文字） (encoded data) 1 处")


def test_a_document_cleaning_mostly_removed_says_so_and_keeps_the_rest(tiny_home, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    paragraph = "处理客户投诉时应先倾听顾客的不满，再向顾客致歉并提出解决方案，最后做好记录与回访。"
    path = docs / "重复.txt"
    path.write_text("\n".join([paragraph] * 30), encoding="utf-8")
    kb = KnowledgeBase(load_settings(tiny_home))
    report = kb.ingest([docs])
    (result,) = report.files
    assert result.status == "added" and result.chunks == 1
    assert result.dropped == {"exact duplicate paragraph": 29}
    assert result.warnings == [
        f"{path}: 清理删掉了 97% 的文字，请检查：完全重复的段落 (exact duplicate paragraph) 29 处，"
        f"例如“{paragraph[:24]}…” (cleaning dropped 97% of the text)"
    ]
    assert kb.document("重复.txt").warnings == result.warnings  # kept for `docs` and the web admin
    assert kb.search("处理投诉先倾听", k=1).results[0].document == "重复.txt"


def test_control_characters_are_stripped_at_ingest_and_never_printed_raw(tmp_path, capsys):
    home = str(tmp_path / "home")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "彩色\u009b.txt").write_text("x", encoding="utf-8")  # a C1 control in a file name
    (docs / "终端.txt").write_bytes(
        "\x1b[2J\x1b[31m退货须知\x1b[0m\n顾客签收后\x00七天内可以无理由退货。\x07\n".encode()
    )
    status, out, err = run(capsys, "--home", home, "ingest", str(docs))
    assert status == 0
    assert "added     终端.txt" in out and "warning: " in err and "控制字符" in err
    assert "skipped: " in err and "彩色\\x9b.txt: 文件名里有控制字符" in err
    status, out, _ = run(capsys, "--home", home, "search", "签收后几天可以退货")
    assert "七天内可以无理由" in out and not any(ch in out for ch in "\x00\x07\x1b")
    status, out, _ = run(capsys, "--home", home, "search", "退货\x1b[31m", "--json")
    assert "\x1b" not in out and '"query": "退货\\u001b[31m"' in out
    for output in (run(capsys, "--home", home, "docs")[1], run(capsys, "--home", home, "docs", "--json")[1]):
        assert not any(ch in output for ch in "\x00\x07\x1b\x9b")


def test_cli_prints_stored_control_characters_as_visible_escapes():
    from cli.kb_commands import printable

    assert printable("售后\x1b[31m手册\u202e.txt") == "售后\\x1b[31m手册\\u202e.txt"
    assert printable("第一行\n第二行\t完", multiline=True) == "第一行\n第二行\t完"
