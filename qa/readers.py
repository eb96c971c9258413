"""Transcript readers: JSON Lines, JSON arrays, and long-form CSV / XLSX.

Every reader yields :class:`~qa.transcript.Conversation` objects and
:class:`Rejection` records. A malformed record never stops a run: it is
reported with its file, line (or row) and reason and the rest is still read.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from qa.long_form import COLUMNS, csv_rows, read_long, xlsx_rows
from qa.messages import kind, os_reason
from qa.rejection import ColumnError, FileError, Rejection, file_rejection, unknown_role
from qa.timeparse import TimestampError, parse_timestamp
from qa.transcript import Conversation, canonical_role

__all__ = ["COLUMNS", "ColumnError", "FileError", "Rejection", "read_transcripts"]


def read_transcripts(
    path: str | Path, tz: str = "Asia/Shanghai", columns: Mapping[str, str] | None = None
) -> Iterator[Conversation | Rejection]:
    """Read one transcript file of any supported format, chosen by extension.

    ``columns`` maps canonical column names (``conversation_id``, ``agent``,
    ``role``, ``ts``, ``text``, ``channel``) to the headers of a CSV/XLSX export.
    A file that cannot be read at all (missing, corrupt, no required column)
    yields a single file-level rejection; a bad record yields a rejection naming
    its line and the field, and reading goes on.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson"):
            yield from _read_jsonl(path, tz)
        elif suffix == ".json":
            yield from _read_json(path, tz)
        elif suffix in (".csv", ".tsv", ".txt"):
            yield from read_long(path, csv_rows(path), tz, columns, unit="line")
        elif suffix in (".xlsx", ".xlsm"):
            yield from read_long(path, xlsx_rows(path), tz, columns, unit="row")
        else:
            yield file_rejection(path, f"不支持的文件类型 {suffix!r}（请用 .jsonl、.json、.csv 或 .xlsx）")
    except OSError as exc:
        yield file_rejection(path, os_reason(exc))
    except FileError as exc:
        yield file_rejection(path, str(exc))


# --- JSON --------------------------------------------------------------------

# The json module's messages, in the words of the person who exported the file.
_JSON_ERRORS = (
    ("Expecting value", "缺少值"),
    ("Expecting property name enclosed in double quotes", "键名必须用双引号"),
    ("Expecting ',' delimiter", "缺少逗号"),
    ("Expecting ':' delimiter", "缺少冒号"),
    ("Unterminated string", "字符串没有结束引号"),
    ("Invalid control character", "字符串里有控制字符"),
    ("Invalid \\escape", "无效的转义"),
    ("Extra data", "一行里有多余的内容"),
)


def _parse_json(text: str) -> object:
    """``json.loads`` whose every failure is a :class:`ValueError` with a Chinese reason.

    Nesting beyond the recursion limit raises RecursionError and a 5,000-digit number a
    bare ValueError in the json module; both must reject one record, not end the run.
    NaN and Infinity are not JSON and would make NaN scores and invalid JSON reports.
    """
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        words = next((w for prefix, w in _JSON_ERRORS if exc.msg.startswith(prefix)), exc.msg)
        raise ValueError(f"JSON 格式错误：{words}（第 {exc.colno} 列）") from None
    except RecursionError:
        raise ValueError("JSON 嵌套过深，无法读取（一条对话只需要几层嵌套）") from None
    except ValueError as exc:
        raise ValueError(f"JSON 格式错误：{exc}") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"不是有效的 JSON 数值 {name}")


def _read_jsonl(path: Path, tz: str) -> Iterator[Conversation | Rejection]:
    # Bytes, decoded line by line: one line saved as GBK in a UTF-8 file rejects that line only.
    with open(path, "rb") as handle:
        for number, data in enumerate(handle, start=1):
            if number == 1 and data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
            try:
                line = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Rejection(
                    str(path), number, f"不是 UTF-8 文本（第 {exc.start + 1} 个字节起，可能是 GBK），整行跳过"
                )
                continue
            if not line.strip():
                continue
            try:
                record = _parse_json(line)
            except ValueError as exc:
                yield Rejection(str(path), number, str(exc))
                continue
            yield _from_record(record, path, number, "line", tz)


def _read_json(path: Path, tz: str) -> Iterator[Conversation | Rejection]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileError(f"第 {line} 行不是 UTF-8 文本（可能是 GBK）；JSON 文件请整份存为 UTF-8") from None
    try:
        records = _parse_json(text)
    except ValueError as exc:
        raise FileError(str(exc)) from None
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list):
        raise FileError("应为对话组成的 JSON 数组")
    for number, record in enumerate(records, start=1):
        yield _from_record(record, path, number, "item", tz)


def _identifier(value: object) -> str | None:
    """An id or agent as text: strings and integers only (a list or object is not an id)."""
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _from_record(record: object, path: Path, number: int, unit: str, tz: str) -> Conversation | Rejection:
    """One canonical conversation object, or the first reason it is malformed (naming the field)."""

    def reject(reason: str, conv_id: str | None = None) -> Rejection:
        return Rejection(str(path), number, reason, unit, conv_id)

    if not isinstance(record, dict):
        return reject(f"应为 JSON 对象，实际是{kind(record)}")
    key = "id" if "id" in record else "conversation_id"
    raw_id = record.get(key)
    if raw_id is None or raw_id == "":
        return reject("缺少字段 'id'")
    conv_id = _identifier(raw_id)
    if conv_id is None:
        return reject(f"字段 '{key}' 必须是文本或整数，实际是{kind(raw_id)}")
    raw_agent = record.get("agent")
    if raw_agent is None or raw_agent == "":
        return reject("缺少字段 'agent'", conv_id)
    agent = _identifier(raw_agent)
    if agent is None:
        return reject(f"字段 'agent' 必须是文本或整数，实际是{kind(raw_agent)}", conv_id)
    channel = record.get("channel")
    if channel is not None and not isinstance(channel, str):
        return reject(f"字段 'channel' 必须是文本，实际是{kind(channel)}", conv_id)
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        return reject("缺少字段 'messages'（非空数组）", conv_id)
    raw = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            return reject(f"messages[{i}]: 应为对象，实际是{kind(message)}", conv_id)
        for name in ("role", "text", "ts"):
            if name not in message or message[name] is None:
                return reject(f"messages[{i}]: 缺少字段 '{name}'", conv_id)
        if not isinstance(message["text"], str):
            return reject(f"messages[{i}].text 必须是文本，实际是{kind(message['text'])}", conv_id)
        if not isinstance(message["role"], str):
            return reject(f"messages[{i}].role 必须是文本，实际是{kind(message['role'])}", conv_id)
        role = canonical_role(message["role"])
        if role is None:
            return reject(f"messages[{i}].role: {unknown_role(message['role'])}", conv_id)
        try:
            ts = parse_timestamp(message["ts"], tz)
        except TimestampError as exc:
            return reject(f"messages[{i}].ts: {exc}", conv_id)
        raw.append((role, message["text"], ts, None))
    return Conversation.from_unsorted(
        conv_id,
        agent,
        raw,
        channel=channel or "",
        source=f"{path.name}:{unit} {number}",
    )
