"""Transcript readers: JSON Lines, JSON arrays, and long-form CSV / XLSX.

Every reader yields :class:`~qa.transcript.Conversation` objects and
:class:`Rejection` records. A malformed record never stops a run: it is
reported with its file, line (or row) and reason and the rest is still read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

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
    """A record that could not be read: where it is and why."""

    file: str
    line: int | None
    reason: str
    unit: str = "line"  # "line" (JSONL, CSV), "row" (XLSX) or "item" (JSON array)
    conversation_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: {self.unit} {self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


class ColumnError(ValueError):
    """A long-form file whose header lacks a required column."""


def read_transcripts(
    path: str | Path, tz: str = "Asia/Shanghai", columns: Mapping[str, str] | None = None
) -> Iterator[Conversation | Rejection]:
    """Read one transcript file of any supported format, chosen by extension.

    ``columns`` maps canonical column names (``conversation_id``, ``agent``,
    ``role``, ``ts``, ``text``, ``channel``) to the headers of a CSV/XLSX export.
    A missing required column yields a single file-level rejection.
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
            yield Rejection(
                str(path), None, f"unsupported file type {suffix!r} (use .jsonl, .json, .csv or .xlsx)"
            )
    except (OSError, ColumnError, UnicodeError) as exc:
        yield Rejection(str(path), None, str(exc))


# --- JSON --------------------------------------------------------------------


def _read_jsonl(path: Path, tz: str) -> Iterator[Conversation | Rejection]:
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                yield Rejection(str(path), number, f"bad JSON ({exc.msg} at column {exc.colno})")
                continue
            yield _from_record(record, path, number, "line", tz)


def _read_json(path: Path, tz: str) -> Iterator[Conversation | Rejection]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except ValueError as exc:
        yield Rejection(str(path), exc.lineno, f"bad JSON ({exc.msg} at column {exc.colno})")
        return
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        yield Rejection(str(path), None, "expected a JSON array of conversations")
        return
    for number, record in enumerate(data, start=1):
        yield _from_record(record, path, number, "item", tz)


def _from_record(record: object, path: Path, number: int, unit: str, tz: str) -> Conversation | Rejection:
    """One canonical conversation object, or the first reason it is malformed."""

    def reject(reason: str, conv_id: str | None = None) -> Rejection:
        return Rejection(str(path), number, reason, unit, conv_id)

    if not isinstance(record, dict):
        return reject("expected a JSON object")
    conv_id = record.get("id", record.get("conversation_id"))
    if conv_id is None or str(conv_id).strip() == "":
        return reject("missing field 'id'")
    conv_id = str(conv_id)
    agent = record.get("agent")
    if agent is None or str(agent).strip() == "":
        return reject("missing field 'agent'", conv_id)
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        return reject("missing field 'messages' (a non-empty list)", conv_id)
    raw = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            return reject(f"messages[{i}]: expected an object", conv_id)
        for name in ("role", "text", "ts"):
            if name not in message or message[name] is None:
                return reject(f"messages[{i}]: missing field '{name}'", conv_id)
        role = canonical_role(message["role"])
        if role is None:
            return reject(
                f"messages[{i}]: unknown role {message['role']!r} (expected one of {', '.join(ROLES)})",
                conv_id,
            )
        try:
            ts = parse_timestamp(message["ts"], tz)
        except TimestampError as exc:
            return reject(f"messages[{i}].ts: {exc}", conv_id)
        raw.append((role, str(message["text"]), ts, None))
    return Conversation.from_unsorted(
        conv_id,
        str(agent),
        raw,
        channel=str(record.get("channel") or ""),
        source=f"{path.name}:{unit} {number}",
    )


# --- long form (CSV / XLSX) ------------------------------------------------------


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each CSV record; UTF-8 first, then GB18030 (Excel in China)."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise UnicodeError(f"{path}: not UTF-8 or GB18030 text")
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise ColumnError(f"{path}: line {reader.line_num}: malformed CSV ({exc})") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if cell is None else cell for cell in row]
    finally:
        workbook.close()


def _resolve_columns(header: list[object], columns: Mapping[str, str] | None, path: Path) -> dict[str, int]:
    """Map canonical column names to positions in ``header``."""
    from common.textnorm import normalize

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
            f"{path}: missing column(s) {', '.join(missing)} in header {[str(h) for h in header]}"
            " (map them with --map NAME=HEADER)"
        )
    return positions


def _read_long(
    path: Path, rows: Iterable[tuple[int, list]], tz: str, columns: Mapping[str, str] | None, unit: str
) -> Iterator[Conversation | Rejection]:
    """Group one-message-per-row records into conversations (rows need not be contiguous)."""
    iterator = iter(rows)
    header_row = next(iterator, None)
    if header_row is None:
        yield Rejection(str(path), None, "empty file")
        return
    positions = _resolve_columns(header_row[1], columns, path)
    width = len(header_row[1])
    groups: dict[str, dict] = {}
    for number, cells in iterator:
        if not any(str(c).strip() for c in cells):
            continue
        if unit == "line" and len(cells) != width:
            conv_id = _cell(cells, positions, "conversation_id")
            yield Rejection(
                str(path), number, f"malformed row: expected {width} columns, found {len(cells)}", unit
            )
            if conv_id and conv_id in groups:
                groups[conv_id]["error"] = groups[conv_id]["error"] or (number, "contains a malformed row")
            continue
        conv_id = _cell(cells, positions, "conversation_id")
        if not conv_id:
            yield Rejection(str(path), number, "missing field 'conversation_id'", unit)
            continue
        group = groups.setdefault(
            conv_id, {"agent": "", "channel": "", "raw": [], "error": None, "first": number}
        )
        if group["error"]:
            continue
        agent = _cell(cells, positions, "agent")
        group["agent"] = group["agent"] or agent
        group["channel"] = group["channel"] or _cell(cells, positions, "channel")
        raw_role = cells[positions["role"]] if positions["role"] < len(cells) else ""
        role = canonical_role(str(raw_role))
        if role is None:
            group["error"] = (number, f"unknown role {raw_role!r} (expected one of {', '.join(ROLES)})")
            continue
        try:
            ts = parse_timestamp(cells[positions["ts"]], tz)
        except TimestampError as exc:
            group["error"] = (number, str(exc))
            continue
        text = cells[positions["text"]]
        group["raw"].append((role, "" if text is None else str(text), ts, number))
    for conv_id, group in groups.items():
        if group["error"]:
            number, reason = group["error"]
            yield Rejection(str(path), number, f"conversation {conv_id}: {reason}", unit, conv_id)
        elif not group["agent"]:
            yield Rejection(
                str(path), group["first"], f"conversation {conv_id}: missing field 'agent'", unit, conv_id
            )
        else:
            yield Conversation.from_unsorted(
                conv_id,
                group["agent"],
                group["raw"],
                channel=group["channel"],
                source=f"{path.name}:{unit} {group['first']}",
            )


def _cell(cells: list, positions: dict[str, int], name: str) -> str:
    position = positions.get(name)
    if position is None or position >= len(cells) or cells[position] is None:
        return ""
    return str(cells[position]).strip()
