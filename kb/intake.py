"""What an ingest takes in: the files of its paths, their hashes and bytes, and a result per file.

Reading is kept apart from staging so that the rules hold in one place: a new
file over the size limit is refused on its size, unread; a stored one is
hashed in a stream; the bytes parsed are the bytes hashed, read once.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kb.loaders import SUPPORTED_SUFFIXES, check_file
from kb.models import IngestError


@dataclass
class FileResult:
    """What happened to one input file."""

    path: str
    name: str
    status: str  # added | updated | unchanged | error | skipped (not read; the reason is in error)
    version: int = 0
    chunks: int = 0
    dropped: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    encoding: str = ""


@dataclass
class IngestReport:
    """Per-file results of one ingest plus the index update summary."""

    files: list[FileResult]
    index: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "error"]

    @property
    def skipped(self) -> list[FileResult]:
        """Paths of a folder passed over (hidden, links, not regular files), each with its reason."""
        return [f for f in self.files if f.status == "skipped"]

    def as_json(self) -> dict:
        return {
            "files": [asdict(f) for f in self.files],
            "index": self.index,
            "seconds": round(self.seconds, 2),
        }


def collect_files(paths: list) -> tuple[list[tuple[Path, str]], list[FileResult]]:
    """Expand folders recursively into ``(file, document name)`` pairs.

    A file's name is its path relative to the folder it was found under, or its
    file name when given directly; an item may also be a ``(file, name)`` pair
    (uploads stored under a generated path keep the name the user knows).
    Nothing is passed over silently: missing paths and unsupported files are
    errors; hidden entries, symbolic links to folders (loops included), dangling
    links and special files (a FIFO would block the read) are ``skipped``, each
    with its reason.
    """
    found: list[tuple[Path, str]] = []
    problems: list[FileResult] = []
    for raw in paths:
        if isinstance(raw, tuple):
            path, name = Path(raw[0]), str(raw[1])
            if path.is_file():
                found.append((path, name))
            else:
                what = "文件不存在 (no such file)"
                if path.is_dir():
                    what = "是文件夹，不是文件 (a folder, not a file)"
                problems.append(FileResult(str(path), name, "error", error=f"{name}: {what}"))
            continue
        path = Path(raw)
        if path.is_dir() and not path.is_symlink():
            _walk_named(path, found, problems)
            continue
        if not os.path.lexists(path):
            error = f"{path}: 文件或文件夹不存在 (no such file or folder)"
            problems.append(FileResult(str(path), path.name, "error", error=error))
            continue
        reason = _skip_reason(path, named=True)
        if reason is not None:
            problems.append(FileResult(str(path), path.name, "error", error=f"{path}: {reason}"))
        elif path.is_dir():  # a link to a folder, named on purpose: its files
            _walk_named(path, found, problems)
        else:
            found.append((path, path.name))
    return found, problems


def _walk_named(folder: Path, found: list, problems: list) -> None:
    """Walk a folder the user named; one that holds nothing to read or report is an error, not silence."""
    before = len(found) + len(problems)
    _walk(folder, folder, found, problems)
    if len(found) + len(problems) == before:
        error = (
            f"{folder}: 文件夹里没有可导入的文件（支持 {'、'.join(sorted(SUPPORTED_SUFFIXES))}）"
            " (the folder holds no files to ingest)"
        )
        problems.append(FileResult(str(folder), folder.name, "error", error=error))


def _walk(folder: Path, root: Path, found: list, problems: list) -> None:
    """Files under ``folder`` in name order; symbolic links to folders are never followed."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        error = f"{folder}: 无法读取文件夹 (cannot read folder: {exc.strerror})"
        problems.append(FileResult(str(folder), folder.name, "error", error=error))
        return
    for entry in entries:
        path = Path(entry.path)
        name = path.relative_to(root).as_posix()
        reason = _skip_reason(path)
        if reason is not None:
            problems.append(FileResult(str(path), name, "skipped", error=f"{path}: {reason}"))
        elif entry.is_dir(follow_symlinks=False):
            _walk(path, root, found, problems)
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            error = (
                f"{path}: 不支持的文件类型 {path.suffix or '(无扩展名)'}，已跳过"
                " (unsupported file type, skipped)"
            )
            problems.append(FileResult(str(path), name, "error", error=error))
        else:
            found.append((path, name))


def _skip_reason(path: Path, named: bool = False) -> str | None:
    """Why a path is not read (None: read it). ``named``: given by the user, not found in a folder."""
    name = path.name
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "文件名里有控制字符，已跳过 (file name contains control characters, skipped)"
    if not named and name.startswith(".."):
        return "名字以“..”开头，已跳过 (name starts with '..', skipped)"
    if not named and name.startswith("."):
        return "隐藏文件或文件夹（名字以“.”开头），已跳过 (hidden file, skipped)"
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except FileNotFoundError:
            return f"符号链接指向不存在的 {os.readlink(path)}，已跳过 (dangling symbolic link, skipped)"
        except (RuntimeError, OSError):  # Python raises RuntimeError or ELOOP for a cycle of links
            return "符号链接形成循环，已跳过 (symbolic link loop, skipped)"
        if target.is_dir():
            home = path.parent.resolve()
            if target == home or target in home.parents:
                return "符号链接指向所在的文件夹或其上级（循环），已跳过 (symbolic link loop, skipped)"
            if not named:
                return "指向文件夹的符号链接不跟随，已跳过 (symbolic link to a folder, skipped)"
            return None
    if not path.is_file() and not path.is_dir():
        return "不是普通文件（管道、设备或套接字），已跳过 (not a regular file, skipped)"
    return None


def file_digest(path: Path, max_bytes: int, known: bool) -> str | None:
    """SHA-1 of a file, streamed; None when it cannot be read or is a new file that will be refused.

    A stored document's file is hashed whatever its size, so that it stays
    "unchanged" after ``max_file_mb`` is lowered.
    """
    try:
        if not known:
            check_file(path, path.stat().st_size, max_bytes)
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha1").hexdigest()
    except (OSError, IngestError):
        return None


def read_checked(path: Path, max_bytes: int) -> bytes:
    """The bytes of a file that passes :func:`check_file`, read once and never more than the limit.

    Raises OSError or :class:`IngestError` (type, empty, too large: also when it grew meanwhile).
    """
    with open(path, "rb") as handle:
        check_file(path, os.fstat(handle.fileno()).st_size, max_bytes)
        data = handle.read(max_bytes + 1)
    check_file(path, len(data), max_bytes)
    return data
