"""Generate questions from knowledge-base chunks: single choice, true/false, cloze, scenario.

Pipeline: resolve the topic or documents to chunks -> keep clean fact sentences
-> find each sentence's key -> build the question types the key supports ->
pick ``n`` questions spread over the requested types, one per fact, in an
order fixed by the seed. Every question carries its source sentence so a
reviewer can check it against the manual.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass

import numpy as np

from common.textnorm import normalize
from quiz import distractors as dis
from quiz.keys import (
    _CONCRETE,
    _EMPTY_RULE,
    _EXHORTATION,
    NEGATION_FLIPS,
    Key,
    TermIndex,
    is_platitude,
    is_rule,
    negation_key,
    number_keys,
)
from quiz.models import (
    BLANK,
    CLOZE,
    FALSE_TEXT,
    QUESTION_TYPES,
    SCENARIO,
    SINGLE,
    TRUE_FALSE,
    TRUE_TEXT,
    Question,
    Source,
    answer_key,
    fact_fingerprint,
)
from quiz.procedures import Procedure, echoes_previous, find_procedures, is_attitude
from quiz.rules import (
    RULE_STEM,
    as_option,
    change_detail,
    detail_changes,
    gives_away_by_form,
    pick_changed_rules,
    role_vocabulary,
)
from quiz.sources import Fact, collect_facts, repeated_heading, split_sentences

TOPIC_CHUNKS = 30  # search results a topic is resolved to
TOPIC_BUCKET = 10  # more relevant chunks are used first, in groups of this many
NEIGHBOUR_CHUNKS = 8  # nearby chunks whose nouns are distractor candidates
TERM_POOL = 24  # candidate distractor terms embedded per key (embedding is the slow step)
SCENARIO_POOL = 6  # other replies considered per scenario before the ambiguity check
SCENARIO_MARGIN = 0.03  # a distractor must be this much further from the customer's words
COLLOCATION_GAP = 8  # characters allowed between the blank's verb and a distractor the KB writes after it
CLOZE_BLANK = "____"
PROCEDURE_STEM_FIRST = "第一步是（　　）。"
# A term blank is guessable when its neighbours are written with the key this many
# times more often (and at least GUESS_MIN_COUNT times) than with the best distractor.
GUESS_RATIO = 3
GUESS_MIN_COUNT = 2
# A money amount right before the blank ("予以5-50元/次不等的（　　）") tells it is a fine.
_AMOUNT_BEFORE = re.compile(r"\d+(?:\.\d+)?(?:[-~至到]\d+)?元(?:/[次人天])?[^，,。；;]{0,4}$")
# A reply cut off mid-list ("…营业执照、注册商标、税务登记证、") is not an approved reply as written.
_CUT_REPLY = re.compile(r"[、，,：:（(“]$")
_STAGE = re.compile(r"等待\d|再回复|下述语句|[~～]\s*$")
RULE_POOL = 8  # nearest concrete rules a rule-choice item draws its three wrong options from
# After a flipped marker, a clause that still states the duty or its purpose
# ("不必交接,确保该时段有在线客服接待", "不必使用服务用语,回复时要礼貌",
# "不必在单据上注明为退现,要求主管以上人员签字认可") contradicts the flip.
_CLAUSE_AFTER_FLIP = re.compile(
    r"[，,；;].*(?:确保|保证|做好|以便|以求|以免|避免|好让|(?<![需重主只想还])要(?![求点素])|务必|(?<![无毋胡])须|(?<=[，,；;])要求|(?<![相适响反供对回答呼效感])应(?![用对付聘届]))"
)
# Courtesy and attitude ("保持冷静", "礼貌", "及时回复", "保守机密"): true of any job, a platitude
# unless a concrete detail (number, time, role) comes with it.
_COURTESY = re.compile(
    r"礼貌|亲切|耐心|冷静|情绪|及时|关心|感谢|隐私|机密|秘密|保密|整洁|清洁|干净|仔细|负面"
)
_UTTERANCE = re.compile(r"[?？吗呢吧么]|怎|什么|多久|多少|哪|几|能不能|可以|是否|你|我|您")
_FILE_ID = re.compile(r"^\d*_?[0-9a-f]{12,}$")
_BASE_DIFFICULTY = {TRUE_FALSE: 0.3, SCENARIO: 0.4, SINGLE: 0.45, CLOZE: 0.65}


class GenerationError(ValueError):
    """Nothing to generate from (unknown topic, empty documents)."""


@dataclass
class Candidate:
    """A fact with its key; distractors are computed on first use."""

    fact: Fact
    key: Key
    tier: int  # 0 number keys, 1 rules with a flippable marker, 2 term keys only
    order: float
    wrong: list[str] | None = None
    closeness: float = 0.0
    flip: Key | None = None  # a rule marker a true/false item can negate (不得 -> 可以)
    rule: bool = False  # a duty or prohibition: the right option of a rule-choice item


def _sentence_stem(fact: Fact) -> str:
    """Where the rule comes from, so the question makes sense on its own."""
    where = f"《{fact.document}》" if fact.document else ""
    if fact.headings:
        where += "“" + " > ".join(fact.headings) + "”"
    return f"根据{where}：" if where else ""


def _finish(sentence: str) -> str:
    return re.sub(r"[。；;，,、：:\s]+$", "", sentence) + "。"


def _leaks(stem_rest: str, key: Key) -> bool:
    """True when the answer can be read off the rest of the stem."""
    return answer_key(key.text) in answer_key(stem_rest)


def _explanation(fact: Fact) -> str:
    where = f"《{fact.document}》" + (" " + " > ".join(fact.headings) if fact.headings else "")
    return f"原文：{_finish(fact.sentence)}（出自{where}）"


def _source(fact: Fact) -> Source:
    return Source(fact.doc_name or fact.document, list(fact.headings), fact.sentence, fact.chunk_id)


def _bigrams(text: str) -> set[str]:
    norm = re.sub(r"\W", "", normalize(text))
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


class QuestionBuilder:
    """Holds the KB-wide state (term statistics, known numbers, vectors) for one generation run."""

    def __init__(self, kb, seed: int) -> None:
        from index.tokenize import read_synonyms

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
            for s in split_sentences(c["text"])
            for k in number_keys(s)
        )
        self._chunk_vectors: tuple[list[int], np.ndarray] | None = None
        self._labels: dict[int, str] = {}
        self._kb_text: str | None = None
        self.rules: list[Candidate] = []  # concrete rules a rule-choice item may change into wrong options
        self._roles: tuple[tuple[str, ...], ...] | None = None

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
            context = " ".join(fact.headings)
            numbers = [
                k
                for k in number_keys(fact.sentence)
                if not _leaks(fact.sentence[: k.start] + fact.sentence[k.end :] + context, k)
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
        if cand.key.kind == "number":
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

    def _options(self, right: str, wrong: list[str]) -> list[str]:
        options = [right, *wrong[:3]]
        self.rng.shuffle(options)
        return options

    def single(self, cand: Candidate) -> Question | None:
        """A number blank, else "which rule holds" on a rule, else (last resort) a term blank."""
        if cand.key.kind != "number" and cand.rule:
            # No term-blank fallback on a rule: a noun swapped into a rule is a weak item.
            return self.rule_choice(cand)
        if cand.key.kind == "number" and self.rng.random() < 0.5 and self.is_rule_fact(cand.fact):
            # A rule with a number is asked half the time as "which rule holds" against
            # other rules with one detail changed, else as a number blank.
            question = self.rule_choice(cand)
            if question is not None:
                return question
        if cand.key.kind not in ("number", "term"):
            return None
        if cand.key.kind == "term" and self.vague(cand.fact.sentence):
            return None  # a noun blank in an exhortation or a courtesy platitude tests nothing
        wrong = self.wrong_answers(cand)
        if not wrong or (cand.key.kind == "term" and self.guessable(cand, wrong)):
            return None
        s, k = cand.fact.sentence, cand.key
        stem = _sentence_stem(cand.fact) + _finish(s[: k.start] + BLANK + s[k.end :])
        return Question(
            SINGLE,
            stem,
            self._options(k.text, wrong),
            k.text,
            _explanation(cand.fact),
            _source(cand.fact),
            self._difficulty(SINGLE, cand.closeness),
            k.text,
            fact_fingerprint(s, k.text),
        )

    def rule_choice(self, cand: Candidate) -> Question | None:
        """ "以下哪一项符合规定？": the rule as written against three other rules, one detail changed.

        The right rule must itself carry a concrete detail (number, time, role):
        a platitude is never the answer, and every option reads alike.
        """
        fact = cand.fact
        if repeated_heading(fact.sentence) or not self.details(fact):
            return None  # a glued heading reads as garbled copy; no detail: a platitude
        if _COURTESY.search(fact.sentence) and not number_keys(fact.sentence):
            return None
        # Wrong options come from the same manual only: the stem says "according to it".
        others = sorted(
            (c for c in self.rules if c.fact.sentence != fact.sentence and c.fact.doc_name == fact.doc_name),
            key=lambda c: (abs(c.fact.chunk_id - fact.chunk_id), c.order),
        )[:RULE_POOL]
        self.rng.shuffle(others)  # nearest rules, but not the same three in every item
        changed = []
        for c in others:
            text = change_detail(c.fact.sentence, self.details(c.fact), self.rng)
            if text is not None:
                changed.append((c.fact.sentence, text))
        wrong = pick_changed_rules(fact.sentence, changed)
        if len(wrong) < 3:
            return None
        right = as_option(fact.sentence)
        options = self._options(right, wrong)
        if gives_away_by_form(options, right):
            return None
        return Question(
            SINGLE,
            _sentence_stem(fact) + RULE_STEM,
            options,
            right,
            "其余选项各改动了原文的一个具体细节（数字、时间或岗位）。" + _explanation(fact),
            _source(fact),
            self._difficulty(SINGLE, 0.3),
            right,
            fact_fingerprint(fact.sentence, RULE_STEM),
        )

    def true_false(self, cand: Candidate, truth: bool | None = None) -> Question | None:
        if cand.key.kind != "number":
            # A swapped term often still reads true: only a changed detail or a negated rule is surely false.
            question = self.changed_rule(cand)
            if question is None and self.flippable(cand):
                question = self.negated_rule(cand)
            elif question is None and cand.flip is not None and not _COURTESY.search(cand.fact.sentence):
                # A later clause restates the duty: the flip would contradict itself, so the
                # rule is only asked as written.
                question = self.negated_rule(cand, truth=True)
            return question
        wrong = self.wrong_answers(cand)
        if not wrong:
            return None
        s, k = cand.fact.sentence, cand.key
        truth = self.rng.random() < 0.5 if truth is None else truth
        statement = s if truth else s[: k.start] + wrong[0] + s[k.end :]
        stem = "判断正误：" + _sentence_stem(cand.fact) + _finish(statement)
        note = "正确。" if truth else f"错误。应为“{k.text}”而不是“{wrong[0]}”。"
        return Question(
            TRUE_FALSE,
            stem,
            [TRUE_TEXT, FALSE_TEXT],
            TRUE_TEXT if truth else FALSE_TEXT,
            note + _explanation(cand.fact),
            _source(cand.fact),
            self._difficulty(TRUE_FALSE, cand.closeness),
            k.text,
            fact_fingerprint(s, k.text),
        )

    @staticmethod
    def is_rule_fact(fact: Fact) -> bool:
        return bool(is_rule(fact.sentence) or negation_key(fact.sentence))

    @staticmethod
    def vague(sentence: str) -> bool:
        """An exhortation, a platitude or a courtesy rule without a number, time or role."""
        return bool(
            _EXHORTATION.search(sentence)
            or _COURTESY.search(sentence)
            or is_platitude(sentence)
            or _EMPTY_RULE.search(sentence)  # "遵守公司纪律,不得违反公司规定": a tautology
            or not _CONCRETE.search(sentence)
            or re.match(r"公司|企业|客服部门|部门", sentence)  # the employer's duty, not the agent's
        )

    def flippable(self, cand: Candidate) -> bool:
        """A flip reads as a clean, non-obvious falsehood: no later clause restates the duty."""
        if cand.flip is None:
            return False
        s = cand.fact.sentence
        if _CLAUSE_AFTER_FLIP.search(s[cand.flip.end :]):
            return False
        return not _COURTESY.search(s)

    def changed_rule(self, cand: Candidate) -> Question | None:
        """True/false on a rule as written, or with one role or time of day changed."""
        if not cand.rule and not cand.flip:
            return None
        s = cand.fact.sentence
        changes = self.details(cand.fact)
        if not changes or (_COURTESY.search(s) and not number_keys(s)):
            return None
        start, end, replacements = changes[self.rng.randrange(len(changes))]
        truth = self.rng.random() < 0.5
        other = replacements[self.rng.randrange(len(replacements))]
        statement = s if truth else s[:start] + other + s[end:]
        note = "正确。" if truth else f"错误。原文是“{s[start:end]}”，不是“{other}”。"
        return Question(
            TRUE_FALSE,
            "判断正误：" + _sentence_stem(cand.fact) + _finish(statement),
            [TRUE_TEXT, FALSE_TEXT],
            TRUE_TEXT if truth else FALSE_TEXT,
            note + _explanation(cand.fact),
            _source(cand.fact),
            self._difficulty(TRUE_FALSE, 0.3),
            s[start:end],
            fact_fingerprint(s, s[start:end]),
        )

    def negated_rule(self, cand: Candidate, truth: bool | None = None) -> Question:
        """True/false on a rule as written, or with its one marker flipped (不得 -> 可以)."""
        s, k = cand.fact.sentence, cand.flip
        flipped = NEGATION_FLIPS[k.text]
        truth = self.rng.random() < 0.5 if truth is None else truth
        statement = s if truth else s[: k.start] + flipped + s[k.end :]
        note = "正确。" if truth else f"错误。原文是“{k.text}”，不是“{flipped}”。"
        return Question(
            TRUE_FALSE,
            "判断正误：" + _sentence_stem(cand.fact) + _finish(statement),
            [TRUE_TEXT, FALSE_TEXT],
            TRUE_TEXT if truth else FALSE_TEXT,
            note + _explanation(cand.fact),
            _source(cand.fact),
            self._difficulty(TRUE_FALSE, 0.0),
            k.text,
            fact_fingerprint(s, k.text),
        )

    def cloze(self, cand: Candidate) -> Question | None:
        if cand.key.kind != "number":
            return None  # typed term answers have synonyms; only numbers grade reliably
        s, k = cand.fact.sentence, cand.key
        stem = "填空：" + _sentence_stem(cand.fact) + _finish(s[: k.start] + CLOZE_BLANK + s[k.end :])
        # Typed answers: "三天" may come back as "3天", "3个工作日" as "3工作日".
        variants = {
            dis.render_number(Key(k.text, 0, len(k.text), "number", k.unit, k.low, k.high), k.low, k.high)
        }
        variants |= {re.sub(r"(\d)个", r"\1", v) for v in variants}
        accepted = sorted(v for v in variants if v != k.text)
        return Question(
            CLOZE,
            stem,
            [],
            k.text,
            _explanation(cand.fact),
            _source(cand.fact),
            self._difficulty(CLOZE, 0.3),
            k.text,
            fact_fingerprint(s, k.text),
            accepted,
        )

    def procedure_questions(self, chunks) -> list[Question]:
        """ "第一步是？" and "……之后的下一步是？" from the manuals' numbered procedures.

        The options are other steps of the same procedure. Each procedure gives
        its first step and disjoint pairs of consecutive steps (2->3, 4->5, ...),
        so no two of its questions ask the same fact.
        """
        # Steps are read from whole documents (a topic's chunks leave gaps), then kept
        # when the procedure starts in one of the chunks asked for.
        wanted = {c["id"] for c in chunks}
        docs = {c["doc_id"] for c in chunks}
        whole = [c for c in self.all_chunks if c["doc_id"] in docs]
        out = []
        for proc in find_procedures(whole, self.document_label):
            if proc.chunk_id not in wanted:
                continue
            steps = proc.steps
            start = len(out)
            prefix = f"根据《{proc.document}》“{proc.name}”，"
            wrong = self.rng.sample(steps[1:], 3)
            if not is_attitude(steps[0]):  # "保持心情平静" first: a state of mind, not a step to order
                out.append(
                    self._procedure_question(proc, prefix + PROCEDURE_STEM_FIRST, steps[0], wrong, steps[0])
                )
                continue  # one question per procedure: a second one would give away the first
            for k in range(1, len(steps) - 1, 2):
                rest = [step for i, step in enumerate(steps) if i not in (k, k + 1)]
                if len(rest) < 3:
                    break
                if is_attitude(steps[k]) or is_attitude(steps[k + 1]):
                    continue
                if echoes_previous(steps[k], steps[k + 1]):
                    continue  # "审核资料无误后…" right after "审核…资料": the wording gives it away
                out.append(
                    self._procedure_question(
                        proc,
                        prefix + f"“{steps[k]}”之后的下一步是（　　）。",
                        steps[k + 1],
                        self.rng.sample(rest, 3),
                        f"{steps[k]}；{steps[k + 1]}",
                    )
                )
                if len(out) > start:
                    break
        return out

    def _procedure_question(
        self, proc: Procedure, stem: str, right: str, wrong: list[str], sentence: str
    ) -> Question:
        return Question(
            SINGLE,
            stem,
            self._options(right, wrong),
            right,
            proc.explanation() + f"（出自《{proc.document}》）",
            Source(proc.doc_name or proc.document, list(proc.headings), sentence, proc.chunk_id),
            self._difficulty(SINGLE, 0.4),
            right,
            fact_fingerprint(proc.name + sentence, right),
        )

    def scenarios(self, chunks) -> list[Question]:
        """Scenario questions from reply-script and FAQ chunks, in chunk order.

        Distractors are approved replies of the same kind to *other* requests.
        A reply that answers the customer about as well as the right one would
        make the item ambiguous, so every distractor must sit clearly further
        from the customer's words (query embedding) than the right reply.
        """
        out = []
        for chunk in chunks:
            if chunk["kind"] not in ("script", "faq") or not chunk["answer"]:
                continue
            asked, answer = chunk["question"].strip(), chunk["answer"].strip()
            if not _UTTERANCE.search(asked):
                continue  # a label such as "多次议价的顾客", not something a customer says
            if _CUT_REPLY.search(answer):
                continue  # the reply was cut off in the manual: not approved as written
            picked: list[str] = []
            for sim, cid in self.neighbours(chunk["id"], 30, (chunk["kind"],)):
                other = self.by_id[cid]
                text = (other["answer"] or "").strip()
                if not _UTTERANCE.search(other["question"] or "") or _STAGE.search(text):
                    continue  # a label's reply may answer this very request; stage directions are not a reply
                if (
                    not text
                    or _CUT_REPLY.search(text)
                    or sim >= 0.95
                    or answer_key(other["question"]) == answer_key(asked)
                ):
                    continue
                # Another reply to the same request would be right too: skip look-alikes.
                if any(
                    len(_bigrams(text) & _bigrams(x)) > 0.5 * min(len(_bigrams(text)), len(_bigrams(x)))
                    for x in [answer, *picked]
                ):
                    continue
                picked.append(text)
                if len(picked) >= SCENARIO_POOL:
                    break
            vectors = self.cache.embed_passages([answer, *picked])
            query = self.kb.embedder.embed_queries([asked])[0]
            sims = vectors @ query
            picked = [t for t, sim in zip(picked, sims[1:], strict=True) if sim < sims[0] - SCENARIO_MARGIN]
            if len(picked) < 3:
                continue
            wrong = self.rng.sample(picked, 3)
            headings = json.loads(chunk["headings"] or "[]")
            doc = self.document_label(chunk)
            stem = f"情景题：顾客说：“{asked}” 按照《{doc}》，以下哪一项是标准回复？"
            fact = Fact(asked, doc, headings, chunk["id"], doc_name=chunk["doc_name"])
            out.append(
                Question(
                    SCENARIO,
                    stem,
                    self._options(answer, wrong),
                    answer,
                    f"标准回复出自《{doc}》" + (" " + " > ".join(headings) if headings else "") + "。",
                    _source(fact),
                    self._difficulty(SCENARIO, 0.3),
                    answer,
                    fact_fingerprint(asked, answer),
                )
            )
        return out

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
            line = re.sub(r"\s+", "", heads[0] if heads else split_sentences(first["text"])[0])
            line = re.sub(r"^[\d一二三四五六七八九十]+[.、]", "", line)
            line = re.sub(r"(.{4,}?)\1+", r"\1", re.split(r"[(（,，。:：;；、]", line)[0])
            # Scraped pages glue title lines together (客服管理手册客服服务手册): keep the first
            # title, which ends with a title word.
            first_title = _TITLE_END.match(line)
            self._labels[chunk["doc_id"]] = (first_title.group(1) if first_title else line[:16]) or title
        return self._labels[chunk["doc_id"]]


_TITLE_END = re.compile(r"^(.{2,14}?(?:职责说明书|说明书|管理手册|手册|制度|规范|指南|职责|職責|流程|打造))")


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
