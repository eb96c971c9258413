"""Compose a quiz from typed facts: scope, topic relevance, one question per fact, kinds in turn.

Pipeline: the facts of the KB (quiz/material.py: cached per chunk version, settled
over the whole KB) -> the scope (``--doc``; ``--topic`` keeps facts whose passage the
agents' search finds relevant) -> kinds taken in turn, most relevant and most confident
facts first -> each fact asked once by its kind's template (quiz/ask_*.py) -> checks
(valid, the key not in or derivable from the stem, no question printing another's
answer). The same KB, arguments and seed give the same quiz.
"""

from __future__ import annotations

import random
import re
from collections import Counter

import jieba

from quiz.ask_number import NumberQuestions, fact_key
from quiz.ask_procedure import ProcedureQuestions
from quiz.ask_reply import ReplyQuestions
from quiz.ask_rule import RuleQuestions
from quiz.ask_slot import SlotQuestions
from quiz.distractors import known_numbers
from quiz.facts import KINDS, Fact, fact_rules
from quiz.material import collect_facts, embed
from quiz.models import (
    CHOICE_TYPES,
    CLOZE,
    FALSE_TEXT,
    QUESTION_TYPES,
    SCENARIO,
    SINGLE,
    TRUE_FALSE,
    TRUE_TEXT,
    Question,
    answer_key,
)
from quiz.stems import KeyPlacer
from quiz.vocabulary import organisations, slot_vocabulary

TRUE_SLACK = 2  # true statements may outnumber false ones by this many in a short quiz
TRUE_SHARE = 0.6  # and in a long one be at most this share of the true/false items
RANK_BUCKET = 10  # search ranks within this many count as equally relevant when facts are ordered
MAX_PASSES = 3  # passes over the facts a quiz could not ask yet (true/false balance)
LEAK_CONTEXT = 4  # characters either side of a key that identify its fact in another question
WHOLE_KEY_CHARS = 12  # a key this long (a rule, a step, a reply) is its own context
PREPARATION_STEPS = 3  # steps told to ``progress`` before the first question
_TOPIC_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")
TOPIC_WORD_CHARS = 2  # topic words shorter than this ("的") do not make a passage relevant


class GenerationError(ValueError):
    """Nothing to generate from (unknown topic, empty documents, bad arguments)."""


def key_contexts(question: Question) -> list[str]:
    """The key with its neighbours in the source ("结束后三日", "三日内部门"), comparable form."""
    key, sentence = answer_key(question.key), answer_key(question.source.sentence)
    if not key:
        return []
    if len(key) >= WHOLE_KEY_CHARS:
        return [key]
    at = sentence.find(key)
    if at < 0:
        return []
    left = sentence[max(0, at - LEAK_CONTEXT) : at]
    right = sentence[at + len(key) : at + len(key) + LEAK_CONTEXT]
    return [text for part, text in ((left, left + key), (right, key + right)) if len(part) >= 2]


def gives_away(question: Question, others: list[Question]) -> bool:
    """True when ``question`` and one of ``others`` print each other's answer where it is asked."""
    shown = answer_key(question.stem + "|" + "|".join(question.options))
    mine = key_contexts(question)
    for other in others:
        if any(c in shown for c in key_contexts(other)):
            return True
        other_shown = answer_key(other.stem + "|" + "|".join(other.options))
        if any(c in other_shown for c in mine):
            return True
    return False


def topic_words(topic: str) -> list[str]:
    """The topic's words that can make text relevant ("服务礼仪" -> 服务, 礼仪; never "的")."""
    words = [w for w in jieba.lcut(answer_key(topic)) if len(w) >= TOPIC_WORD_CHARS]
    return [w for w in words if _TOPIC_WORD.fullmatch(w)]


def specific_word(words: list[str], facts: list[Fact]) -> str:
    """The topic word the fewest facts name ("服务礼仪" -> 礼仪): alone it still says what the topic is."""
    if len(words) < 2:
        return words[0] if words else ""
    texts = [answer_key(" ".join([f.sentence, *f.headings])) for f in facts]
    return min(words, key=lambda w: (sum(w in t for t in texts), -len(w)))


