"""Transcript readers: JSON Lines, JSON arrays, and long-form CSV / XLSX.

Every reader yields :class:`~qa.transcript.Conversation` objects and
:class:`Rejection` records. A malformed record never stops a run: it is
reported with its file, line (or row) and reason and the rest is still read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from common.textnorm import normalize
from qa.messages import kind, os_reason, shown
from qa.timeparse import TimestampError, parse_timestamp
from qa.transcript import ROLES, Conversation, canonical_role

# Canonical long-form columns, and the headers other exports use for them.
COLUMNS = ("conversation_id", "agent", "role", "ts", "text", "channel")
REQUIRED_COLUMNS = ("conversation_id", "agent", "role", "ts", "text")
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "conversation_id": ("conversation_id", "id", "会话id", "会话编号", "对话id", "session_id"),
    "agent": ("agent", "agent_id", "客服", "坐席", "客服工号", "坐席工号"),
    "role": ("role", "sender", "角色", "发送方"),
    "ts": ("ts", "time", "timestamp", "时间", "发送时间"),
    "text": ("text", "content", "message", "内容", "消息", "消息内容"),
    "channel": ("channel", "渠道"),
}


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
            yield from _read_long(path, _csv_rows(path), tz, columns, unit="line")
        elif suffix in (".xlsx", ".xlsm"):
            yield from _read_long(path, _xlsx_rows(path), tz, columns, unit="row")
        else:
            yield _file_rejection(path, f"不支持的文件类型 {suffix!r}（请用 .jsonl、.json、.csv 或 .xlsx）")
    except OSError as exc:
        yield _file_rejection(path, os_reason(exc))
    except FileError as exc:
        yield _file_rejection(path, str(exc))


def _file_rejection(path: Path, reason: str) -> Rejection:
    return Rejection(str(path), None, reason, "file")


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
            return reject(f"messages[{i}].role: {_unknown_role(message['role'])}", conv_id)
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


def _unknown_role(value: object) -> str:
    return f"未知角色 {shown(value)}（应为 {', '.join(ROLES)} 或 客户、客服、机器人、系统）"


# --- long form (CSV / XLSX) ------------------------------------------------------


@dataclass(frozen=True)
class _BadRecord:
    """A CSV record that cannot be used; its line is still counted and reported."""

    reason: str


def _decode_lines(data: bytes) -> tuple[str, set[int]]:
    """The text of a CSV file and the physical lines (1-based) that are not in its encoding.

    UTF-8 first, then GB18030 (Excel in China). A file that is UTF-8 except for some lines
    (rows pasted from a GBK export) must not be read as GB18030 as a whole: every UTF-8
    line would turn into other characters and be scored silently as nonsense. So when
    some non-ASCII line is valid UTF-8, the file is UTF-8 and the other lines are bad.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), set()
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    decoded: list[str | None] = []
    for line in lines:
        try:
            decoded.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            decoded.append(None)
    if any(text is not None and not text.isascii() for text in decoded):
        bad = {number for number, text in enumerate(decoded, start=1) if text is None}
        return "\n".join("" if text is None else text for text in decoded), bad
    return data.decode("gb18030", errors="replace"), set()


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str] | _BadRecord]]:
    """(line number, cells) for each CSV record, or a :class:`_BadRecord` for an unusable one."""
    text, bad_lines = _decode_lines(path.read_bytes())
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    last = 0  # the physical line the previous record ended on
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the csv module's size limit: skip that record only
            yield reader.line_num, _BadRecord(f"CSV 格式错误（{exc}）")
            last = reader.line_num
            continue
        spanned = range(last + 1, reader.line_num + 1)
        last = reader.line_num
        if bad_lines and any(line in bad_lines for line in spanned):
            yield reader.line_num, _BadRecord("不是 UTF-8 文本（可能是 GBK），这一行跳过")
            continue
        yield reader.line_num, cells


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    # A damaged workbook fails inside openpyxl in many ways (zip, XML, styles, shared strings):
    # whatever it raises, the file is one rejection and the rest of the batch is scored.
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except OSError:
        raise
    except Exception as exc:
        raise FileError(_bad_workbook(exc)) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        number = 0
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise FileError(_bad_workbook(exc)) from None
            number += 1
            yield number, ["" if cell is None else cell for cell in row]
    finally:
        workbook.close()


