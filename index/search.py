"""Hybrid search: FAISS dense vectors + BM25 over jieba tokens, fused.

Both legs see the same normalised text (Traditional folded to Simplified,
width folded), so a Simplified query finds a Traditional paragraph; results
show the original text. Every result carries each leg's score and rank so
a person can see why it matched.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from common.sentences import split_sentences
from common.textnorm import normalize, normalize_aligned
from index import adapter, answer_type, confidence, rerank, snapshot, term_evidence, vectors
from index.embedder import QueryCache
from index.source import ChunkSource
from index.tokenize import Tokenizer

log = logging.getLogger(__name__)

LEGS = ("hybrid", "dense", "bm25")
FILTER_EXACT_MAX = 5000  # filtered searches over at most this many chunks score every one
NEAR_DUPLICATE = 0.7  # a result sharing this share of its character bigrams with a shown one is hidden


@dataclass
class SearchResult:
    """One answer candidate, with the evidence of both legs."""

    chunk_id: int
    text: str
    document: str
    title: str
    headings: list[str]
    kind: str
    snippet: str
    score: float
    dense_score: float | None
    dense_rank: int | None
    bm25_score: float | None
    bm25_rank: int | None
    question: str = ""
    answer: str = ""
    tags: list[str] = field(default_factory=list)
    # The raw (not adapted) query's cosine: the figure the confidence thresholds judge.
    raw_dense_score: float | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        data["answer"] = self.answer or None
        return data


@dataclass
class SearchResponse:
    """The answer to one query; ``answered`` is False when nothing is confident."""

    query: str
    answered: bool
    results: list[SearchResult]
    best_dense: float
    elapsed_ms: float
    coverage: float = 0.0
    verdict: confidence.Verdict | None = None  # why it is (not) answered
    truncated: bool = False  # the query was longer than max_query_chars and was cut

    @property
    def confidence(self) -> float:
        return self.verdict.confidence if self.verdict else 0.0

    @property
    def off_topic(self) -> bool:
        return bool(self.verdict and self.verdict.off_topic)

    def as_json(self) -> dict:
        return {
            "query": self.query,
            "answered": self.answered,
            "confidence": round(self.confidence, 4),
            "off_topic": self.off_topic,
            "evidence": self.verdict.evidence.as_json() if self.verdict else None,
            "reasons": list(self.verdict.reasons) if self.verdict else [],
            "truncated": self.truncated,
            "best_dense": round(self.best_dense, 4),
            "coverage": round(self.coverage, 3),
            "elapsed_ms": round(self.elapsed_ms, 2),
            "results": [r.as_json() for r in self.results],
        }


class Searcher:
    """Answers queries from the live snapshot; picks up new snapshots automatically."""

    def __init__(
        self,
        source: ChunkSource,
        root: Path,
        settings,
        embedder,
        tokenizer: Tokenizer,
        tokenizer_factory=None,
        embed_examples=None,
        domain_examples: Path | None = None,
    ):
        self.source = source
        self.root = root
        self.settings = settings
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.tokenizer_factory = tokenizer_factory
        self.queries = QueryCache(embedder, settings.query_cache_size)
        self._snapshot: snapshot.Snapshot | None = None
        self._token = None
        self._lock = threading.Lock()
        self.adapter = adapter.load_for(settings.query_adapter, embedder.name, embedder.dim)
        self.domain = confidence.DomainCheck(
            embed_examples or (lambda texts: np.vstack([self.queries.embed(normalize(t)) for t in texts])),
            domain_examples,
        )
        self.judge = self._load_confidence(settings)
        self.ranker = None
        # The ranker's probability is evidence for confidence whatever the fusion shown.
        self.probability_ranker = None
        if settings.fusion == "learned" or self.judge is not None:
            model = Path(settings.ranker_model) if settings.ranker_model else rerank.MODEL_PATH
            self.ranker = rerank.LinearRanker.load(model)
            trained_with = self.ranker.model.get("trained", {}).get("embedder")
            if trained_with and trained_with != embedder.name:
                # Its features are cosines of another model: they would rank at random.
                log.warning(
                    "ranker %s was trained with %s, not %s: using weighted fusion"
                    " (train one with bench/kb_train_ranker.py)",
                    model,
                    trained_with,
                    embedder.name,
                )
                self.ranker = None
            paired = self.ranker.model.get("trained", {}).get("query_adapter") if self.ranker else None
            if paired is not None and (paired != "none") != (self.adapter is not None):
                # Its cosine features were learned on adapted (or raw) query vectors: it still
                # ranks, a little worse (measured in README), so it is used with a warning.
                log.warning(
                    "ranker %s was trained %s the query adapter, which is %s: train a matching one"
                    " (bench/kb_train_adapter.py with it, bench/kb_train_ranker.py without)",
                    model,
                    "without" if paired == "none" else "with",
                    "on" if self.adapter is not None else "off",
                )
            self.probability_ranker = self.ranker
            if settings.fusion != "learned":
                self.ranker = None

    def _load_confidence(self, settings) -> confidence.ConfidenceModel | None:
        path = Path(settings.confidence_model) if settings.confidence_model else confidence.MODEL_PATH
        try:
            model = confidence.ConfidenceModel.load(path)
        except ValueError as exc:  # fitted on other evidence: judged as with no model
            log.warning("confidence model %s: %s; answers are judged by key-term coverage alone", path, exc)
            return None
        if model.embedder and model.embedder != self.embedder.name:
            log.warning(
                "confidence model %s was fitted with %s, not %s: answers are judged by key-term"
                " coverage alone (fit one with bench/kb_confidence.py)",
                path,
                model.embedder,
                self.embedder.name,
            )
            return None
        return model

    def current(self) -> snapshot.Snapshot | None:
        """The live snapshot, reloaded when another writer published a new one.

        One thread loads the new snapshot; the others keep answering from the one they
        have meanwhile instead of queueing behind the load (a search never waits for an
        ingest). Only the very first load is waited for.
        """
        token = snapshot.current_token(self.root)
        if token != self._token or self._snapshot is None:
            if self._lock.acquire(blocking=self._snapshot is None):
                try:
                    if token != self._token or self._snapshot is None:
                        self._reload(token)
                finally:
                    self._lock.release()
        return self._snapshot

    def _reload(self, token: str) -> None:
        loaded = snapshot.load(self.root, self.embedder.name, self.embedder.dim)
        built_with = loaded.config.get("dictionary_hash") if loaded else None
        if built_with and built_with != self.tokenizer.dictionary_hash and self.tokenizer_factory:
            # Another writer reindexed with an edited dictionary: queries are tokenised with it.
            self.tokenizer = self.tokenizer_factory()
        self._snapshot, self._token = loaded, token

    def search(
        self,
        query: str,
        k: int = 5,
        documents: list[str] | None = None,
        tags: list[str] | None = None,
        leg: str = "hybrid",
        threshold: float | None = None,
    ) -> SearchResponse:
        """Top ``k`` chunks for ``query``, optionally only from some documents or tags.

        ``threshold`` replaces ``answer_threshold`` for this query (the hit-test page)."""
        started = time.perf_counter()
        if leg not in LEGS:
            raise ValueError(f"unknown leg {leg!r} (expected one of {', '.join(LEGS)})")
        truncated = len(query) > self.settings.max_query_chars
        query = query[: self.settings.max_query_chars]
        norm = normalize(query)
        snap = self.current()
        if snap is None or not norm or snap.live_count == 0:
            elapsed = (time.perf_counter() - started) * 1000
            return SearchResponse(query, False, [], 0.0, elapsed, truncated=truncated)
        allowed = self.source.chunk_ids_matching(documents, tags) if documents or tags else None
        terms = self.tokenizer.query_terms(norm)
        raw = self.queries.embed(norm)
        qvec = self.adapter.apply(raw) if self.adapter is not None else raw

        legs = self._legs(snap, terms, qvec, allowed, leg)
        dense_rank, dense_score, bm25_rank, bm25_score = legs
        if leg == "hybrid" and self.ranker is not None:
            stats, meta, chunks, features = self._ranker_inputs(snap, norm, terms, qvec, legs, k)
            dense_score = {chunk: stat[0] for chunk, stat in stats.items()}
            scores = self.ranker.scores(features)
            # Only the shortlist is shown: the ranker's probability is its score.
            fused = {chunk: float(score) for chunk, score in zip(chunks, scores, strict=True)}
        else:
            # Dense scores of keyword-only candidates first: weighted fusion adds them,
            # and every result shows both legs.
            missing = [chunk for chunk in bm25_score if chunk not in dense_score]
            dense_score.update(self._chunk_similarities(snap, qvec, missing))
            fused = self._fuse(dense_rank, dense_score, bm25_rank, bm25_score, leg)
            meta = self.source.fetch_chunks(list(fused))
        ranked = sorted(fused, key=lambda chunk: (-fused[chunk], chunk))

        results: list[SearchResult] = []
        shown: list[set[str]] = []
        shown_sentences: set[str] = set()
        passages: list[str] = []  # compact normalised text + heading chain of each card
        for chunk_id in ranked:
            chunk = meta.get(chunk_id)
            if chunk is None or (allowed is not None and chunk_id not in allowed):
                continue
            chunk_tags = json.loads(chunk["tags"]) + json.loads(chunk["doc_tags"])
            grams = rerank.bigrams(chunk["norm_text"])
            if grams and any(len(grams & other) >= NEAR_DUPLICATE * len(grams) for other in shown):
                continue  # the same passage (or most of it) again, e.g. in a spun copy: show it once
            shown.append(grams)
            # The card shows what earlier cards did not: overlapping chunks share a sentence.
            sentences = split_sentences(chunk["text"])
            fresh = unseen_part(chunk["text"], shown_sentences, sentences)
            shown_sentences.update(compact_key(s) for s in sentences)
            passages.append(
                rerank.compact(chunk["norm_text"]) + rerank.compact(rerank.heading_text(chunk["headings"]))
            )
            results.append(
                SearchResult(
                    chunk_id=chunk_id,
                    text=chunk["text"],
                    document=chunk["doc_name"],
                    title=chunk["doc_title"],
                    headings=json.loads(chunk["headings"]),
                    kind=chunk["kind"],
                    snippet=highlight(fresh, list(terms)),
                    score=round(fused[chunk_id], 6),
                    dense_score=round(dense_score[chunk_id], 4),
                    dense_rank=dense_rank.get(chunk_id),
                    bm25_score=round(bm25_score[chunk_id], 4) if chunk_id in bm25_score else None,
                    bm25_rank=bm25_rank.get(chunk_id),
                    question=chunk["question"],
                    answer=chunk["answer"],
                    tags=chunk_tags,
                )
            )
            if len(results) >= k:
                break
        # Confidence is judged on what the agent is shown, after filters and dedup, by the
        # raw query's cosines: the thresholds were calibrated on them, not on adapted ones.
        if self.adapter is not None:
            raw_scores = self._chunk_similarities(snap, raw, [r.chunk_id for r in results])
        else:
            raw_scores = {r.chunk_id: r.dense_score for r in results}
        for result in results:
            raw_cosine = raw_scores.get(result.chunk_id)  # None: a chunk with no vectors
            result.raw_dense_score = round(raw_cosine, 4) if raw_cosine is not None else None
        best_dense = max(raw_scores.values(), default=0.0)
        coverage = snap.keyword.coverage(terms, snap.columns_of([r.chunk_id for r in results[:5]]))
        by_model = leg == "hybrid" and self.ranker is not None  # scores are the ranker's probabilities
        probabilities = fused if by_model else None
        verdict = self._verdict(
            snap, norm, terms, raw, qvec, legs, results, passages[:3], best_dense, probabilities, threshold
        )
        return SearchResponse(
            query,
            verdict.answered,
            results,
            best_dense,
            (time.perf_counter() - started) * 1000,
            coverage,
            verdict,
            truncated,
        )

    def _verdict(
        self, snap, norm, terms, raw, qvec, legs, results, passages, best_dense, fused, threshold=None
    ) -> confidence.Verdict:
        """Confidence of the results shown (after filters and dedup), from its evidence."""
        dense_rank, _, bm25_rank, _ = legs
        words = term_evidence.key_terms(terms)
        weights = term_evidence.term_weights(words, snap.keyword.vocab, snap.keyword.idf)
        synonyms = self.tokenizer.synonyms
        top_probability = margin = 0.0
        if results and fused is not None:
            top_probability = float(fused.get(results[0].chunk_id, 0.0))
            runner_up = float(fused.get(results[1].chunk_id, 0.0)) if len(results) > 1 else 0.0
            margin = top_probability - runner_up
        elif results and self.probability_ranker is not None:
            # Another fusion is shown: the ranker still judges its top result.
            stats = self._chunk_stats(snap, qvec, [results[0].chunk_id])
            meta = self.source.fetch_chunks([results[0].chunk_id])
            best = (
                max((s for s in legs[1].values()), default=0.0),
                max((s for s in legs[1].values()), default=0.0),
                max(legs[3].values(), default=0.0),
            )
            _, features = self._features(snap, norm, terms, stats, dense_rank, bm25_rank, legs[3], meta, best)
            top_probability = float(self.probability_ranker.scores(features)[0]) if len(features) else 0.0
        pool = sorted(legs[1].values(), reverse=True)
        # The results' dense scores are the adapted query's cosines (the raw ones without an adapter).
        adapted = [r.dense_score for r in results if r.dense_score is not None]
        top_text = normalize(results[0].text) if results else ""
        bigrams = self._vocabulary_bigrams(snap)
        evidence = confidence.Evidence(
            best_cosine=best_dense,
            dense_lead=float(pool[0] - np.median(pool)) if pool else 0.0,
            top_probability=top_probability,
            probability_margin=margin,
            key_term_coverage=term_evidence.key_term_coverage(words, weights, synonyms, passages),
            unknown_terms=term_evidence.unknown_share(words, weights, synonyms, snap.keyword.vocab, bigrams),
            legs_agree=confidence.legs_agreement(dense_rank, bm25_rank),
            domain_margin=self.domain.margin(raw),
            adapted_cosine=max(adapted, default=best_dense) if self.adapter is not None else best_dense,
            answer_type_match=answer_type.answer_type_match(norm, top_text) if results else 0.0,
        )
        if self.judge is None:
            # No model fitted for this embedder: only embedder-free evidence can judge.
            answered = bool(results) and evidence.key_term_coverage >= 0.5 and evidence.unknown_terms == 0
            verdict = confidence.Verdict(answered, evidence.key_term_coverage, False, evidence)
        else:
            threshold = self.settings.answer_threshold if threshold is None else threshold
            verdict = self.judge.judge(evidence, threshold, bool(results))
        asked = answer_type.asked_type(norm)
        verdict.reasons = confidence.explain(
            evidence,
            term_evidence.unknown_words(
                norm, self.tokenizer.words(norm), synonyms, snap.keyword.vocab, bigrams
            ),
            term_evidence.missing_words(words, weights, synonyms, snap.keyword.vocab, passages),
            asked.label if asked and results else None,
            verdict.off_topic,
        )
        return verdict

    def _vocabulary_bigrams(self, snap) -> set[str]:
        """Bigrams of the snapshot's vocabulary, built once per snapshot."""
        cached = getattr(self, "_bigrams", None)
        if cached is None or cached[0] is not snap:
            cached = (snap, term_evidence.vocabulary_bigrams(snap.keyword.vocab))
            self._bigrams = cached
        return cached[1]

    def _legs(self, snap, terms, qvec, allowed, leg):
        """Ranks and scores of the dense and keyword legs, keyed by chunk id."""
        pool = self.settings.candidates
        # Both legs are keyed by chunk id: a chunk has several vector rows (itself and
        # its sentences) and scores the best of them.
        dense_rank: dict[int, int] = {}
        dense_score: dict[int, float] = {}
        if leg in ("hybrid", "dense"):
            for chunk, score in self._dense(snap, qvec, pool, allowed):
                dense_score[chunk] = score
                dense_rank[chunk] = len(dense_rank) + 1
        bm25_rank: dict[int, int] = {}
        bm25_score: dict[int, float] = {}
        if leg in ("hybrid", "bm25"):
            all_scores = snap.keyword.scores(terms)
            if allowed is not None:
                all_scores = np.where(np.isin(snap.column_chunks, list(allowed)), all_scores, 0)
            top = min(pool, int((all_scores > 0).sum()))
            if top:
                columns = np.argpartition(-all_scores, top - 1)[:top]
                for column in columns[np.argsort(-all_scores[columns], kind="stable")]:
                    chunk = int(snap.column_chunks[column])
                    if chunk >= 0:
                        bm25_rank[chunk] = len(bm25_rank) + 1
                        bm25_score[chunk] = float(all_scores[column])

        return dense_rank, dense_score, bm25_rank, bm25_score

    def ranker_features(
        self, query: str, qvec: np.ndarray | None = None
    ) -> tuple[list[int], np.ndarray, dict]:
        """Candidate chunk ids, their ranker features and rows (for training the ranker).

        ``qvec`` replaces the query's vector: the trainer passes out-of-fold adapted
        vectors, so the ranker never learns from an adapter fitted on its own queries.
        """
        norm = normalize(query)
        snap = self.current()
        terms = self.tokenizer.query_terms(norm)
        if qvec is None:
            raw = self.queries.embed(norm)
            qvec = self.adapter.apply(raw) if self.adapter is not None else raw
        legs = self._legs(snap, terms, qvec, None, "hybrid")
        _, meta, chunks, features = self._ranker_inputs(snap, norm, terms, qvec, legs)
        return chunks, features, meta

    def _ranker_inputs(self, snap, norm, terms, qvec, legs, k: int = 0):
        """Vector statistics of every candidate of both legs; rows, ids and features of the shortlist.

        The ranker scores the ``rerank_depth`` (or ``k``, if more) best candidates by weighted
        fusion (cheap); its query-relative features still compare with the best of all candidates.
        """
        dense_rank, dense_score, bm25_rank, bm25_score = legs
        candidates = list(dict.fromkeys([*dense_score, *bm25_score]))
        stats = self._chunk_stats(snap, qvec, candidates)
        top_bm25 = max(bm25_score.values(), default=0.0)
        weighted = {
            chunk: self.settings.dense_weight * stat[0]
            + self.settings.bm25_weight * bm25_score.get(chunk, 0.0) / (top_bm25 or 1.0)
            for chunk, stat in stats.items()
        }
        depth = max(self.settings.rerank_depth, 2 * k)  # room for hidden near-duplicates
        shortlist = sorted(weighted, key=lambda chunk: (-weighted[chunk], chunk))[:depth]
        meta = self.source.fetch_chunks(shortlist)
        best = (
            max((stat[0] for stat in stats.values()), default=0.0),
            max((stat[1] for stat in stats.values()), default=0.0),
            top_bm25,
        )
        chunks, features = self._features(
            snap, norm, terms, {c: stats[c] for c in shortlist}, dense_rank, bm25_rank, bm25_score, meta, best
        )
        return stats, meta, chunks, features

    def _dense(self, snap, qvec: np.ndarray, pool: int, allowed: set[int] | None) -> list[tuple[int, float]]:
        """Top ``pool`` chunks by their best vector, best first, within ``allowed`` if given."""
        if allowed is not None and len(allowed) <= FILTER_EXACT_MAX:
            # A small filtered set is scored exactly: no candidate pool can miss it.
            scored = self._chunk_similarities(snap, qvec, sorted(allowed))
            return sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:pool]
        wanted = min(pool * (32 if allowed is not None else 4), len(snap.ids))
        scores, rows = vectors.search(snap.vector_index, qvec, wanted, self.settings.hnsw_ef_search)
        out: dict[int, float] = {}
        for score, row in zip(scores, rows, strict=True):
            if row < 0:
                continue
            chunk = int(snap.ids[row])
            if chunk >= 0 and chunk not in out and (allowed is None or chunk in allowed):
                out[chunk] = float(score)
                if len(out) >= pool:
                    break
        return list(out.items())

    @staticmethod
    def _chunk_similarities(snap, qvec: np.ndarray, chunks: list[int]) -> dict[int, float]:
        """Best cosine over each chunk's stored vectors."""
        return {chunk: stat[0] for chunk, stat in Searcher._chunk_stats(snap, qvec, chunks).items()}

    @staticmethod
    def _chunk_stats(snap, qvec: np.ndarray, chunks: list[int]) -> dict[int, tuple[float, float, float, int]]:
        """(best, whole-chunk, mean of best two, vector count) cosines of each chunk's vectors."""
        rows_of = snap.rows_of(chunks)
        chunks = [chunk for chunk in chunks if rows_of[chunk]]
        if not chunks:
            return {}
        flat = np.asarray([row for chunk in chunks for row in rows_of[chunk]], dtype=np.int64)
        counts = np.asarray([len(rows_of[chunk]) for chunk in chunks])
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        sims = vectors.reconstruct(snap.vector_index, flat) @ qvec
        best = np.maximum.reduceat(sims, starts)
        # Each chunk has one primary (whole-chunk) row; fall back to the best if missing.
        primary = snap.primary[flat]
        whole = best.copy()
        owner = np.repeat(np.arange(len(chunks)), counts)
        whole[owner[primary]] = sims[primary]
        runner_up = np.maximum.reduceat(np.where(sims < np.repeat(best, counts), sims, -np.inf), starts)
        top2 = np.where(np.isfinite(runner_up), (best + runner_up) / 2, best)
        return {
            chunk: (float(b), float(w), float(t), int(n))
            for chunk, b, w, t, n in zip(chunks, best, whole, top2, counts, strict=True)
        }

    @staticmethod
    def _features(snap, norm, terms, stats, dense_rank, bm25_rank, bm25_score, meta, best=None):
        """Candidate chunk ids and their ranker feature matrix (see index/rerank.py)."""
        chunks = [chunk for chunk in stats if chunk in meta]
        coverage = snap.keyword.coverages(terms, snap.columns_of(chunks))
        candidates = [
            rerank.Candidate(
                dense_best=stats[chunk][0],
                dense_whole=stats[chunk][1],
                dense_top2=stats[chunk][2],
                n_vectors=stats[chunk][3],
                bm25=bm25_score.get(chunk, 0.0),
                dense_rank=dense_rank.get(chunk),
                bm25_rank=bm25_rank.get(chunk),
                coverage=float(cov),
                text=meta[chunk]["norm_text"],
                headings=rerank.heading_text(meta[chunk]["headings"]),
                is_entry=meta[chunk]["kind"] in ("faq", "script"),
            )
            for chunk, cov in zip(chunks, coverage, strict=True)
        ]
        return chunks, rerank.feature_matrix(norm, candidates, best)

    def _fuse(self, dense_rank, dense_score, bm25_rank, bm25_score, leg) -> dict[int, float]:
        s = self.settings
        if leg == "dense":
            return dict(dense_score)
        if leg == "bm25":
            return dict(bm25_score)
        fused: dict[int, float] = {}
        if s.fusion in ("weighted", "learned"):  # learned without a usable model: weighted
            top_bm25 = max(bm25_score.values(), default=1.0) or 1.0
            for row, score in dense_score.items():
                fused[row] = fused.get(row, 0.0) + s.dense_weight * score
            for row, score in bm25_score.items():
                fused[row] = fused.get(row, 0.0) + s.bm25_weight * score / top_bm25
            return fused
        for ranks, weight in ((dense_rank, s.dense_weight), (bm25_rank, s.bm25_weight)):
            for row, rank in ranks.items():
                fused[row] = fused.get(row, 0.0) + weight / (s.rrf_k + rank)
        return fused


