"""Single-choice items on a rule: "以下哪一项符合规定？".

The right option is a rule as the manual writes it; the three wrong options
are *other* rules of the same manual with ONE concrete detail changed for
another of the same kind: a number with its unit (24小时 -> 48小时), a time of
day (16:30 -> 17:30) or a role the manuals name (客服主管 -> 客服组长). Every
option is then a positive, plausible rule in the same modal form; only
knowing the manual tells the true one. A flipped marker (必须 -> 不必) is
never used here: the one option without 不必 would give the answer away.
"""

from __future__ import annotations

import re

from common.textnorm import normalize
from quiz.keys import NEGATION_FLIPS, Key, in_aside, number_keys
from quiz.sources import repeated_heading

RULE_STEM = "以下哪一项符合规定？"
MAX_OVERLAP = 0.5  # a wrong option sharing more bigrams than this with the right one is the same rule
# Roles a rule names, by kind: a detail changes only within its kind (a supervisor for a supervisor).
# Agent titles (在线客服/客服专员/当班客服…) are left alone: one agent is often also another,
# so a swapped agent title may still read true.
ROLE_KINDS = (
    ("客服经理", "客服主管", "客服组长", "当值主管", "值班主管", "部门主管", "部门经理", "店长", "总经理"),
)
_TIME_OF_DAY = re.compile(r"(?<![\d:：])([01]?\d|2[0-3])([:：])([0-5]\d)(?![\d:：])")
# Words a flipped marker leaves behind; no rule-choice option may carry one the others lack.
FLIP_WORDS = tuple(sorted(set(NEGATION_FLIPS.values())))


def flip_rule(sentence: str, marker: Key) -> str:
    """``sentence`` with its rule marker flipped: a statement the manual contradicts."""
    return sentence[: marker.start] + NEGATION_FLIPS[marker.text] + sentence[marker.end :]


def as_option(sentence: str) -> str:
    """An option reads as one statement: no trailing separators, one full stop."""
    return re.sub(r"[。；;，,、：:\s.]+$", "", sentence) + "。"


def _grams(text: str) -> set[str]:
    norm = re.sub(r"\W", "", normalize(text))
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def pick_flipped_rules(sentence: str, others: list[tuple[str, Key]], count: int = 3) -> list[str]:
    """Up to ``count`` other rules, flipped, in the order given (nearest rules first).

    A rule that largely repeats the right one is skipped: flipped, it would
    read as a trick version of the same rule rather than a different one.
    """
    own = _grams(sentence)
    out: list[str] = []
    seen = [own]
    for other, marker in others:
        if repeated_heading(other):
            continue  # a heading glued into the option ("工牌保持工牌清洁…")
        grams = _grams(other)
        if any(len(grams & g) > MAX_OVERLAP * min(len(grams), len(g)) for g in seen):
            continue
        seen.append(grams)
        out.append(as_option(flip_rule(other, marker)))
        if len(out) >= count:
            break
    return out


def role_vocabulary(text: str) -> tuple[tuple[str, ...], ...]:
    """The roles of ``ROLE_KINDS`` the knowledge base ``text`` itself names, by kind."""
    return tuple(tuple(r for r in kind if r in text) for kind in ROLE_KINDS)


def _role_spans(sentence: str, roles: tuple[tuple[str, ...], ...]) -> list[tuple[int, int, tuple[str, ...]]]:
    everything = sorted({r for kind in ROLE_KINDS for r in kind}, key=len, reverse=True)
    out = []
    for m in re.finditer("|".join(map(re.escape, everything)), sentence):
        if sentence.count(m.group()) != 1:
            continue  # named twice: changing one mention makes the rule contradict itself
        for kind, known in zip(ROLE_KINDS, roles, strict=True):
            if m.group() in kind:
                swaps = tuple(r for r in known if r != m.group() and r not in sentence)
                if swaps:
                    out.append((m.start(), m.end(), swaps))
    return out


