"""Read GIFT and Moodle XML back into questions (questions written elsewhere, and round-trip checks).

Supports the subset the exporters write plus common hand-written GIFT:
multiple choice, true/false and short answer, with ``####`` general feedback.
Unsupported questions are reported with their position, the rest are read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from quiz.models import FALSE_TEXT, QUESTION_TYPES, TRUE_TEXT, Question

_TYPE_COMMENT = re.compile(r"^//\s*kefu-type:\s*(\w+)")


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
            raise ImportProblem(f"GIFT question {number}: unterminated ::title::")
        text = text[end + 2 :]
    text = re.sub(r"^\[(?:plain|html|moodle|markdown)\]", "", text)
    open_at = _find_unescaped(text, "{")
    close_at = _find_unescaped(text, "}", open_at + 1) if open_at >= 0 else -1
    if open_at < 0 or close_at < 0:
        raise ImportProblem(f"GIFT question {number}: no {{answer}} block")
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
    parts = [(m, unescape(_drop_feedback(p).strip())) for m, p in _split_unescaped(body, "=~") if m]
    if not parts:
        raise ImportProblem(f"GIFT question {number}: empty answer block")
    if any(m == "~" for m, _ in parts):
        right = [p for m, p in parts if m == "="]
        if len(right) != 1:
            raise ImportProblem(f"GIFT question {number}: expected exactly one =right answer")
        kind = kind_hint if kind_hint in ("single", "scenario") else "single"
        return Question(kind, stem, [p for _, p in parts], right[0], feedback)
    answers = [p for _, p in parts]
    return Question("cloze", stem, [], answers[0], feedback, accepted=answers[1:])


def read_gift(text: str) -> list[Question]:
    """Questions of a GIFT file (blank lines separate questions; ``//`` lines are comments)."""
    questions, block, hint = [], [], None

    def flush() -> None:
        nonlocal block, hint
        content = "\n".join(block).strip()
        if content and not content.startswith("$CATEGORY"):
            questions.append(_gift_question(content, hint, len(questions) + 1))
        block, hint = [], None

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("//"):
            m = _TYPE_COMMENT.match(stripped)
            if m and m.group(1) in QUESTION_TYPES:
                hint = m.group(1)
            continue
        if not stripped:
            flush()
            continue
        block.append(line)
    flush()
    return questions


def _xml_text(node: ET.Element | None) -> str:
    if node is None:
        return ""
    inner = node.find("text")
    return (inner.text if inner is not None else node.text) or ""


def read_moodle_xml(data: bytes | str) -> list[Question]:
    """Questions of a Moodle XML file (multichoice, truefalse, shortanswer)."""
    root = ET.fromstring(data)
    out = []
    for number, el in enumerate(root.findall("question"), 1):
        mtype = el.get("type")
        if mtype == "category":
            continue
        stem = _xml_text(el.find("questiontext"))
        feedback = _xml_text(el.find("generalfeedback"))
        tags = [_xml_text(t) for t in el.findall("tags/tag")]
        hint = next((t[5:] for t in tags if t.startswith("kefu-") and t[5:] in QUESTION_TYPES), None)
        answers = [(_xml_text(a), float(a.get("fraction", "0"))) for a in el.findall("answer")]
        if mtype == "multichoice":
            right = [t for t, f in answers if f >= 100]
            if len(right) != 1:
                raise ImportProblem(f"XML question {number}: expected exactly one fully right answer")
            kind = hint if hint in ("single", "scenario") else "single"
            out.append(Question(kind, stem, [t for t, _ in answers], right[0], feedback))
        elif mtype == "truefalse":
            right = next((t for t, f in answers if f >= 100), "true")
            out.append(
                Question(
                    "tf",
                    stem,
                    [TRUE_TEXT, FALSE_TEXT],
                    TRUE_TEXT if right.strip().lower() == "true" else FALSE_TEXT,
                    feedback,
                )
            )
        elif mtype == "shortanswer":
            right = [t for t, f in answers if f >= 100]
            if not right:
                raise ImportProblem(f"XML question {number}: no right answer")
            out.append(Question("cloze", stem, [], right[0], feedback, accepted=right[1:]))
        else:
            raise ImportProblem(f"XML question {number}: unsupported type {mtype!r}")
    return out
