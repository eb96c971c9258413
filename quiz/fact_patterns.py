"""The compiled markers of quiz/fact_rules.toml and the text helpers fact extraction shares.

Patterns are matched on the Simplified form of the text (``normalize_aligned``), so
Traditional manuals are read the same way and spans point into the original.
"""

from __future__ import annotations

import logging
import re
from functools import cache, lru_cache

import jieba
import jieba.posseg

from common.textnorm import normalize_aligned
from quiz.facts import fact_rules
from quiz.keys import strip_asides

CJK = re.compile(r"[\u4e00-\u9fff]")
ITEM = re.compile(
    r"^\s*(?:[(（](?P<a>\d{1,2})[)）]|(?P<b>\d{1,2})[、.．)）](?!\d)|(?P<c>[一二三四五六七八九十]{1,2})[、.．]"
    r"|第(?P<d>[一二三四五六七八九十\d]{1,2})步[:：，,、]?|(?P<e>[①-⑳]))\s*"
)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_CN = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
QUOTE = re.compile(r"[“\"「『](?P<q>[^”\"」』]{2,160})[”\"」』]")
SCRIPT_REPLY = re.compile(r"(?<![A-Za-z])(?:K|A|答)\s*[:：]\s*")
ITEM_BOUNDARY = re.compile(
    r"\s*(?:\d{1,2}\s*[)）]|[(（]\d{1,2}[)）]|\d{1,2}[、.．](?!\d)|Q\s*[:：]|问\s*[:：])"
)
GLUED_FIRST = re.compile(r"(?<=[:：])\s*(?=(?:1[.、．)）](?!\d)|[(（]1[)）]|①|一、|第一步))")
FRAGMENT = re.compile(r"的\s*[；;。,，]?\s*$")
EXAMPLE = re.compile(r"^\s*(?:例如|比如|如)\s*[:：，,]?\s*")
CLAUSE_END = "，,。；;！!？?\n"


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def patterns() -> dict:
    """Compiled markers of quiz/fact_rules.toml (built once)."""
    rules = fact_rules()
    ap, doc, rule, proc, rep = (
        rules["approver"],
        rules["document"],
        rules["rule"],
        rules["procedure"],
        rules["reply"],
    )
    t = rules["thresholds"]
    role = rf"(?P<role>[\u4e00-\u9fff]{{{t['min_role_chars']},{t['max_role_chars']}}}?)"
    not_before = "".join(rule["not_modal_before"])
    not_after = "".join(rule["not_modal_after"])
    modal = rf"(?<![{not_before}])(?:{_alternation(rule['must'])})(?![{not_after}])"
    return {
        "approver": re.compile(
            rf"(?:{_alternation(ap['lead'])}){role}(?:的)?(?P<verb>{_alternation(ap['verb'])})"
            # "授权截图": a verb followed by a paperwork noun is part of the noun, no approval.
            rf"(?!{_alternation(doc['suffix'])})"
        ),
        "lead_inside": re.compile(_alternation(w for w in ap["lead"] if len(w) > 1)),
        "route": re.compile(rf"(?:{_alternation(ap['route_lead'])}){role}(?=[{CLAUSE_END}]|$)"),
        "document": re.compile(
            rf"(?:{_alternation(doc['lead'])})(?:{_alternation(doc['filler'])})?"
            rf"(?P<doc>《[^》]{{2,20}}》|[\u4e00-\u9fffA-Za-z]{{0,{t['max_document_chars'] - 2}}}?"
            rf"(?:{_alternation(doc['suffix'])}))"
        ),
        "not_in_name": tuple(doc["not_in_name"]),
        "named_document": re.compile(rf"《(?P<doc>[^》]{{1,18}}(?:{_alternation(doc['suffix'])}))》"),
        "ban": re.compile(rf"(?:{_alternation(rule['ban'])})(?![{not_after}])"),
        "must": re.compile(modal),
        "duty": re.compile(rf"(?:{_alternation(rule['duty'])})(?![{not_after}])"),
        "strong_marker": set(rule["strong"]),
        "consequence": re.compile(_alternation(rule["consequence"])),
        "verdict": re.compile(_alternation(rule["verdict"])),
        "list_intro": re.compile(_alternation(rule["list_intro"])),
        "interrogative": re.compile(_alternation(rule["interrogative"])),
        "addressee": re.compile(_alternation(rule["addressee"])),
        "procedure_name": re.compile(_alternation(proc["names"])),
        "arrow": re.compile(r"\s*(?:" + _alternation(proc["arrows"]) + r")+\s*"),
        "reply_lead": re.compile(rf"(?:{_alternation(rep['lead'])})\s*[:：]?\s*$"),
        "asker": re.compile(
            rf"(?:{_alternation(rep['asker'])})[^{CLAUSE_END}]{{0,6}}?(?:{_alternation(rep['asker_verb'])})"
        ),
        "not_in_role_words": frozenset(ap["not_in_role"]),
        "role_lead_words": frozenset(ap["lead"]),
        "clause_lead_words": frozenset(doc["lead"]),
        "asker_label": re.compile(rf"的(?:{_alternation(rep['asker'])})$"),
        "not_role_end": re.compile(rf"(?:{_alternation(ap['not_role_end'])})$"),
        "strong_verb": set(ap["strong_verb"]),
    }


