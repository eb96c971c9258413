"""Checking a user-given file name before it becomes part of a path under the data home.

Uploads keep their original (often Chinese) names, and policies are stored under the name an
editor typed, so a name is checked rather than rewritten: no path separators, no ``..``, no
control characters, a supported suffix.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

MAX_NAME = 120


class FileNameError(ValueError):
    """A file name or type that is refused; the message is user-facing."""


def check_name(raw: str | None, suffixes: set[str] | frozenset[str]) -> str:
    """The display name of a file, or :class:`FileNameError` saying why it is refused."""
    name = unicodedata.normalize("NFC", (raw or "").strip())
    if not name:
        raise FileNameError("文件没有名字")
    if "/" in name or "\\" in name or ".." in name or name.startswith("."):
        raise FileNameError(f"文件名 {name!r} 不允许包含路径（/ \\ ..）")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise FileNameError(f"文件名 {name!r} 含有控制字符")
    if len(name) > MAX_NAME:
        raise FileNameError(f"文件名太长（最多 {MAX_NAME} 个字符）")
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise FileNameError(
            f"{name}: 不支持的文件类型 {suffix or '（无后缀）'}（支持 {' '.join(sorted(suffixes))}）"
        )
    return name
