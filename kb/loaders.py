"""Turn files of every supported format into ordered :class:`Block` lists.

Loaders only extract; deciding what is boilerplate, a duplicate or a heading
happens later, the same way for every format.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from kb.encoding import decode_bytes
from kb.models import Block, IngestError, LoadedDocument

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


def check_file(path: Path, size: int, max_bytes: int) -> None:
    """Refuse, before reading it, a file of an unsupported type, empty or over ``max_bytes``."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            f"{path}: unsupported file type {suffix or '(none)'}"
            f" (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})"
        )
    if size == 0:
        raise IngestError(f"{path}: empty file")
    if size > max_bytes:
        mb = 1024 * 1024  # the unit of max_file_mb
        raise IngestError(f"{path}: file is {size / mb:.1f} MB, over the {max_bytes / mb:g} MB limit")


def load_file(path: Path, max_bytes: int, data: bytes | None = None) -> LoadedDocument:
    """Load one file; raises :class:`IngestError` with the file name and reason.

    ``data``: the file's bytes when the caller has read them already (and hashed
    exactly these), so what is parsed is what was hashed.
    """
    suffix = path.suffix.lower()
    check_file(path, len(data) if data is not None else path.stat().st_size, max_bytes)
    if data is None:
        data = path.read_bytes()
    loader = _LOADERS[suffix]
    try:
        doc = loader(path, data)
    except IngestError:
        raise
    except Exception as exc:  # a corrupt docx/pdf/xlsx raises library-specific errors
        raise IngestError(f"{path}: cannot read {suffix[1:]} file ({type(exc).__name__}: {exc})") from None
    if not any(b.text.strip() for b in doc.blocks):
        raise IngestError(f"{path}: no text found")
    return doc


def _load_text(path: Path, data: bytes) -> LoadedDocument:
    text, encoding = decode_bytes(data, str(path))
    blocks = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MD_HEADING.match(line.strip())
        if match and path.suffix.lower() in (".md", ".markdown"):
            blocks.append(Block(match.group(2).strip(), "heading", len(match.group(1)), line=number))
        elif line.strip():
            blocks.append(Block(line, line=number))
    return LoadedDocument(str(path), path.stem, blocks, encoding=encoding)


def _load_docx(path: Path, data: bytes) -> LoadedDocument:
    import docx

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


def _load_pdf(path: Path, data: bytes) -> LoadedDocument:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    blocks = []
    for page_number, page in enumerate(reader.pages, start=1):
        for line in (page.extract_text() or "").splitlines():
            if line.strip():
                blocks.append(Block(line.strip(), line=page_number))
    if not blocks:
        raise IngestError(f"{path}: the PDF has no text layer (scanned images are not supported)")
    return LoadedDocument(str(path), path.stem, blocks, encoding="pdf")


_HTML_DROP = "script, style, noscript, nav, header, footer, aside, form, iframe, svg, button"
_HTML_CONTAINERS = {"div", "section"}
_HTML_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "pre", "blockquote"}


def _load_html(path: Path, data: bytes) -> LoadedDocument:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    text, encoding = decode_bytes(data, str(path))
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
    return LoadedDocument(str(path), title or path.stem, blocks, encoding=encoding)


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


def _faq_blocks(path: Path, rows: list[list[str]], row_offset: int = 1) -> LoadedDocument:
    """FAQ sheets: find the header row, map columns, one block per valid row."""
    doc = LoadedDocument(str(path), path.stem, [])
    header_at, mapping = None, {}
    for i, row in enumerate(rows[:10]):
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
            header_at, mapping = i, found
            break
    if header_at is None:
        raise IngestError(f"{path}: no header row with a question column (问题) and an answer column (答案)")
    for i, row in enumerate(rows[header_at + 1 :], start=header_at + 1 + row_offset):

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
            doc.warnings.append(f"{path}: row {i}: empty {missing} field, row skipped")
            continue
        doc.blocks.append(
            Block(
                f"{question}\n{answer}",
                "faq",
                question=question,
                answer=answer,
                similar=[s.strip() for s in _LIST_SPLIT.split(cell("similar")) if s.strip()],
                tags=[t.strip() for t in _LIST_SPLIT.split(cell("tags")) if t.strip()],
                line=i,
            )
        )
    return doc


def _load_csv(path: Path, data: bytes) -> LoadedDocument:
    text, encoding = decode_bytes(data, str(path))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    doc = _faq_blocks(path, rows)
    doc.encoding = encoding
    return doc


def _load_xlsx(path: Path, data: bytes) -> LoadedDocument:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    blocks, warnings = [], []
    errors = []
    for sheet in workbook.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        try:
            part = _faq_blocks(path, rows)
        except IngestError as exc:
            errors.append(f"sheet {sheet.title}: {exc}")
            continue
        blocks += part.blocks
        warnings += [w.replace(f"{path}:", f"{path}: sheet {sheet.title}:", 1) for w in part.warnings]
    workbook.close()
    if not blocks and errors:
        raise IngestError("; ".join(errors))
    return LoadedDocument(str(path), path.stem, blocks, encoding="xlsx", warnings=warnings)


_LOADERS: dict[str, Callable[[Path, bytes], LoadedDocument]] = {
    **{suffix: _load_text for suffix in TEXT_SUFFIXES},
    ".docx": _load_docx,
    ".pdf": _load_pdf,
    ".html": _load_html,
    ".htm": _load_html,
    ".csv": _load_csv,
    ".xlsx": _load_xlsx,
}
