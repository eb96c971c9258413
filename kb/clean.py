"""Clean loaded blocks: control characters, encoded data, web furniture, spam, boilerplate, duplicates.

Scraped manuals repeat whole sections, carry download-site furniture
("下载后请于24小时内删除", "相关文档", "我要投稿"), spam link lists and
sometimes lose every line break. Each stage removes only what it is about -
the furniture span or the spam sentence, not the paragraph around it - and
counts what it removed under its reason in a :class:`CleanReport`, so a
person can check what was removed. The rules are data: ``kb/ingest_rules.toml``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from common.sentences import punctuated_pieces, split_sentences
from common.settings import setting
from common.textnorm import normalize, normalize_aligned, to_simplified
from kb.models import Block, CleanReport
from kb.rules import IngestRules, load_rules, stage_label

# Full-width letters/digits/space to half width; Chinese punctuation stays as written.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF5B) if chr(cp).isalnum()}
_WIDTH[0x3000] = 0x20

# Terminal escape sequences (CSI, OSC, two-character ESC), then single control characters:
# C0 except tab and newline, DEL, C1, and the invisible marks that reorder or hide text
# (bidi overrides and isolates, zero-width space, word joiner, stray BOM).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
_PUNCTUATED = re.compile(r"[。！？!?，,；;]")


def fold_width(text: str) -> str:
    """Half-width letters and digits for display; Chinese punctuation untouched."""
    return text.translate(_WIDTH)


def strip_control_chars(text: str) -> tuple[str, int]:
    """Text without escape sequences and control characters (newlines and tabs kept), and how many went.

    A carriage return becomes a newline: alone it would let text overwrite itself on a terminal.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = _CONTROLS.sub("", _ESCAPES.sub("", text))
    return cleaned, len(text) - len(cleaned)


def _shingles(text: str) -> set[int]:
    return {hash(text[i : i + 3]) for i in range(max(1, len(text) - 2))}


@dataclass
class Fingerprints:
    """Exact and near-duplicate memory across the documents of a knowledge base.

    Near duplicates are found by a bottom-k sketch of character 3-grams: two
    paragraphs that share a sketch value become candidates and their full
    Jaccard similarity decides.
    """

    threshold: float = setting("near_duplicate_jaccard").default
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


def _match_copy(text: str) -> str:
    """Simplified, lower-case copy with one character per character of ``text`` (spans map back)."""
    simple = to_simplified(text).lower()
    return simple if len(simple) == len(text) else normalize_aligned(text)


def _cut(
    text: str, simple: str, spans: list[tuple[int, int]], report: CleanReport
) -> tuple[str, str, list[str]]:
    """Remove character ranges from the text and its match copy; returns both and the pieces cut.

    A range whose text the admin restored is left in place.
    """
    kept_text, kept_simple, cut, last = [], [], [], 0
    for start, end in spans:
        if end <= start or start < last or report.is_restored(text[start:end]):
            continue
        kept_text.append(text[last:start])
        kept_simple.append(simple[last:start])
        cut.append(text[start:end])
        last = end
    kept_text.append(text[last:])
    kept_simple.append(simple[last:])
    return "".join(kept_text), "".join(kept_simple), cut


def _split_runon(text: str, rules: IngestRules) -> list[str]:
    """A block of a page that lost its line breaks, as sentences of bounded length."""
    if len(text) < rules["split"]["min_block_chars"]:
        return [text]
    limit = rules["split"]["max_piece_chars"]
    pieces = []
    for sentence in split_sentences(text):
        while len(sentence) > limit:  # no punctuation for pages: cut at a comma or space near the limit
            cut = max(sentence.rfind(c, 0, limit) for c in "，,、 ")
            cut = cut + 1 if cut > limit // 2 else limit
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        if sentence.strip():
            pieces.append(sentence)
    return pieces


def _spam_spans(simple: str, rules: IngestRules) -> list[tuple[int, int]]:
    """Sentences of a link farm: several different spam terms making up a share of the sentence."""
    spam = rules["spam"]
    spans = []
    for start, end in punctuated_pieces(simple, within_lines=True):
        terms = rules.spam_term.findall(simple[start:end])
        if len(set(terms)) < spam["min_distinct_terms"]:
            continue
        size = len(re.sub(r"\s", "", simple[start:end]))
        if sum(map(len, terms)) >= spam["min_share"] * size:
            spans.append((start, end))
    return spans


