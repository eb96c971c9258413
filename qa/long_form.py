"""Long-form transcripts (CSV / XLSX): one message per row, grouped into conversations.

Rows of a conversation need not be contiguous. A bad row is reported by its line (CSV) or
row (XLSX) and field; a conversation with a bad row is rejected as a whole, the rest is read.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from common.textnorm import normalize
from qa.messages import shown
from qa.rejection import ColumnError, FileError, Rejection, file_rejection, unknown_role
from qa.timeparse import TimestampError, parse_timestamp
from qa.transcript import Conversation, canonical_role

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


def csv_rows(path: Path) -> Iterator[tuple[int, list[str] | _BadRecord]]:
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


def xlsx_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
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


def read_long(
    path: Path, rows: Iterable[tuple[int, list]], tz: str, columns: Mapping[str, str] | None, unit: str
) -> Iterator[Conversation | Rejection]:
    """Group one-message-per-row records into conversations (rows need not be contiguous)."""
    iterator = iter(rows)
    header_row = next(iterator, None)
    if header_row is None:
        yield file_rejection(path, "文件是空的")
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
            group["error"] = (number, f"role: {unknown_role(raw_role)}")
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
