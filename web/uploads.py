"""Saving uploaded files under the data home without letting a file name choose the path.

The knowledge base names a document after its file, and agents must see
``售后服务手册.md``, not ``md`` (werkzeug's ``secure_filename`` strips every
Chinese character). So each batch goes into a fresh folder whose name is
generated (``uploads/<kind>/<time>-<random>``), and inside it the original
name is kept only after it passed :func:`check_name`: no path separators, no
``..``, no control characters, a supported suffix; the resolved path is
checked to be inside the batch folder all the same.
"""

from __future__ import annotations

import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from werkzeug.utils import secure_filename

MAX_NAME = 120


class UploadError(ValueError):
    """A file name or type that is refused; the message is user-facing."""


@dataclass
class SavedFile:
    """An accepted upload: where it is stored and the name people see."""

    path: Path
    name: str


def check_name(raw: str | None, suffixes: set[str] | frozenset[str]) -> str:
    """The display name of an upload, or :class:`UploadError` saying why it is refused."""
    name = unicodedata.normalize("NFC", (raw or "").strip())
    if not name:
        raise UploadError("文件没有名字")
    if "/" in name or "\\" in name or ".." in name or name.startswith("."):
        raise UploadError(f"文件名 {name!r} 不允许包含路径（/ \\ ..）")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UploadError(f"文件名 {name!r} 含有控制字符")
    if len(name) > MAX_NAME:
        raise UploadError(f"文件名太长（最多 {MAX_NAME} 个字符）")
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise UploadError(
            f"{name}: 不支持的文件类型 {suffix or '（无后缀）'}（支持 {' '.join(sorted(suffixes))}）"
        )
    return name


def batch_folder(home: Path, kind: str) -> Path:
    """A new, empty folder for one upload batch."""
    folder = (
        home / "uploads" / secure_filename(kind) / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"
    )
    folder.mkdir(parents=True)
    return folder


def save_uploads(
    files,
    home: Path,
    kind: str,
    suffixes,
    rename_to: str | None = None,
) -> tuple[list[SavedFile], list[str]]:
    """Save werkzeug ``FileStorage`` objects; returns accepted files and one error per refused file.

    ``rename_to`` stores a single file under another (already checked) name:
    a new version of a document must keep the document's name.
    """
    saved: list[SavedFile] = []
    errors: list[str] = []
    folder: Path | None = None
    for storage in files:
        if storage is None or not storage.filename:
            continue
        try:
            name = check_name(storage.filename, suffixes)
            if rename_to is not None:
                if Path(name).suffix.lower() != Path(rename_to).suffix.lower():
                    raise UploadError(f"新版本必须与原文档格式相同（{Path(rename_to).suffix}），收到 {name}")
                name = rename_to
        except UploadError as exc:
            errors.append(str(exc))
            continue
        folder = folder or batch_folder(home, kind)
        target = (folder / name).resolve()
        if target.parent != folder.resolve() or target.exists():
            errors.append(f"{name}: 文件名无效或与本批次另一文件重名")
            continue
        storage.save(target)
        saved.append(SavedFile(target, name))
    return saved, errors