def on_topic(fact: Fact, topic: str, words: list[str], specific: str) -> bool:
    """A fact outside the searched passages is on topic when its sentence or headings name every
    topic word or its most specific one, or when the topic names its kind ("话术" asks the
    approved replies and the rules on what an agent says)."""
    text = answer_key(" ".join([fact.sentence, *fact.headings]))
    if words and (all(w in text for w in words) or (specific and specific in text)):
        return True
    kinds = [
        k
        for k, names in fact_rules()["topics"].items()
        if any(answer_key(w) in answer_key(topic) for w in names)
    ]
    if fact.kind in kinds:
        return True
    # The replies' topic also holds the rules about what an agent says ("回复时要礼貌", "告知顾客…").
    says = [w for w in fact_rules()["reply"]["lead"] if len(w) > 1]
    return "reply" in kinds and fact.kind == "rule" and any(w in answer_key(fact.key) for w in says)


def in_word_family(fact: Fact, words: list[str], specific: str) -> bool:
    """Weaker evidence for a compound topic: a word of the fact opens with a character of the topic's
    most specific word ("服务礼仪" -> 礼貌, 仪容, 仪表): Chinese words of one family share a morpheme."""
    if len(words) < 2 or len(specific) < 2:
        return False
    text = answer_key(" ".join([fact.sentence, *fact.headings]))
    return any(len(w) >= 2 and w[0] in specific for w in jieba.lcut(text))


def topic_facts(facts: list[Fact], every: list[Fact], passages: dict[int, int], topic: str, results: int):
    """The facts a topic quiz asks and their relevance rank (fact id -> rank), most relevant first.

    Every fact of a passage the ranker scored relevant counts (``passages`` ranks below
    ``results``), and of the first ``RANK_BUCKET`` search results; a fact of another passage
    found only because it names the topic words counts when the fact itself names the topic
    (a chunk can hold several subjects); so does a fact anywhere that names the topic or whose
    kind the topic names, and last a fact of the topic's word family.
    """
    words = topic_words(topic)
    specific = specific_word(words, every)
    scored = results  # ranks below this are the ranker's picks (topic_passages)
    outside = max(passages.values(), default=0) + 1
    family = outside + RANK_BUCKET
    ranked: dict[str, int] = {}
    for fact in facts:
        at = passages.get(fact.chunk_id)
        if at is not None and (
            at % scored < RANK_BUCKET or at < scored or on_topic(fact, topic, words, specific)
        ):
            ranked[fact.id] = at
        elif on_topic(fact, topic, words, specific):
            ranked[fact.id] = outside
        elif in_word_family(fact, words, specific):
            ranked[fact.id] = family
    return [f for f in facts if f.id in ranked], ranked


def topic_passages(kb, topic: str, documents) -> dict[int, int]:
    """chunk id -> relevance rank of the passages a topic quiz may ask about.

    The agents' search ranks the KB. A passage counts when the ranker's score reaches
    ``quiz_topic_min_score`` or when it names every word of the topic. A raw dense cosine is
    no evidence on its own: the embedder puts every passage of a service manual above 0.8 for
    any service topic, so "会员卡" would pull in move-in procedures. Nothing else is used: a
    short topic gives a short quiz, never one padded off topic.
    """
    settings = kb.settings
    response = kb.search(topic, k=settings.quiz_topic_results, documents=documents or None)
    words = topic_words(topic)
    picked: dict[int, int] = {}
    for rank, result in enumerate(response.results):
        text = answer_key(" ".join([*result.headings, result.text, result.question, result.answer]))
        if result.score >= settings.quiz_topic_min_score:
            picked[result.chunk_id] = rank
        elif words and all(w in text for w in words):
            # Named but scored low: ranked after every passage the ranker found relevant, and
            # its facts asked only where they name the topic themselves (topic_facts).
            picked[result.chunk_id] = rank + settings.quiz_topic_results
    return picked


