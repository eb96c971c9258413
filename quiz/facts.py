"""Typed facts of the knowledge base: what a question can check, with its exact source.

A :class:`Fact` is found once per chunk version (quiz/extract.py) and cached in the
KB's SQLite (quiz/fact_cache.py). Its ``kind`` says which question template asks it:

* ``number``    deadlines, amounts, shares, counts, frequencies, clock times (key: the value);
* ``approver``  who must approve, sign, agree or be told (key: the role);
* ``document``  what must be shown, provided, filled in or registered (key: the document);
* ``procedure`` the ordered steps of a named procedure (key: the steps, in order);
* ``reply``     an approved reply to a customer's words (key: the reply);
* ``rule``      a mandatory or banned behaviour (key: the action) and its consequence.

Every sentence not turned into a fact is counted under the named stage that rejected it
(:class:`StageReport`), so ``python app.py quiz facts --why`` can say why.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

KINDS = ("number", "approver", "document", "procedure", "reply", "rule")
KIND_LABELS = {
    "number": "数字与时限",
    "approver": "审批人",
    "document": "单据凭证",
    "procedure": "流程步骤",
    "reply": "标准话术",
    "rule": "必须与禁止",
}
RULES_FILE = Path(__file__).with_name("fact_rules.toml")
EXAMPLES_PER_REASON = 5


@cache
def fact_rules() -> dict:
    """The markers and thresholds of quiz/fact_rules.toml (read once)."""
    with RULES_FILE.open("rb") as handle:
        return tomllib.load(handle)


def extractor_version() -> str:
    """Changes whenever the rules file or the extractor changes: cached facts are then re-extracted."""
    digest = hashlib.sha1(RULES_FILE.read_bytes())
    digest.update((Path(__file__).with_name("extract.py")).read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class Fact:
    """One checkable fact with its key and where it stands in the manual.

    ``start``/``end`` index the sentence (``sentence``) in the chunk's text (for a
    script chunk, in ``question + "\\n" + answer``); ``key_start``/``key_end`` index the
    key within the sentence (-1 when the key is not a span of it: procedure steps).
    ``detail`` holds what the kind needs besides the key: ``unit``/``low``/``high`` of a
    number, ``polarity`` and ``consequence`` of a rule, ``steps`` and ``name`` of a
    procedure, ``request`` of a reply, ``verb`` of an approver.
    """

    kind: str
    key: str
    sentence: str
    chunk_id: int
    document: str
    title: str
    headings: list[str]
    start: int
    end: int
    key_start: int = -1
    key_end: int = -1
    confidence: float = 1.0
    detail: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Stable identity: chunk, kind and key (the same fact from a re-ingested chunk keeps it)."""
        raw = f"{self.document}|{self.kind}|{self.sentence}|{self.key}"
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:12]

    def as_dict(self) -> dict:
        data = asdict(self)
        data["id"] = self.id
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Fact:
        data = {k: v for k, v in data.items() if k != "id"}
        return cls(**data)


@dataclass
class StageReport:
    """Sentences each named stage rejected, with a few examples, like the cleaning report."""

    rejected: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def reject(self, stage: str, text: str) -> None:
        """Count one rejection under ``stage`` (a short Chinese reason)."""
        self.rejected[stage] = self.rejected.get(stage, 0) + 1
        samples = self.examples.setdefault(stage, [])
        if len(samples) < EXAMPLES_PER_REASON:
            samples.append(text[:80])

    def merge(self, other: StageReport) -> None:
        for stage, count in other.rejected.items():
            self.rejected[stage] = self.rejected.get(stage, 0) + count
            samples = self.examples.setdefault(stage, [])
            samples.extend(other.examples.get(stage, [])[: EXAMPLES_PER_REASON - len(samples)])

    def as_dict(self) -> dict:
        return {"rejected": dict(self.rejected), "examples": {k: list(v) for k, v in self.examples.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> StageReport:
        return cls(dict(data.get("rejected", {})), {k: list(v) for k, v in data.get("examples", {}).items()})
