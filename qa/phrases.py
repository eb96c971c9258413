"""The parts a policy rule is built from: terms, phrase sets, semantic examples, and their validation.

A phrase set is what one rule, trigger or phrase group (all_of / any_of / none_of) looks
for: terms (with synonyms, exceptions and a negation flag) and RE2 regular expressions.
The validators report through ``error(message)``, so a policy names every problem at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from common.textnorm import normalize_aligned
from qa.messages import shown
from qa.patterns import PolicyRegex, UnsafePattern, compile_policy_regex

_TERM_KEYS = {"term", "synonyms", "except", "negation"}


@dataclass(frozen=True)
class Term:
    """One policy term: the surface forms that count as it, its exceptions and negation flag."""

    term: str
    forms: tuple[str, ...]  # normalised term and synonyms
    exceptions: tuple[str, ...] = ()  # normalised; an occurrence inside one of these does not count
    negation: bool = False  # a negated occurrence (不是骗子) does not count


@dataclass(frozen=True)
class PhraseSet:
    """Terms and regular expressions that one rule (or trigger) looks for."""

    terms: tuple[Term, ...] = ()
    regex: tuple[PolicyRegex, ...] = ()  # RE2: linear-time matching whatever the pattern


@dataclass(frozen=True)
class Semantic:
    """Paraphrase acceptance: examples that count, and counter-examples that must not."""

    examples: tuple[str, ...]
    counter_examples: tuple[str, ...] = ()
    from_kb: tuple[str, ...] = ()  # stages (欢迎语, 道歉...) whose knowledge-base scripts are examples too
    # Triggers only: complaint (bundled complaint model), none, or auto (examples are complaints).
    preset: str = "auto"


def phrase_set(items: object, regex: object, negation: bool, key: str, regex_key: str, error) -> PhraseSet:
    terms: list[Term] = []
    if items is None:
        items = []
    if not isinstance(items, list):
        error(f"'{key}' 必须是列表")
        items = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            item = {"term": item}
        if not isinstance(item, dict) or not isinstance(item.get("term"), str) or not item["term"].strip():
            error(f"{key}[{i}]: 应为非空文本，或含 'term' 的映射")
            continue
        term = shown(item["term"])
        for extra in unknown_keys(item, _TERM_KEYS):
            error(f"{key}[{i}] ({term}): 没有键 {shown(extra)}")
        synonyms, exceptions = item.get("synonyms", []), item.get("except", [])
        if not string_list(synonyms) or not string_list(exceptions):
            error(f"{key}[{i}] ({term}): 'synonyms' 和 'except' 必须是文本列表")
            continue
        term_negation = item.get("negation", negation)
        if not isinstance(term_negation, bool):
            error(f"{key}[{i}] ({term}): 'negation' 必须是 true 或 false")
            continue
        forms = tuple(
            dict.fromkeys(normalize_aligned(s.strip()) for s in [item["term"], *synonyms] if s.strip())
        )
        terms.append(
            Term(item["term"].strip(), forms, tuple(normalize_aligned(e) for e in exceptions), term_negation)
        )
    patterns: list[PolicyRegex] = []
    if regex is not None and not string_list(regex):
        error(f"'{regex_key}' 必须是文本列表")
        regex = []
    for i, source in enumerate(regex or []):
        try:
            patterns.append(compile_policy_regex(source))
        except UnsafePattern as exc:
            error(f"{regex_key}[{i}] {shown(source)}: 无法使用这个正则表达式：{exc}")
    return PhraseSet(tuple(terms), tuple(patterns))


def phrase_groups(spec: object, negation: bool, key: str, error) -> list[PhraseSet]:
    """Phrase groups of ``all_of`` / ``any_of`` / ``none_of``: each a list of phrases or a
    mapping with ``phrases`` and/or ``regex``."""
    if spec is None:
        return []
    if not isinstance(spec, list) or not spec:
        error(f"'{key}' 必须是非空列表，每项是一组用语（列表，或含 'phrases'/'regex' 的映射）")
        return []
    groups = []
    for i, item in enumerate(spec):
        where = f"{key}[{i}]"
        if isinstance(item, list):
            item = {"phrases": item}
        if not isinstance(item, dict):
            error(f"{where}: 应为用语列表，或含 'phrases'/'regex' 的映射")
            continue
        for extra in unknown_keys(item, {"phrases", "regex", "negation"}):
            error(f"{where}: 没有键 {shown(extra)}")
        group_negation = item.get("negation", negation)
        if not isinstance(group_negation, bool):
            error(f"{where}: 'negation' 必须是 true 或 false")
            group_negation = negation
        group = phrase_set(
            item.get("phrases"),
            item.get("regex"),
            group_negation,
            f"{where}.phrases",
            f"{where}.regex",
            error,
        )
        if not group.terms and not group.regex:
            error(f"{where}: 这一组没有用语")
            continue
        groups.append(group)
    return groups


PRESETS = ("auto", "complaint", "none")  # trigger.semantic.preset, see qa/complaint.py


def semantic_examples(spec: object, error, key: str = "semantic", trigger: bool = False) -> Semantic | None:
    """Semantic examples of a rule (or, with ``trigger``, of its trigger, which may name a ``preset``)."""
    if spec is None or spec is False:
        return None
    if not isinstance(spec, dict):
        error(f"'{key}' 必须是含 'examples'（或 'from_kb'）的映射")
        return None
    stages = spec.get("from_kb", [])
    stages = [stages] if isinstance(stages, str) else stages
    if not string_list(stages) or not all(s.strip() for s in stages):
        error(f"'{key}.from_kb' 必须是话术阶段名（如 欢迎语）或其列表")
        stages = []
    examples = spec.get("examples", [])
    if not string_list(examples) or not (examples or stages):
        error(f"'{key}' 需要非空的 'examples' 文本列表，或 'from_kb'（从知识库取某阶段的话术作例句）")
        return None
    allowed = {"examples", "counter_examples", "from_kb"} | ({"preset"} if trigger else set())
    for extra in unknown_keys(spec, allowed):
        error(f"'{key}' 里没有键 {shown(extra)}")
    preset = spec.get("preset", "auto")
    if preset not in PRESETS:
        error(f"'{key}.preset' 必须是 auto（例句像投诉时用内置投诉模型）、complaint（总是用）或 none（不用）")
        preset = "auto"
    counter = spec.get("counter_examples", [])
    if not string_list(counter):
        error(f"'{key}.counter_examples' 必须是文本列表")
        counter = []
    return Semantic(tuple(examples), tuple(counter), tuple(s.strip() for s in stages), str(preset))


def unknown_keys(mapping: dict, allowed: set[str]) -> list:
    """Keys of ``mapping`` not in ``allowed``, in a stable order (YAML keys need not be strings)."""
    return sorted((k for k in mapping if k not in allowed), key=repr)


def finite_number(value: object, low: float | None, high: float | None) -> float | None:
    """``value`` as a finite float within bounds, else ``None`` (YAML reads .inf, .nan and 1e400)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    if not math.isfinite(number):
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
