"""Find the typed facts of one passage (a chunk): numbers, approvers, documents, procedures, replies, rules.

Extraction works on one passage at a time, so its result can be cached per chunk version
(quiz/fact_cache.py). Markers come from quiz/fact_rules.toml and are matched on the
Simplified form of the text, character for character, so Traditional manuals are read
the same way and every span points into the original text. Each sentence that yields no
fact is counted under the stage that rejected it.
"""

from __future__ import annotations

import logging
import re
from functools import cache, lru_cache

import jieba
import jieba.posseg

from common.sentences import sentence_spans
from common.textnorm import normalize_aligned
from kb.models import Passage
from quiz.facts import Fact, StageReport, fact_rules
from quiz.keys import in_aside, quantity_keys, strip_asides

_CJK = re.compile(r"[\u4e00-\u9fff]")
_ITEM = re.compile(
    r"^\s*(?:[(（](?P<a>\d{1,2})[)）]|(?P<b>\d{1,2})[、.．)）](?!\d)|(?P<c>[一二三四五六七八九十]{1,2})[、.．]"
    r"|第(?P<d>[一二三四五六七八九十\d]{1,2})步[:：，,、]?|(?P<e>[①-⑳]))\s*"
)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_CN = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_QUOTE = re.compile(r"[“\"「『](?P<q>[^”\"」』]{2,160})[”\"」』]")
_SCRIPT_REPLY = re.compile(r"(?<![A-Za-z])(?:K|A|答)\s*[:：]\s*")
_ITEM_BOUNDARY = re.compile(
    r"\s*(?:\d{1,2}\s*[)）]|[(（]\d{1,2}[)）]|\d{1,2}[、.．](?!\d)|Q\s*[:：]|问\s*[:：])"
)
_GLUED_FIRST = re.compile(r"(?<=[:：])\s*(?=(?:1[.、．)）](?!\d)|[(（]1[)）]|①|一、|第一步))")
_EXAMPLE = re.compile(r"^\s*(?:例如|比如|如)\s*[:：，,]?\s*")
_CLAUSE_END = "，,。；;！!？?\n"


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _patterns() -> dict:
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
        ),
        "lead_inside": re.compile(_alternation(w for w in ap["lead"] if len(w) > 1)),
        "route": re.compile(rf"(?:{_alternation(ap['route_lead'])}){role}(?=[{_CLAUSE_END}]|$)"),
        "document": re.compile(
            rf"(?:{_alternation(doc['lead'])})(?:{_alternation(doc['filler'])})?"
            rf"(?P<doc>《[^》]{{2,20}}》|[\u4e00-\u9fffA-Za-z]{{0,{t['max_document_chars'] - 2}}}?"
            rf"(?:{_alternation(doc['suffix'])}))"
        ),
        "named_document": re.compile(rf"《(?P<doc>[^》]{{1,18}}(?:{_alternation(doc['suffix'])}))》"),
        "ban": re.compile(rf"(?:{_alternation(rule['ban'])})(?![{not_after}])"),
        "must": re.compile(modal),
        "duty": re.compile(rf"(?:{_alternation(rule['duty'])})(?![{not_after}])"),
        "strong_marker": set(rule["strong"]),
        "consequence": re.compile(_alternation(rule["consequence"])),
        "verdict": re.compile(_alternation(rule["verdict"])),
        "list_intro": re.compile(_alternation(rule["list_intro"])),
        "procedure_name": re.compile(_alternation(proc["names"])),
        "arrow": re.compile(r"\s*(?:" + _alternation(proc["arrows"]) + r")+\s*"),
        "reply_lead": re.compile(rf"(?:{_alternation(rep['lead'])})\s*[:：]?\s*$"),
        "asker": re.compile(
            rf"(?:{_alternation(rep['asker'])})[^{_CLAUSE_END}]{{0,6}}?(?:{_alternation(rep['asker_verb'])})"
        ),
        "not_in_role_words": frozenset(ap["not_in_role"]),
        "not_role_end": re.compile(rf"(?:{_alternation(ap['not_role_end'])})$"),
        "strong_verb": set(ap["strong_verb"]),
    }


_DROPPED_LEAD = ("p", "d", "c", "u", "r", "m", "q", "ad")  # function words before a role ("向主管")
_NOUN = ("n", "nr", "ns", "nt", "nz", "ng", "vn")


def _words(phrase: str) -> list[tuple[str, str]]:
    jieba.setLogLevel(logging.WARNING)
    return [(t.word, t.flag) for t in jieba.posseg.lcut(phrase)]


@lru_cache(maxsize=4096)
def role_span(phrase: str) -> tuple[int, int] | None:
    """``(start, end)`` of the role in a phrase caught between a lead and a verb, or None if it is no name.

    A role is a run of nouns (a verb may modify the next noun: "值班经理"), after any
    function words ("向主管" -> "主管"); a phrase ending in a verb or an adverb is a clause.
    """
    tokens = _words(phrase)
    if any(word in _patterns()["not_in_role_words"] for word, _ in tokens):
        return None
    start = 0
    while tokens and tokens[0][1].startswith(_DROPPED_LEAD):
        start += len(tokens.pop(0)[0])
    if not tokens or not tokens[-1][1].startswith(_NOUN) or tokens[-1][1] == "vn":
        return None
    for (_, flag), (_, after) in zip(tokens, tokens[1:], strict=False):
        if flag.startswith(("v", "a", "b")) and not after.startswith(_NOUN):
            return None
    return start, len(phrase)


