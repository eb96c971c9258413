"""The ingest rules of ``kb/ingest_rules.toml``, loaded once and compiled.

Cleaning heuristics and reading limits are data so that they can be seen,
tested and changed in one place; this module only turns them into patterns.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kb.topic_filter import topic_labels

RULES_FILE = Path(__file__).with_name("ingest_rules.toml")

# Characters that break an "encoded data" run: Chinese, CJK and full-width punctuation.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"


@dataclass(frozen=True)
class IngestRules:
    """Compiled rules; ``raw`` is the file as read, ``labels`` names each stage in Chinese."""

    raw: dict
    labels: dict[str, str]
    encoded_run: re.Pattern
    furniture_line: re.Pattern
    furniture_spans: tuple[re.Pattern, ...]
    related_marker: re.Pattern
    spam_term: re.Pattern
    boilerplate: re.Pattern

    def __getitem__(self, section: str) -> dict:
        return self.raw[section]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _term(word: str) -> str:
    # An ASCII term is a whole word: "av" must not match inside "available" or "java".
    if word.isascii() and word.isalpha():
        return rf"(?<![a-z]){re.escape(word)}(?![a-z])"
    return re.escape(word)


def compile_rules(raw: dict) -> IngestRules:
    """Compile a rules mapping (the TOML file's structure)."""
    furniture, related = raw["furniture"], raw["related_links"]
    labels = {
        section[key.replace("label", "report")]: section[key]
        for section in raw.values()
        if isinstance(section, dict)
        for key in section
        if key.endswith("label") and key.replace("label", "report") in section
    }
    lines = _alternation(furniture["lines"])
    prefixes = _alternation(furniture["line_prefixes"])
    return IngestRules(
        raw=raw,
        labels=labels,
        encoded_run=re.compile(rf"[^\s{_CJK}]{{{int(raw['encoded_data']['min_run_chars'])},}}"),
        furniture_line=re.compile(rf"^(?:(?:{lines})\s*[:：]?\s*)+$|^(?:{prefixes})\s*[:：]"),
        furniture_spans=tuple(re.compile(p) for p in furniture["spans"]),
        related_marker=re.compile(
            rf"^(?:【[^】]{{0,20}}】)?\s*(?:{_alternation(related['markers'])})\s*[:：]?\s*$"
        ),
        spam_term=re.compile("|".join(_term(t) for t in sorted(raw["spam"]["terms"], key=len, reverse=True))),
        boilerplate=re.compile(
            r"[^。!！?？\n]*(?:" + "|".join(raw["boilerplate"]["markers"]) + r")[^。!！?？\n]*[。!！?？]?"
        ),
    )


@lru_cache(maxsize=1)
def load_rules(path: Path = RULES_FILE) -> IngestRules:
    """The rules of ``path`` (default: the bundled file), compiled once per process."""
    with open(path, "rb") as handle:
        return compile_rules(tomllib.load(handle))


def stage_label(reason: str) -> str:
    """A cleaning reason as the report shows it: Chinese label and the reason's own name."""
    label = load_rules().labels.get(reason) or topic_labels().get(reason)
    return f"{label} ({reason})" if label else reason
