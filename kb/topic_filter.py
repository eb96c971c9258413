"""Drop chunks that are not about customer service: poems, news, job ads, site boilerplate.

Scraped manuals carry whole blocks of other material: a recitation poem pasted into a
job-duty page, a recruiting advertisement, "keep your antivirus updated" slides, or a
download site's notice in English. No word list can name them all, so this stage judges by
meaning: each chunk's embedding is compared with small labelled sets of example passages
(``kb/topic_examples.toml``: customer-service passages and several off-topic kinds). A chunk
nearer to an off-topic kind than to the customer-service passages by more than the
``offtopic_margin`` setting is flagged; a chunk in another script than its document (English
inside a Chinese manual) needs only ``offtopic_foreign_margin`` for the kinds marked
``foreign_script`` (site boilerplate); a chunk next to a flagged one that leans the same way
joins it (a poem runs over several chunks). Within a flagged chunk each sentence is judged
again, and a sentence clearly nearer to customer service than to the off-topic kind is kept,
so a duty line glued to a poem is not lost with it.

The vectors are the ones search indexes (each sentence of a chunk, through the embedding
cache): the stage adds almost no embedding work to an ingest.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from common.sentences import split_sentences
from common.textnorm import normalize
from index.windows import merge_short
from kb.chunk import heading_style, is_script_line
from kb.models import Block, Chunk, CleanReport

EXAMPLES_FILE = Path(__file__).with_name("topic_examples.toml")
REPORT_PREFIX = "off-topic: "  # a reason is "off-topic: poem", "off-topic: site_boilerplate", ...
NEAREST = 3  # a side's similarity is the mean of its NEAREST best examples
PROSE = ("paragraph", "text")  # block and chunk kinds judged (headings, FAQ rows and scripts never)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_SCRIPTS = {"han": _HAN, "latin": _LATIN, "kana": _KANA, "hangul": _HANGUL, "cyrillic": _CYRILLIC}


@dataclass(frozen=True)
class TopicKind:
    """One kind of off-topic material: its report name, Chinese label and example passages."""

    name: str
    label: str
    examples: tuple[str, ...]
    foreign_script: bool = False

    @property
    def reason(self) -> str:
        return REPORT_PREFIX + self.name


@dataclass(frozen=True)
class TopicExamples:
    """The labelled example sets of ``kb/topic_examples.toml``."""

    customer_service: tuple[str, ...]
    kinds: tuple[TopicKind, ...]
    min_letters: int = 12  # shorter blocks are not judged on their own


class _Sections:
    """Which section each block is in: a run of off-topic material never crosses a heading
    ("一、活动时间" starts something new)."""

    def __init__(self, blocks: list) -> None:
        self.number, current = [], 0
        for block in blocks:
            if block.kind == "heading" or heading_style(block.text):
                current += 1
            self.number.append(current)

    def same(self, i: int, j: int) -> bool:
        return self.number[i] == self.number[j]


def _letters(text: str) -> int:
    """Chinese characters plus Latin letters: how much a text says, whatever its script."""
    return len(_HAN.findall(text)) + len(_LATIN.findall(text))


@lru_cache(maxsize=4)
def load_examples(path: Path = EXAMPLES_FILE) -> TopicExamples:
    """The example sets of ``path`` (default: the bundled file), read once per process."""
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)
    kinds = tuple(
        TopicKind(name, spec["label"], tuple(spec["examples"]), bool(spec.get("foreign_script", False)))
        for name, spec in raw["off_topic"].items()
    )
    return TopicExamples(
        tuple(raw["customer_service"]["examples"]), kinds, int(raw["judging"]["min_letters"])
    )


def topic_labels(path: Path = EXAMPLES_FILE) -> dict[str, str]:
    """Report reason -> Chinese label of every off-topic kind (for the cleaning report)."""
    return {kind.reason: f"与客服无关：{kind.label}" for kind in load_examples(path).kinds}


def main_script(text: str) -> str | None:
    """The writing system most letters of ``text`` are in (han, latin, kana, ...), None without letters."""
    counts = {name: len(pattern.findall(text)) for name, pattern in _SCRIPTS.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def sentence_pieces(text: str) -> list[str]:
    """The pieces of a chunk the index embeds one by one (short sentences glued to a neighbour)."""
    pieces = merge_short(split_sentences(text))
    return pieces or [text]


@dataclass
class TopicVerdict:
    """What the stage decided for one chunk: kept whole, trimmed, or dropped (``kept_text`` empty)."""

    index: int
    kind: TopicKind | None = None
    margin: float = 0.0
    kept_text: str | None = None  # None: the chunk is kept unchanged
    dropped: list[str] = field(default_factory=list)


class TopicFilter:
    """Judge the chunks of one document against the labelled example sets.

    ``embed(texts)`` returns unit vectors for normalised texts (the embedding cache's
    ``embed_passages``); ``restored(text)`` is True for text an admin restored, never dropped.
    """

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray],
        margin: float,
        foreign_margin: float,
        examples: TopicExamples | None = None,
    ) -> None:
        self.embed = embed
        self.margin = margin
        self.foreign_margin = foreign_margin
        self.examples = examples or load_examples()
        self._cs: np.ndarray | None = None
        self._kinds: list[np.ndarray] = []

    def _load(self) -> None:
        if self._cs is None:
            self._cs = self.embed([normalize(t) for t in self.examples.customer_service])
            self._kinds = [self.embed([normalize(t) for t in k.examples]) for k in self.examples.kinds]

    @staticmethod
    def _nearest(matrix: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        sims = vectors @ matrix.T
        k = min(NEAREST, sims.shape[1])
        return np.sort(sims, axis=1)[:, -k:].mean(axis=1)

    def _kind_margins(self, vectors: np.ndarray) -> np.ndarray:
        """Per vector and off-topic kind: the kind's similarity minus customer service's."""
        cs = self._nearest(self._cs, vectors)
        return np.stack([self._nearest(m, vectors) for m in self._kinds], axis=1) - cs[:, None]

    def _margins(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per vector: (off-topic kind index nearest, its margin over customer service)."""
        per_kind = self._kind_margins(vectors)
        best = per_kind.argmax(axis=1)
        return best, per_kind[np.arange(len(best)), best]

    def judge(
        self,
        blocks: list[Block | Chunk],
        document_text: str,
        restored: Callable[[str], bool] = lambda t: False,
    ) -> list[TopicVerdict]:
        """Verdicts for the blocks (or chunks) that lose text; kept ones are not listed.

        Ingest judges the cleaned blocks of a document, before chunking: a poem pasted between two
        service paragraphs is its own block, while a chunk would pack it with its neighbours.
        """
        # Reply-script lines are curated dialogue (and a customer's question reads like chat): never judged.
        candidates = [
            i
            for i, b in enumerate(blocks)
            if b.kind in PROSE and not is_script_line(b.text) and not restored(b.text)
        ]
        if not candidates:
            return []
        self._load()
        pieces = {i: sentence_pieces(blocks[i].text) for i in candidates}
        # A short line ("引言概述：", "2020/11/27", a bare number) says too little to be judged by
        # its meaning: it only goes when the material on both sides of it goes (a poem's refrain).
        long = [i for i in candidates if _letters(blocks[i].text) >= self.examples.min_letters]
        flat = [normalize(p) for i in long for p in pieces[i]]
        vectors = self.embed(flat) if flat else np.zeros((0, 1), dtype=np.float32)
        spans, start = {}, 0
        for i in long:
            spans[i] = (start, start + len(pieces[i]))
            start += len(pieces[i])
        flagged: dict[int, tuple[int, float]] = {}
        sections = _Sections(blocks)
        if long:
            # A block's vector: the mean of its sentence vectors (the same texts search embeds).
            means = np.stack([vectors[a:b].mean(axis=0) for a, b in spans.values()])
            means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
            per_kind = self._kind_margins(means)
            kinds = per_kind.argmax(axis=1)
            margins = per_kind[np.arange(len(kinds)), kinds]
            doc_script = main_script(document_text)
            for n, i in enumerate(long):
                kind = self.examples.kinds[kinds[n]]
                foreign = doc_script is not None and main_script(blocks[i].text) not in (doc_script, None)
                limit = self.foreign_margin if foreign and kind.foreign_script else self.margin
                if margins[n] > limit:
                    flagged[i] = (int(kinds[n]), float(margins[n]))
            # Off-topic material runs over several blocks: a neighbour leaning to the same kind
            # joins the run, and so does a block inside a run that is not clearly about service
            # (a poem line that a scrape glued to the page title "客服工作职责").
            # A worklist, not passes until nothing changes: a long run grows in linear time.
            pending = deque(m for n, i in enumerate(long) if i in flagged for m in (n - 1, n + 1))
            while pending:
                n = pending.popleft()
                if not 0 <= n < len(long) or long[n] in flagged:
                    continue
                i = long[n]
                sides = [
                    flagged.get(long[m], (None,))[0]
                    for m in (n - 1, n + 1)
                    if 0 <= m < len(long) and sections.same(i, long[m])
                ]
                if margins[n] > 0 and kinds[n] in sides:
                    flagged[i] = (int(kinds[n]), float(margins[n]))
                elif len(sides) == 2 and sides[0] is not None and sides[0] == sides[1]:
                    if per_kind[n, sides[0]] <= -self.margin:
                        continue
                    flagged[i] = (int(sides[0]), float(per_kind[n, sides[0]]))
                else:
                    continue
                pending.extend((n - 1, n + 1))
        verdicts = []
        for i in sorted(flagged):
            kind_index, margin = flagged[i]
            a, _ = spans[i]
            kept, dropped = [], []
            for offset, piece in enumerate(pieces[i]):
                # A sentence clearly nearer customer service than this kind stays (hysteresis:
                # as far below zero as a block must be above it to be flagged).
                own = self._margin_for(vectors[a + offset], kind_index)
                (kept if own < -self.margin or restored(piece) else dropped).append(piece)
            if dropped:
                kind = self.examples.kinds[kind_index]
                verdicts.append(TopicVerdict(i, kind, margin, _join(kept), dropped))
        judged = set(long)
        for i in candidates:
            if i in judged:
                continue
            n = bisect.bisect_left(long, i)
            before, after = (long[n - 1] if n else None), (long[n] if n < len(long) else None)
            if before in flagged and after in flagged and sections.same(before, after):
                if flagged[before][0] == flagged[after][0]:
                    kind = self.examples.kinds[flagged[before][0]]
                    verdicts.append(TopicVerdict(i, kind, 0.0, "", [blocks[i].text]))
        return sorted(verdicts, key=lambda v: v.index)

    def _margin_for(self, vector: np.ndarray, kind_index: int) -> float:
        one = vector[None, :]
        return float(self._nearest(self._kinds[kind_index], one)[0] - self._nearest(self._cs, one)[0])


