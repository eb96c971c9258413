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
# A reply cut off mid-list ("…营业执照、注册商标、税务登记证、") is not an approved reply as written.
_CUT_REPLY = re.compile(r"[、，,：:（(“]$")
_STAGE = re.compile(r"等待\d|再回复|下述语句|[~～]\s*$")
_UTTERANCE = re.compile(r"[?？吗呢吧么]|怎|什么|多久|多少|哪|几|能不能|可以|是否|你|我|您")


class ScenarioQuestions:
    """Scenario items (mixed into the builder)."""

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
