"""Clean loaded blocks: web boilerplate, spam, duplicates, width.

Scraped manuals repeat whole sections, carry download-site furniture
("下载后请于24小时内删除", "相关文档", "我要投稿") and sometimes spam link
lists. Each drop is counted by reason in a :class:`CleanReport` so a person can
check what was removed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from common.textnorm import normalize, to_simplified
from kb.models import Block, CleanReport

# Whole lines that are page furniture of download/doc-sharing sites.
_FURNITURE = re.compile(
    r"^(相关文档|最新文档|相关推荐|相关文章|相關文章|相關推薦|热门文档|推荐文档|猜你喜欢|合集下载|免费下载|"
    r"文档下载|下载文档|立即下载|阅读全文|展开全文|上一篇|下一篇|返回顶部|返回首页|首页|登录|注册|"
    r"收藏|分享|举报|打印|目录|ppt文档演模板|\*+友情提示\*+)\s*[:：]?\s*$"
    r"|^(上一篇|下一篇|分享到|相关阅读|推荐阅读)\s*[:：]|阅读次数|浏览次数|这篇文章对您有帮助"
    r"|我要投稿|时间[:：]\s*\d{4}-\d{2}-\d{2}|^\s*<[^>]+>\s*</[^>]+>\s*$|【[^】]{0,20}】\s*相关文章",
)
# Sentences inside paragraphs that only advertise the source site.
_BOILER_SENTENCE = re.compile(
    r"[^。!！?？\n]*(整理的[^。\n]{0,30}(欢迎参考|仅供参考|希望对)|以下是小编|下面是小编|本站|版权所有|"
    r"下载后请于|仅供学习交流|侵权请联系|转载请注明|扫码关注|关注公众号|欢迎阅读|供大家参考|"
    r"大家一起来看看吧)[^。!！?？\n]*[。!！?？]?"
)
# Spam keyword density marks scraped link farms (adult/video spam in page footers).
_SPAM = re.compile(r"无码|色欲|人成|视频|精品国产|一区二区|中文字幕|免费观看|久久|av|福利")
_RELATED_MARKER = re.compile(r"(相关文章|相關文章|相关文档|最新文档|相关推荐|相關推薦)\s*[:：]?\s*$")
_SENTENCE = re.compile(r"[^。!！?？；;]+[。!！?？；;]*")

# Full-width letters/digits/space to half width; Chinese punctuation stays as written.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF5B) if chr(cp).isalnum()}
_WIDTH[0x3000] = 0x20

MIN_DEDUP_CHARS = 12


def fold_width(text: str) -> str:
    """Half-width letters and digits for display; Chinese punctuation untouched."""
    return text.translate(_WIDTH)


def _shingles(text: str) -> set[int]:
    return {hash(text[i : i + 3]) for i in range(max(1, len(text) - 2))}


@dataclass
class Fingerprints:
    """Exact and near-duplicate memory across the documents of a knowledge base.

    Near duplicates are found by a bottom-k sketch of character 3-grams: two
    paragraphs that share a sketch value become candidates and their full
    Jaccard similarity decides.
    """

    threshold: float = 0.8
    exact: set[str] = field(default_factory=set)
    sentences: set[str] = field(default_factory=set)
    shingles: list[set[int]] = field(default_factory=list)
    buckets: dict[int, list[int]] = field(default_factory=dict)
    new_marks: list[tuple[str, str]] = field(default_factory=list)

    def remember_sentence(self, norm: str) -> None:
        self.sentences.add(norm)
        self.new_marks.append(("s", norm))

    def seen_paragraph(self, norm: str) -> str | None:
        """'exact' / 'near' if the paragraph was seen before, else None (and remember it)."""
        key = hashlib.sha1(norm.encode()).hexdigest()
        if key in self.exact:
            return "exact"
        shingles = _shingles(norm)
        sketch = sorted(shingles)[:6]
        candidates = {i for value in sketch for i in self.buckets.get(value, ())}
        for i in candidates:
            other = self.shingles[i]
            jaccard = len(shingles & other) / len(shingles | other)
            if jaccard >= self.threshold:
                return "near"
        self.exact.add(key)
        self.new_marks.append(("p", norm))
        self.shingles.append(shingles)
        for value in sketch:
            self.buckets.setdefault(value, []).append(len(self.shingles) - 1)
        return None


def clean_blocks(blocks: list[Block], memory: Fingerprints) -> tuple[list[Block], CleanReport]:
    """Drop boilerplate, spam and duplicates; fold width. ``memory`` spans documents."""
    report = CleanReport()
    kept: list[Block] = []
    in_related_list = False
    for block in blocks:
        text = fold_width(block.text).strip()
        if block.kind in ("faq", "script"):
            # FAQ rows are curated: only exact duplicate questions are dropped.
            if memory.seen_paragraph("faq:" + normalize(block.question)) == "exact":
                report.drop("duplicate FAQ entry", text)
                continue
            kept.append(block)
            continue
        simple = to_simplified(text)  # the patterns are written once, in Simplified
        if _FURNITURE.search(simple):
            report.drop("page furniture", text)
            in_related_list = bool(_RELATED_MARKER.search(simple)) or in_related_list
            continue
        if in_related_list and len(text) < 40 and not re.search(r"[。！？!?，,]", text):
            # The link list under "相关文章" goes on until real prose starts again.
            report.drop("related-links list", text)
            continue
        in_related_list = False
        if len(_SPAM.findall(simple.lower())) >= 3:
            report.drop("spam", text)
            continue
        if _BOILER_SENTENCE.search(simple):
            # Cut the same character ranges from the original (t2s keeps lengths here).
            spans = [m.span() for m in _BOILER_SENTENCE.finditer(simple)]
            stripped = (
                text
                if len(simple) != len(text)
                else "".join(
                    text[a:b]
                    for a, b in zip(
                        [0] + [e for _, e in spans], [s for s, _ in spans] + [len(text)], strict=True
                    )
                ).strip()
            )
        else:
            stripped = text
        if stripped != text:
            report.drop("boilerplate sentence", text)
            if not stripped:
                continue
            text = stripped
        if block.kind == "heading":
            kept.append(Block(text, "heading", block.level, line=block.line))
            continue
        norm = re.sub(r"\s+", "", normalize(text))
        if len(norm) < 2:
            report.drop("empty or symbol-only line", text)
            continue
        if len(norm) >= MIN_DEDUP_CHARS:
            duplicate = memory.seen_paragraph(norm)
            if duplicate:
                report.drop(f"{duplicate} duplicate paragraph", text)
                continue
            text = _drop_repeated_sentences(text, memory, report)
            if not text:
                continue
        kept.append(Block(text, block.kind, block.level, line=block.line))
    report.kept = sum(1 for b in kept if b.kind != "heading")
    return kept, report


def _drop_repeated_sentences(text: str, memory: Fingerprints, report: CleanReport) -> str:
    """Remove long sentences already indexed elsewhere (scrapes splice copies into paragraphs)."""
    pieces = _SENTENCE.findall(text)
    out = []
    for piece in pieces:
        norm = re.sub(r"\s+", "", normalize(piece))
        if len(norm) >= 16:
            if norm in memory.sentences:
                report.drop("repeated sentence", piece)
                continue
            memory.remember_sentence(norm)
        out.append(piece)
    return "".join(out).strip()
