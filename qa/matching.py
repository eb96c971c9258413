"""Lexical matching that does not cry wolf: normalised, word-boundary aware, sense aware.

A term matches a message when, in the normalised text, it covers whole jieba
tokens (one token or a contiguous run), is not inside one of its exception
patterns (滚 in 滚筒) and, for terms with negation on, is not negated shortly
before in the same clause (我们不是骗子, 没什么可抱歉的). Offsets are computed on
``normalize_aligned`` text, which has one character per original character,
so every evidence span points into the ORIGINAL message.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache

from common.textnorm import normalize_aligned
from qa.phrases import PhraseSet, Term
from qa.policy import QUESTION_PARTICLES, Policy

# A negator only reverses a term inside the same clause: "没能及时回复，抱歉" is an apology.
_CLAUSE_BREAK = re.compile(r"[，,。.!！?？;；~～…\n\r]")
# Where a quotation opens and closes ("不知道" is mentioned, not said, in 不能说“不知道”).
_QUOTES = {"“": "”", "「": "」", "『": "』", '"': '"', "‘": "’"}
# What may stand between a speech verb and the words it reports: 仓库说：没办法 / 他们回复说，没办法.
_REPORT_OPENERS = "：:，,"
# Tokens looked back for a speech verb and its subject: a report names its source close before the
# words (物流那边的同事回复说暂时没办法); a bound also keeps a message with thousands of hits linear.
_REPORT_REACH = 12

_BASE_LOCK = threading.Lock()
_BASE = None


def _base_tokenizer():
    """The stock jieba dictionary, loaded once per process."""
    global _BASE
    with _BASE_LOCK:
        if _BASE is None:
            try:
                import jieba
            except ImportError as exc:  # pragma: no cover - guarded heavy import
                raise ImportError("jieba is not available - pip install jieba") from exc
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _BASE = tokenizer
        return _BASE


@lru_cache(maxsize=8)
def policy_tokenizer(words: tuple[str, ...]):
    """A private jieba tokenizer with the policy's multi-character terms as user words.

    Private (a copy of the stock dictionary) so that one policy's words never
    change how the search index or another policy segments text: scoring must
    not depend on what else the process loaded before.
    """
    import jieba

    base = _base_tokenizer()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(base.FREQ)
    tokenizer.total = base.total
    tokenizer.initialized = True
    for word in words:
        tokenizer.add_word(word)
    return tokenizer


@dataclass(frozen=True)
class Hit:
    """One match: span in the original text, the text it covers and the policy term."""

    start: int
    end: int
    text: str
    term: str | None  # None for a regular-expression hit
    pattern: str | None = None


class AnalysedText:
    """A message's original and aligned normalised text, segmented on demand."""

    def __init__(self, text: str, tokenizer) -> None:
        self.original = text
        self.norm = normalize_aligned(text)
        self._tokenizer = tokenizer

    @cached_property
    def tokens(self) -> list[tuple[str, int, int]]:
        """(token, start, end) from jieba without HMM: unknown runs stay single characters,
        so a banned single character is never glued into an invented word."""
        out, offset = [], 0
        for token in self._tokenizer.cut(self.norm, HMM=False):
            out.append((token, offset, offset + len(token)))
            offset += len(token)
        return out

    @cached_property
    def boundaries(self) -> frozenset[int]:
        """Token boundaries, plus those of dictionary sub-words of long tokens (jieba search
        mode), so 抱歉 is found inside 很抱歉 while 滚 stays hidden inside 滚动条."""
        marks = {0, len(self.norm)}
        freq = self._tokenizer.FREQ
        for token, start, end in self.tokens:
            marks.add(start)
            marks.add(end)
            if end - start > 2:
                for size in (2, 3):
                    for i in range(len(token) - size + 1):
                        if freq.get(token[i : i + size]):
                            marks.add(start + i)
                            marks.add(start + i + size)
        return frozenset(marks)

    @cached_property
    def clause_starts(self) -> list[int]:
        """Offsets where a clause begins (0 and just after each break), ascending."""
        return [0] + [match.end() for match in _CLAUSE_BREAK.finditer(self.norm)]

    @cached_property
    def quotes(self) -> list[tuple[int, int]]:
        """``(opening, closing)`` offsets of the quotations in the text, in order, not nested."""
        spans, k, norm = [], 0, self.norm
        while k < len(norm):
            closer = _QUOTES.get(norm[k])
            close = norm.find(closer, k + 1) if closer else -1
            if close == -1:
                k += 1
                continue
            spans.append((k, close))
            k = close + 1
        return spans

    @cached_property
    def words(self) -> tuple[list[int], list[int], list[str]]:
        """Starts, ends and text of the non-blank tokens, for bisecting back from an offset."""
        kept = [(s, e, tok) for tok, s, e in self.tokens if tok.strip()]
        return [s for s, _, _ in kept], [e for _, e, _ in kept], [tok for _, _, tok in kept]