def clean_blocks(
    blocks: list[Block],
    memory: Fingerprints,
    rules: IngestRules | None = None,
    restored: frozenset[str] = frozenset(),
) -> tuple[list[Block], CleanReport]:
    """Run the cleaning stages over one document's blocks; ``memory`` spans documents.

    ``restored``: content keys (:func:`kb.models.content_key`) of text the admin restored,
    which no stage removes.
    """
    rules = rules or load_rules()
    report = CleanReport(restored=restored)
    report.chars_in = sum(len(b.text.strip()) for b in blocks)
    pieces: list[Block] = []
    for block in blocks:
        if block.kind in ("faq", "script"):
            pieces.append(block)
            continue
        text = fold_width(block.text).strip()
        report.line = block.line
        # Encoded blobs first, on the raw text: a 5 MB base64 line is one cut, never 10 000 pieces.
        text, _, cut = _cut(text, text, [m.span() for m in rules.encoded_run.finditer(text)], report)
        for piece in cut:
            report.drop(rules["encoded_data"]["report"], piece)
        if block.kind == "heading":
            pieces.append(Block(text.strip(), "heading", block.level, line=block.line))
            continue
        pieces += [Block(p.strip(), block.kind, line=block.line) for p in _split_runon(text, rules)]
    kept: list[Block] = []
    in_related_list = False
    for block in pieces:
        report.line = block.line
        if block.kind in ("faq", "script"):
            # FAQ rows are curated: only exact duplicate questions are dropped.
            duplicate = memory.seen_paragraph("faq:" + normalize(block.question)) == "exact"
            if duplicate and report.drop(rules["dedup"]["faq_report"], block.text):
                continue
            kept.append(block)
            continue
        text, in_related_list = _clean_text(block.text, rules, report, in_related_list)
        if text is None:
            continue
        if block.kind == "heading":
            kept.append(Block(text, "heading", block.level, line=block.line))
            continue
        norm = re.sub(r"\s+", "", normalize(text))
        if len(norm) < 2 and report.drop(rules["symbols"]["report"], text):
            continue
        if len(norm) >= rules["dedup"]["min_paragraph_chars"]:
            duplicate = memory.seen_paragraph(norm)
            key = "paragraph_report" if duplicate == "exact" else "near_report"
            if duplicate and report.drop(rules["dedup"][key], text):
                continue
            text = _drop_repeated_sentences(text, memory, report, rules)
            if not text:
                continue
        kept.append(Block(text, block.kind, block.level, line=block.line))
    report.kept = sum(1 for b in kept if b.kind != "heading")
    return kept, report


def _clean_text(
    text: str, rules: IngestRules, report: CleanReport, in_related_list: bool
) -> tuple[str | None, bool]:
    """Furniture, related links, spam and boilerplate of one block: its text left (None: all of it)."""
    if report.is_restored(text):  # the admin restored this whole block: no stage touches it
        report.kept_restored += 1
        return text, False
    furniture = rules["furniture"]["report"]
    original = text
    simple = _match_copy(text)
    cut: list[str] = []
    for pattern in rules.furniture_spans:
        text, simple, more = _cut(text, simple, [m.span() for m in pattern.finditer(simple)], report)
        cut += more
    if cut:
        rest = re.sub(r"\s+", "", text)
        if len(rest) <= rules["furniture"]["residue_max_chars"] and not _PUNCTUATED.search(rest):
            # What is left was the same metadata line ("时间:… 工作职责 我要投稿"): its label.
            report.drop(furniture, original.strip())
            return None, in_related_list
        for piece in cut:
            report.drop(furniture, piece)
        text, simple = text.strip(), simple.strip()
    if rules.related_marker.search(simple):
        report.drop(furniture, text)
        return None, True
    if rules.furniture_line.search(simple):
        report.drop(furniture, text)
        return None, in_related_list
    related = rules["related_links"]
    if in_related_list and len(text) < related["max_item_chars"] and not _PUNCTUATED.search(text):
        # The link list under "相关文章" goes on until real prose starts again.
        report.drop(related["report"], text)
        return None, True
    for stage, spans in (
        ("spam", _spam_spans(simple, rules)),
        ("boilerplate", [m.span() for m in rules.boilerplate.finditer(simple)]),
    ):
        text, simple, cut = _cut(text, simple, spans, report)
        for piece in cut:
            report.drop(rules[stage]["report"], piece.strip())
    text = text.strip()
    return (text or None), False


def _drop_repeated_sentences(text: str, memory: Fingerprints, report: CleanReport, rules: IngestRules) -> str:
    """Remove long sentences already indexed elsewhere (scrapes splice copies into paragraphs)."""
    pieces = [text[start:end] for start, end in punctuated_pieces(text)]
    out = []
    for piece in pieces:
        norm = re.sub(r"\s+", "", normalize(piece))
        if len(norm) >= rules["dedup"]["min_sentence_chars"]:
            if norm in memory.sentences and report.drop(rules["dedup"]["sentence_report"], piece):
                continue
            memory.remember_sentence(norm)
        out.append(piece)
    return "".join(out).strip()


def describe_drops(report: CleanReport, limit: int = 4) -> str:
    """What the stages removed, in words for the ingest report: most first, with an example each."""
    parts = []
    for reason, count in sorted(report.dropped.items(), key=lambda kv: -kv[1])[:limit]:
        example = (report.examples.get(reason) or [""])[0]
        example = f"，例如“{example[:24]}{'…' if len(example) > 24 else ''}”" if example else ""
        parts.append(f"{stage_label(reason)} {count} 处{example}")
    if len(report.dropped) > limit:
        parts.append(f"另有 {len(report.dropped) - limit} 类")
    return "；".join(parts)
