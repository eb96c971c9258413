"""Turn files of every supported format into ordered :class:`Block` lists.

Loaders only extract; deciding what is boilerplate, a duplicate or a heading
happens later, the same way for every format.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.clean import strip_control_chars
from kb.encoding import decode_text
from kb.models import Block, IngestError, LoadedDocument
from kb.rules import load_rules

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".docx", ".pdf", ".html", ".htm", ".csv", ".xlsx"}

# Header names seen in FAQ exports of Chinese helpdesk tools, normalised to our fields.
FAQ_COLUMNS = {
    "question": ("问题", "标准问题", "标准问", "问", "question", "q", "title", "题目"),
    "answer": ("答案", "回答", "标准回复", "回复", "标准答案", "答", "answer", "a", "reply"),
    "similar": ("相似问题", "相似问法", "相似问", "扩展问", "similar", "similar questions", "alias"),
    "tags": ("标签", "分类", "类别", "tag", "tags", "category"),
}
_LIST_SPLIT = re.compile(r"[|｜;；\n]+")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
# Libraries that report trouble through `logging` (pypdf: "EOF marker not found"): their records
# go into the file's own message instead of unattributed lines on stderr.
_LIBRARY_LOGGERS = ("pypdf", "openpyxl", "docx")
MB = 1024 * 1024  # the unit of max_file_mb


def check_file(path: Path, size: int, max_bytes: int) -> None:
    """Refuse, before reading it, a file of an unsupported type, empty or over ``max_bytes``."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            f"{path}: 不支持的文件类型 {suffix or '(无扩展名)'}，支持 {'、'.join(sorted(SUPPORTED_SUFFIXES))}"
            f" (unsupported file type {suffix or '(none)'})"
        )
    if size == 0:
        raise IngestError(f"{path}: 文件是空的 (empty file)")
    if size > max_bytes:
        raise IngestError(
            f"{path}: 文件有 {size / MB:.1f} MB，超过 {max_bytes / MB:g} MB 的上限 max_file_mb"
            f" (file is {size / MB:.1f} MB, over the {max_bytes / MB:g} MB limit)"
        )


@contextmanager
def _library_noise(messages: list[str]) -> Iterator[None]:
    """Collect what parsing libraries log or warn while one file is read, instead of printing it.

    Ingest holds the knowledge base's write lock, so no other file is being read meanwhile.
    """

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collect(logging.WARNING)
    loggers = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    propagate = [logger.propagate for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                messages += [str(w.message) for w in caught]
    finally:
        for logger, before in zip(loggers, propagate, strict=True):
            logger.removeHandler(handler)
            logger.propagate = before


def _notes(messages: list[str]) -> str:
    unique = list(dict.fromkeys(m.strip() for m in messages if m.strip()))
    return "；".join(unique[:5]) + (f"；另有 {len(unique) - 5} 条" if len(unique) > 5 else "")


def load_file(path: Path, max_bytes: int, data: bytes | None = None) -> LoadedDocument:
    """Load one file; raises :class:`IngestError` with the file name and reason.

    ``data``: the file's bytes when the caller has read them already (and hashed
    exactly these), so what is parsed is what was hashed. What the parsing
    library logged or warned becomes a warning of the file (or part of its error).
    Control characters and terminal escapes are stripped from everything loaded.
    """
    suffix = path.suffix.lower()
    check_file(path, len(data) if data is not None else path.stat().st_size, max_bytes)
    if data is None:
        data = path.read_bytes()
    loader = _LOADERS[suffix]
    noise: list[str] = []
    try:
        with _library_noise(noise):
            doc = loader(path, data, max_bytes)
    except IngestError:
        raise
    except Exception as exc:  # a corrupt docx/pdf/xlsx raises library-specific errors
        notes = f"；{suffix[1:]} 解析提示：{_notes(noise)}" if noise else ""
        raise IngestError(
            f"{path}: 无法读取 {suffix[1:]} 文件，文件可能已损坏{notes}"
            f" (cannot read {suffix[1:]} file: {type(exc).__name__}: {exc})"
        ) from None
    if noise:
        doc.warnings.append(f"{path}: {suffix[1:]} 解析提示：{_notes(noise)} (parser messages)")
    removed = _strip_controls(doc)
    if removed:
        doc.warnings.append(
            f"{path}: 去掉了 {removed} 个控制字符（终端转义序列、NUL 等）"
            f" ({removed} control characters removed)"
        )
    if not any(b.text.strip() for b in doc.blocks):
        raise IngestError(f"{path}: 没有找到文字 (no text found)")
    return doc


def _strip_controls(doc: LoadedDocument) -> int:
    """Strip control characters from every text of a loaded document; returns how many went."""
    removed = 0

    def clean(text: str) -> str:
        nonlocal removed
        text, count = strip_control_chars(text)
        removed += count
        return text

    doc.title = clean(doc.title)
    for block in doc.blocks:
        block.text = clean(block.text)
        # An FAQ block's text is its question and answer: their characters are counted once.
        block.question = strip_control_chars(block.question)[0]
        block.answer = strip_control_chars(block.answer)[0]
        block.similar = [clean(s) for s in block.similar]
        block.tags = [clean(t) for t in block.tags]
    return removed


def _check_zip(path: Path, data: bytes, max_bytes: int) -> None:
    """A .docx/.xlsx is a zip archive: refuse one that is not, or that unpacks to far more than the limit."""
    kind = path.suffix.lower()[1:]
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise IngestError(
            f"{path}: 不是有效的 {kind} 文件（{kind} 应是 zip 压缩包，此文件已损坏或只是改了扩展名）"
            f" (not a {kind} file: not a zip archive)"
        )
    rules = load_rules()["zip"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    limit = rules["max_unpacked_factor"] * max_bytes
    unpacked = sum(m.file_size for m in members)
    if len(members) > rules["max_members"] or unpacked > limit:
        raise IngestError(
            f"{path}: 解压后有 {unpacked / MB:.0f} MB、{len(members)} 个成员，超过上限"
            f"（{limit / MB:g} MB、{rules['max_members']} 个），可能是压缩炸弹，未读取"
            f" (unpacks to {unpacked / MB:.0f} MB in {len(members)} members: over the limit, not read)"
        )


def _load_text(path: Path, data: bytes, max_bytes: int) -> LoadedDocument:
    text, encoding, notes = decode_text(data, str(path))
    blocks = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MD_HEADING.match(line.strip())
        if match and path.suffix.lower() in (".md", ".markdown"):
            blocks.append(Block(match.group(2).strip(), "heading", len(match.group(1)), line=number))
        elif line.strip():
            blocks.append(Block(line, line=number))
    return LoadedDocument(str(path), path.stem, blocks, encoding=encoding, warnings=notes)


def _load_docx(path: Path, data: bytes, max_bytes: int) -> LoadedDocument:
    import docx

    _check_zip(path, data, max_bytes)
    document = docx.Document(io.BytesIO(data))
    blocks = []
    for number, para in enumerate(document.paragraphs, start=1):
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name or "").lower() if para.style is not None else ""
        level = _style_level(style)
        if level:
            blocks.append(Block(text, "heading", level, line=number))
        elif style.startswith("list"):
            blocks.append(Block(text, "paragraph", line=number))
        else:
            blocks.append(Block(text, line=number))
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                blocks.append(Block(" | ".join(dict.fromkeys(cells))))
    title = (document.core_properties.title or "").strip() or path.stem
    return LoadedDocument(str(path), title, blocks, encoding="docx")


def _style_level(style: str) -> int:
    match = re.match(r"(heading|标题)\s*(\d)", style)
    if match:
        return min(int(match.group(2)), 4)
    return 1 if style == "title" else 0


def _load_pdf(path: Path, data: bytes, max_bytes: int) -> LoadedDocument:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    blocks = []
    for page_number, page in enumerate(reader.pages, start=1):
        for line in (page.extract_text() or "").splitlines():
            if line.strip():
                blocks.append(Block(line.strip(), line=page_number))
    if not blocks:
        raise IngestError(
            f"{path}: PDF 没有文字层（扫描图片无法导入，请先做文字识别）"
            " (the PDF has no text layer: scanned images are not supported)"
        )
    return LoadedDocument(str(path), path.stem, blocks, encoding="pdf")


_HTML_DROP = "script, style, noscript, nav, header, footer, aside, form, iframe, svg, button"
_HTML_CONTAINERS = {"div", "section"}
_HTML_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "pre", "blockquote"}