class Composer:
    """Turns facts into questions, one per fact, keeping true/false balanced and key places uniform."""

    def __init__(self, kb, facts: list[Fact], seed: int) -> None:
        self.rng = random.Random(seed)
        self.placer = KeyPlacer(self.rng)
        numbers = [f for f in facts if f.kind == "number"]
        keys = [fact_key(f) for f in numbers]
        times = {(k.low, k.high) for k in keys if k.kind == "time"}
        self.numbers = NumberQuestions(known_numbers(k for k in keys if k.kind == "number"), times, self.rng)
        self.slots = SlotQuestions(slot_vocabulary(facts), self.rng, organisations(facts))
        self.rules = RuleQuestions([f for f in facts if f.kind == "rule"], self.rng)
        self.procedures = ProcedureQuestions(self.rng)
        replies = [f for f in facts if f.kind == "reply"]
        self.replies = ReplyQuestions(replies, lambda texts: embed(kb, texts), self.numbers, self.rng)
        self.used = Counter()
        self.truth = Counter()

    def truth_wanted(self) -> list[bool]:
        """Which truth values a true/false item may take now, the side that is behind first."""
        t, f = self.truth[TRUE_TEXT], self.truth[FALSE_TEXT]
        if t - f >= TRUE_SLACK and t + 1 > TRUE_SHARE * (t + f + 1):
            return [False]
        first = t < f if t != f else self.rng.random() < 0.5
        return [first, not first]

    def attempts(self, fact: Fact, types: tuple[str, ...]):
        """(type, maker) pairs for this fact, least-used type first."""
        kind = fact.kind
        options: list[tuple[str, object]] = []
        if kind == "number":
            options = [
                (SINGLE, lambda: self.numbers.single(fact, self.placer)),
                (CLOZE, lambda: self.numbers.cloze(fact)),
                (TRUE_FALSE, lambda: self.true_false(fact, self.numbers.true_false)),
            ]
        elif kind in ("approver", "document"):
            options = [
                (SINGLE, lambda: self.slots.single(fact, self.placer)),
                (TRUE_FALSE, lambda: self.slot_statement(fact)),
            ]
        elif kind == "rule":
            options = [
                (TRUE_FALSE, lambda: self.true_false(fact, self.rules.true_false)),
                (SINGLE, lambda: self.rules.violation(fact, self.placer)),
            ]
        elif kind == "procedure":
            options = [
                (SINGLE, lambda: self.procedures.order(fact, self.placer)),
                (SINGLE, lambda: self.procedures.next_step(fact, self.placer)),
            ]
        elif kind == "reply":
            options = [(SCENARIO, lambda: self.replies.scenario(fact, self.placer))]
        allowed = [pair for pair in options if pair[0] in types]
        order = {t: (self.used[(kind, t)], self.rng.random()) for t, _ in allowed}
        if kind != "rule" and self.truth_wanted() == [False]:
            # True statements are waiting for false ones: a fact that can be changed into a sure
            # false statement (a value, a role, a document) gives one first.
            order[TRUE_FALSE] = (-1, 0.0)
        return sorted(allowed, key=lambda pair: order[pair[0]])

    def slot_statement(self, fact: Fact) -> Question | None:
        wanted = self.truth_wanted()
        if False not in wanted:
            return None
        return self.slots.false_statement(fact)

    def true_false(self, fact: Fact, maker) -> Question | None:
        wanted = self.truth_wanted()
        if fact.kind == "rule" and False in wanted and self.rules.negatable(fact):
            # Few rules can be negated cleanly: those that can give the false statements, so the
            # many that cannot may be asked as written without tipping the balance.
            wanted = [False, True]
        for truth in wanted:
            question = maker(fact, truth)
            if question is not None:
                return question
        return None

    def ask(self, fact: Fact, types: tuple[str, ...], chosen: list[Question]) -> Question | None:
        for kind, make in self.attempts(fact, types):
            question = make()
            if question is None or question.validate() or gives_away(question, chosen):
                continue
            question.source.fact_id, question.source.fact_kind = fact.id, fact.kind
            self.used[(fact.kind, kind)] += 1
            if question.type in CHOICE_TYPES and question.answer in question.options:
                self.placer.record(len(question.options), question.options.index(question.answer))
            if question.type == TRUE_FALSE:
                self.truth[question.answer] += 1
            return question
        return None


