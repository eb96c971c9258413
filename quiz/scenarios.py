"""Scenario questions from reply-script and FAQ chunks: which reply is the approved one.

A mixin of :class:`quiz.builder.QuestionBuilder`: the methods use the builder's
state (``kb``, ``rng``, ``cache``, ``by_id``) and helpers (``neighbours``,
``document_label``, ``_options``, ``_difficulty``).
"""

from __future__ import annotations

import json
import re

from quiz.candidate import _bigrams, _source
from quiz.models import SCENARIO, Question, answer_key, fact_fingerprint
from quiz.sources import Fact

SCENARIO_POOL = 6  # other replies considered per scenario before the ambiguity check
SCENARIO_MARGIN = 0.03  # a distractor must be this much further from the customer's words
SCENARIO_NEIGHBOURS = 30  # reply chunks of the same kind considered per scenario
# Two customer requests this close (query vectors) may be one request in other words; the
# ingest embedder puts a typical pair of unrelated requests near 0.86.
SCENARIO_APART = 0.87
# A reply cut off mid-list ("…营业执照、注册商标、税务登记证、") is not an approved reply as written.
_CUT_REPLY = re.compile(r"[、，,：:（(“]$")
_STAGE = re.compile(r"等待\d|再回复|下述语句|[~～]\s*$")
_UTTERANCE = re.compile(r"[?？吗呢吧么]|怎|什么|多久|多少|哪|几|能不能|可以|是否|你|我|您")


class ScenarioQuestions:
    """Scenario items (mixed into the builder)."""

    def scenarios(self, chunks) -> list[Question]:
        """Scenario questions from reply-script and FAQ chunks, in chunk order.

        Distractors are approved replies of the same kind to requests clearly
        unlike the customer's (their words at most :data:`SCENARIO_APART`
        apart by query embedding), each clearly further from the customer's
        words than the right reply, and the right reply no answer to theirs
        (:meth:`unambiguous`). A request with fewer than three such others is
        not asked: a script of bargaining replies answers one request many ways.
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
            # Wrong options are approved replies to requests clearly unlike this one ("是正品吗"
            # against "能便宜点吗"): a reply to a near request ("买的多有优惠吗") may answer this
            # one too. Among those, the nearest by topic, so the options still read alike.
            query = self.kb.embedder.embed_queries([asked])[0]
            others: list[tuple[str, str]] = []
            for _, cid in self.neighbours(chunk["id"], SCENARIO_NEIGHBOURS, (chunk["kind"],)):
                other = self.by_id[cid]
                text, request = (other["answer"] or "").strip(), (other["question"] or "").strip()
                if not _UTTERANCE.search(request) or _STAGE.search(text):
                    continue  # a label's reply may answer this very request; stage directions are not a reply
                if not text or _CUT_REPLY.search(text) or answer_key(request) == answer_key(asked):
                    continue
                others.append((request, text))
            if len(others) < 3:
                continue
            sims = self.kb.embedder.embed_queries([r for r, _ in others]) @ query
            apart = sorted(
                (
                    (float(sim), r, t)
                    for sim, (r, t) in zip(sims, others, strict=True)
                    if sim <= SCENARIO_APART
                ),
                key=lambda x: -x[0],
            )
            picked: list[tuple[str, str]] = []
            for _, request, text in apart:
                # Another reply to the same request would be right too: skip look-alikes.
                if any(
                    len(_bigrams(text) & _bigrams(x)) > 0.5 * min(len(_bigrams(text)), len(_bigrams(x)))
                    for x in [answer, *(t for _, t in picked)]
                ):
                    continue
                picked.append((request, text))
                if len(picked) >= SCENARIO_POOL:
                    break
            picked = self.unambiguous(asked, answer, picked)
            if len(picked) < 3:
                continue
            picked = [text for _, text in picked]
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

    def unambiguous(self, asked: str, answer: str, others: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (request, reply) pairs whose reply is clearly wrong here and ours clearly wrong there.

        A distractor must sit further from the customer's words than the right
        reply by :data:`SCENARIO_MARGIN`; and the right reply must not answer
        the other request as well as that request's own reply does (a reply
        that answers both would make the item arguable the other way round).
        """
        if not others:
            return []
        replies = self.cache.embed_passages([answer, *(t for _, t in others)])
        queries = self.kb.embedder.embed_queries([asked, *(r for r, _ in others)])
        mine = replies[1:] @ queries[0]
        right = float(replies[0] @ queries[0])
        kept = []
        for i, pair in enumerate(others):
            own_fit = float(replies[i + 1] @ queries[i + 1])
            ours_there = float(replies[0] @ queries[i + 1])
            if mine[i] < right - SCENARIO_MARGIN and ours_there < own_fit:
                kept.append(pair)
        return kept
