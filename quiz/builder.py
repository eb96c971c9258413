"""The question builder: KB-wide state for one generation run, candidates and distractors.

The per-type question makers live in mixins, one concept each:
:mod:`quiz.fact_questions` (single choice, true/false, cloze on a fact),
:mod:`quiz.procedure_questions` (step order) and :mod:`quiz.scenarios`
(approved replies to a customer's words).
"""

from __future__ import annotations

import json
import random
import re

import numpy as np

from common.textnorm import normalize
from index.tokenize import read_synonyms
from quiz import distractors as dis
from quiz.candidate import Candidate, _leaks
from quiz.conflicts import Consistency
from quiz.fact_questions import FactQuestions
from quiz.keys import (
    Key,
    TermIndex,
    in_aside,
    is_rule,
    negation_key,
    number_keys,
    quantity_keys,
    time_keys,
)
from quiz.models import CLOZE, SCENARIO, SINGLE, TRUE_FALSE
from quiz.procedure_questions import ProcedureQuestions
from quiz.rules import detail_changes, role_vocabulary
from quiz.scenarios import ScenarioQuestions
from quiz.sources import Fact, fact_sentences, repeated_heading

NEIGHBOUR_CHUNKS = 8  # nearby chunks whose nouns are distractor candidates
TERM_POOL = 24  # candidate distractor terms embedded per key (embedding is the slow step)
COLLOCATION_GAP = 8  # characters allowed between the blank's verb and a distractor the KB writes after it
# A term blank is guessable when its neighbours are written with the key this many
# times more often (and at least GUESS_MIN_COUNT times) than with the best distractor.
GUESS_RATIO = 3
GUESS_MIN_COUNT = 2
# A money amount right before the blank ("予以5-50元/次不等的（　　）") tells it is a fine.
_AMOUNT_BEFORE = re.compile(r"\d+(?:\.\d+)?(?:[-~至到]\d+)?元(?:/[次人天])?[^，,。；;]{0,4}$")
_FILE_ID = re.compile(r"^\d*_?[0-9a-f]{12,}$")
_BASE_DIFFICULTY = {TRUE_FALSE: 0.3, SCENARIO: 0.4, SINGLE: 0.45, CLOZE: 0.65}


