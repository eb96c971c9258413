"""FAQ sheets (CSV and XLSX): find the header row, map the columns, one block per valid row.

Bad rows are reported by their line or row number and skipped; the good rows are kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from kb.encoding import decode_text
from kb.models import Block, IngestError, LoadedDocument
from kb.rules import load_rules
from kb.zip_check import check_zip

# Header names seen in FAQ exports of Chinese helpdesk tools, normalised to our fields.
FAQ_COLUMNS = {
    "question": ("问题", "标准问题", "标准问", "问", "question", "q", "title", "题目"),
    "answer": ("答案", "回答", "标准回复", "回复", "标准答案", "答", "answer", "a", "reply"),
    "similar": ("相似问题", "相似问法", "相似问", "扩展问", "similar", "similar questions", "alias"),
    "tags": ("标签", "分类", "类别", "tag", "tags", "category"),
}
_LIST_SPLIT = re.compile(r"[|｜;；\n]+")


def _faq_header(path: Path, rows: list[tuple[int, list]]) -> tuple[int, dict[str, int]]:
    """Index of the header row among the first ten and the column of each field found in it."""
    for i, (_, row) in enumerate(rows[:10]):
        names = [str(c or "").strip().lower() for c in row]
        found: dict[str, int] = {}
        for field, aliases in FAQ_COLUMNS.items():
            # The first alias in priority order wins; a column serves one field only.
            column = next(
                (names.index(a) for a in aliases if a in names and names.index(a) not in found.values()), None
            )
            if column is not None:
                found[field] = column
        if "question" in found and "answer" in found:
            return i, found
    seen = next((row for _, row in rows if any(str(c or "").strip() for c in row)), [])
    shown = "、".join(str(c).strip() for c in seen if str(c or "").strip())[:60] or "（空）"
    raise IngestError(
        f"{path}: 前 10 行里找不到表头：需要一列“问题”(question) 和一列“答案”(answer)，第一行是：{shown}"
        " (no header row with a question column (问题) and an answer column (答案))"
    )


def _faq_blocks(path: Path, rows: list[tuple[int, list]], where: str = "") -> LoadedDocument:
    """FAQ sheets: find the header row, map columns, one block per valid row.

    ``rows`` pairs each row with its line (CSV) or row number (xlsx), the number reported.
    """
    doc = LoadedDocument(str(path), path.stem, [])
    header_at, mapping = _faq_header(path, rows)
    for number, row in rows[header_at + 1 :]:

        def cell(field: str, row=row) -> str:
            index = mapping.get(field)
            return str(
                row[index] if index is not None and index < len(row) and row[index] is not None else ""
            ).strip()

        question, answer = cell("question"), cell("answer")
        if not question and not answer:
            continue
        if not question or not answer:
            missing = "问题 (question)" if not question else "答案 (answer)"
            doc.warnings.append(
                f"{path}: {where}第 {number} 行 (row {number})：{missing} 为空，该行已跳过"
                f" (empty {missing.split()[1][1:-1]} field, row skipped)"
            )
            continue
        doc.blocks.append(
            Block(
                f"{question}\n{answer}",
                "faq",
                question=question,
                answer=answer,
                similar=[s.strip() for s in _LIST_SPLIT.split(cell("similar")) if s.strip()],
                tags=[t.strip() for t in _LIST_SPLIT.split(cell("tags")) if t.strip()],
                line=number,
            )
        )
    return doc


class _RecordTooLong(Exception):
    """A quoted CSV field ran on past the line limit: its quote was never closed."""


def _csv_rows(path: Path, text: str, delimiter: str) -> tuple[list[tuple[int, list[str]]], list[str]]:
    """Rows of a CSV text with the line each starts on, and a message for each broken row.

    A quote that is never closed would swallow every later row into one field. Parsing is
    strict, and a record that fails or runs on past ``max_record_lines`` is reported by its
    first line; reading starts again on the line after it, so the good rows are kept.
    """
    lines = text.splitlines(keepends=True)
    max_lines = load_rules()["csv"]["max_record_lines"]
    rows: list[tuple[int, list[str]]] = []
    problems: list[str] = []
    at = {"next": 0, "record": 0}  # the next line to hand the reader; the line the record began on

    def feed() -> Iterator[str]:
        while at["next"] < len(lines):
            if at["next"] - at["record"] >= max_lines:
                raise _RecordTooLong
            at["next"] += 1
            yield lines[at["next"] - 1]

    while at["record"] < len(lines):
        at["next"] = at["record"]
        try:
            for row in csv.reader(feed(), delimiter=delimiter, strict=True):
                rows.append((at["record"] + 1, row))
                at["record"] = at["next"]
            break
        except (csv.Error, _RecordTooLong) as exc:
            # Failing lines after the one it began on: the quote opened there never closed.
            unclosed = (
                isinstance(exc, _RecordTooLong) or at["next"] - at["record"] > 1 or "end of data" in str(exc)
            )
            line = at["record"] + 1
            problems.append(
                f"{path}: 第 {line} 行 (line {line})：{'引号没有闭合' if unclosed else '引号用法有误'}，"
                f"该行已跳过，其余各行照常读取 (broken quoting: {exc or 'quote not closed'}; row skipped)"
            )
            at["record"] += 1
    return rows, problems


def load_csv(path: Path, data: bytes, max_bytes: int) -> LoadedDocument:
    text, encoding, notes = decode_text(data, str(path))
    try:
        # Only the delimiter is taken from the sniffer: its quoting guesses (doublequote off when
        # no "" pair is in the sample) would let a broken quote pass unnoticed.
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    rows, problems = _csv_rows(path, text, delimiter)
    doc = _faq_blocks(path, rows)
    doc.encoding = encoding
    doc.warnings = notes + problems + doc.warnings
    return doc


def load_xlsx(path: Path, data: bytes, max_bytes: int) -> LoadedDocument:
    from openpyxl import load_workbook

    check_zip(path, data, max_bytes)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    blocks, warnings_, errors = [], [], []
    for sheet in workbook.worksheets:
        rows = [(n, list(r)) for n, r in enumerate(sheet.iter_rows(values_only=True), start=1)]
        try:
            part = _faq_blocks(path, rows, where=f"工作表 {sheet.title} ")
        except IngestError as exc:
            errors.append(str(exc).replace(f"{path}: ", f"工作表 {sheet.title}：", 1))
            continue
        blocks += part.blocks
        warnings_ += part.warnings
    workbook.close()
    if not blocks and errors:
        raise IngestError(f"{path}: " + "；".join(errors))
    return LoadedDocument(str(path), path.stem, blocks, encoding="xlsx", warnings=warnings_)