WHOLE_DOCUMENT_KEPT = (
    "整篇文档看起来与客服工作无关，已全部保留，请检查 (the whole document reads as off-topic: kept)"
)


def _join(pieces: list[str]) -> str:
    """Kept sentences back into one text: a space between two Latin ones ("receipt. Refunds")."""
    text = ""
    for piece in pieces:
        piece = piece.strip()
        if text and piece and text[-1].isascii() and piece[0].isascii():
            text += " "
        text += piece
    return text


def drop_off_topic(
    blocks: list[Block], report: CleanReport, topic: TopicFilter
) -> tuple[list[Block], str | None]:
    """The off-topic stage on one document's cleaned blocks: what is left, and a note for the report.

    Drops go to ``report``. The stage takes material pasted *into* a manual; it never empties a
    whole document, which someone uploaded on purpose: when every judged block leans off-topic,
    nothing but headings would be left, all is kept and the note says so, for the admin to check.
    """
    text = "\n".join(b.text for b in blocks)
    verdicts = topic.judge(blocks, text, report.is_restored)
    emptied = {v.index for v in verdicts if not v.kept_text}
    left = [b for i, b in enumerate(blocks) if i not in emptied and b.text.strip()]
    if verdicts and all(b.kind == "heading" or heading_style(b.text) for b in left):
        return blocks, WHOLE_DOCUMENT_KEPT
    for verdict in verdicts:
        block = blocks[verdict.index]
        report.line = block.line
        for piece in verdict.dropped:
            report.drop(verdict.kind.reason, piece)
        block.text = verdict.kept_text
    return [b for b in blocks if b.text], None
