"""Data classes passed between loading, cleaning, chunking and storage."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field


def content_key(text: str) -> str:
    """The hash a restore decision is remembered by: the text without its white space.

    The same block in a re-ingested version of the document has the same key.
    """
    return hashlib.sha1(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()


@dataclass
class Block:
    """One unit of a loaded document before chunking.

    ``kind`` is ``paragraph`` (prose, split into sentences and packed),
    ``heading`` (level 1 = chapter ... 4 = numbered item), or ``faq`` / ``script``
    (a question and its answer, always kept whole as one chunk).
    """

    text: str
    kind: str = "paragraph"
    level: int = 0
    question: str = ""
    answer: str = ""
    similar: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    line: int = 0


@dataclass
class LoadedDocument:
    """A file turned into ordered blocks, with the facts learned while loading."""

    path: str
    title: str
    blocks: list[Block]
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class CleanReport:
    """What cleaning removed from one document, counted by reason."""

    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    chars_in: int = 0  # characters of text the document arrived with
    chars_dropped: int = 0  # of those, how many the stages removed
    # Every removal as (reason, text, source line): stored so the admin can see and restore it.
    spans: list[tuple[str, str, int]] = field(default_factory=list)
    line: int = 0  # the source line of the block being cleaned
    restored: frozenset[str] = frozenset()  # content hashes the admin restored: never dropped
    kept_restored: int = 0  # removals skipped because the admin restored that text

    def is_restored(self, text: str) -> bool:
        """True when the admin restored this text (see :func:`content_key`): it must stay."""
        return bool(self.restored) and content_key(text) in self.restored

    def drop(self, reason: str, text: str) -> bool:
        """Count one removal (a block, a sentence or a span) under its stage's reason.

        Returns False, and removes nothing, for text the admin restored.
        """
        if self.is_restored(text):
            self.kept_restored += 1
            return False
        self.spans.append((reason, text, self.line))
        self.dropped[reason] = self.dropped.get(reason, 0) + 1
        self.chars_dropped += len(text)
        samples = self.examples.setdefault(reason, [])
        if len(samples) < 3:
            samples.append(text[:60])
        return True

    @property
    def total_dropped(self) -> int:
        return sum(self.dropped.values())

    @property
    def dropped_share(self) -> float:
        """Share of the document's characters that cleaning removed (0 for an empty one)."""
        return min(1.0, self.chars_dropped / self.chars_in) if self.chars_in else 0.0


@dataclass
class Chunk:
    """A searchable unit: the original text plus its heading chain and kind."""

    text: str
    headings: list[str]
    kind: str = "text"
    question: str = ""
    answer: str = ""
    similar: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    origin: str = ""  # content_key of the text chunking produced (admin edits are keyed by it)
    disabled: bool = False  # hidden from search, quizzes and QA examples by the admin

    def index_text(self) -> str:
        """What both retrieval legs see: heading context, the question variants, the text."""
        parts = [" > ".join(self.headings)] if self.headings else []
        if self.kind in ("faq", "script"):
            parts += [self.question, *self.similar, self.answer]
        else:
            parts.append(self.text)
        return "\n".join(p for p in parts if p)


class IngestError(Exception):
    """A file that cannot be ingested; the message names the file and the reason."""


@dataclass(frozen=True)
class Passage:
    """A live chunk as readers outside ``kb`` see it (quiz material), independent of the row schema."""

    chunk_id: int
    document: str  # the document's name (its file name)
    title: str
    headings: tuple[str, ...]
    kind: str  # text | faq | script
    text: str
    question: str = ""
    answer: str = ""
