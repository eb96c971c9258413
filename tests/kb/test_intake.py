"""Folder ingest reports every path it passes over, with the reason; nothing is skipped silently."""

import os

import pytest

from kb.intake import collect_files


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "手册"
    (root / "子目录").mkdir(parents=True)
    (root / "售后.txt").write_text("退货须在七天内申请。", encoding="utf-8")
    (root / "子目录" / "发票.md").write_text("电子发票在确认收货后开具。", encoding="utf-8")
    (root / ".草稿.txt").write_text("隐藏的草稿", encoding="utf-8")
    (root / "..上级.txt").write_text("名字以两个点开头", encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "config.txt").write_text("x", encoding="utf-8")
    os.symlink(root, root / "子目录" / "回到上级")  # a loop: the folder holds a link to itself
    os.symlink("自己", root / "自己")  # a link to itself
    os.symlink(root / "不存在.txt", root / "断开的链接.txt")
    os.symlink(root / "售后.txt", root / "售后链接.txt")  # a link to a file is read
    os.mkfifo(root / "管道.txt")
    return root


def test_folder_walk_reports_each_skipped_path_with_its_reason(folder):
    found, problems = collect_files([folder])
    assert sorted(name for _, name in found) == ["售后.txt", "售后链接.txt", "子目录/发票.md"]
    reasons = {p.name: (p.status, p.error) for p in problems}
    expected = {
        ".草稿.txt": "隐藏文件或文件夹",
        ".git": "隐藏文件或文件夹",
        "..上级.txt": "名字以“..”开头",
        "子目录/回到上级": "符号链接指向所在的文件夹或其上级（循环）",
        "自己": "符号链接形成循环",
        "断开的链接.txt": "符号链接指向不存在的",
        "管道.txt": "不是普通文件",
    }
    assert set(reasons) == set(expected)
    for name, reason in expected.items():
        status, error = reasons[name]
        assert status == "skipped" and error.startswith(f"{folder / name}: {reason}"), error


def test_a_named_special_file_or_loop_is_an_error_not_a_hang(folder):
    found, problems = collect_files([folder / "管道.txt", folder / "自己", folder / "没有.txt"])
    assert found == []
    assert [(p.status, p.error.split(": ", 1)[1][:6]) for p in problems] == [
        ("error", "不是普通文件"),
        ("error", "符号链接形成"),
        ("error", "文件或文件夹"),
    ]