def _limits() -> dict:
    return fact_rules()["thresholds"]


class Extractor:
    """The facts of one passage; ``report`` counts the sentences each stage rejected."""

    def __init__(self, passage: Passage) -> None:
        self.passage = passage
        self.report = StageReport()
        self.facts: list[Fact] = []
        self.p = _patterns()
        self.t = _limits()

    def fact(self, kind: str, key: str, sentence: str, start: int, end: int, **extra) -> Fact:
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

    # -- the passage ----------------------------------------------------------
    def run(self) -> tuple[list[Fact], StageReport]:
        passage = self.passage
        if passage.kind in ("faq", "script") and passage.question and passage.answer:
            self.script_reply(passage.question, passage.answer)
            text = passage.answer
            offset = len(passage.question) + 1
        else:
            text, offset = passage.text, 0
        spans = sentence_spans(text)
        sentences = [(start + offset, end + offset, text[start:end]) for start, end in spans]
        self.procedures(sentences)
        self.inline_scripts(text, offset)
        self.quoted_replies(text, offset)
        for start, end, sentence in sentences:
            self.sentence(sentence, start, end)
        return self.facts, self.report

    def sentence(self, sentence: str, start: int, end: int) -> None:
        """Every kind a prose sentence holds; the first stage that fails names why it gave none."""
        found = len(self.facts)
        bare = _ITEM.sub("", sentence, count=1)
        cjk = len(_CJK.findall(bare))
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
                core = name.strip("《》")
                if not self.t["min_document_chars"] <= len(core) <= self.t["max_document_chars"] + 4:
                    continue
                if "《" not in name and role_span(normalize_aligned(core)) is None:
                    self.report.reject("单据名称像一个分句", bare)
                    continue
                seen.add((a, b))
                self.fact("document", name, bare, lead, end, key_start=a, key_end=b, confidence=0.8)

    def rule(self, bare: str, norm: str, lead: int, end: int) -> None:
        ban, must, duty = self.p["ban"].search(norm), self.p["must"].search(norm), self.p["duty"].search(norm)
        marks = [(m, kind) for m, kind in ((ban, "ban"), (must, "must"), (duty, "duty")) if m]
        if not marks:
            return
        m, polarity = min(marks, key=lambda pair: pair[0].start())
        after = m.end()
        stop = next((i for i in range(after, len(bare)) if bare[i] in "，,。；;！!？?"), len(bare))
        consequence = self.p["consequence"].search(norm, after)
        if consequence and consequence.start() < stop:
            stop = consequence.start()
        action = bare[after:stop].strip(" ：:")
        if action[:1] in ("的", "地", "得", "之", "于"):
            self.report.reject("必须/禁止后面不是一个做法（“需要的…”）", bare)
            return
        strong = normalize_aligned(bare[m.start() : m.end()]) in self.p["strong_marker"]
        if not strong and not bare[: m.start()].strip(" ，,：:"):
            self.report.reject("没有主语的弱语气句（“需要…的话”）", bare)
            return
        if self.p["list_intro"].search(normalize_aligned(action)):
            self.report.reject("规定的内容在后面的列表里（“须提供以下资料”）", bare)
            return
        if not self.t["min_action_chars"] <= len(action) <= self.t["max_action_chars"]:
            self.report.reject("规定的做法太短或太长，无法单独成题", bare)
            return
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

    def quoted_replies(self, text: str, offset: int) -> None:
        """可以说：“…”: a reply quoted in prose, with the customer's words or the situation before it.

        Read on the passage, not per sentence: a quoted reply holds its own sentence ends.
        """
        norm = normalize_aligned(text)
        quotes = list(_QUOTE.finditer(text))
        for i, q in enumerate(quotes):
            if not self.p["reply_lead"].search(norm[max(0, q.start() - 12) : q.start()]):
                continue
            reply = q.group("q").strip()
            if not self.t["min_reply_chars"] <= len(reply) <= self.t["max_reply_chars"]:
                continue
            clause_start = max(text.rfind(mark, 0, q.start()) for mark in "。！!？?\n；;") + 1
            while clause_start < q.start() and text[clause_start] in '”"」』 ，,、\n':
                clause_start += 1  # the previous quote's closing mark
            before = _EXAMPLE.sub("", text[clause_start : q.start()])
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
            if opener > 0:
                situation = situation[opener:]  # the last situation named, not the run-on before it
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
        start = len(question) + 1
        self.fact(
            "reply",
            reply,
            reply,
            start,
            start + len(reply),
            key_start=0,
            key_end=len(reply),
            confidence=1.0,
            detail={"request": question.strip(), "situation": ""},
        )

    def inline_scripts(self, text: str, offset: int) -> None:
        """Q/K scripts glued into prose ("1) 活动期间可以便宜点吗? K:亲,抱歉啊…")."""
        for m in _SCRIPT_REPLY.finditer(text):
            before = text[: m.start()]
            cut = max([b.end() for b in _ITEM_BOUNDARY.finditer(before)] + [before.rfind("。") + 1, 0])
            request = before[cut:].strip(" \n:：")
            nxt = _ITEM_BOUNDARY.search(text, m.end())
            other = _SCRIPT_REPLY.search(text, m.end())
            stop = min(x.start() for x in (nxt, other) if x) if (nxt or other) else len(text)
            reply = text[m.end() : stop].strip()
            if len(reply) > self.t["max_reply_chars"]:
                ends = [reply.rfind(mark, 0, self.t["max_reply_chars"]) for mark in "。！!~～﹋"]
                reply = reply[: max(ends) + 1] if max(ends) > self.t["min_reply_chars"] else ""
            if not (2 <= len(request) <= 40) or len(reply) < self.t["min_reply_chars"]:
                self.report.reject("话术缺少顾客的话或回复", text[m.start() : m.start() + 40])
                continue
            start = offset + m.end()
            self.fact(
                "reply",
                reply,
                reply,
                start,
                start + len(reply),
                key_start=0,
                key_end=len(reply),
                confidence=0.9,
                detail={"request": request, "situation": ""},
            )

    # -- procedures ---------------------------------------------------------------
    def procedures(self, sentences: list[tuple[int, int, str]]) -> None:
        """Numbered steps in order (1、2、3 / (1)(2)(3) / 第一步…) and arrow chains (A→B→C)."""
        runs: list[list[tuple[int, int, str, int]]] = []
        current: list[tuple[int, int, str, int]] = []
        pieces = []
        for start, end, sentence in sentences:
            # "流程示例:1.接收客户咨询…": the first step glued to its introduction.
            glued = _GLUED_FIRST.search(sentence)
            if glued:
                pieces.append((start, start + glued.start(), sentence[: glued.start()]))
                pieces.append((start + glued.start(), end, sentence[glued.start() :]))
            else:
                pieces.append((start, end, sentence))
        sentences = pieces
        for start, end, sentence in sentences:
            number = _item_number(sentence)
            if number is None:
                continue
            if number == 1:
                if len(current) >= self.t["min_steps"]:
                    runs.append(current)
                current = [(start, end, sentence, number)]
            elif current and number == current[-1][3] + 1:
                current.append((start, end, sentence, number))
        if len(current) >= self.t["min_steps"]:
            runs.append(current)
        for run in runs:
            self.numbered_procedure(run, sentences)
        for start, end, sentence in sentences:
            parts = [strip_asides(p).strip(" 。；;，,-—)）") for p in self.p["arrow"].split(sentence)]
            named = self.p["procedure_name"].search(
                normalize_aligned(sentence + "".join(self.passage.headings))
            )
            if len(parts) >= self.t["min_steps"] and named:
                name, _, first = parts[0].rpartition("：") if "：" in parts[0] else ("", "", parts[0])
                parts[0] = first
                self.procedure(name, [p for p in parts if p], sentence, start, end)

    def numbered_procedure(self, run, sentences) -> None:
        first_start = run[0][0]
        before = [s for s in sentences if s[1] <= first_start]
        intro = before[-1][2] if before else ""
        name = intro if self.p["procedure_name"].search(normalize_aligned(intro)) else ""
        heading = next(
            (
                h
                for h in reversed(self.passage.headings)
                if self.p["procedure_name"].search(normalize_aligned(h))
            ),
            "",
        )
        text = "".join(s[2] for s in run)
        if not (name or heading):
            self.report.reject("编号列表不是流程（标题和引言都没说是流程或步骤）", text)
            return
        steps = [_step(_ITEM.sub("", s[2], count=1)) for s in run]
        heads = [s[:2] for s in steps]
        if max(heads.count(h) for h in heads) >= self.t["parallel_share"] * len(heads):
            self.report.reject("并列条目（开头相同），不是先后步骤", text)
            return
        self.procedure(name or heading, steps, text, run[0][0], run[-1][1])

    def procedure(self, name: str, steps: list[str], text: str, start: int, end: int) -> None:
        if any(not s or len(s) > self.t["max_step_chars"] for s in steps):
            self.report.reject("流程的步骤太长或为空，无法排序", text)
            return
        if len({s for s in steps}) < len(steps):
            self.report.reject("流程有重复的步骤", text)
            return
        name = name.strip(" ：:。")
        self.fact(
            "procedure",
            " → ".join(steps),
            text,
            start,
            end,
            confidence=0.8,
            detail={"name": name or " > ".join(self.passage.headings[-1:]), "steps": steps},
        )


def _item_number(sentence: str) -> int | None:
    m = _ITEM.match(sentence)
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


def _step(text: str) -> str:
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


def extract_passage(passage: Passage) -> tuple[list[Fact], StageReport]:
    """The facts of one passage and what each stage rejected (see :class:`Extractor`)."""
    return Extractor(passage).run()
