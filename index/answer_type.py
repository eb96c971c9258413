"""Does the top passage hold the kind of answer the question asks for?

A question asking "how long", "when" or "how much" is answered by a passage with a
duration, a time or an amount of money in it; a passage about the right topic
without one (the manual mentions call recordings but never how long they are kept) is
weak evidence. The types are data (``index/answer_types.toml``): question words and
units, never a topic's words.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TYPES_PATH = Path(__file__).with_name("answer_types.toml")


@dataclass(frozen=True)
class AnswerType:
    name: str
    label: str  # user-facing (Chinese): "问题问的是时长"
    ask: re.Pattern
    answer: re.Pattern


@cache
def load_types(path: Path = TYPES_PATH) -> tuple[AnswerType, ...]:
    """The question types of the data file, in order (the first that matches applies)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        AnswerType(t["name"], t["label"], re.compile(t["ask"]), re.compile(t["answer"])) for t in data["type"]
    )


@cache
def question_words(path: Path = TYPES_PATH) -> frozenset[str]:
    """Question words of the data file (多久, 哪里, 有没有 …)."""
    return frozenset(tomllib.loads(path.read_text(encoding="utf-8")).get("question_words", ()))


def is_question_word(word: str) -> bool:
    """A question word, or a word that is nothing but one type's question (多少钱, 几天)."""
    return word in question_words() or any(t.ask.fullmatch(word) for t in load_types())


def asked_type(norm_query: str) -> AnswerType | None:
    """The kind of answer a (normalised) question asks for, if it asks for one."""
    return next((t for t in load_types() if t.ask.search(norm_query)), None)


def answer_type_match(norm_query: str, passage: str) -> float:
    """1.0 when the question asks for no particular kind of answer or the passage holds one."""
    wanted = asked_type(norm_query)
    return 1.0 if wanted is None or wanted.answer.search(passage) else 0.0
