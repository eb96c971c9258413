"""Turn files of every supported format into ordered :class:`Block` lists.

Loaders only extract; deciding what is boilerplate, a duplicate or a heading
happens later, the same way for every format.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.clean import strip_control_chars
from kb.encoding import decode_text
from kb.models import Block, IngestError, LoadedDocument
from kb.sheets import load_csv, load_xlsx
from kb.zip_check import MB, check_zip

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".docx", ".pdf", ".html", ".htm", ".csv", ".xlsx"}

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
# Libraries that report trouble through `logging` (pypdf: "EOF marker not found"): their records
# go into the file's own message instead of unattributed lines on stderr.
_LIBRARY_LOGGERS = ("pypdf", "openpyxl", "docx")


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

    check_zip(path, data, max_bytes)
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


_LOADERS: dict[str, Callable[[Path, bytes, int], LoadedDocument]] = {
    **{suffix: _load_text for suffix in TEXT_SUFFIXES},
    ".docx": _load_docx,
    ".pdf": _load_pdf,
    ".html": _load_html,
    ".htm": _load_html,
    ".csv": load_csv,
    ".xlsx": load_xlsx,
}
