"""Read GIFT and Moodle XML back into questions (questions written elsewhere, and round-trip checks).

Supports the subset the exporters write plus common hand-written GIFT:
multiple choice, true/false and short answer, with ``####`` general feedback.
Unsupported questions are reported with their position, the rest are read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from quiz.models import ALL_TYPES, FALSE_TEXT, MULTIPLE, TRUE_TEXT, Question

_TYPE_COMMENT = re.compile(r"^//\s*kefu-type:\s*(\w+)")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


class ImportProblem(ValueError):
    """A question that could not be read; the message says which and why."""


def unescape(text: str) -> str:
    """Undo GIFT escaping (``\\~`` -> ``~``, ``\\n`` -> newline)."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _split_unescaped(text: str, chars: str) -> list[tuple[str, str]]:
    """Split at unescaped ``chars``; returns ``(marker, piece)`` pairs (marker '' for the head)."""
    out, marker, buf, i = [], "", [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch in chars:
            out.append((marker, "".join(buf)))
            marker, buf = ch, []
        else:
            buf.append(ch)
        i += 1
    out.append((marker, "".join(buf)))
    return out


def _find_unescaped(text: str, ch: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ch:
            return i
        i += 1
    return -1


def _drop_feedback(answer: str) -> str:
    """An answer without its per-answer ``#feedback``."""
    cut = _find_unescaped(answer, "#")
    return answer if cut < 0 else answer[:cut]


def _gift_question(block: str, kind_hint: str | None, number: int) -> Question:
    text = block.strip()
    if text.startswith("::"):
        end = _find_unescaped(text, ":", 2)
        if end < 0 or text[end : end + 2] != "::":
            raise ImportProblem(f"第 {number} 题：::标题:: 没有结束")
        text = text[end + 2 :]
    text = re.sub(r"^\[(?:plain|html|moodle|markdown)\]", "", text)
    open_at = _find_unescaped(text, "{")
    close_at = _find_unescaped(text, "}", open_at + 1) if open_at >= 0 else -1
    if open_at < 0 or close_at < 0:
        raise ImportProblem(f"第 {number} 题：没有 {{答案}} 部分")
    stem = unescape((text[:open_at] + text[close_at + 1 :]).strip())
    body = text[open_at + 1 : close_at].strip()
    feedback = ""
    cut = body.find("####")
    while cut > 0 and body[cut - 1] == "\\":
        cut = body.find("####", cut + 1)
    if cut >= 0:
        body, feedback = body[:cut].strip(), unescape(body[cut + 4 :].strip())
    if re.fullmatch(r"(?i)t|true|f|false", body):
        answer = TRUE_TEXT if body.lower().startswith("t") else FALSE_TEXT
        return Question("tf", stem, [TRUE_TEXT, FALSE_TEXT], answer, feedback)
    if not body:
        raise ImportProblem(f"第 {number} 题：问答题（{{}}）没有标准答案，不能自动评分，未导入")
    if body.startswith("#"):
        # Numerical question: {#25} becomes a cloze item; a tolerance or a range cannot be graded as text.
        numbers = [
            unescape(_drop_feedback(p).strip()) for m, p in _split_unescaped(body[1:], "=") if p.strip()
        ]
        if not numbers or any(not re.fullmatch(r"-?\d+(?:\.\d+)?", n) for n in numbers):
            raise ImportProblem(
                f"第 {number} 题：数值题的误差范围（:）或区间（..）暂不支持，请写成填空题的具体数值"
            )
        return Question("cloze", stem, [], numbers[0], feedback, accepted=numbers[1:])
    if _find_unescaped(body, "-") >= 0 and "->" in body:
        raise ImportProblem(f"第 {number} 题：不支持配对题（->）")
    parts = [(m, unescape(_drop_feedback(p).strip())) for m, p in _split_unescaped(body, "=~") if m]
    if not parts:
        raise ImportProblem(f"第 {number} 题：答案部分为空")
    weighted = [(m, _WEIGHT.match(p)) for m, p in parts]
    if all(m == "~" for m, _ in parts) and any(w for _, w in weighted):
        # ~%50%right ~%-50%wrong: several right options (Moodle's multiple-answer).
        options = [p[w.end() :].strip() if w else p for (_, p), (_, w) in zip(parts, weighted, strict=True)]
        right = [o for o, (_, w) in zip(options, weighted, strict=True) if w and float(w.group(1)) > 0]
        if not right:
            raise ImportProblem(f"第 {number} 题：没有得分为正的选项")
        return Question(MULTIPLE, stem, options, explanation=feedback, answers=right)
    if any(m == "~" for m, _ in parts):
        right = [p for m, p in parts if m == "="]
        if len(right) != 1:
            raise ImportProblem(f"第 {number} 题：单选题须恰好有一个 = 正确答案")
        kind = kind_hint if kind_hint in ("single", "scenario") else "single"
        return Question(kind, stem, [p for _, p in parts], right[0], feedback)
    answers = [p for _, p in parts]
    return Question("cloze", stem, [], answers[0], feedback, accepted=answers[1:])


def read_gift(text: str, collect: bool = False):
    """Questions of a GIFT file (blank lines separate questions; ``//`` lines are comments).

    ``collect``: return ``(questions, problems)``, a problem naming the question's line,
    instead of raising at the first unreadable question.
    """
    questions, problems, block, hint, start, count = [], [], [], None, 1, 0

    def flush() -> None:
        nonlocal block, hint, count
        content = "\n".join(block).strip()
        if content and not content.startswith("$CATEGORY"):
            count += 1
            try:
                questions.append(_gift_question(content, hint, count))
            except ImportProblem as exc:
                if not collect:
                    raise
                problems.append(f"第 {start} 行：{exc}")
        block, hint = [], None

    for number, line in enumerate(text.splitlines(), 1):
        if not block:
            start = number
        stripped = line.strip()
        if stripped.startswith("//"):
            m = _TYPE_COMMENT.match(stripped)
            if m and m.group(1) in ALL_TYPES:
                hint = m.group(1)
            continue
        if not stripped:
            flush()
            continue
        block.append(line)
    flush()
    return (questions, problems) if collect else questions


def _xml_text(node: ET.Element | None) -> str:
    if node is None:
        return ""
    inner = node.find("text")
    return (inner.text if inner is not None else node.text) or ""


def read_moodle_xml(data: bytes | str, collect: bool = False):
    """Questions of a Moodle XML file (multichoice, truefalse, shortanswer).

    ``collect``: return ``(questions, problems)`` instead of raising at the first
    unsupported question. A file that is not XML raises :class:`ImportProblem` with its line.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImportProblem(f"不是有效的 XML（第 {exc.position[0]} 行第 {exc.position[1]} 列）") from None
    out, problems = [], []
    for number, el in enumerate(root.findall("question"), 1):
        try:
            question = _xml_question(el, number)
        except (ImportProblem, ValueError) as exc:
            if not collect:
                raise ImportProblem(str(exc)) from None
            problems.append(f"第 {number} 题：{exc}")
            continue
        if question is not None:
            out.append(question)
    return (out, problems) if collect else out


def _xml_question(el: ET.Element, number: int) -> Question | None:
    mtype = el.get("type")
    if mtype == "category":
        return None
    stem = _xml_text(el.find("questiontext"))
    feedback = _xml_text(el.find("generalfeedback"))
    tags = [_xml_text(t) for t in el.findall("tags/tag")]
    hint = next((t[5:] for t in tags if t.startswith("kefu-") and t[5:] in ALL_TYPES), None)
    answers = [(_xml_text(a), float(a.get("fraction", "0"))) for a in el.findall("answer")]
    if mtype == "multichoice" and (el.findtext("single") or "true").strip().lower() in ("false", "0"):
        right = [t for t, f in answers if f > 0]
        if not right:
            raise ImportProblem(f"第 {number} 题：没有 fraction 为正的选项")
        return Question(MULTIPLE, stem, [t for t, _ in answers], explanation=feedback, answers=right)
    if mtype == "multichoice":
        right = [t for t, f in answers if f >= 100]
        if len(right) != 1:
            raise ImportProblem(f"第 {number} 题：单选题须恰好有一个 fraction=100 的答案")
        kind = hint if hint in ("single", "scenario") else "single"
        return Question(kind, stem, [t for t, _ in answers], right[0], feedback)
    if mtype == "truefalse":
        right = next((t for t, f in answers if f >= 100), "true")
        return Question(
            "tf",
            stem,
            [TRUE_TEXT, FALSE_TEXT],
            TRUE_TEXT if right.strip().lower() == "true" else FALSE_TEXT,
            feedback,
        )
    if mtype == "shortanswer":
        right = [t for t, f in answers if f >= 100]
        if not right:
            raise ImportProblem(f"第 {number} 题：没有正确答案")
        return Question("cloze", stem, [], right[0], feedback, accepted=right[1:])
    raise ImportProblem(f"第 {number} 题：不支持的题型 {mtype!r}")
