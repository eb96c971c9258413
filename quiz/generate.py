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
from quiz.fact_questions import _CLAUSE_AFTER_FLIP, _COURTESY, CLOZE_BLANK, RULE_POOL
from quiz.models import CLOZE, QUESTION_TYPES, SCENARIO, SINGLE, TRUE_FALSE, Question
from quiz.procedure_questions import PROCEDURE_STEM_FIRST
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
]

TOPIC_CHUNKS = 30  # search results a topic is resolved to
TOPIC_BUCKET = 10  # more relevant chunks are used first, in groups of this many


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
) -> tuple[list[Question], list[str]]:
    """Up to ``n`` questions over the topic or documents, and notes on any shortfall.

    Types are filled in turn (``single, tf, cloze, scenario, single, ...``); a
    type without material gives its turn to the next. One question per fact.
    Same KB, arguments and seed give the same questions.
    """
    types = tuple(types)
    unknown = [t for t in types if t not in QUESTION_TYPES]
    if unknown or not types:
        raise GenerationError(f"unknown question type(s) {unknown}; choose from {', '.join(QUESTION_TYPES)}")
    if n < 1:
        raise GenerationError("n must be at least 1")
    chunks = _select_chunks(kb, topic, documents)
    builder = QuestionBuilder(kb, seed)
    facts = collect_facts(chunks)
    for fact in facts:
        fact.document = builder.document_label(builder.by_id[fact.chunk_id])
    # Search order (topic relevance) first, then seeded order within each quality tier.
    rank = {c["id"]: i // TOPIC_BUCKET if topic else 0 for i, c in enumerate(chunks)}
    pool = sorted(builder.candidates(facts), key=lambda c: (rank[c.fact.chunk_id], c.tier, c.order))
    scenarios = builder.scenarios(chunks) if SCENARIO in types else []
    builder.rng.shuffle(scenarios)
    procedures = builder.procedure_questions(chunks) if SINGLE in types else []
    builder.rng.shuffle(procedures)
    makers = {SINGLE: builder.single, TRUE_FALSE: builder.true_false, CLOZE: builder.cloze}

    chosen: list[Question] = []
    used_grams: list[set[str]] = []

    def is_new_fact(sentence: str) -> bool:
        grams = _bigrams(sentence)
        return all(len(grams & g) <= 0.6 * min(len(grams), len(g)) for g in used_grams)

    def from_list(items: list[Question]) -> Question | None:
        while items:
            q = items.pop(0)
            if is_new_fact(q.source.sentence):
                return q
        return None

    def from_pool(kind: str) -> Question | None:
        for cand in list(pool):
            if not is_new_fact(cand.fact.sentence):
                pool.remove(cand)
                continue
            q = makers[kind](cand)
            if q is not None and not q.validate():
                pool.remove(cand)
                return q
        return None

    active = list(types)
    turn = singles = 0
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
        else:
            question = from_pool(kind)
        if question is None:
            active.remove(kind)
            continue
        used_grams.append(_bigrams(question.source.sentence))
        question.position = len(chosen) + 1
        chosen.append(question)
        turn += 1
    notes = []
    if len(chosen) < n:
        notes.append(f"只生成了 {len(chosen)} 道题（要求 {n} 道）：资料中可出题的事实不足。")
    return chosen, notes
