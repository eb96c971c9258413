"""What an ingest takes in: the files of its paths, their hashes and bytes, and a result per file.

Reading is kept apart from staging so that the rules hold in one place: a new
file over the size limit is refused on its size, unread; a stored one is
hashed in a stream; the bytes parsed are the bytes hashed, read once.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kb.loaders import SUPPORTED_SUFFIXES, check_file
from kb.models import IngestError


@dataclass
class FileResult:
    """What happened to one input file."""

    path: str
    name: str
    status: str  # added | updated | unchanged | error
    version: int = 0
    chunks: int = 0
    dropped: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str = ""


@dataclass
class IngestReport:
    """Per-file results of one ingest plus the index update summary."""

    files: list[FileResult]
    index: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "error"]

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
    Missing paths and unsupported files in a folder are reported, not skipped
    silently.
    """
    found: list[tuple[Path, str]] = []
    problems: list[FileResult] = []
    for raw in paths:
        if isinstance(raw, tuple):
            path, name = Path(raw[0]), str(raw[1])
            if path.is_file():
                found.append((path, name))
            else:
                problems.append(FileResult(str(path), name, "error", error=f"{name}: no such file"))
            continue
        path = Path(raw)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = file.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                    problems.append(
                        FileResult(
                            str(file),
                            rel.as_posix(),
                            "error",
                            error=f"{file}: unsupported file type, skipped",
                        )
                    )
                    continue
                found.append((file, rel.as_posix()))
        elif path.is_file():
            found.append((path, path.name))
        else:
            problems.append(
                FileResult(str(path), path.name, "error", error=f"{path}: no such file or folder")
            )
    return found, problems


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
