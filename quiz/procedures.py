"""Numbered procedures of the manuals, for "which step comes first / next" questions.

A procedure is a run of numbered steps (``1.`` ``2、`` … or ``（一）`` ``（二）`` …)
introduced by a line that names it as one (流程/步骤/程序/作业): "客服部发放赠品的
流程：1.收货部…；2.服务台…". Chunks split long procedures and overlap by a
sentence, so the steps are read from the document's text stitched back together.

Only clean procedures are kept: at least four steps, each a distinct action,
no step carrying an order word or a clock time (首先/最后/8:30 would give the
order away by form), no standing duty (定期/每月…) posing as a step, no spun
or web-debris text.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

from common.textnorm import normalize
from quiz.sources import _CJK, _CLAUSE_START, _JUNK, _SPUN, glued_heading

MIN_STEPS = 4  # fewer: not enough other steps for three wrong options
MAX_STEPS = 10
STEP_MIN_CHARS, STEP_MAX_CHARS = 2, 40  # an option must be a readable action
INTRO_CHARS = 40  # how far before step 1 the procedure's name may start
NAME_MAX_CHARS = 24  # a longer "name" is a sentence glued to it

_MARKER = re.compile(
    r"(?<![\d./\-])(?P<digit>\d{1,2})[.、．](?![\d])|[（(](?P<han>[一二三四五六七八九十])[)）]"
)
_HAN_NUMBERS = "一二三四五六七八九十"
_PROCEDURE = re.compile(r"流程|步骤|程序|作业|操作规程|SOP", re.IGNORECASE)
_STEP_END = re.compile(r"[。；;！？!?\n]")
# Words that tell the order by form ("首先…", "最后试刷一下") or a clock time ("8:30-9:30处理…").
_ORDER_WORD = re.compile(
    r"首先|其次|然后|接着|随后|最后|最终|之后|第[一二三四五六七八九十\d]+步|\d{1,2}[:：]\d{2}"
)
# A standing duty is not a step in a sequence ("客服团队需定期与其他部门交流", "经理每月抽查四次").
_STANDING = re.compile(r"定期|不定期|密切|随时|每月|每周|每季|每年|长期|始终|持续")
_CONDITION = re.compile(r"^(?:当|如果|如|若|凡|对于|假如|万一|一旦)")
# A state of mind ("保持心情平静", "站在顾客的立场为对方设想") is listed as a step in some
# manuals but is no action: it holds throughout, so "what comes next" has no answer.
_ATTITUDE = re.compile(r"保持|心情|心态|平静|冷静|站在.{0,6}立场|设想|态度|耐心")


# A procedure the manual offers as an illustration ("一个常见的客服工作流程示例") is not a house rule.
_EXAMPLE = re.compile(r"示例|例如|举例|比如|范例|样例|例子")
# Taking in the customer's request opens every service procedure: as a first step it is
# guessed without the manual ("接收客户咨询", "听取客户问题", "认真倾听").
_INTAKE = re.compile(r"^(?:认真|耐心|仔细)?(?:接收|接听|听取|倾听|聆听|受理|接待|了解)")


def is_example(name: str) -> bool:
    """True when the procedure is named as an example rather than a rule to follow."""
    return bool(_EXAMPLE.search(normalize(name)))


def obvious_first_step(name: str, step: str) -> bool:
    """True when common sense names the first step: taking in the request, or the name's own words.

    "在处理客户问题时…": "听取客户问题" repeats the procedure's object, and
    intake comes first in any service procedure.
    """
    norm_step, norm_name = normalize(step), normalize(name)
    if _INTAKE.match(norm_step):
        return True
    grams = {norm_step[i : i + 2] for i in range(len(norm_step) - 1) if _CJK.match(norm_step[i])}
    shared = {g for g in grams if g in norm_name and _CJK.match(g[1])}
    return len(shared) >= 2 and len(shared) >= 0.5 * len(grams)


# Stages every service procedure passes through in the same order: taking the request,
# checking and recording it, proposing, carrying out, closing. A step that is the next
# stage after the previous one is guessed from common sense ("做好记录" -> "提出解决方案").
_STAGES = (
    re.compile(r"接收|接听|听取|倾听|聆听|受理|接待|了解|询问|提出[^，,]{0,8}要求|到[^，,]{0,8}办理"),
    re.compile(r"核实|核对|确认|审核|检查|查明|记录|登记|填写"),
    re.compile(r"方案|计划|建议|制定|提出"),
    re.compile(r"执行|实施|解决|处理|办理|发放|领取|退回|交付|签收|验"),
    re.compile(r"总结|回访|反馈|归档|跟进|评估|结束|感谢|报[^，,]{0,4}(?:店长|经理|主管|领导)"),
)


def stage(step: str) -> int | None:
    """The common-sense stage of a step (intake 0 … closing 4), None when it names none."""
    norm = normalize(step)
    found = [i for i, pattern in enumerate(_STAGES) if pattern.search(norm)]
    return found[0] if found else None


def inferable_order(previous: str, step: str) -> bool:
    """True when common sense says ``step`` follows ``previous``.

    Either a later stage of any procedure follows an earlier one, or the
    step carries on with the previous one's object ("提出解决方案" ->
    "执行解决方案"), or points back at it (:func:`echoes_previous`).
    """
    a, b = stage(previous), stage(step)
    if a is not None and b is not None and b > a:
        return True
    if echoes_previous(previous, step):
        return True
    prev, norm = normalize(previous), normalize(step)
    shared = {
        norm[i : i + 2] for i in range(len(norm) - 1) if _CJK.match(norm[i]) and _CJK.match(norm[i + 1])
    }
    return any(g in prev for g in shared)


def is_attitude(step: str) -> bool:
    """True when the step is an attitude rather than an action."""
    return bool(_ATTITUDE.search(normalize(step)))


# Words a procedure's name opens with that are not part of the name.
_INTRO_LEAD = re.compile(r"^(?:因此|所以|同时|另外|此外|以下是|下面是)[，,]?")


def echoes_previous(previous: str, step: str) -> bool:
    """True when ``step`` opens by pointing back at ``previous``.

    "确认可以退换货后,…" right after "…确认…是否符合退换货要求".

    Such an option is spotted as the next step from its wording alone.
    """
    opening = re.match(r"^[^，,；;。]*?(?:后|之后|以后|完毕|无误)", step)
    if not opening:
        return False
    head, prev = normalize(opening.group()), normalize(previous)
    return any(
        _CJK.match(head[i]) and _CJK.match(head[i + 1]) and head[i : i + 2] in prev
        for i in range(len(head) - 1)
    )


@dataclass
class Procedure:
    """A named procedure and its steps (short option texts and the full step sentences)."""

    name: str
    steps: list[str]
    full: list[str]
    chunk_id: int
    document: str
    doc_name: str
    headings: list[str]

    def explanation(self) -> str:
        listed = "；".join(f"{i}. {s}" for i, s in enumerate(self.full, 1))
        return f"原文“{self.name}”：{listed}。"


def stitch(chunks) -> tuple[str, list[tuple[int, dict]]]:
    """One document's text rebuilt from its chunks (in order), without the overlaps.

    Returns the text and, for each chunk, the offset where its new text begins.
    """
    text = ""
    starts: list[tuple[int, dict]] = []
    for chunk in chunks:
        piece = chunk["text"]
        overlap = 0
        for k in range(min(len(piece), len(text), 400), 0, -1):
            if text.endswith(piece[:k]):
                overlap = k
                break
        starts.append((len(text), chunk))
        text += ("" if overlap or not text else "\n") + piece[overlap:]
    return text, starts


def _chunk_at(starts: list[tuple[int, dict]], offset: int) -> dict:
    current = starts[0][1]
    for start, chunk in starts:
        if start > offset:
            break
        current = chunk
    return current


def short_step(text: str) -> str:
    """The option text of a step: its title before a colon, else its first clause(s)."""
    text = _STEP_END.split(text.strip(), maxsplit=1)[0].strip()
    title = re.match(r"^([^，,：:]{2,12})[：:]", text)
    if title:
        return title.group(1).strip()
    out = ""
    for clause in re.split(r"(?<=[，,])", text):
        out += clause
        if len(out.rstrip("，,")) >= 12:
            break
    return re.sub(r"[，,：:、\s]+$", "", out)


def _intro(text: str, start: int, heading: str) -> str:
    """The procedure's name: the clause right before step 1, else the chunk's last heading."""
    before = text[max(0, start - INTRO_CHARS) : start]
    before = re.split(r"[。；;！？!?\n]|(?:^|(?<=[^\d]))[一二三四五六七八九十]、", before)[-1]
    before = _INTRO_LEAD.sub("", re.sub(r"[：:\s]+$", "", before.strip()))
    if before and glued_heading(before):
        for length in range(2, 11):  # "问题解决在处理客户问题时…": drop the glued title
            if _CLAUSE_START.match(before[length:]) and before[:2] in before[length:]:
                before = before[length:]
                break
    if _PROCEDURE.search(before):
        return before
    heading = re.sub(r"^\s*[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]?\s*", "", heading or "").strip()
    if not before and _PROCEDURE.search(heading):
        return re.sub(r"[：:\s]+$", "", heading)
    return ""


def _distinct(steps: list[str]) -> bool:
    """No two steps are near copies (bigrams most steps share, like a common subject, do not count)."""
    grams = [{s[i : i + 2] for i in range(len(s) - 1)} for s in map(normalize, steps)]
    shared = Counter(g for x in grams for g in x)
    common = {g for g, count in shared.items() if count >= 3 and count * 2 > len(grams)}
    grams = [x - common for x in grams]
    for i in range(len(grams)):
        for j in range(i + 1, len(grams)):
            small = min(len(grams[i]), len(grams[j])) or 1
            if len(grams[i] & grams[j]) > 0.6 * small:
                return False
    return len({normalize(s) for s in steps}) == len(steps)


def _runs(text: str) -> list[list[tuple[int, int, int]]]:
    """Runs of consecutively numbered markers of one style: ``[(number, start, end), ...]``."""
    marks = []
    for m in _MARKER.finditer(text):
        if m.group("digit"):
            marks.append(("d", int(m.group("digit")), m.start(), m.end()))
        else:
            marks.append(("h", _HAN_NUMBERS.index(m.group("han")) + 1, m.start(), m.end()))
    runs = []
    for style in ("d", "h"):
        run: list[tuple[int, int, int]] = []
        for s, number, start, end in marks:
            if s != style:
                continue
            if run and number == run[-1][0] + 1:
                run.append((number, start, end))
                continue
            if len(run) >= MIN_STEPS:
                runs.append(run)
            run = [(number, start, end)] if number == 1 else []
        if len(run) >= MIN_STEPS:
            runs.append(run)
    return runs


def find_procedures(chunks, label=lambda chunk: chunk["doc_title"] or chunk["doc_name"]) -> list[Procedure]:
    """Clean numbered procedures of the ``text`` chunks, each distinct procedure once."""
    by_doc: dict[int, list] = {}
    for chunk in chunks:
        if chunk["kind"] == "text":
            by_doc.setdefault(chunk["doc_id"], []).append(chunk)
    out: list[Procedure] = []
    seen: set[str] = set()
    for doc_id in sorted(by_doc):
        doc_chunks = sorted(by_doc[doc_id], key=lambda c: c["ord"])
        text, starts = stitch(doc_chunks)
        all_marks = [m.start() for m in _MARKER.finditer(text)]
        for run in _runs(text):
            chunk = _chunk_at(starts, run[0][1])
            headings = json.loads(chunk["headings"] or "[]")
            name = _intro(text, run[0][1], headings[-1] if headings else "")
            if not name or len(name) > NAME_MAX_CHARS or _JUNK.search(normalize(name)) or is_example(name):
                continue
            full, short = [], []
            for _, start, end in run[:MAX_STEPS]:
                stop = min([m for m in all_marks if m > start] + [len(text)])
                body = _STEP_END.split(text[end:stop].strip(), maxsplit=1)[0].strip()
                body = re.split(r"\*{2,}|\s{2,}", body)[0]  # page debris after the last step
                body = re.sub(r"[，,：:、\s]+$", "", body)
                if _STANDING.search(body):
                    break  # the sequence ends where standing duties begin
                full.append(body)
                short.append(short_step(body))
            if len(short) < MIN_STEPS or not _clean(name, full, short):
                continue
            key = "|".join(normalize(s) for s in short)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Procedure(
                    name,
                    short,
                    full,
                    chunk["id"],
                    label(chunk),
                    chunk["doc_name"],
                    [h for h in headings[-1:] if not _PROCEDURE.search(h)],
                )
            )
    return out


def _clean(name: str, full: list[str], short: list[str]) -> bool:
    joined = normalize(name + "".join(full))
    if _SPUN.search(joined) or _JUNK.search(normalize("".join(short))):
        return False
    for step in short:
        if not STEP_MIN_CHARS <= len(step) <= STEP_MAX_CHARS or _ORDER_WORD.search(step):
            return False
        if len(_CJK.findall(step)) < 0.7 * len(step) or re.search(r"\s{2,}", step):
            return False
        if _CONDITION.match(step) or re.search(r"[时前后的]$", step):
            return False  # "当顾客…时", "…仍无法正常使用的": conditional rules, not steps in a sequence
    return _distinct(short)
