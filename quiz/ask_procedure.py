"""Procedure facts: "正确的顺序是" (order the steps) and "……之后的下一步是".

An ordering item lists up to four consecutive steps under shuffled labels ①②③④ and
offers four label orders, one right: it is a single-choice item, so the browser, XLSX,
JSON, GIFT and Moodle XML all carry it as they are.
"""

from __future__ import annotations

import itertools
import re

from quiz.facts import Fact
from quiz.models import SINGLE, Question, fact_fingerprint
from quiz.stems import source, where

ORDER_STEPS = 4  # steps shown in one ordering item
# "按以下五个步骤进行": a name that counts its steps must show them all (or lose the count).
_COUNTED = re.compile(
    r"[一二三四五六七八九十两\d]{1,2}\s*(?:个|項|项|大)?(?=步骤|步驟|步|环节|環節|阶段|階段)"
)
LABELS = "①②③④⑤⑥"
WRONG_OPTIONS = 3


def _explain(fact: Fact) -> str:
    return f"原文的顺序：{fact.key}（出自{where(fact)[2:-1]}）"


class ProcedureQuestions:
    def __init__(self, rng) -> None:
        self.rng = rng

    def window(self, steps: list[str]) -> list[str]:
        if len(steps) <= ORDER_STEPS:
            return list(steps)
        start = self.rng.randrange(len(steps) - ORDER_STEPS + 1)
        return steps[start : start + ORDER_STEPS]

    def order(self, fact: Fact, placer) -> Question | None:
        name = fact.detail.get("name")
        all_steps = fact.detail["steps"]
        if name and _COUNTED.search(name):
            if len(all_steps) <= len(LABELS):
                steps = list(all_steps)
            else:
                steps, name = self.window(all_steps), _COUNTED.sub("", name)
        else:
            steps = self.window(all_steps)
        shown = list(steps)
        self.rng.shuffle(shown)
        if shown == steps:
            shown = shown[1:] + shown[:1]
        label = {step: LABELS[i] for i, step in enumerate(shown)}
        right = "→".join(label[s] for s in steps)
        perms = ["→".join(label[s] for s in p) for p in itertools.permutations(steps)]
        perms = [p for p in perms if p != right]
        if len(perms) < WRONG_OPTIONS:
            return None
        wrong = self.rng.sample(perms, WRONG_OPTIONS)
        listing = "  ".join(f"{label[s]}{s}" for s in shown)
        stem = f"{where(fact)}" + (f"“{name}”的正确顺序是？" if name else "以下步骤的正确顺序是？") + listing
        return Question(
            SINGLE,
            stem,
            placer.place(right, wrong),
            right,
            _explain(fact),
            source(fact),
            0.6,
            " → ".join(steps),
            fact_fingerprint(fact.sentence, right),
        )

    def next_step(self, fact: Fact, placer) -> Question | None:
        steps = fact.detail["steps"]
        if len(steps) < WRONG_OPTIONS + 2:
            return None
        at = self.rng.randrange(len(steps) - 1)
        right = steps[at + 1]
        others = [s for i, s in enumerate(steps) if i not in (at, at + 1)]
        later = [s for s in others if steps.index(s) > at + 1]
        pool = later if len(later) >= WRONG_OPTIONS else others
        wrong = self.rng.sample(pool, WRONG_OPTIONS)
        name = fact.detail.get("name")
        stem = f"{where(fact)}" + (f"在“{name}”中，" if name else "") + f"“{steps[at]}”之后的下一步是？"
        return Question(
            SINGLE,
            stem,
            placer.place(right, wrong),
            right,
            _explain(fact),
            source(fact),
            0.6,
            right,
            fact_fingerprint(fact.sentence, right),
        )
