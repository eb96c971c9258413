"""Facts the knowledge base contradicts, and questions that repeat or leak one another.

Scraped manuals come from different companies and different years: one says
the day shift is 9:00-18:00, another 08:00-17:00; one ships orders taken
before 16:30, a paragraph later "五点半前接单,当日发货". A question on such a
value has no single right answer, so a fact is skipped when a sentence of the
knowledge base about the same thing (close by meaning, a value of the same
kind next to the same words) states a different value.

Rules also disagree on who does something: one manual has the team leader
train agents on a new product, another the supervisor. A sentence close by
meaning that reads the same except for a different job title in the place
where this one names its title contradicts it as well.

Across a quiz (or a sample of several quizzes), two questions on one fact
from two documents ("24小时内做出回应" / "服务响应时间不超过24小时"), or on one
rule's two tiers, answer each other: only the first is kept.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from common.textnorm import normalize
from quiz.keys import Key, cn_to_number, quantity_keys
from quiz.models import Question, answer_key
from quiz.sources import fact_sentences

# Sentence-vector cosines (the ingest embedder puts unrelated manual sentences near 0.89).
CONFLICT_COSINE = 0.93  # a sentence this close, with a different value of the same kind, contradicts
CLOCK_CONFLICT_COSINE = 0.92  # clock times (shifts, cut-offs) differ between companies: stricter
SAME_TOPIC_COSINE = 0.96  # two source sentences this close are one fact, whatever the keys
RELATED_COSINE = 0.93  # this close and sharing a key value (or printing it): one fact asked twice
ROLE_CONFLICT_COSINE = 0.93  # this close, with another job title where this one names its own
SAME_WORDING = 0.6  # share of characters two sentences must have in common to be one rule reworded
TITLE_STRETCH_CHARS = 8  # a changed stretch longer than this is another clause, not another title
CONTEXT_CHARS = 6  # characters either side of a value that say what it is the value of
MIN_SHARED_CONTEXT = 2  # distinct word bigrams the two contexts must share

# "五点半前接单", "下午五时半后": clock times written in words count as clock times.
_CN_CLOCK = re.compile(
    r"(?P<noon>上午|下午|晚上)?(?P<hour>[一二两三四五六七八九十]{1,3}|\d{1,2})[点時时]"
    r"(?P<half>半|(?P<minute>\d{1,2}|[一二三四五]十[一二三四五六七八九]?)分)?(?=[前后以之为])"
)
# The head word of a job title ("客服组长" -> 组长, "当值主管" -> 主管): titles with another head
# are different people; a qualifier alone ("当值主管" / "主管") is not a contradiction.
_TITLE_HEAD = re.compile(r"主管|经理|组长|店长|主任|领班|总监|负责人|班长|专员|督导")
_UNIT_FAMILY = {"个小时": "小时", "个工作日": "工作日", "个自然日": "自然日", "日": "天", "秒钟": "秒"}


@dataclass(frozen=True)
class Value:
    """A quantity of a sentence, comparable with others of its kind."""

    kind: str  # "time" | "frequency" | a number's unit family
    value: tuple
    start: int
    end: int


def _values(sentence: str) -> list[Value]:
    out = []
    for key in quantity_keys(sentence):
        if key.kind == "number":
            kind = _UNIT_FAMILY.get(key.unit, key.unit)
        else:
            kind = key.kind
        out.append(Value(kind, (key.low, key.high), key.start, key.end))
    for m in _CN_CLOCK.finditer(sentence):
        if any(v.start <= m.start() < v.end for v in out):
            continue
        hour = cn_to_number(m.group("hour"))
        if hour is None or hour > 24:
            continue
        minute = 30 if m.group("half") == "半" else cn_to_number(m.group("minute") or "0") or 0
        if m.group("noon") in ("下午", "晚上") and hour < 12 or (not m.group("noon") and hour < 8):
            hour += 12  # "五点半前接单": office hours, so the afternoon
        out.append(Value("time", (hour * 60 + minute, None), m.start(), m.end()))
    return out


def _context(sentence: str, value: Value) -> set[str]:
    """Word bigrams right around a value: what the value is the value of."""
    around = sentence[max(0, value.start - CONTEXT_CHARS) : value.start] + "|"
    around += sentence[value.end : value.end + CONTEXT_CHARS]
    norm = normalize(around)
    return {
        norm[i : i + 2] for i in range(len(norm) - 1) if re.fullmatch(r"[\u4e00-\u9fff]{2}", norm[i : i + 2])
    }


def differing_titles(a: str, b: str) -> bool:
    """True when ``b`` names another job title in a place where ``a`` names its own.

    The two sentences are aligned character by character; a changed stretch
    that holds a title head in each, and not the same heads, is a role the
    two disagree on ("由客服组长负责给客服上课" / "由主管给客服培训").
    """
    x, y = normalize(re.sub(r"\s+", "", a)), normalize(re.sub(r"\s+", "", b))
    matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
    if matcher.ratio() < SAME_WORDING:
        return False  # two different rules that merely name different people
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace" or max(i2 - i1, j2 - j1) > TITLE_STRETCH_CHARS:
            continue
        mine, theirs = set(_TITLE_HEAD.findall(x[i1:i2])), set(_TITLE_HEAD.findall(y[j1:j2]))
        if mine and theirs and mine != theirs:
            return True
    return False


def _same_shape(a: tuple, b: tuple) -> bool:
    return (a[1] is None) == (b[1] is None)


class Consistency:
    """Every sentence of the knowledge base that states a quantity, with its vector."""

    def __init__(self, chunks, embed) -> None:
        self._embed = embed
        # One pass over the KB's sentences: those stating a quantity, and those naming a job title.
        seen: dict[str, str] = {}
        titled: dict[str, str] = {}
        for chunk in chunks:
            if chunk["kind"] != "text":
                continue
            for sentence in fact_sentences(chunk["text"]):
                norm = normalize(re.sub(r"\s+", "", sentence))
                if norm not in seen and _values(sentence):
                    seen[norm] = sentence
                if norm not in titled and _TITLE_HEAD.search(norm):
                    titled[norm] = sentence
        self.sentences = list(seen.values())
        self._norms = list(seen)
        self.values = [_values(s) for s in self.sentences]
        self.vectors = embed(self.sentences) if self.sentences else np.zeros((0, 1), dtype=np.float32)
        self.titled = list(titled.values())
        self._titled_norms = list(titled)
        self._titled_vectors = embed(self.titled) if self.titled else np.zeros((0, 1), dtype=np.float32)

    def role_contradicted(self, sentence: str) -> bool:
        """True when a sentence close by meaning gives the rule to another job title."""
        norm = normalize(re.sub(r"\s+", "", sentence))
        if not self.titled or not _TITLE_HEAD.search(norm):
            return False
        sims = self._titled_vectors @ self._embed([sentence])[0]
        for i in np.flatnonzero(sims >= ROLE_CONFLICT_COSINE):
            other = self._titled_norms[int(i)]
            if norm in other or other in norm:
                continue
            if differing_titles(sentence, self.titled[int(i)]):
                return True
        return False

    def contradicted(self, sentence: str, key: Key) -> bool:
        """True when another sentence about the same thing gives the key a different value.

        "Another" is a sentence of the KB that neither contains ``sentence``
        (a clause window cut from it) nor is contained in it. It is about the
        same thing when it is close by meaning and, unless both are clock
        times, shares words right around the value.
        """
        mine = [v for v in _values(sentence) if v.start == key.start or v.start <= key.start < v.end]
        if not mine or not self.sentences:
            return False
        own, norm = mine[0], normalize(re.sub(r"\s+", "", sentence))
        context = _context(sentence, own)
        sims = self.vectors @ self._embed([sentence])[0]
        for i, other in enumerate(self.sentences):
            if norm in self._norms[i] or self._norms[i] in norm:
                continue
            threshold = CLOCK_CONFLICT_COSINE if own.kind == "time" else CONFLICT_COSINE
            if sims[i] < threshold:
                continue
            for value in self.values[i]:
                if value.kind != own.kind or not _same_shape(value.value, own.value):
                    continue
                if value.value == own.value:
                    continue
                if own.kind == "time" or len(context & _context(other, value)) >= MIN_SHARED_CONTEXT:
                    return True
        return False


def _shown(question: Question) -> str:
    return answer_key(question.stem + "|" + "|".join(question.options))


def _value_key(question: Question) -> str:
    """The question's key when it is a quantity of its source (a rule marker like 必须 is not)."""
    keys = {answer_key(k.text) for k in quantity_keys(question.source.sentence)}
    key = answer_key(question.key)
    return key if key in keys else ""


def same_fact(a: Question, b: Question, cosine: float) -> bool:
    """True when two questions, whose source sentences have this ``cosine``, ask one fact.

    Very close sentences are one fact whatever is asked; close ones are one
    fact when they share the key's value ("24小时" twice) or when either
    question prints the other's key in its stem or options (a wrong option
    the other question states as true, a frequency the other's stem gives).
    """
    if cosine >= SAME_TOPIC_COSINE:
        return True
    if cosine < RELATED_COSINE:
        return False
    key_a, key_b = _value_key(a), _value_key(b)
    if key_a and key_a == key_b:
        return True
    return bool((key_a and key_a in _shown(b)) or (key_b and key_b in _shown(a)))


def first_of_each_fact(questions: list[Question], embed) -> list[Question]:
    """The questions in order, without any that asks the same fact as an earlier one."""
    if not questions:
        return []
    vectors = embed([q.source.sentence for q in questions])
    kept: list[int] = []
    for i, q in enumerate(questions):
        if all(not same_fact(questions[j], q, float(vectors[i] @ vectors[j])) for j in kept):
            kept.append(i)
    return [questions[i] for i in kept]
