"""Split cleaned blocks into chunks that respect Chinese structure.

Headings (第X章, 第X节, 一、, 1., (1), 【】 and Markdown/Word headings) form a
chain that travels with every chunk as context. Prose is cut at sentence
ends and packed to a target size with a sentence of overlap; FAQ rows and
``Q: … K: …`` reply-script pairs are kept whole, one chunk each.
"""

from __future__ import annotations

import re

from common.sentences import split_sentences
from kb.models import Block, Chunk

_CN_NUM = "一二三四五六七八九十百零〇两"
# (style, nominal rank, rule). The style says which numbering a heading uses; the rank orders
# the styles as official Chinese documents nest them (章 > 节 > 条 > 一、 > （一） > 1. > （1）,
# GB/T 9704) and only places a style that is not yet open in the current section (HeadingChain).
_HEADING_RULES = (
    ("division", 1, re.compile(rf"^第[{_CN_NUM}\d]+(?:[章篇部]|单元|單元)")),
    ("section", 2, re.compile(rf"^第[{_CN_NUM}\d]+[节節]")),
    ("article", 3, re.compile(rf"^第[{_CN_NUM}\d]+[條条]")),
    ("cn-number", 4, re.compile(rf"^[{_CN_NUM}]+[、.．:：]")),
    ("paren-cn-number", 5, re.compile(rf"^[(（][{_CN_NUM}]+[)）]")),
    ("number", 6, re.compile(r"^\d{1,2}(?:[.．](?!\d)|、)")),
    ("paren-number", 7, re.compile(r"^[(（]\d{1,2}[)）]")),
    ("label", 8, re.compile(r"^(?=【[^】]{1,20}】$)【")),
)
_TERMINAL = re.compile(r"[。！？!?；;，,、：:]")
# A heading glued to its first paragraph in scraped text: "第三单元存包处一、宗旨1.服务台…",
# "第二章:概述2.1 工作职责…", "二、专业素养1. 专业形象…". Only when an item number follows.
_ITEM_AHEAD = rf"(?=[{_CN_NUM}]+、|\d{{1,2}}(?:[.．]\d{{1,2}})?(?:[.．、]|\s)|[(（][{_CN_NUM}\d]{{1,2}}[)）])"
_TITLE_CHAR = r"[^\s，,。；;：:!?！？“”\"]"
_INLINE_HEADINGS = (
    (
        "division",
        1,
        re.compile(rf"^第[{_CN_NUM}\d]+(?:[章篇]|单元|單元)[:：]?\s*{_TITLE_CHAR}{{1,16}}?\s*{_ITEM_AHEAD}"),
    ),
    (
        "cn-number",
        4,
        re.compile(rf"^[{_CN_NUM}]+、(?:(?!\d){_TITLE_CHAR}){{2,8}}?(?=\d{{1,2}}[.．、](?!\d))"),
    ),
)
_SCRIPT_Q = re.compile(r"(?:^|\s)(?:Q|问|顾客|客户)\s*[:：]")
_SCRIPT_K = re.compile(r"(?:^|\s|[?？])(?:K|A|答|客服)\s*[:：]")
_ITEM_START = re.compile(r"\s(?:\d{1,2}\)|\d{1,2}[.．、](?!\d)|[(（]\d{1,2}[)）])\s*")


def is_script_line(text: str) -> bool:
    """True for a line of a reply script ("Q：…", "K：…", "客户：…"): chunking pairs these up."""
    line = text.strip()
    return bool(_SCRIPT_Q.match(line) or _SCRIPT_K.match(line))


def heading_style(text: str) -> tuple[str, int] | None:
    """(numbering style, nominal rank 1 = chapter ... 8 = 【label】) if the line is a heading.

    A numbered line is a heading only when it is short and has no sentence
    punctuation: "三、沟通技巧" is one, "1、负责收集客户信息。" is an item of prose.
    """
    line = text.strip()
    if len(line) > 25:
        return None
    for style, level, rule in _HEADING_RULES:
        match = rule.search(line)
        if match:
            title = line[match.end() :].strip()
            # A real heading names something: no sentence punctuation, at least two characters.
            if len(title) >= 2 and not _TERMINAL.search(title) and not title[-1].isdigit():
                return style, level
            return None
    return None


