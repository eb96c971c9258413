"""Semantic mode: accept paraphrases of a required phrase by embedding similarity.

multilingual-e5 puts almost any two short service sentences above 0.85 cosine
(好的，我帮您查一下 scores 0.92 against 您好，很高兴为您服务), so a bare threshold
cries wolf. A sentence is accepted when (1) its best cosine to the rule's
examples reaches the policy threshold and (2) after centring on the mean of
all examples, it is closer to the examples than to the counter-examples
(typical agent sentences that must not count).

A complaint trigger (``trigger.semantic`` whose examples are complaints, or with
``preset: complaint``) decides differently, by sentence cues and nearest
neighbours among the policy's and the bundled examples (:mod:`qa.complaint`).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

import numpy as np

from common.sentences import sentence_spans
from common.settings import setting
from qa.complaint import ComplaintModel, bundled_model, looks_like_complaints, neighbour_votes
from qa.phrases import Semantic
from qa.policy import Policy
from qa.rules import Rule, trigger_key

# Sentences, not clauses: "哈喽，很乐意为您效劳" is one greeting.
_MARKS_ONLY = re.compile(r"[。！？!?~～]+")  # sentence-end marks with no words


@dataclass(frozen=True)
class SemanticHit:
    """The best-matching sentence of a message and its similarity."""

    start: int
    end: int
    text: str
    similarity: float | None  # None for a hit by a complaint cue
    cue: str | None = None  # the complaint cue that matched (等待太久, 质问责任...)


@dataclass
class _Neighbours:
    """A complaint trigger's voters: complaint examples and ordinary messages (policy + bundled)."""

    model: ComplaintModel
    positive: np.ndarray
    negative: np.ndarray


@dataclass
class _Prepared:
    examples: np.ndarray  # raw unit vectors
    centred_examples: np.ndarray
    centred_counter: np.ndarray | None
    mean: np.ndarray
    neighbours: _Neighbours | None = None


class SemanticMatcher:
    """Embeds each rule's examples once per policy and each candidate sentence once (LRU)."""

    def __init__(
        self, policy: Policy, embedder, cache_size: int = setting("query_cache_size").default
    ) -> None:
        self.embedder = embedder
        self.threshold = policy.semantic_threshold
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()
        self._rules: dict[str, _Prepared] = {}
        for rule in policy.rules:  # examples only from the knowledge base may not be filled in yet
            if rule.semantic is not None and rule.semantic.examples:
                self._rules[rule.id] = self._prepare(rule.semantic)
            if rule.trigger_semantic is not None and rule.trigger_semantic.examples:
                self._rules[trigger_key(rule)] = self._prepare(rule.trigger_semantic, trigger=True)

    def _prepare(self, semantic: Semantic, trigger: bool = False) -> _Prepared:
        examples = self.embed(list(semantic.examples))
        counter = self.embed(list(semantic.counter_examples)) if semantic.counter_examples else None
        mean = (
            np.concatenate([examples, counter]).mean(axis=0) if counter is not None else examples.mean(axis=0)
        )
        prepared = _Prepared(
            examples, _centre(examples, mean), None if counter is None else _centre(counter, mean), mean
        )
        if trigger and semantic.preset != "none":
            model = bundled_model()
            complaints, ordinary = self.embed(list(model.complaints)), self.embed(list(model.ordinary))
            if semantic.preset == "complaint" or looks_like_complaints(examples, complaints, ordinary):
                negative = ordinary if counter is None else np.concatenate([counter, ordinary])
                prepared.neighbours = _Neighbours(model, np.concatenate([examples, complaints]), negative)
        return prepared

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts``, embedding only those not seen recently (in one batch)."""
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                if text in self._cache:
                    self._cache.move_to_end(text)
                    found[text] = self._cache[text]
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = self.embedder.embed_queries(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = self._cache[text] = vector
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def best_sentence(self, rule: Rule, texts: list[str], key: str | None = None) -> list[SemanticHit | None]:
        """For each message text, its best accepted sentence for ``rule`` (or None).

        ``key``: which examples, the rule's (default) or its trigger's (:func:`trigger_key`).
        A complaint trigger is decided by :meth:`_complaints` instead.
        """
        prepared = self._rules.get(key or rule.id)
        if prepared is None:
            return [None] * len(texts)
        if prepared.neighbours is not None:
            return self._complaints(prepared.neighbours, texts)
        units = [(i, start, end) for i, text in enumerate(texts) for start, end in _candidates(text)]
        results: list[SemanticHit | None] = [None] * len(texts)
        if not units:
            return results
        # One batch per conversation: every candidate sentence of every message at once.
        vectors = self.embed([texts[i][s:e] for i, s, e in units])
        raw = (vectors @ prepared.examples.T).max(axis=1)
        centred = _centre(vectors, prepared.mean)
        towards = (centred @ prepared.centred_examples.T).max(axis=1)
        away = (
            (centred @ prepared.centred_counter.T).max(axis=1)
            if prepared.centred_counter is not None
            else None
        )
        for k, (i, start, end) in enumerate(units):
            if raw[k] < self.threshold or (away is not None and towards[k] <= away[k]):
                continue
            if results[i] is None or raw[k] > results[i].similarity:
                results[i] = SemanticHit(start, end, texts[i][start:end], round(float(raw[k]), 4))
        return results

    def _complaints(self, neighbours: _Neighbours, texts: list[str]) -> list[SemanticHit | None]:
        """Complaint sentences: the first with a cue, else the one the neighbours vote most for."""
        model = neighbours.model
        results: list[SemanticHit | None] = [None] * len(texts)
        units = []
        for i, text in enumerate(texts):
            for start, end in _candidates(text):
                cue = model.cue(text[start:end])
                if cue is not None:  # a cue decides without an embedding
                    results[i] = SemanticHit(
                        start + cue[0], start + cue[1], text[start + cue[0] : start + cue[1]], None, cue[2]
                    )
                    break
            else:  # no cue: the sentences that are not mere inquiries go to the vote
                units.extend(
                    (i, start, end)
                    for start, end in _candidates(text)
                    if not model.is_inquiry(text[start:end])
                )
        if not units:
            return results
        # One batch for every sentence still undecided, of every message asked about.
        vectors = self.embed([texts[i][s:e] for i, s, e in units])
        share, best = neighbour_votes(vectors, neighbours.positive, neighbours.negative, model.k)
        votes: dict[int, float] = {}
        for k, (i, start, end) in enumerate(units):
            if share[k] <= model.share or best[k] < model.floor or share[k] <= votes.get(i, 0.0):
                continue
            votes[i] = float(share[k])
            results[i] = SemanticHit(start, end, texts[i][start:end], round(float(best[k]), 4))
        return results


def _candidates(text: str) -> list[tuple[int, int]]:
    """The sentences of a message that may match a rule: ``common.sentences`` spans, a run of
    end marks glued to the sentence it ends ("我急用！！", "在吗？？？"), a bare "？" never a candidate."""
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        if _MARKS_ONLY.fullmatch(text[start:end]):
            if spans and spans[-1][1] == start:
                spans[-1] = (spans[-1][0], end)
            continue
        spans.append((start, end))
    return spans


def _centre(vectors: np.ndarray, mean: np.ndarray) -> np.ndarray:
    shifted = vectors - mean
    norms = np.linalg.norm(shifted, axis=-1, keepdims=True)
    return shifted / np.where(norms == 0, 1, norms)
