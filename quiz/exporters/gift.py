"""Moodle GIFT text format (https://docs.moodle.org/en/GIFT_format).

The characters ``~ = # { } :`` have meaning in GIFT and are escaped with a
backslash wherever they occur in text; so is the backslash itself. The
question type is kept in a ``// kefu-type:`` comment (single and scenario are
both multiple choice in Moodle) so our own importer can restore it.
"""

from __future__ import annotations

import re

from quiz.models import CHOICE_TYPES, CLOZE, MULTIPLE, TRUE_FALSE, TRUE_TEXT, TYPE_LABELS, Question, Quiz

_SPECIAL = re.compile(r"([\\~=#{}:])")


def escape(text: str) -> str:
    """GIFT-escape ``text``; newlines become ``\\n``."""
    return _SPECIAL.sub(r"\\\1", str(text)).replace("\r\n", "\n").replace("\n", r"\n")


def question_to_gift(q: Question, number: int) -> str:
    lines = [f"// kefu-type: {q.type}"]
    if q.source.document:
        lines.append("// 来源: " + q.source.label().replace("\n", " "))
    head = f"::{escape(f'Q{number} {TYPE_LABELS[q.type]}')}::[plain]{escape(q.stem)}"
    feedback = f"####{escape(q.explanation)}" if q.explanation else ""
    if q.type in CHOICE_TYPES:
        options = "\n".join(("=" if o == q.answer else "~") + escape(o) for o in q.options)
        lines.append(f"{head}{{\n{options}\n{feedback}\n}}" if feedback else f"{head}{{\n{options}\n}}")
    elif q.type == MULTIPLE:
        right, wrong = len(q.answers), len(q.options) - len(q.answers)
        options = "\n".join(
            f"~%{_weight(100 / right)}%{escape(o)}"
            if o in q.answers
            else f"~%-{_weight(100 / max(wrong, 1))}%{escape(o)}"
            for o in q.options
        )
        lines.append(f"{head}{{\n{options}\n{feedback}\n}}" if feedback else f"{head}{{\n{options}\n}}")
    elif q.type == TRUE_FALSE:
        lines.append(f"{head}{{{'TRUE' if q.answer == TRUE_TEXT else 'FALSE'}{feedback}}}")
    elif q.type == CLOZE:
        answers = " ".join("=" + escape(a) for a in dict.fromkeys([q.answer, *q.accepted]))
        lines.append(f"{head}{{{answers}{feedback}}}")
    return "\n".join(lines)


def _weight(percent: float) -> str:
    """A GIFT weight (Moodle accepts up to five decimals: 33.33333)."""
    return f"{percent:.5f}".rstrip("0").rstrip(".")


class GiftExporter:
    name, extension, mimetype = "gift", "gift", "text/plain; charset=utf-8"

    def export(self, quiz: Quiz) -> bytes:
        header = (
            f"// {quiz.title}\n// Kefu Playbook quiz {quiz.id or ''}\n\n"
            f"$CATEGORY: $course$/{escape(quiz.title)}\n\n"
        )
        body = "\n\n".join(question_to_gift(q, i) for i, q in enumerate(quiz.questions, 1))
        return (header + body + "\n").encode("utf-8")
