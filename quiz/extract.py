"""Find the typed facts of one passage (a chunk): numbers, approvers, documents, procedures, replies, rules.

Extraction works on one passage at a time, so its result can be cached per chunk version
(quiz/fact_cache.py). Markers come from quiz/fact_rules.toml and are matched on the
Simplified form of the text, character for character, so Traditional manuals are read
the same way and every span points into the original text. Each sentence that yields no
fact is counted under the stage that rejected it.
"""

from __future__ import annotations

import re

from common.sentences import sentence_spans
from common.textnorm import normalize_aligned
from kb.chunk import heading_style
from kb.models import Passage
from quiz.extract_procedures import find_procedures
from quiz.fact_patterns import (
    CJK,
    EXAMPLE,
    FRAGMENT,
    ITEM,
    ITEM_BOUNDARY,
    NOUN,
    QUOTE,
    SCRIPT_REPLY,
    limits,
    on_word_boundaries,
    patterns,
    role_span,
    without_stage_directions,
    words_of,
)
from quiz.facts import Fact, StageReport
from quiz.keys import in_aside, quantity_keys

# Heading styles that open a section of their own (not the numbered items of a list).
_SECTION_STYLES = ("division", "section", "article", "cn-number", "label")


class Extractor:
    """The facts of one passage; ``report`` counts the sentences each stage rejected."""

    def __init__(self, passage: Passage) -> None:
        self.passage = passage
        self.report = StageReport()
        self.facts: list[Fact] = []
        self.p = patterns()
        self.t = limits()
        self.to_customer = False  # the passage is an answer said to a customer (FAQ, script)

    def fact(self, kind: str, key: str, sentence: str, start: int, end: int, **extra) -> Fact:
        if not self.headings_hold(start):
            extra.setdefault("detail", {})["document_only"] = True
        fact = Fact(
            kind,
            key,
            sentence,
            self.passage.chunk_id,
            self.passage.document,
            self.passage.title,
            list(self.passage.headings),
            start,
            end,
            **extra,
        )
        self.facts.append(fact)
        return fact

    def headings_hold(self, start: int) -> bool:
        """True when the passage's heading chain is the section of the text at ``start``.

        A scraped compilation keeps a heading for pages of unrelated text: a sentence far into
        its chunk, or one after another section's heading or bracket label (【使用说明】) left in
        the text, is cited by its document only.
        """
        if not self.passage.headings:
            return True
        before = self.passage.text[:start] if self.passage.kind not in ("faq", "script") else ""
        if len(before) > self.t["max_heading_distance"]:
            return False
        for line in (
            before.splitlines()[1:]
            if before.startswith(tuple(self.passage.headings))
            else before.splitlines()
        ):
            style = heading_style(line.strip())
            if style and style[0] in _SECTION_STYLES and line.strip() not in self.passage.headings:
                return False
        return True

    # -- the passage ----------------------------------------------------------
    def run(self) -> tuple[list[Fact], StageReport]:
        passage = self.passage
        if passage.kind in ("faq", "script") and passage.question and passage.answer:
            self.script_reply(passage.question, passage.answer)
            text = passage.answer
            offset = len(passage.question) + 1
            # An answer is said to the customer: its "请不要…" advises them, it binds no agent.
            self.to_customer = True
        else:
            text, offset = passage.text, 0
        spans = sentence_spans(text)
        sentences = [(start + offset, end + offset, text[start:end]) for start, end in spans]
        find_procedures(self, sentences)
        self.inline_scripts(text, offset)
        self.quoted_replies(text, offset)
        for start, end, sentence in sentences:
            self.sentence(sentence, start, end)
        return self.facts, self.report

    def sentence(self, sentence: str, start: int, end: int) -> None:
        """Every kind a prose sentence holds; the first stage that fails names why it gave none."""
        found = len(self.facts)
        bare = ITEM.sub("", sentence, count=1)
        cjk = len(CJK.findall(bare))
        if cjk < self.t["min_sentence_chars"]:
            self.report.reject(f"太短（少于 {self.t['min_sentence_chars']} 个汉字）", sentence)
            return
        if len(bare) > self.t["max_sentence_chars"]:
            self.report.reject(
                f"太长（超过 {self.t['max_sentence_chars']} 字，像未断句的网页文本）", sentence
            )
            return
        if bare.rstrip().endswith(("？", "?")):
            self.report.reject("问句（不是陈述的规定）", sentence)
            return
        if FRAGMENT.search(bare):
            self.report.reject("列表中的条件片段（以“…的”结尾，缺少主句）", sentence)
            return
        lead = start + (len(sentence) - len(bare))
        norm = normalize_aligned(bare)
        self.numbers(bare, norm, lead, start, end)
        self.approvers(bare, norm, lead, end)
        self.documents(bare, norm, lead, end)
        self.rule(bare, norm, lead, end)
        if len(self.facts) == found:
            self.report.reject("没有可考的内容（无数字、审批人、单据、必须/禁止或话术）", sentence)

    # -- kinds -----------------------------------------------------------------
    def numbers(self, bare: str, norm: str, lead: int, start: int, end: int) -> None:
        for key in quantity_keys(bare):
            if in_aside(bare, key.start, key.end):
                self.report.reject("数字在括号注释里（不是规定本身）", bare)
                continue
            self.fact(
                "number",
                key.text,
                bare,
                lead,
                end,
                key_start=key.start,
                key_end=key.end,
                confidence=0.9 if self.p["must"].search(norm) or self.p["ban"].search(norm) else 0.7,
                detail={
                    "type": key.kind,
                    "unit": key.unit,
                    "low": key.low,
                    "high": key.high,
                    "prefix": key.prefix,
                    "chinese": key.chinese,
                },
            )

    def role(self, norm: str, m: re.Match) -> tuple[int, int] | None:
        """The role's span in the sentence, or None (counted) when the slot holds no name."""
        phrase, base = m.group("role"), m.start("role")
        inner = list(self.p["lead_inside"].finditer(phrase))
        if inner and inner[-1].end() < len(phrase):
            base += inner[-1].end()  # "先得到客服主管": the role follows the last lead word
            phrase = phrase[inner[-1].end() :]
        span = None if re.search(r"\d", phrase) else role_span(phrase)
        if (
            span is None
            or not on_word_boundaries(norm, base + span[0], base + span[1])
            or span[1] - span[0] < self.t["min_role_chars"]
            or self.p["not_role_end"].search(phrase)
        ):
            return None
        return base + span[0], base + span[1]

    def approvers(self, bare: str, norm: str, lead: int, end: int) -> None:
        seen = set()
        for m in self.p["approver"].finditer(norm):
            span = self.role(norm, m)
            if span is None:
                self.report.reject("审批人位置上不是岗位名称", bare)
                continue
            seen.add(span[1])
            strong = m.group("verb") in self.p["strong_verb"]
            self.fact(
                "approver",
                bare[span[0] : span[1]],
                bare,
                lead,
                end,
                key_start=span[0],
                key_end=span[1],
                confidence=1.0 if strong else 0.7,
                detail={"verb": m.group("verb"), "strong": strong},
            )
        for m in self.p["route"].finditer(norm):
            span = self.role(norm, m)
            if span is None or span[1] in seen:
                continue
            # Kept only if the KB knows the role from a real approval (quiz/vocabulary.py).
            self.fact(
                "approver",
                bare[span[0] : span[1]],
                bare,
                lead,
                end,
                key_start=span[0],
                key_end=span[1],
                confidence=self.t["weak_role_confidence"],
                detail={"verb": "", "strong": False, "weak": True},
            )

    def documents(self, bare: str, norm: str, lead: int, end: int) -> None:
        seen: set[tuple[int, int]] = set()
        for pattern in (self.p["document"], self.p["named_document"]):
            for m in pattern.finditer(norm):
                a, b = m.start("doc"), m.end("doc")
                if any(a < y and x < b for x, y in seen):
                    continue
                name = bare[a:b]
                if not name.startswith("《") and inside_title(bare, a, b):
                    self.report.reject("单据名称是书名号里名称的一部分（“《自提交付单》”中的“付单”）", bare)
                    continue
                core = name.strip("《》")
                if not self.t["min_document_chars"] <= len(core) <= self.t["max_document_chars"] + 4:
                    continue
                if "《" not in name and (
                    role_span(normalize_aligned(core)) is None
                    or any(c in core for c in self.p["not_in_name"])
                ):
                    self.report.reject("单据名称像一个分句", bare)
                    continue
                seen.add((a, b))
                if name.startswith("《") and name.endswith("》"):
                    a, b, name = a + 1, b - 1, name[1:-1]  # the title marks stay in the stem, not the key
                self.fact("document", name, bare, lead, end, key_start=a, key_end=b, confidence=0.8)

    def rule(self, bare: str, norm: str, lead: int, end: int) -> None:
        """The first duty or ban marker that governs an action (a marker inside quotes is an example)."""
        quoted = [q.span() for q in QUOTE.finditer(bare)]
        marks = sorted(
            (
                (m.start(), m, kind)
                for kind in ("ban", "must", "duty")
                for m in self.p[kind].finditer(norm)
                if not any(a <= m.start() < b for a, b in quoted)
            ),
            key=lambda mark: mark[0],
        )
        if not marks:
            return
        if self.to_customer:
            self.report.reject("是对顾客说的话（“请您不要……”），不是员工的规定", bare)
            return
        if self.p["list_intro"].search(norm):
            self.report.reject("规定的内容在后面的列表里（“须提供以下资料”）", bare)
            return
        reason, polarity = "", ""
        for _, m, kind in marks:
            reason, action, consequence = self.rule_action(bare, norm, m)
            if not reason:
                polarity = kind
                break
        if reason:
            self.report.reject(reason, bare)
            return
        after = bare.index(action, m.end())
        strong = normalize_aligned(bare[m.start() : m.end()]) in self.p["strong_marker"]
        tail = ""
        if consequence:
            tail = bare[consequence.start() :].rstrip("。；;")
        self.fact(
            "rule",
            action,
            bare,
            lead,
            end,
            key_start=after,
            key_end=after + len(action),
            confidence=self.t["duty_confidence"] if polarity == "duty" else 0.9,
            detail={
                "polarity": polarity,
                "marker": bare[m.start() : m.end()],
                "strong": strong,
                "subject": bare[: m.start()].strip(" ，,：:"),
                "consequence": tail,
                "verdict": bool(self.p["verdict"].search(normalize_aligned(action))),
            },
        )

    def rule_action(self, bare: str, norm: str, m: re.Match) -> tuple[str, str, re.Match | None]:
        """(why not, action, consequence) of the action a marker governs; ``why not`` is '' for one."""
        after = m.end()
        stop = next((i for i in range(after, len(bare)) if bare[i] in "，,。；;！!？?"), len(bare))
        consequence = self.p["consequence"].search(norm, after)
        if consequence and consequence.start() < stop:
            stop = consequence.start()
        action = bare[after:stop].strip(" ：:")
        strong = normalize_aligned(bare[m.start() : m.end()]) in self.p["strong_marker"]
        # "应尽的职责": a one-character verb and 的 after the marker make it part of a noun phrase.
        attributive = action[1:2] == "的"
        if action[:1] in ("的", "地", "得", "之", "于") or action.endswith(("的", "时", "時")) or attributive:
            return "必须/禁止后面是条件，不是一个做法（“需要…的，”）", action, consequence
        if not strong and not bare[: m.start()].strip(" ，,：:"):
            return "没有主语的弱语气句（“需要…的话”）", action, consequence
        if self.p["interrogative"].search(normalize_aligned(action)):
            return "问的是哪些/如何，不是一条规定", action, consequence
        if self.p["addressee"].search(normalize_aligned(bare[: m.start()])):
            return "是对顾客说的话（“请您不要……”），不是员工的规定", action, consequence
        words = words_of(normalize_aligned(action))
        if words and all(flag.startswith(NOUN) and flag != "vn" for _, flag in words):
            return "必须/禁止后面只有名词（表格或标题残片）", action, consequence
        if not self.t["min_action_chars"] <= len(action) <= self.t["max_action_chars"]:
            return "规定的做法太短或太长，无法单独成题", action, consequence
        return "", action, consequence

    def quoted_replies(self, text: str, offset: int) -> None:
        """可以说：“…”: a reply quoted in prose, with the customer's words or the situation before it.

        Read on the passage, not per sentence: a quoted reply holds its own sentence ends.
        """
        norm = normalize_aligned(text)
        quotes = list(QUOTE.finditer(text))
        for i, q in enumerate(quotes):
            if not self.p["reply_lead"].search(norm[max(0, q.start() - 12) : q.start()]):
                continue
            reply = q.group("q").strip()
            if not self.t["min_reply_chars"] <= len(reply) <= self.t["max_reply_chars"]:
                continue
            clause_start = max(text.rfind(mark, 0, q.start()) for mark in "。！!？?\n；;") + 1
            while clause_start < q.start() and text[clause_start] in '”"」』 ，,、\n':
                clause_start += 1  # the previous quote's closing mark
            before = EXAMPLE.sub("", text[clause_start : q.start()])
            clause_start = q.start() - len(before)
            request = ""
            for earlier in reversed(quotes[:i]):
                if earlier.start() >= clause_start and self.p["asker"].search(norm[: earlier.start()][-12:]):
                    request = earlier.group("q").strip()
                    break
            situation = self.p["reply_lead"].sub("", normalize_aligned(before)).strip(' ：:，,“"')
            situation = before[: len(situation)] if situation else ""
            folded = normalize_aligned(situation)
            opener = (
                max(folded.rfind(w) for w in ("当", "如果", "若"))
                if any(w in folded for w in ("当", "如果", "若"))
                else folded.rfind("遇到")
            )
            # The last situation named ("当买家…时"), not the run-on before it; without one the
            # words before the quote are no situation a customer could be in.
            situation = situation[opener:] if opener >= 0 else ""
            self.fact(
                "reply",
                reply,
                text[clause_start : q.end()].strip(),
                offset + clause_start,
                offset + q.end(),
                key_start=q.start("q") - clause_start - (len(before) - len(before.lstrip())),
                key_end=q.end("q") - clause_start - (len(before) - len(before.lstrip())),
                confidence=0.8,
                detail={"request": request, "situation": situation},
            )

    def script_reply(self, question: str, answer: str) -> None:
        """A FAQ row or a Q/A script chunk: the customer's question and the approved answer."""
        reply = answer.strip()
        if len(reply) > self.t["max_reply_chars"]:
            cut = max((reply.rfind(mark, 0, self.t["max_reply_chars"]) for mark in "。！!~～"), default=-1)
            if cut < self.t["min_reply_chars"]:
                self.report.reject("话术太长，无法作为选项", answer)
                return
            reply = reply[: cut + 1]
        reply = without_stage_directions(reply)
        if not reply:
            self.report.reject("话术中夹有给客服的提示（“…再回复顾客”）", answer)
            return
        start = len(question) + 1
        request = question.strip()
        label = not request.endswith(("?", "？")) and self.p["asker_label"].search(normalize_aligned(request))
        self.fact(
            "reply",
            reply,
            reply,
            start,
            start + len(reply),
            key_start=0,
            key_end=len(reply),
            confidence=1.0,
            detail={"request": "" if label else request, "situation": f"面对{request}" if label else ""},
        )

    def inline_scripts(self, text: str, offset: int) -> None:
        """Q/K scripts glued into prose ("1) 活动期间可以便宜点吗? K:亲,抱歉啊…")."""
        for m in SCRIPT_REPLY.finditer(text):
            before = text[: m.start()]
            cut = max([b.end() for b in ITEM_BOUNDARY.finditer(before)] + [before.rfind("。") + 1, 0])
            request = before[cut:].strip(" \n:：")
            nxt = ITEM_BOUNDARY.search(text, m.end())
            other = SCRIPT_REPLY.search(text, m.end())
            stop = min(x.start() for x in (nxt, other) if x) if (nxt or other) else len(text)
            reply = text[m.end() : stop].strip()
            if len(reply) > self.t["max_reply_chars"]:
                ends = [reply.rfind(mark, 0, self.t["max_reply_chars"]) for mark in "。！!~～﹋"]
                reply = reply[: max(ends) + 1] if max(ends) > self.t["min_reply_chars"] else ""
            reply = without_stage_directions(reply)
            if not (2 <= len(request) <= 40) or len(reply) < self.t["min_reply_chars"]:
                self.report.reject("话术缺少顾客的话或回复", text[m.start() : m.start() + 40])
                continue
            start = offset + m.end()
            # "多次议价的顾客": a label naming who asks, not the customer's words.
            label = not request.endswith(("?", "？")) and self.p["asker_label"].search(
                normalize_aligned(request)
            )
            self.fact(
                "reply",
                reply,
                reply,
                start,
                start + len(reply),
                key_start=0,
                key_end=len(reply),
                confidence=0.9,
                detail={"request": "" if label else request, "situation": f"面对{request}" if label else ""},
            )

    # -- procedures ---------------------------------------------------------------


def inside_title(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` lies inside a 《…》 title without being all of it."""
    if text[start - 1 : start] == "《" and text[end : end + 1] == "》":
        return False
    opened = text.rfind("《", 0, start)
    return opened >= 0 and text.rfind("》", 0, start) < opened and "》" in text[end:]


def extract_passage(passage: Passage) -> tuple[list[Fact], StageReport]:
    """The facts of one passage and what each stage rejected (see :class:`Extractor`)."""
    return Extractor(passage).run()