class QuestionBuilder(FactQuestions, ProcedureQuestions, ScenarioQuestions):
    """Holds the KB-wide state (term statistics, known numbers, vectors) for one generation run."""

    def __init__(self, kb, seed: int) -> None:
        self.kb = kb
        self.rng = random.Random(seed)
        self.all_chunks = kb.all_chunks()
        self.by_id = {c["id"]: c for c in self.all_chunks}
        self.terms = TermIndex(self.all_chunks)
        self.synonyms = read_synonyms(kb.synonyms_path)
        self.cache = kb.embedding_cache()
        self.known = dis.known_numbers(
            k
            for c in self.all_chunks
            if c["kind"] == "text"
            for s in fact_sentences(c["text"])
            for k in number_keys(s)
        )
        self.known_times = {
            (k.low, k.high)
            for c in self.all_chunks
            if c["kind"] == "text"
            for s in fact_sentences(c["text"])
            for k in time_keys(s)
        }
        self._chunk_vectors: tuple[list[int], np.ndarray] | None = None
        self._labels: dict[int, str] = {}
        self._kb_text: str | None = None
        self.rules: list[Candidate] = []  # concrete rules a rule-choice item may change into wrong options
        self._roles: tuple[tuple[str, ...], ...] | None = None
        self._consistency: Consistency | None = None
        self._heading_spans: dict[tuple[int, str], int] | None = None

    def contradicted(self, fact: Fact) -> bool:
        """True when another sentence of the KB states a different value or job title for the fact's."""
        if self._consistency is None:
            self._consistency = Consistency(self.all_chunks, self.cache.embed_passages)
        return self._consistency.role_contradicted(fact.sentence) or any(
            self._consistency.contradicted(fact.sentence, k) for k in quantity_keys(fact.sentence)
        )

    # -- vectors -------------------------------------------------------------
    def chunk_vectors(self) -> tuple[list[int], np.ndarray]:
        """Vectors of every live chunk (from the ingest cache: no model call)."""
        if self._chunk_vectors is None:
            ids = [c["id"] for c in self.all_chunks]
            vectors = self.cache.embed_passages([c["norm_text"] for c in self.all_chunks])
            self._chunk_vectors = (ids, vectors)
        return self._chunk_vectors

    def neighbours(self, chunk_id: int, count: int, kinds: tuple[str, ...]) -> list[tuple[float, int]]:
        ids, vectors = self.chunk_vectors()
        row = ids.index(chunk_id)
        sims = vectors @ vectors[row]
        order = np.argsort(-sims, kind="stable")
        out = []
        for i in order:
            cid = ids[int(i)]
            if cid != chunk_id and self.by_id[cid]["kind"] in kinds:
                out.append((float(sims[int(i)]), cid))
                if len(out) >= count:
                    break
        return out

    # -- candidates ----------------------------------------------------------
    def candidates(self, facts: list[Fact]) -> list[Candidate]:
        """One candidate key per fact: a number if it has one, else its best term."""
        out = []
        for fact in facts:
            if self.contradicted(fact):
                continue  # the manuals disagree on it: no single right answer
            context = " ".join(fact.headings)
            numbers = [
                k
                for k in quantity_keys(fact.sentence)
                if not _leaks(fact.sentence[: k.start] + fact.sentence[k.end :] + context, k)
                # A value inside a bracketed aside is an incidental note: never the one asked.
                and not in_aside(fact.sentence, k.start, k.end)
            ]
            if numbers:
                key = numbers[self.rng.randrange(len(numbers))]
                out.append(Candidate(fact, key, 0, self.rng.random()))
                continue
            if not fact.normative:
                continue  # a term blank in a descriptive sentence is rarely worth asking
            terms = self.terms.term_keys(fact.sentence, context)
            flip = negation_key(fact.sentence)
            rule = bool(flip) or is_rule(fact.sentence)
            if terms or rule:
                key = terms[0] if terms else flip or Key("", 0, 0, "rule")
                out.append(Candidate(fact, key, 1 if rule else 2, self.rng.random(), flip=flip, rule=rule))
        self.rules = [
            c
            for c in out
            if (c.rule or self.is_rule_fact(c.fact))
            and not repeated_heading(c.fact.sentence)
            and self.details(c.fact)
        ]
        return out

    # -- concrete details ----------------------------------------------------
    def roles(self) -> tuple[tuple[str, ...], ...]:
        """The roles the manuals themselves name (a changed role is one of the KB's own)."""
        if self._roles is None:
            self._kb_text_ready()
            self._roles = role_vocabulary(self._kb_text or "")
        return self._roles

    def details(self, fact: Fact) -> list[tuple[int, int, list[str]]]:
        """Concrete details of the fact (number, time of day, role) with same-kind replacements."""
        stem = fact.sentence + " ".join(fact.headings)

        def numbers(key: Key) -> list[str]:
            return dis.number_distractors(key, self.known, stem, random.Random(fact.sentence))

        return detail_changes(fact.sentence, self.roles(), numbers)

    def wrong_answers(self, cand: Candidate) -> list[str]:
        """Three distractors for the candidate's key (cached on the candidate)."""
        if cand.wrong is not None:
            return cand.wrong
        stem = cand.fact.sentence + " ".join(cand.fact.headings)
        if cand.key.kind == "frequency":
            cand.wrong = dis.frequency_distractors(cand.key, stem, self.rng)
            cand.closeness = 0.5
        elif cand.key.kind == "time":
            cand.wrong = dis.time_distractors(cand.key, self.known_times, stem, self.rng)
            cand.closeness = 0.6
        elif cand.key.kind == "number":
            cand.wrong = dis.number_distractors(cand.key, self.known, stem, self.rng)
            pool_values = {v for v in self.known.get(cand.key.unit, set()) if not isinstance(v, tuple)}
            cand.closeness = 0.6 if len(pool_values) > 2 else 0.3
        else:
            pool: list[str] = []
            for _, cid in self.neighbours(cand.fact.chunk_id, NEIGHBOUR_CHUNKS, ("text",)):
                pool += [
                    t
                    for t in self.terms.nouns(self.by_id[cid]["text"])
                    if self.terms.df.get(normalize(t), 0) >= 2
                ]
            key_flag = self.terms.flag(cand.key.text)
            pool = [
                t
                for t in dict.fromkeys(pool)
                if self.terms.flag(t) == key_flag
                and not self.fits_slot(cand, t)
                and not self.follows_verb(cand, t)
            ]
            pool = sorted(pool, key=lambda t: (-self.terms.idf(t), t))[:TERM_POOL]
            cand.wrong, cand.closeness = dis.term_distractors(
                cand.key.text, pool, self.cache.embed_passages, stem, self.synonyms, self.rng
            )
        if len(cand.wrong) < 3:
            cand.wrong = []
        return cand.wrong

    def fits_slot(self, cand: Candidate, term: str) -> bool:
        """True when the KB uses ``term`` right next to the blank's neighbours.

        "随身" + "物品" and "随身" + "现金" both occur in the manuals: a distractor
        the KB itself writes in that slot may well be right, so it is not used.
        """
        self._kb_text_ready()
        s, k = cand.fact.sentence, cand.key
        left, right = normalize(s[max(0, k.start - 2) : k.start]), normalize(s[k.end : k.end + 2])
        norm = normalize(term)
        return bool(
            (len(left) == 2 and left + norm in self._kb_text)
            or (len(right) == 2 and norm + right in self._kb_text)
        )

    def follows_verb(self, cand: Candidate, term: str) -> bool:
        """True when the KB writes ``term`` as the object of the verb that governs the blank.

        "熟悉各类（　　）": the KB also says "熟悉国家相关法律法规", so 法律法规
        would be a defensible answer. Word vectors cannot see this (every noun
        scores about 0.92 against every other), the manuals' own usage can.
        """
        self._kb_text_ready()
        verb = self.terms.governing_verb(cand.fact.sentence, cand.key.start)
        return bool(verb) and dis.written_after(verb, term, self._kb_text, COLLOCATION_GAP)

    def collocations(self, sentence: str, start: int, end: int, term: str) -> int:
        """How often the KB writes ``term`` next to the blank's neighbours (2 characters each side).

        The source sentence itself is not counted.
        """
        self._kb_text_ready()
        left, right = normalize(sentence[max(0, start - 2) : start]), normalize(sentence[end : end + 2])
        own, norm = normalize(sentence[max(0, start - 2) : end + 2]), normalize(term)
        grams = ([left + norm] if len(left) == 2 else []) + ([norm + right] if len(right) == 2 else [])
        text = self._kb_text or ""
        return sum(max(0, text.count(g) - own.count(g)) for g in grams)

    def verb_predicts(self, sentence: str, start: int, term: str) -> bool:
        """True when the blank's governing verb is followed by ``term`` in much of the KB's uses of it."""
        self._kb_text_ready()
        verb = self.terms.governing_verb(sentence, start)
        if not verb:
            return False
        text = self._kb_text or ""
        pattern = (
            re.escape(normalize(verb))
            + rf"[^，,。；;：:！？!?\n]{{0,{COLLOCATION_GAP}}}"
            + re.escape(normalize(term))
        )
        with_term = len(re.findall(pattern, text)) - 1  # the source sentence itself
        return with_term >= GUESS_MIN_COUNT and with_term >= 0.3 * text.count(normalize(verb))

    def guessable(self, cand: Candidate, wrong: list[str]) -> bool:
        """True when a term blank can be answered from the words around it, without the rule.

        "接听客户（电话）", "培训（计划）": the KB writes the key next to the
        blank's neighbours far more often than any distractor (a collocation
        test on the KB's own text); "予以5-50元/次不等的（罚款）": an amount
        right before the blank says it is a fine; "备注…": a verb whose object
        in the KB is mostly the key predicts it.
        """
        s, k = cand.fact.sentence, cand.key
        if _AMOUNT_BEFORE.search(s[: k.start]):
            return True
        key_count = self.collocations(s, k.start, k.end, k.text)
        best_other = max((self.collocations(s, k.start, k.end, w) for w in wrong), default=0)
        if key_count >= GUESS_MIN_COUNT and key_count >= GUESS_RATIO * best_other:
            return True
        return self.verb_predicts(s, k.start, k.text)

    def _kb_text_ready(self) -> None:
        if self._kb_text is None:
            self._kb_text = "\n".join(normalize(c["text"]) for c in self.all_chunks if c["kind"] == "text")

    # -- question types ------------------------------------------------------
    def _difficulty(self, kind: str, closeness: float) -> float:
        return round(min(0.95, max(0.05, _BASE_DIFFICULTY[kind] + 0.25 * closeness)), 2)

    def _options(self, right: str, wrong: list[str], in_order: bool = False) -> list[str]:
        """The key among its wrong answers, shuffled.

        ``in_order``: in numeric order instead, for wrong values drawn so that the
        key's place among them is random (numbers and frequencies, see
        ``quiz.distractors._pick_around``); sorted times or ranges would put their key
        in the middle.
        """
        options = [right, *wrong[:3]]
        self.rng.shuffle(options)
        return (dis.in_numeric_order(options) if in_order else None) or options

    @staticmethod
    def is_rule_fact(fact: Fact) -> bool:
        return bool(is_rule(fact.sentence) or negation_key(fact.sentence))

    def document_label(self, chunk) -> str:
        """The document's title, or its first heading when the title is a file id."""
        title = chunk["doc_title"] or chunk["doc_name"]
        if not _FILE_ID.match(title):
            return title
        if chunk["doc_id"] not in self._labels:
            first = min(
                (c for c in self.all_chunks if c["doc_id"] == chunk["doc_id"]), key=lambda c: c["ord"]
            )
            heads = json.loads(first["headings"] or "[]")
            line = re.sub(r"\s+", "", heads[0] if heads else fact_sentences(first["text"])[0])
            line = re.sub(r"^[\d一二三四五六七八九十]+[.、]", "", line)
            line = re.sub(r"(.{4,}?)\1+", r"\1", re.split(r"[(（,，。:：;；、]", line)[0])
            # Scraped pages glue title lines together (客服管理手册客服服务手册): keep the first
            # title, which ends with a title word.
            first_title = _TITLE_END.match(line)
            self._labels[chunk["doc_id"]] = (first_title.group(1) if first_title else line[:16]) or title
        return self._labels[chunk["doc_id"]]


_TITLE_END = re.compile(r"^(.{2,14}?(?:职责说明书|说明书|管理手册|手册|制度|规范|指南|职责|職責|流程|打造))")