def _bad_workbook(exc: Exception) -> str:
    return f"不是有效的 XLSX 工作簿，可能已损坏或只是改了扩展名（{type(exc).__name__}）"


def _resolve_columns(header: list[object], columns: Mapping[str, str] | None, path: Path) -> dict[str, int]:
    """Map canonical column names to positions in ``header``."""

    names = [normalize(str(h)) for h in header]
    positions: dict[str, int] = {}
    for canonical in COLUMNS:
        wanted = [columns[canonical]] if columns and canonical in columns else HEADER_ALIASES[canonical]
        for alias in wanted:
            if normalize(alias) in names:
                positions[canonical] = names.index(normalize(alias))
                break
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise ColumnError(
            f"缺少列 {', '.join(missing)}（表头是 {shown(', '.join(str(h) for h in header))}；"
            "可用 --map 列名=表头 指定）"
        )
    return positions


def _read_long(
    path: Path, rows: Iterable[tuple[int, list]], tz: str, columns: Mapping[str, str] | None, unit: str
) -> Iterator[Conversation | Rejection]:
    """Group one-message-per-row records into conversations (rows need not be contiguous)."""
    iterator = iter(rows)
    header_row = next(iterator, None)
    if header_row is None:
        yield _file_rejection(path, "文件是空的")
        return
    if isinstance(header_row[1], _BadRecord):
        raise FileError(f"第 {header_row[0]} 行（表头）无法读取：{header_row[1].reason}")
    positions = _resolve_columns(header_row[1], columns, path)
    width = len(header_row[1])
    groups: dict[str, dict] = {}
    for number, cells in iterator:
        if isinstance(cells, _BadRecord):
            yield Rejection(str(path), number, cells.reason, unit)
            continue
        if not any(str(c).strip() for c in cells):
            continue
        if unit == "line" and len(cells) != width:
            conv_id = _cell(cells, positions, "conversation_id")
            yield Rejection(str(path), number, f"格式错误：应有 {width} 列，实际 {len(cells)} 列", unit)
            if conv_id and conv_id in groups:
                groups[conv_id]["error"] = groups[conv_id]["error"] or (number, "含有格式错误的行")
            continue
        conv_id = _cell(cells, positions, "conversation_id")
        if not conv_id:
            yield Rejection(str(path), number, "缺少字段 'conversation_id'", unit)
            continue
        group = groups.setdefault(
            conv_id, {"agent": "", "channel": "", "raw": [], "error": None, "first": number}
        )
        if group["error"]:
            continue
        agent = _cell(cells, positions, "agent")
        group["agent"] = group["agent"] or agent
        group["channel"] = group["channel"] or _cell(cells, positions, "channel")
        raw_role = _value(cells, positions["role"])
        role = canonical_role(str(raw_role))
        if role is None:
            group["error"] = (number, f"role: {_unknown_role(raw_role)}")
            continue
        try:
            ts = parse_timestamp(_value(cells, positions["ts"]), tz)
        except TimestampError as exc:
            group["error"] = (number, f"ts: {exc}")
            continue
        text = _value(cells, positions["text"])
        group["raw"].append((role, "" if text is None else str(text), ts, number))
    for conv_id, group in groups.items():
        if group["error"]:
            number, reason = group["error"]
            yield Rejection(str(path), number, f"对话 {shown(conv_id)}: {reason}", unit, conv_id)
        elif not group["agent"]:
            yield Rejection(
                str(path), group["first"], f"对话 {shown(conv_id)}: 缺少字段 'agent'", unit, conv_id
            )
        else:
            yield Conversation.from_unsorted(
                conv_id,
                group["agent"],
                group["raw"],
                channel=group["channel"],
                source=f"{path.name}:{unit} {group['first']}",
            )


def _value(cells: list, position: int) -> object:
    """The cell at ``position``; a short row (XLSX rows need not be padded) has empty cells."""
    return cells[position] if position < len(cells) else ""


def _cell(cells: list, positions: dict[str, int], name: str) -> str:
    position = positions.get(name)
    if position is None or position >= len(cells) or cells[position] is None:
        return ""
    return str(cells[position]).strip()
