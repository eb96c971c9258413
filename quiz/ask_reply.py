"""Reply facts as scenarios: 顾客说“……”，最合适的回复是？

The wrong options answer the *same* request and break policy: the promise changed (a
number of the reply), the apology left out, a deflection in the QA policy's banned style
(不知道 / 没办法 / 你自己看), or the approved reply to a request close in meaning (among
the most similar request pairs of this KB). Replies to obviously different requests are
never offered: they give the answer away. Every scenario holds at least one reply to the
same request said wrongly (a changed promise or the apology left out); a scenario whose wrong
options would only be a deflection and other requests' replies is refused. A moment of a
script ("当买家遇到问题时，可以说…") is asked against the replies the same script gives for
its other moments, when it has at least two.
"""

from __future__ import annotations

import re

import numpy as np

from quiz.facts import Fact, fact_rules
from quiz.keys import quantity_keys
from quiz.models import SCENARIO, Question, answer_key, fact_fingerprint
from quiz.stems import bigrams, in_script_of, overlap, source, where

WRONG_OPTIONS = 3
MIN_WRONG = 2  # a scenario may have three options when only two wrong replies are plausible
MAX_DEFLECTIONS = 1  # more than one stock deflection among the options points at the right one
MAX_OPTION_OVERLAP = 0.8  # two wrong options this alike are one option twice
SAME_REPLY_OVERLAP = 0.4  # a reply sharing this much of the key's bigrams restates it
MIN_CHANGED_CHARS = 4  # an option must differ from the key by at least this many characters


def _section(fact: Fact) -> tuple:
    return (fact.document, tuple(fact.headings))


def _prompt(fact: Fact) -> str:
    """What the customer said, else the situation the manual names."""
    return (fact.detail.get("request") or fact.detail.get("situation") or "").strip()