def heading_level(text: str) -> int:
    """Nominal rank (1 = chapter ... 8 = 【label】) if the line is a heading, else 0."""
    found = heading_style(text)
    return found[1] if found else 0


class HeadingChain:
    """The path of enclosing headings at the current point of a document.

    Two kinds of heading meet in one document. *Marked* headings carry their level
    in the format (Markdown ``#``, Word "Heading N", HTML ``<hN>``): a marked heading
    of level L closes every heading after the last marked one above L. *Numbered*
    headings (第X章, 一、, 1., (1), 【】) always nest under the marked heading they
    follow, and among themselves a heading closes the section of the last heading
    numbered the same way (so 第三节 closes 第二节 and whatever 一、/1. came under
    it); a numbering not yet open in this section closes the open ones at its
    nominal level or deeper (第二章 closes 第一节, 1. closes an earlier 1.).
    """

    def __init__(self) -> None:
        self._open: list[tuple[str, int, str]] = []  # (style or "marked", level, heading text)

    @property
    def headings(self) -> list[str]:
        return [text for _, _, text in self._open]

    def enter_marked(self, level: int, text: str) -> None:
        keep = 0
        for i, (style, lvl, _) in enumerate(self._open):
            if style == "marked" and lvl < level:
                keep = i + 1
        self._open = [*self._open[:keep], ("marked", level, text)]

    def enter_numbered(self, style: str, level: int, text: str) -> None:
        floor = max((i + 1 for i, entry in enumerate(self._open) if entry[0] == "marked"), default=0)
        same = [i for i in range(floor, len(self._open)) if self._open[i][0] == style]
        if same:
            keep = same[-1]
        else:
            keep = len(self._open)
            while keep > floor and self._open[keep - 1][1] >= level:
                keep -= 1
        self._open = [*self._open[:keep], (style, level, text)]


