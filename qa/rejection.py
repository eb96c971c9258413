"""What a transcript reader reports instead of a conversation: a record or a file it could not read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa.messages import shown
from qa.transcript import ROLES


@dataclass(frozen=True)
class Rejection:
    """A record that could not be read: where it is and why (``line`` is None for the whole file)."""

    file: str
    line: int | None
    reason: str
    unit: str = "line"  # "line" (JSONL, CSV), "row" (XLSX), "item" (JSON array) or "file"
    conversation_id: str | None = None

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.reason}"
        return f"{self.file}: 第 {self.line} {_UNIT_WORDS.get(self.unit, '行')}: {self.reason}"


_UNIT_WORDS = {"line": "行", "row": "行", "item": "项"}


class FileError(ValueError):
    """A whole file that cannot be read: one rejection for the file, the rest of the batch goes on."""


class ColumnError(FileError):
    """A long-form file whose header lacks a required column."""


def file_rejection(path: Path, reason: str) -> Rejection:
    return Rejection(str(path), None, reason, "file")


def unknown_role(value: object) -> str:
    return f"未知角色 {shown(value)}（应为 {', '.join(ROLES)} 或 客户、客服、机器人、系统）"
