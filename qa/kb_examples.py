"""Rules that take their examples from the knowledge base: approved reply scripts (话术) of a stage.

A policy rule writes ``semantic: {from_kb: 欢迎语}``; before scoring, the scripts of that
stage in the manuals become the rule's semantic examples, so the approved 话术 are the QA
standard. A chunk belongs to a stage when the stage names one of its headings or tags;
a reply script (``Q: … K: …``) gives its reply, other text its short sentences. A trigger's
``from_kb`` (what the customer says) takes the customer's side instead: the questions of the
stage's scripts and FAQ entries (【投诉安抚】 Q：你们这什么破质量 … gives a complaint example).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable

from common.sentences import split_sentences
from common.textnorm import normalize
from qa.policy import Policy

MAX_EXAMPLES = 40  # per stage: enough to cover the manuals' variants, few enough to embed at once
MAX_SENTENCE = 60  # characters: longer sentences are explanations, not lines an agent says


def kb_stages(policy: Policy) -> list[str]:
    """The stages a policy asks the knowledge base for, in order of first use."""
    stages = []
    for rule in policy.rules:
        for semantic in (rule.semantic, rule.trigger_semantic):
            stages.extend(semantic.from_kb if semantic else ())
    return list(dict.fromkeys(stages))


def stage_scripts(chunks: Iterable, stage: str, side: str = "reply") -> list[str]:
    """The example lines of ``stage`` among knowledge-base chunk rows (kind, text, answer, headings, tags).

    ``side``: ``reply`` (the agent's lines) or ``question`` (the customer's lines of scripts and FAQs).
    """
    wanted = normalize(stage)
    found: list[str] = []
    for chunk in chunks:
        labels = [*json.loads(chunk["headings"] or "[]"), *json.loads(chunk["tags"] or "[]")]
        if not any(wanted in normalize(str(label)) for label in labels):
            continue
        if side == "question":
            question = chunk["question"] if "question" in chunk.keys() else ""
            lines = [question.strip()] if chunk["kind"] in ("script", "faq") and question.strip() else []
        elif chunk["kind"] == "script" and chunk["answer"].strip():
            lines = [chunk["answer"].strip()]
        else:
            lines = [s.strip() for s in split_sentences(chunk["text"]) if 2 <= len(s.strip()) <= MAX_SENTENCE]
        found.extend(line for line in lines if line not in found)
        if len(found) >= MAX_EXAMPLES:
            break
    return found[:MAX_EXAMPLES]


def with_kb_examples(
    policy: Policy,
    scripts: Callable[[str], list[str]],
    questions: Callable[[str], list[str]] | None = None,
) -> tuple[Policy, list[str]]:
    """``policy`` with each ``from_kb`` stage's scripts added to the examples; and the stages that
    gave none (a rule left with no example at all then matches lexically only).

    ``questions(stage)``: the customer's lines of a stage, for triggers (default: ``scripts``).
    """
    questions = questions or scripts
    replies = {s for rule in policy.rules if rule.semantic for s in rule.semantic.from_kb}
    asked = {s for rule in policy.rules if rule.trigger_semantic for s in rule.trigger_semantic.from_kb}
    cache = {("reply", stage): scripts(stage) for stage in replies}
    cache |= {("question", stage): questions(stage) for stage in asked}
    empty = [
        stage
        for stage in kb_stages(policy)
        if not any(cache.get((side, stage)) for side in ("reply", "question"))
    ]

    def filled(semantic, side="reply"):
        if semantic is None or not semantic.from_kb:
            return semantic
        extra = [line for stage in semantic.from_kb for line in cache[(side, stage)]]
        examples = tuple(dict.fromkeys([*semantic.examples, *extra]))
        return dataclasses.replace(semantic, examples=examples) if examples else None

    rules = tuple(
        dataclasses.replace(
            rule, semantic=filled(rule.semantic), trigger_semantic=filled(rule.trigger_semantic, "question")
        )
        for rule in policy.rules
    )
    return dataclasses.replace(policy, rules=rules), empty