def detail_changes(
    sentence: str,
    roles: tuple[tuple[str, ...], ...],
    numbers,
) -> list[tuple[int, int, list[str]]]:
    """Concrete details of ``sentence`` that can change for another of the same kind.

    Each entry is ``(start, end, replacements)``. ``numbers`` maps a number
    :class:`Key` to wrong values with its unit (``[]`` when none are sensible).
    """
    out: list[tuple[int, int, list[str]]] = []
    for key in number_keys(sentence):
        if in_aside(sentence, key.start, key.end):
            continue  # an incidental note, not the rule (blind review 7)
        wrong = numbers(key)
        if wrong:
            out.append((key.start, key.end, list(wrong)))
    for m in _TIME_OF_DAY.finditer(sentence):
        if in_aside(sentence, m.start(), m.end()):
            continue
        hour = int(m.group(1))
        shifted = [h for h in (hour + 1, hour - 1, hour + 2, hour - 2) if 7 <= h <= 22]
        if shifted:
            out.append((m.start(), m.end(), [f"{h}{m.group(2)}{m.group(3)}" for h in shifted]))
    for start, end, swaps in _role_spans(sentence, roles):
        if in_aside(sentence, start, end):
            continue
        out.append((start, end, list(swaps)))
    return sorted(out)


def change_detail(sentence: str, changes: list[tuple[int, int, list[str]]], rng) -> str | None:
    """``sentence`` with one of its ``changes`` applied (chosen with ``rng``), or None."""
    if not changes:
        return None
    start, end, replacements = changes[rng.randrange(len(changes))]
    return sentence[:start] + replacements[rng.randrange(len(replacements))] + sentence[end:]


def pick_changed_rules(sentence: str, others: list[tuple[str, str]], count: int = 3) -> list[str]:
    """Up to ``count`` changed rules ``(original, changed)``, in the order given.

    A rule that largely repeats the right one, or another picked one, is
    skipped (it would read as a trick version of the same rule), as is a
    rule with a heading glued in.
    """
    seen = [_grams(sentence)]
    out: list[str] = []
    for original, changed in others:
        if repeated_heading(original) or any(w in changed and w not in sentence for w in FLIP_WORDS):
            continue
        grams = _grams(original)
        if any(len(grams & g) > MAX_OVERLAP * min(len(grams), len(g)) for g in seen):
            continue
        seen.append(grams)
        out.append(as_option(changed))
        if len(out) >= count:
            break
    return out


def gives_away_by_form(options: list[str], answer: str) -> bool:
    """True when a flip word (不必/可以/允许) sits in some wrong options but not in the answer,
    or when the answer is the only option without one."""
    wrong = [o for o in options if o != answer]
    for word in FLIP_WORDS:
        if word in answer:
            continue
        if any(word in o for o in wrong):
            return True
    return False


LONG_OPTION = 1.6  # an option this many times longer than every other one stands out
LONG_OPTION_CHARS = 4  # ... by at least this many characters
_FORM_MARKS = (
    ("brackets", re.compile(r"[（()）〔〕【】\[\]]")),
    ("quotes", re.compile(r"[“”‘’「」『』\"']")),
    ("digits", re.compile(r"\d|[:：]\d")),
)


def odd_one_out(options: list[str]) -> bool:
    """True when one option differs from the rest by form alone (blind review 7).

    Much longer than every other option, or the only one with brackets,
    quotes or digits: a test-wise trainee picks (or drops) it without
    knowing the manual.
    """
    if len(options) < 3:
        return False
    lengths = sorted(len(o) for o in options)
    if lengths[-1] >= LONG_OPTION * lengths[-2] and lengths[-1] - lengths[-2] >= LONG_OPTION_CHARS:
        return True
    for _, mark in _FORM_MARKS:
        if sum(1 for o in options if mark.search(o)) == 1:
            return True
    return False