def _load_html(path: Path, data: bytes, max_bytes: int) -> LoadedDocument:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    text, encoding, notes = decode_text(data, str(path))
    tree = HTMLParser(text)
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else path.stem
    for node in tree.css(_HTML_DROP):
        node.decompose()
    root = tree.css_first("main") or tree.css_first("article") or tree.body
    blocks = []
    if root is not None:
        for node in root.traverse():
            if node.tag not in _HTML_BLOCKS and node.tag not in _HTML_CONTAINERS:
                continue
            content = node.text(separator="", strip=True)
            if not content:
                continue
            if node.tag[0] == "h" and node.tag[1:].isdigit():
                blocks.append(Block(content, "heading", min(int(node.tag[1:]), 4)))
            elif node.tag in _HTML_CONTAINERS:
                # A div/section with no block inside holds prose directly (div-and-br pages).
                if not _has_block_descendant(node):
                    blocks += [Block(line.strip()) for line in _text_with_breaks(node) if line.strip()]
            elif not _has_block_ancestor(node, root):
                blocks.append(Block(content))
    if not blocks and root is not None:
        blocks = [Block(line) for line in root.text(separator="\n").splitlines() if line.strip()]
    return LoadedDocument(str(path), title or path.stem, blocks, encoding=encoding, warnings=notes)


def _text_with_breaks(node) -> list[str]:
    """Text of an element, split into lines at <br> only (inline tags do not break)."""
    parts = []
    for child in node.traverse(include_text=True):
        if child.tag == "br":
            parts.append("\n")
        elif child.tag == "-text":
            parts.append(child.text_content or "")
    return "".join(parts).splitlines()


def _has_block_descendant(node) -> bool:
    return any(
        child.tag in _HTML_BLOCKS or child.tag in _HTML_CONTAINERS
        for child in node.traverse(include_text=False)
        if child is not node and child.mem_id != node.mem_id
    )


def _has_block_ancestor(node, root) -> bool:
    parent = node.parent
    while parent is not None and parent is not root:
        if parent.tag in _HTML_BLOCKS:
            return True
        parent = parent.parent
    return False


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


def _load_csv(path: Path, data: bytes, max_bytes: int) -> LoadedDocument:
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


def _load_xlsx(path: Path, data: bytes, max_bytes: int) -> LoadedDocument:
    from openpyxl import load_workbook

    _check_zip(path, data, max_bytes)
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


_LOADERS: dict[str, Callable[[Path, bytes, int], LoadedDocument]] = {
    **{suffix: _load_text for suffix in TEXT_SUFFIXES},
    ".docx": _load_docx,
    ".pdf": _load_pdf,
    ".html": _load_html,
    ".htm": _load_html,
    ".csv": _load_csv,
    ".xlsx": _load_xlsx,
}