def mark_spans(aligned: str, terms: list[str]) -> list[tuple[int, int]]:
    """Spans of ``aligned`` (normalised, same length as the text) to mark for ``terms``.

    Matches that touch are merged; a lone character is never marked (a query's 用 or 到
    would light up half a Chinese passage), only as part of a longer run.
    """
    spans: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t.strip()}, key=len, reverse=True):
        for match in re.finditer(re.escape(term), aligned):
            if not any(a < match.end() and match.start() < b for a, b in spans):
                spans.append((match.start(), match.end()))
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged if b - a > 1]


def highlight(text: str, terms: list[str], width: int = 120) -> str:
    """HTML-escaped window of ``text`` around the densest match, matches in ``<mark>``."""
    spans = mark_spans(normalize_aligned(text), terms)
    if len(text) <= width:
        start, end = 0, len(text)
    else:
        best = max(spans, key=lambda s: sum(1 for t in spans if s[0] <= t[0] < s[0] + width), default=(0, 0))
        start = max(0, min(best[0] - 20, len(text) - width))
        end = start + width
    out, cursor = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(html.escape(text[cursor:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    out.append(html.escape(text[cursor:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + "".join(out) + suffix


def unseen_part(text: str, seen: set[str], sentences: list[str] | None = None) -> str:
    """``text`` without its sentences already shown in an earlier card (chunks overlap by one)."""
    sentences = split_sentences(text) if sentences is None else sentences
    fresh = [s for s in sentences if compact_key(s) not in seen]
    return "".join(fresh) if fresh and len(fresh) < len(sentences) else text


def compact_key(sentence: str) -> str:
    """A sentence without spaces and punctuation: overlapping chunks repeat it verbatim."""
    return rerank.compact(sentence)
