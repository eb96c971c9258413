"""Generate questions from knowledge-base chunks: single choice, true/false, cloze, scenario.

Pipeline: resolve the topic or documents to chunks -> keep clean fact sentences
-> find each sentence's key -> build the question types the key supports ->
pick ``n`` questions spread over the requested types, one per fact, in an
order fixed by the seed. Every question carries its source sentence so a
reviewer can check it against the manual.
"""

from __future__ import annotations

from quiz.builder import (
    COLLOCATION_GAP,
    GUESS_MIN_COUNT,
    GUESS_RATIO,
    NEIGHBOUR_CHUNKS,
    TERM_POOL,
    QuestionBuilder,
)
from quiz.candidate import Candidate, _bigrams
from quiz.conflicts import same_fact
from quiz.fact_questions import _CLAUSE_AFTER_FLIP, _COURTESY, CLOZE_BLANK, RULE_POOL
from quiz.keys import QUANTITY_KINDS
from quiz.models import (
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
from quiz.procedure_questions import PROCEDURE_STEM_FIRST
from quiz.rules import odd_one_out
from quiz.scenarios import _CUT_REPLY, _STAGE, _UTTERANCE, SCENARIO_MARGIN, SCENARIO_POOL
from quiz.sources import collect_facts

# Names importable from here before the builder was split into modules.
__all__ = [
    "CLOZE_BLANK",
    "COLLOCATION_GAP",
    "GUESS_MIN_COUNT",
    "GUESS_RATIO",
    "NEIGHBOUR_CHUNKS",
    "PROCEDURE_STEM_FIRST",
    "RULE_POOL",
    "SCENARIO_MARGIN",
    "SCENARIO_POOL",
    "TERM_POOL",
    "TOPIC_BUCKET",
    "TOPIC_CHUNKS",
    "_CLAUSE_AFTER_FLIP",
    "_COURTESY",
    "_CUT_REPLY",
    "_STAGE",
    "_UTTERANCE",
    "Candidate",
    "GenerationError",
    "QuestionBuilder",
    "build_questions",
    "gives_away",
    "key_contexts",
    "marked_by_form",
]

TOPIC_CHUNKS = 30  # search results a topic is resolved to
TOPIC_BUCKET = 10  # more relevant chunks are used first, in groups of this many
TRUE_SLACK = 2  # true statements may outnumber false ones by this many, no more


LEAK_CONTEXT = 4  # characters of the source on either side of a key that identify its fact
WHOLE_KEY_CHARS = 12  # a key this long (a rule, a step, a reply) is its own context


def key_contexts(question: Question) -> list[str]:
    """The key with its neighbours in the source ("结束后三日", "三日内部门"), comparable form.

    Another question that prints one of these prints this question's answer
    in the place it is asked about.
    """
    key, sentence = answer_key(question.key), answer_key(question.source.sentence)
    if not key:
        return []
    if len(key) >= WHOLE_KEY_CHARS:
        return [key]
    at = sentence.find(key)
    if at < 0:
        return []
    left, right = (
        sentence[max(0, at - LEAK_CONTEXT) : at],
        sentence[at + len(key) : at + len(key) + LEAK_CONTEXT],
    )
    return [text for part, text in ((left, left + key), (right, key + right)) if len(part) >= 2]


def gives_away(question: Question, others: list[Question]) -> bool:
    """True when ``question`` and one of ``others`` show each other's answer in their stem or options."""
    shown = answer_key(question.stem + "|" + "|".join(question.options))
    mine = key_contexts(question)
    for other in others:
        if any(c in shown for c in key_contexts(other)):
            return True
        other_shown = answer_key(other.stem + "|" + "|".join(other.options))
        if any(c in other_shown for c in mine):
            return True
    return False


def marked_by_form(question: Question) -> bool:
    """True when a single-choice item has one option set apart by its form (length, brackets…)."""
    return question.type == SINGLE and odd_one_out(question.options)


PREPARATION_STEPS = 4  # steps told to ``progress`` before the first question


class GenerationError(ValueError):
    """Nothing to generate from (unknown topic, empty documents)."""


def _select_chunks(kb, topic: str | None, documents: list[str] | None) -> list:
    chunks = kb.all_chunks(documents)
    if documents and not chunks:
        raise GenerationError(f"no chunks in {', '.join(documents)} (see `python app.py docs`)")
    if not topic:
        return chunks
    allowed = {c["id"]: c for c in chunks}
    response = kb.search(topic, k=TOPIC_CHUNKS, documents=documents)
    picked = [allowed[r.chunk_id] for r in response.results if r.chunk_id in allowed]
    if not picked:
        raise GenerationError(f"nothing in the knowledge base matches the topic {topic!r}")
    return picked


def build_questions(
    kb,
    topic: str | None = None,
    documents: list[str] | None = None,
    n: int = 10,
    types=QUESTION_TYPES,
    seed: int = 1,
    progress=None,
) -> tuple[list[Question], list[str]]:
    """Up to ``n`` questions over the topic or documents, and notes on any shortfall.

    Types are filled in turn (``single, tf, cloze, scenario, single, ...``); a
    type without material gives its turn to the next. One question per fact.
    Same KB, arguments and seed give the same questions. ``progress(done, total,
    step)``, when given, is told of each preparation step and each question made.
    """
    types = tuple(types)
    unknown = [t for t in types if t not in QUESTION_TYPES]
    if unknown or not types:
        raise GenerationError(f"unknown question type(s) {unknown}; choose from {', '.join(QUESTION_TYPES)}")
    if n < 1:
        raise GenerationError("n must be at least 1")
    total = PREPARATION_STEPS + n

    def tell(done: int, step: str) -> None:
        if progress is not None:
            progress(done, total, step)

    tell(0, "选取资料")
    chunks = _select_chunks(kb, topic, documents)
    tell(1, "统计知识库用词与数字")
    builder = QuestionBuilder(kb, seed)
    tell(2, "提取可出题的事实")
    facts = collect_facts(chunks, builder.all_chunks)
    for fact in facts:
        fact.document = builder.document_label(builder.by_id[fact.chunk_id])
    # Search order (topic relevance) first, then seeded order within each quality tier.
    rank = {c["id"]: i // TOPIC_BUCKET if topic else 0 for i, c in enumerate(chunks)}
    pool = sorted(builder.candidates(facts), key=lambda c: (rank[c.fact.chunk_id], c.tier, c.order))
    tell(3, "整理情景题与流程题")
    scenarios = builder.scenarios(chunks) if SCENARIO in types else []
    builder.rng.shuffle(scenarios)
    procedures = builder.procedure_questions(chunks) if SINGLE in types else []
    builder.rng.shuffle(procedures)
    makers = {SINGLE: builder.single, TRUE_FALSE: builder.true_false, CLOZE: builder.cloze}

    chosen: list[Question] = []
    used_grams: list[set[str]] = []
    chosen_vectors: list = []

    def is_new_fact(sentence: str) -> bool:
        grams = _bigrams(sentence)
        return all(len(grams & g) <= 0.6 * min(len(grams), len(g)) for g in used_grams)

    def asks_new_fact(q: Question) -> bool:
        # The same fact from another manual, or a rule's other tier, by meaning: one of the
        # two would answer the other (blind review 5: 24小时 asked twice, 1% / 0.5%).
        vector = builder.cache.embed_passages([q.source.sentence])[0]
        return all(
            not same_fact(other, q, float(vector @ v))
            for other, v in zip(chosen, chosen_vectors, strict=True)
        )

    def from_list(items: list[Question]) -> Question | None:
        while items:
            q = items.pop(0)
            # Scenario replies are quoted whole from the scripts; they are not yet held to the
            # leak check (the sample manual's replies restate its deadlines): a known gap.
            if (
                is_new_fact(q.source.sentence)
                and not marked_by_form(q)
                and (q.type == SCENARIO or not gives_away(q, chosen))
                and asks_new_fact(q)
            ):
                return q
        return None

    def from_pool(kind: str, only=None, **options) -> Question | None:
        for cand in list(pool):
            if only is not None and not only(cand):
                continue
            if not is_new_fact(cand.fact.sentence):
                pool.remove(cand)
                continue
            q = makers[kind](cand, **options)
            if (
                q is not None
                and not q.validate()
                and not marked_by_form(q)
                and not gives_away(q, chosen)
                and asks_new_fact(q)
            ):
                pool.remove(cand)
                return q
        return None

    def true_false() -> Question | None:
        # Keep true and false statements about even, so "always 正确" does not pass: the
        # side that is behind goes first (the seed breaks a tie), from any fact that has it.
        keyed_true = sum(q.answer == TRUE_TEXT for q in chosen if q.type == TRUE_FALSE)
        keyed_false = sum(q.answer == FALSE_TEXT for q in chosen if q.type == TRUE_FALSE)
        want = keyed_true < keyed_false if keyed_true != keyed_false else builder.rng.random() < 0.5
        if keyed_true - keyed_false >= TRUE_SLACK:
            return from_pool(TRUE_FALSE, truth=False)  # no false statement left: no more true ones
        if want:
            # A rule with nothing to change can only be asked true: it goes first, and facts
            # with a number are kept for the false statements.
            question = from_pool(TRUE_FALSE, only=lambda c: c.key.kind not in QUANTITY_KINDS, truth=True)
            return question or from_pool(TRUE_FALSE, truth=True) or from_pool(TRUE_FALSE, truth=False)
        return from_pool(TRUE_FALSE, truth=False) or from_pool(TRUE_FALSE, truth=True)

    active = list(types)
    turn = singles = 0
    tell(PREPARATION_STEPS, f"出题 0/{n}")
    while len(chosen) < n and active:
        kind = active[turn % len(active)]
        if kind == SCENARIO:
            question = from_list(scenarios)
        elif kind == SINGLE:
            # Procedure steps and facts take turns; either fills in when the other runs out.
            first, second = (procedures, None) if singles % 2 == 0 else (None, procedures)
            question = (from_list(first) if first is not None else from_pool(kind)) or (
                from_list(second) if second is not None else from_pool(kind)
            )
            singles += 1
        elif kind == TRUE_FALSE:
            question = true_false()
        else:
            question = from_pool(kind)
        if question is None:
            active.remove(kind)
            continue
        used_grams.append(_bigrams(question.source.sentence))
        chosen_vectors.append(builder.cache.embed_passages([question.source.sentence])[0])
        question.position = len(chosen) + 1
        chosen.append(question)
        tell(PREPARATION_STEPS + len(chosen), f"出题 {len(chosen)}/{n}")
        turn += 1
    notes = []
    if len(chosen) < n:
        notes.append(f"只生成了 {len(chosen)} 道题（要求 {n} 道）：资料中可出题的事实不足。")
    return chosen, notes