def extract_script_pairs(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Split ``Q: … K: …`` reply-script pairs out of a paragraph.

    Returns the prose before the first pair and the (question, reply) pairs.
    A reply runs until the next question marker or numbered item.
    """
    replies = list(_SCRIPT_K.finditer(text))
    if not replies:
        return text, []
    pairs = []
    prose_end = None
    for i, reply in enumerate(replies):
        before = text[: reply.start() + (1 if text[reply.start()] in "?？" else 0)]
        q_matches = list(_SCRIPT_Q.finditer(before))
        q_match = q_matches[-1] if q_matches else None
        item_starts = list(_ITEM_START.finditer(before))
        if q_match and (not item_starts or q_match.start() >= item_starts[-1].start()):
            q_start, q_text_start = q_match.start(), q_match.end()
        elif item_starts:
            q_start, q_text_start = item_starts[-1].start(), item_starts[-1].end()
        else:
            continue
        if i > 0 and q_start < replies[i - 1].end():
            continue
        question = before[q_text_start:].strip()
        end = replies[i + 1].start() if i + 1 < len(replies) else len(text)
        rest = text[reply.end() : end]
        cut = [m.start() for m in (_SCRIPT_Q.search(rest), _ITEM_START.search(rest)) if m]
        answer = rest[: min(cut)] if cut else rest
        if question and answer.strip():
            pairs.append((question, answer.strip()))
            prose_end = q_start if prose_end is None else prose_end
    if not pairs:
        return text, []
    return text[:prose_end].strip(), pairs


def split_inline_heading(text: str) -> tuple[int, str, str] | None:
    """(level, heading, rest) when a long line opens with a heading glued to its body."""
    found = _split_inline(text)
    return found[1:] if found else None


def _split_inline(text: str) -> tuple[str, int, str, str] | None:
    for style, level, rule in _INLINE_HEADINGS:
        match = rule.match(text)
        if match and len(text) > len(match.group(0)) + 4:
            return style, level, match.group(0).strip(), text[match.end() :].strip()
    return None


def chunk_blocks(
    blocks: list[Block], target_chars: int, max_chars: int, overlap_sentences: int
) -> list[Chunk]:
    """Chunks of one document in reading order."""
    chunks: list[Chunk] = []
    chain = HeadingChain()
    pending: list[str] = []  # sentences of the current section not yet emitted

    def headings() -> list[str]:
        return chain.headings

    def flush() -> None:
        if pending:
            chunks.extend(_pack(pending, headings(), target_chars, max_chars, overlap_sentences))
            pending.clear()

    def add_prose(text: str) -> None:
        for sentence in split_sentences(text):
            # A numbered section heading glued inside a scraped line ("…寄存二、顾客寄包程序1.…").
            while glued := _split_inline(sentence):
                style, level, title, sentence = glued
                flush()
                chain.enter_numbered(style, level, title)
            pending.append(sentence)

    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "faq":
            flush()
            chunks.append(
                Chunk(block.text, headings(), "faq", block.question, block.answer, block.similar, block.tags)
            )
            i += 1
            continue
        text = block.text.strip()
        if block.kind == "heading" and block.level:
            flush()
            chain.enter_marked(block.level, text)
            i += 1
            continue
        numbered = heading_style(text)
        if numbered:
            flush()
            chain.enter_numbered(*numbered, text)
            i += 1
            continue
        while glued := _split_inline(text):
            style, level, title, text = glued
            flush()
            chain.enter_numbered(style, level, title)
        # "Q：…" on one line and "K：…" on the next form one pair.
        if _SCRIPT_Q.match(text) and i + 1 < len(blocks) and _SCRIPT_K.match(blocks[i + 1].text.strip()):
            text = f"{text} {blocks[i + 1].text.strip()}"
            i += 1
        prose, pairs = extract_script_pairs(text)
        if pairs:
            add_prose(prose)
            flush()
            for question, answer in pairs:
                chunks.append(Chunk(f"Q：{question}\nK：{answer}", headings(), "script", question, answer))
        else:
            add_prose(text)
        i += 1
    flush()
    return chunks


def _pack(sentences: list[str], headings: list[str], target: int, hard_max: int, overlap: int) -> list[Chunk]:
    """Greedy packing of sentences up to ``target`` characters with sentence overlap."""
    pieces: list[str] = []
    for sentence in sentences:
        while len(sentence) > hard_max:  # an endless run-on: cut at a comma near the limit
            cut = max(sentence.rfind(c, 0, hard_max) for c in "，,、 ")
            cut = cut + 1 if cut > hard_max // 2 else hard_max
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        if sentence:
            pieces.append(sentence)
    chunks: list[Chunk] = []
    current: list[str] = []
    size = 0
    fresh = 0  # sentences in ``current`` that no earlier chunk holds
    for piece in pieces:
        if current and size + len(piece) > target:
            chunks.append(Chunk("".join(current), list(headings)))
            current = current[-overlap:] if overlap else []
            if sum(map(len, current)) + len(piece) > hard_max:
                current = []
            size = sum(map(len, current))
            fresh = 0
        current.append(piece)
        size += len(piece)
        fresh += 1
    if current and fresh:
        chunks.append(Chunk("".join(current), list(headings)))
    return chunks


TITLE_MAX = 40


def document_title(blocks: list[Block], fallback: str) -> str:
    """The document's own title: its first heading, else its first line (cut at a sentence end).

    ``fallback`` (the file name) is kept for a document of FAQ rows only, whose first
    question names no document.
    """
    for block in blocks:
        text = " ".join(block.text.split())
        if block.kind == "faq":
            return fallback
        if not text:
            continue
        if block.kind == "heading" or heading_style(text):
            return text[:TITLE_MAX]
        first = split_sentences(text)[0] if split_sentences(text) else text
        first = first.rstrip("。！？!?；;，, ")
        return first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"
    return fallback