class Matcher:
    """Finds policy terms and patterns in messages for one policy."""

    def __init__(self, policy: Policy) -> None:
        words = set()
        for rule in policy.rules:
            for phrase_set in (rule.phrases, rule.trigger, *rule.all_of, *rule.any_of, *rule.none_of):
                for term in phrase_set.terms if phrase_set else ():
                    words.update(form for form in term.forms if len(form) > 1)
        words.update(
            w
            for w in (
                *policy.third_party,
                *policy.rhetorical_markers,
                *policy.speech_verbs,
                *policy.first_person,
            )
            if len(w) > 1
        )
        self.tokenizer = policy_tokenizer(tuple(sorted(words)))
        self.negators = frozenset(policy.negators)
        self.window = policy.negation_window
        self.rhetorical = tuple(policy.rhetorical_markers)
        self.third_party = frozenset(policy.third_party)
        self.third_party_suffixes = tuple(policy.third_party_suffixes)
        self.speech_verbs = frozenset(policy.speech_verbs)
        self.first_person = frozenset(policy.first_person)
        self._prefilters: dict[int, re.Pattern] = {}
        self._policy = policy  # keeps the PhraseSets (prefilter keys) alive

    def _prefilter(self, phrases: PhraseSet) -> re.Pattern:
        pattern = self._prefilters.get(id(phrases))
        if pattern is None:
            forms = sorted({f for t in phrases.terms for f in t.forms}, key=len, reverse=True)
            pattern = self._prefilters[id(phrases)] = re.compile("|".join(map(re.escape, forms)))
        return pattern

    def analyse(self, text: str) -> AnalysedText:
        """Prepare one message for matching (normalisation now, segmentation when needed)."""
        return AnalysedText(text, self.tokenizer)

    def find(self, phrases: PhraseSet, text: AnalysedText, window: int | None = None) -> list[Hit]:
        """Every accepted hit of ``phrases`` in ``text``, in order of position.

        ``window``: tokens looked back for a negator (the rule's own, else the policy's).
        """
        hits: list[Hit] = []
        taken: set[tuple[int, int]] = set()
        if phrases.terms and self._prefilter(phrases).search(text.norm) is None:
            terms = ()  # most messages contain no term at all: one regex scan instead of one per form
        else:
            terms = phrases.terms
        for term in terms:
            for form in term.forms:
                start = text.norm.find(form)
                while start != -1:
                    end = start + len(form)
                    if (start, end) not in taken and self._accepts(term, text, start, end, window):
                        taken.add((start, end))
                        hits.append(Hit(start, end, text.original[start:end], term.term))
                    start = text.norm.find(form, start + 1)
        for pattern in phrases.regex:
            for match in pattern.finditer(text.norm):
                if match.end() > match.start():
                    start, end = match.start(), match.end()
                    hits.append(Hit(start, end, text.original[start:end], None, pattern.source))
        return _outermost(hits)

    def _accepts(self, term: Term, text: AnalysedText, start: int, end: int, window: int | None) -> bool:
        if start not in text.boundaries or end not in text.boundaries:
            return False
        for exception in term.exceptions:
            # The exception must cover this occurrence: 滚筒 excuses the 滚 inside it only.
            low = max(0, end - len(exception))
            position = text.norm.find(exception, low)
            while position != -1 and position <= start:
                if position + len(exception) >= end:
                    return False
                position = text.norm.find(exception, position + 1)
        return not (term.negation and self.is_negated(text, start, window))

    def _before(self, text: AnalysedText, start: int, window: int) -> list[str]:
        """The tokens within ``window`` before ``start`` in its clause, nearest last."""
        # Bisect rather than scan: a long message with many hits must stay linear, not quadratic.
        starts = text.clause_starts
        clause_start = starts[bisect.bisect_right(starts, start) - 1]
        token_starts, token_ends, words = text.words
        last = bisect.bisect_right(token_ends, start)  # tokens [0, last) end at or before the hit
        first = max(last - window, 0)
        return [words[i] for i in range(first, last) if token_starts[i] >= clause_start]

    def is_negated(self, text: AnalysedText, start: int, window: int | None = None) -> bool:
        """Whether a negator token stands within the window before ``start`` in its clause."""
        return any(word in self.negators for word in self._before(text, start, window or self.window))

    def is_reported(self, text: AnalysedText, start: int, window: int | None = None) -> bool:
        """Whether the words at ``start`` are someone else's: a third party (他, 对方, a word ending in
        员 or 公司...) is the subject just before them in the clause (快递员也不知道, 他说你自己看)."""
        before = self._before(text, start, window or self.window)
        joined = ""
        for word in before:  # jieba may cut 派件员 as 派件 + 员: test the words so far, joined
            joined += word
            if word in self.third_party or (len(joined) > 1 and joined.endswith(self.third_party_suffixes)):
                return True
        return False

    def is_rhetorical(self, text: AnalysedText, start: int, end: int) -> bool:
        """Whether ``[start, end)`` sits in a rhetorical question: a marker (怎么会, 难道...) before it in
        its clause and the clause asks (？, or 呢/吗 after it): 这怎么会不归我管呢."""
        starts = text.clause_starts
        clause_start = starts[bisect.bisect_right(starts, start) - 1]
        match = _CLAUSE_BREAK.search(text.norm, end)
        clause_end = match.start() if match else len(text.norm)
        asks = bool(match and match.group() in "?？") or any(
            p in text.norm[end:clause_end] for p in QUESTION_PARTICLES
        )
        return asks and any(m in text.norm[clause_start:start] for m in self.rhetorical)

    def is_quoted_speech(self, text: AnalysedText, start: int) -> bool:
        """Whether the words at ``start`` report what someone other than the speaker said.

        A speech verb stands before them in their clause, or ends the clause before
        (仓库回复说：没办法), and the speaker is neither its subject (我说过了) nor the subject of
        the words after it (您说的这个我也不知道); a first-person word right after the verb is
        its object (他们告诉我没办法 is still reported).
        """
        starts = text.clause_starts
        index = bisect.bisect_right(starts, start) - 1
        token_starts, token_ends, words = text.words
        first = bisect.bisect_left(token_starts, starts[index])
        last = bisect.bisect_right(token_ends, start)
        tokens = [words[i] for i in range(max(first, last - _REPORT_REACH), last)]
        if index > 0 and text.norm[starts[index] - 1] in _REPORT_OPENERS:
            earlier_start = max(bisect.bisect_left(token_starts, starts[index - 1]), first - _REPORT_REACH)
            earlier = [words[i] for i in range(earlier_start, first)]
            while earlier and earlier[-1] in ("了", "过", "道"):
                earlier.pop()
            if earlier and earlier[-1] in self.speech_verbs:
                tokens = earlier + tokens
        verbs = [k for k, word in enumerate(tokens) if word in self.speech_verbs]
        if not verbs:
            return False
        verb = verbs[-1]
        persons = [k for k, word in enumerate(tokens) if word in self.first_person]
        return not any(k < verb or k > verb + 1 for k in persons)

    def is_quoted(self, text: AnalysedText, start: int, end: int) -> bool:
        """Whether ``[start, end)`` sits inside quotation marks in its message (mentioned, not used)."""
        spans = text.quotes
        k = bisect.bisect_left(spans, (start,)) - 1  # the last quotation opening before the hit
        return k >= 0 and spans[k][1] >= end

    def own_use(self, text: AnalysedText, hit: Hit, window: int | None = None) -> bool:
        """Whether a banned hit is the speaker's own use: not a third party's words (快递员也不知道,
        仓库说没办法), not in quotation marks, not negated (不是没办法, 也不是不知道) and not in a
        rhetorical question (这怎么会不归我管呢)."""
        return not (
            self.is_reported(text, hit.start, window)
            or self.is_quoted_speech(text, hit.start)
            or self.is_quoted(text, hit.start, hit.end)
            or self.is_negated(text, hit.start, window)
            or self.is_rhetorical(text, hit.start, hit.end)
        )


def _outermost(hits: list[Hit]) -> list[Hit]:
    """``hits`` in position order without those inside a strictly longer hit.

    你自己看 also contains 自己看: report the longest hit once, not both. One sweep over
    the hits sorted by start (longest first), so a message with thousands of hits stays fast.
    """
    hits.sort(key=lambda h: (h.start, -h.end))
    kept: list[Hit] = []
    reach = -1  # furthest end of the hits starting before the current start
    i = 0
    while i < len(hits):
        j = i
        while j < len(hits) and hits[j].start == hits[i].start:
            j += 1
        longest = hits[i].end  # same start: the first one (sorted longest first) covers the others
        kept.extend(h for h in hits[i:j] if h.end > reach and h.end == longest)
        reach = max(reach, longest)
        i = j
    kept.sort(key=lambda h: (h.start, h.end))
    return kept