_DROPPED_LEAD = ("p", "d", "c", "u", "r", "m", "q", "ad")  # function words before a role ("向主管")
NOUN = ("n", "nr", "ns", "nt", "nz", "ng", "vn")


def words_of(phrase: str) -> list[tuple[str, str]]:
    jieba.setLogLevel(logging.WARNING)
    return [(t.word, t.flag) for t in jieba.posseg.lcut(phrase)]


def _filler(word: str, flag: str) -> bool:
    return flag.startswith(_DROPPED_LEAD) or (len(word) == 1 and flag == "v")


@lru_cache(maxsize=4096)
def role_span(phrase: str) -> tuple[int, int] | None:
    """``(start, end)`` of the role in a phrase caught between a lead and a verb, or None if it is no name.

    A role is a run of nouns (a verb may modify the next noun: "值班经理"), after any
    function words ("向主管" -> "主管"); a phrase ending in a verb or an adverb is a clause.
    """
    tokens = words_of(phrase)
    p = patterns()
    if any(word in p["not_in_role_words"] for word, _ in tokens):
        return None
    start = 0
    # "报区域经理" / "由店长": a lead word jieba reads as a noun is the slot's verb, not the role's.
    while len(tokens) > 1 and tokens[0][0] in p["role_lead_words"]:
        start += len(tokens.pop(0)[0])
    # "出示订购人（授权截图）": a document verb opens a clause whose object follows, never a role.
    if tokens and tokens[0][0] in p["clause_lead_words"]:
        return None
    # Function words ("向主管") and a one-character verb left of a lead word ("报告" -> "告客服主管").
    while tokens and (
        tokens[0][1].startswith(_DROPPED_LEAD) or (len(tokens[0][0]) == 1 and tokens[0][1] == "v")
    ):
        start += len(tokens.pop(0)[0])
    if not tokens or not tokens[-1][1].startswith(NOUN) or tokens[-1][1] == "vn":
        return None
    for (_, flag), (_, after) in zip(tokens, tokens[1:], strict=False):
        if flag.startswith(("v", "a", "b")) and not after.startswith(NOUN):
            return None
    return start, len(phrase)


def on_word_boundaries(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` begins and ends between words (jieba's segmentation).

    A key cut inside a word ("《自提交付单》" -> "付单") would leave a fragment in the stem
    and make a fragment the answer; only whole words are blanked or swapped.
    """
    cuts = {0, len(text)}
    for _, a, b in jieba.tokenize(text):
        cuts.update((a, b))
    return start in cuts and end in cuts


_REPLY_SEGMENT = re.compile(r"[^。！!？?~～﹋]+[。！!？?~～﹋]*")


def without_stage_directions(reply: str) -> str:
    """The reply without the agent's stage directions ("等待2-3分钟后再回复顾客下述语句"), or "".

    A reply is said to the customer and calls them 您 or 亲; a segment naming the customer in
    the third person (顾客, 买家…) together with a verb of replying (回复, 告知…) is an
    instruction to the agent. One at either end is cut off;
    one in the middle leaves no reply that can be printed as an option ("").
    """
    rules = fact_rules()["reply"]
    askers = tuple(normalize_aligned(w) for w in rules["asker"] if w != "亲")
    says = tuple(w for w in rules["lead"] if len(w) > 1)
    segments = [m.group(0) for m in _REPLY_SEGMENT.finditer(reply)]
    marked = [
        any(a in normalize_aligned(seg) for a in askers) and any(v in normalize_aligned(seg) for v in says)
        for seg in segments
    ]
    while segments and marked[-1]:
        segments.pop(), marked.pop()
    while segments and marked[0]:
        segments.pop(0), marked.pop(0)
    if any(marked):
        return ""
    return "".join(segments).strip()


def approval_pattern() -> re.Pattern:
    """Matches an approval clause ("经客服主管审批"): text that names who approves, not a practice."""
    return patterns()["approver"]


def limits() -> dict:
    return fact_rules()["thresholds"]


def item_number(sentence: str) -> int | None:
    m = ITEM.match(sentence)
    if not m:
        return None
    raw = next(g for g in m.groups() if g)
    if raw in _CIRCLED:
        return _CIRCLED.index(raw) + 1
    if raw.isascii() and raw.isdigit():
        return int(raw)
    if raw.startswith("十"):
        return 10 + _CN.get(raw[1:], 0)
    return _CN.get(raw)


def is_name(step: str) -> bool:
    """True for a step that is a bare name ("一线客服", "客服主管"): nouns only, no action."""
    words = words_of(normalize_aligned(step))
    return bool(words) and all(flag.startswith(NOUN) and flag != "vn" for _, flag in words)


def step_text(text: str) -> str:
    """A step as an option: its own title when it has one ("分类和分配问题：根据…"), else its first clause.

    Bracketed notes are dropped ("表明立场(转移责任)"): one option alone carrying brackets
    would stand out by its form.
    """
    text = strip_asides(text).strip(" 。；;")
    for mark in "：:":
        head, sep, _ = text.partition(mark)
        if sep and 2 <= len(head) <= 16:
            return head.strip()
    head = re.split(r"[，,；;。]", text, maxsplit=1)[0]
    return head.strip()
