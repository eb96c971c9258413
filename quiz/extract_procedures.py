"""Procedures in a passage: numbered steps under a heading that names a procedure, and arrow chains.

Each function takes the passage's :class:`quiz.extract.Extractor` (its passage, report,
patterns and thresholds) and adds procedure facts to it.
"""

from __future__ import annotations

from common.textnorm import normalize_aligned
from quiz.fact_patterns import GLUED_FIRST, ITEM, is_name, item_number, step_text
from quiz.keys import strip_asides


def find_procedures(ex, sentences: list[tuple[int, int, str]]) -> None:
    """Numbered steps in order (1、2、3 / (1)(2)(3) / 第一步…) and arrow chains (A→B→C)."""
    runs: list[list[tuple[int, int, str, int]]] = []
    current: list[tuple[int, int, str, int]] = []
    pieces = []
    for start, end, sentence in sentences:
        # "流程示例:1.接收客户咨询…": the first step glued to its introduction.
        glued = GLUED_FIRST.search(sentence)
        if glued:
            pieces.append((start, start + glued.start(), sentence[: glued.start()]))
            pieces.append((start + glued.start(), end, sentence[glued.start() :]))
        else:
            pieces.append((start, end, sentence))
    sentences = pieces
    for start, end, sentence in sentences:
        number = item_number(sentence)
        if number is None:
            continue
        if number == 1:
            if len(current) >= ex.t["min_steps"]:
                runs.append(current)
            current = [(start, end, sentence, number)]
        elif current and number == current[-1][3] + 1:
            current.append((start, end, sentence, number))
    if len(current) >= ex.t["min_steps"]:
        runs.append(current)
    for run in runs:
        numbered_procedure(ex, run, sentences)
    for start, end, sentence in sentences:
        parts = [strip_asides(p).strip(" 。；;，,-—)）") for p in ex.p["arrow"].split(sentence)]
        named = ex.p["procedure_name"].search(normalize_aligned(sentence + "".join(ex.passage.headings)))
        if len(parts) >= ex.t["min_steps"] and named:
            name, _, first = parts[0].rpartition("：") if "：" in parts[0] else ("", "", parts[0])
            parts[0] = first.split()[-1] if first.split() else first  # "…接待流程 网络客户在线咨询"
            add_procedure(ex, name, [p for p in parts if p], sentence, start, end)


def numbered_procedure(ex, run, sentences) -> None:
    first_start = run[0][0]
    before = [s for s in sentences if s[1] <= first_start]
    intro = before[-1][2] if before else ""
    name = intro if ex.p["procedure_name"].search(normalize_aligned(intro)) else ""
    heading = next(
        (h for h in reversed(ex.passage.headings) if ex.p["procedure_name"].search(normalize_aligned(h))),
        "",
    )
    text = "".join(s[2] for s in run)
    if not (name or heading):
        ex.report.reject("编号列表不是流程（标题和引言都没说是流程或步骤）", text)
        return
    steps = [step_text(ITEM.sub("", s[2], count=1)) for s in run]
    if sum(is_name(step) for step in steps) * 2 > len(steps):
        ex.report.reject("编号条目是名称（分级或分类列表），不是先后步骤", text)
        return
    heads = [s[:2] for s in steps]
    if max(heads.count(h) for h in heads) >= ex.t["parallel_share"] * len(heads):
        ex.report.reject("并列条目（开头相同），不是先后步骤", text)
        return
    add_procedure(ex, name or heading, steps, text, run[0][0], run[-1][1])


def add_procedure(ex, name: str, steps: list[str], text: str, start: int, end: int) -> None:
    if any(not s or len(s) > ex.t["max_step_chars"] for s in steps):
        ex.report.reject("流程的步骤太长或为空，无法排序", text)
        return
    if len({s for s in steps}) < len(steps):
        ex.report.reject("流程有重复的步骤", text)
        return
    name = name.strip(" ：:。")
    ex.fact(
        "procedure",
        " → ".join(steps),
        text,
        start,
        end,
        confidence=0.8,
        detail={"name": name or " > ".join(ex.passage.headings[-1:]), "steps": steps},
    )