def order_facts(facts: list[Fact], rank: dict[int, int] | None, rng: random.Random) -> list[Fact]:
    """Kinds in turn; within a kind the most relevant fact (``rank``: fact id -> rank), then the most
    confident, first."""
    by_kind: dict[str, list[Fact]] = {k: [] for k in KINDS}
    for fact in facts:
        by_kind[fact.kind].append(fact)
    for group in by_kind.values():
        jitter = {id(f): rng.random() for f in group}
        group.sort(
            key=lambda f: (
                (rank or {}).get(f.id, 0) // RANK_BUCKET if rank else 0,
                -f.confidence,
                jitter[id(f)],
            )
        )
    kinds = [k for k in KINDS if by_kind[k]]
    rng.shuffle(kinds)
    out: list[Fact] = []
    while any(by_kind[k] for k in kinds):
        for kind in kinds:
            if by_kind[kind]:
                out.append(by_kind[kind].pop(0))
    return out


def build_questions(
    kb,
    topic: str | None = None,
    documents: list[str] | None = None,
    n: int = 10,
    types=QUESTION_TYPES,
    seed: int = 1,
    progress=None,
) -> tuple[list[Question], list[str]]:
    """Up to ``n`` questions over the topic or documents, and notes saying when the material ran short.

    ``progress(done, total, step)``, when given, is told of each step and each question made.
    """
    types = tuple(types)
    unknown = [t for t in types if t not in QUESTION_TYPES]
    if unknown or not types:
        raise GenerationError(f"未知的题型 {unknown}；可选：{'、'.join(QUESTION_TYPES)}")
    if n < 1:
        raise GenerationError("题目数量至少为 1")
    total = PREPARATION_STEPS + n

    def tell(done: int, step: str) -> None:
        if progress is not None:
            progress(done, total, step)

    tell(0, "读取知识库中的事实")
    factset = collect_facts(kb, documents)
    if documents and not factset.passages:
        raise GenerationError(f"知识库中没有文档 {'、'.join(documents)}（见 `python app.py docs`）")
    facts = factset.facts
    rank = None
    if topic:
        tell(1, "按主题检索相关段落")
        rank = topic_passages(kb, topic, documents)
        if not rank:
            raise GenerationError(f"知识库中没有与主题“{topic}”相关的内容")
        facts, rank = topic_facts(facts, factset.facts, rank, topic, kb.settings.quiz_topic_results)
    tell(2, "准备选项")
    composer = Composer(kb, factset.facts, seed)
    ordered = order_facts(facts, rank, composer.rng)
    chosen: list[Question] = []
    asked_sentences: set[str] = set()
    tell(PREPARATION_STEPS, f"出题 0/{n}")
    waiting = ordered
    for _ in range(MAX_PASSES):
        # A fact refused now (its true statement waiting for a false one) is tried again after
        # the rest: later facts may have given the false statements it waited for.
        skipped = []
        for fact in waiting:
            if len(chosen) >= n:
                break
            sentence = answer_key(fact.sentence)
            if sentence in asked_sentences:
                continue  # one question per source sentence: a second would answer the first
            question = composer.ask(fact, types, chosen)
            if question is None:
                skipped.append(fact)
                continue
            asked_sentences.add(sentence)
            question.position = len(chosen) + 1
            chosen.append(question)
            tell(PREPARATION_STEPS + len(chosen), f"出题 {len(chosen)}/{n}")
        if len(skipped) == len(waiting) or len(chosen) >= n:
            break
        waiting = skipped
    notes = []
    if len(chosen) < n:
        scope = topic or "、".join(documents or []) or "全部资料"
        notes.append(f"{scope}：只有 {len(chosen)} 个可出题的事实（已全部使用），要求 {n} 道。")
    return chosen, notes