class ReplyQuestions:
    def __init__(self, replies: list[Fact], embed, numbers, rng) -> None:
        """``embed(texts)`` gives unit vectors; ``numbers`` is the number template (its distractors)."""
        self.rng, self.numbers = rng, numbers
        self.rules = fact_rules()["reply_faults"]
        self.replies = [f for f in replies if _prompt(f)]
        # section -> its replies: a script of moments ("当买家遇到问题时…", "当价格改好时…"),
        # which chunking may have cut in two.
        self.script: dict[tuple, list[Fact]] = {}
        for fact in replies:
            self.script.setdefault(_section(fact), []).append(fact)
        self.close: dict[int, list[Fact]] = {}
        if len(self.replies) >= 2:
            vectors = np.asarray(embed([_prompt(f) for f in self.replies]), dtype=np.float32)
            sims = vectors @ vectors.T
            upper = sims[np.triu_indices(len(self.replies), 1)]
            cut = float(np.quantile(upper, 1 - self.rules["close_request_share"]))
            for i, fact in enumerate(self.replies):
                order = np.argsort(-sims[i])
                self.close[id(fact)] = [
                    self.replies[j]
                    for j in order
                    if j != i and cut <= sims[i, j] < self.rules["same_request_cosine"]
                ]

    def changed_promise(self, fact: Fact) -> list[str]:
        reply = fact.key
        out = []
        courtesy = tuple(self.rules["courtesy_units"])
        for key in quantity_keys(reply):
            if key.unit in courtesy or key.text.endswith(courtesy):
                continue  # a courtesy wait, not a promise: 2 or 3 minutes are both fine
            fake = Fact(
                "number",
                key.text,
                reply,
                fact.chunk_id,
                fact.document,
                fact.title,
                [],
                0,
                0,
                key.start,
                key.end,
                detail={
                    "type": key.kind,
                    "unit": key.unit,
                    "low": key.low,
                    "high": key.high,
                    "prefix": key.prefix,
                    "chinese": key.chinese,
                },
            )
            for value in self.numbers.wrong(fake, _prompt(fact), k=1):
                out.append(reply.replace(key.text, value))  # every mention, so the reply stays consistent
        return out

    def without_apology(self, reply: str) -> list[str]:
        words = sorted(self.rules["apology"], key=len, reverse=True)
        pattern = re.compile("(?:" + "|".join(map(re.escape, words)) + r")[啊呀哦呢，,！!~。]*")
        stripped = pattern.sub("", reply).strip("，, ")
        return [stripped] if stripped != reply and len(answer_key(stripped)) >= 6 else []

    def deflection(self, reply: str) -> list[str]:
        greeting = next((g for g in self.rules["greeting"] if reply.startswith(g)), "")
        lines = list(self.rules["deflections"])
        self.rng.shuffle(lines)
        return [in_script_of((greeting + "，" if greeting else "") + line, reply) for line in lines]

    def other_moments(self, fact: Fact) -> list[str]:
        """Replies of the same script for its other moments, none restating the key."""
        out: list[str] = []
        for other in self.script.get(_section(fact), []):
            if other is fact or overlap(other.key, fact.key) >= SAME_REPLY_OVERLAP:
                continue
            if any(overlap(other.key, w) > MAX_OPTION_OVERLAP for w in out):
                continue
            out.append(in_script_of(other.key, fact.key))
        self.rng.shuffle(out)
        return out[:WRONG_OPTIONS]

    def scenario(self, fact: Fact, placer) -> Question | None:
        request, situation = fact.detail.get("request") or "", fact.detail.get("situation") or ""
        if not (request or situation):
            return None
        key = fact.key
        same_request = self.changed_promise(fact) + self.without_apology(key)
        # A close request's reply that says much the same (a FAQ row restating a script) is a
        # second right answer, not a wrong one; one about another subject (no word of the
        # request in common) answers another request and gives the key away.
        asked = bigrams(_prompt(fact))
        # A reply naming the key's own promise ("72小时内") answers the request too: a second key.
        promises = {answer_key(k.text) for k in quantity_keys(key)}
        candidates = same_request + [
            in_script_of(f.key, key)
            for f in self.close.get(id(fact), [])
            if overlap(f.key, key) < SAME_REPLY_OVERLAP
            and asked & bigrams(_prompt(f))
            and not promises & {answer_key(k.text) for k in quantity_keys(f.key)}
        ]
        wrong: list[str] = []
        for option in candidates + self.deflection(key)[:MAX_DEFLECTIONS]:
            if len(wrong) == WRONG_OPTIONS:
                break
            if (
                abs(len(answer_key(option)) - len(answer_key(key))) < MIN_CHANGED_CHARS
                and overlap(option, key) > 0.9
            ):
                if not any(c.isdigit() for c in option):
                    continue
            if answer_key(option) == answer_key(key) or any(
                overlap(option, w) > MAX_OPTION_OVERLAP for w in wrong
            ):
                continue
            wrong.append(option)
        if (len(wrong) < MIN_WRONG or not set(wrong) & set(same_request)) and situation and not request:
            # A moment of a script ("当买家遇到问题时"): the replies the same script gives for its
            # other moments are the wrong options, each right at another moment, none a deflection.
            wrong = self.other_moments(fact)
        elif len(wrong) < MIN_WRONG or not set(wrong) & set(same_request):
            # Without one reply to the same request said wrongly, the other options are a
            # stock deflection and other requests' replies: the key stands out.
            return None
        if len(wrong) < MIN_WRONG:
            return None
        if request:
            stem = f"{where(fact)}顾客说：“{request.strip()}”最合适的回复是？"
        else:
            stem = f"{where(fact)}{situation.strip()}，客服最合适的说法是？"
        return Question(
            SCENARIO,
            stem,
            placer.place(key, wrong),
            key,
            f"标准话术：{key}（出自{where(fact)[2:-1]}）",
            source(fact),
            0.5,
            key,
            fact_fingerprint(fact.sentence, key),
        )
