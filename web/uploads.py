"""Saving uploaded files under the data home without letting a file name choose the path.

The knowledge base names a document after its file, and agents must see
``售后服务手册.md``, not ``md`` (werkzeug's ``secure_filename`` strips every
Chinese character). So each batch goes into a fresh folder whose name is
generated (``uploads/<kind>/<time>-<random>``), and inside it the original
name is kept only after it passed :func:`common.filenames.check_name`: no path separators, no
``..``, no control characters, a supported suffix; the resolved path is
checked to be inside the batch folder all the same.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from werkzeug.utils import secure_filename

from common.filenames import FileNameError, check_name

# A refused name: the message is user-facing (the check itself is core: common/filenames.py).
UploadError = FileNameError


@dataclass
class SavedFile:
    """An accepted upload: where it is stored and the name people see."""

    path: Path
    name: str


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
