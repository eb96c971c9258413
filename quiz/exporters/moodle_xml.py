"""Moodle XML format (https://docs.moodle.org/en/Moodle_XML_format).

Text is written as ``plain_text`` so stems need no HTML escaping beyond what
the XML writer does. The question type travels in a ``kefu-<type>`` tag.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from quiz.models import CHOICE_TYPES, CLOZE, MULTIPLE, TRUE_FALSE, TRUE_TEXT, TYPE_LABELS, Question, Quiz

_MOODLE_TYPE = {
    "single": "multichoice",
    "scenario": "multichoice",
    MULTIPLE: "multichoice",
    TRUE_FALSE: "truefalse",
    CLOZE: "shortanswer",
}


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = "plain_text") -> ET.Element:
    node = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(node, "text").text = text
    return node


def _answer(parent: ET.Element, text: str, fraction: float) -> None:
    node = _text(parent, "answer", text)
    node.set("fraction", f"{fraction:.5f}".rstrip("0").rstrip("."))


def question_element(q: Question, number: int) -> ET.Element:
    el = ET.Element("question", {"type": _MOODLE_TYPE[q.type]})
    name = ET.SubElement(el, "name")
    ET.SubElement(name, "text").text = f"Q{number} {TYPE_LABELS[q.type]}"
    _text(el, "questiontext", q.stem)
    _text(el, "generalfeedback", q.explanation)
    ET.SubElement(el, "defaultgrade").text = "1"
    if q.type in CHOICE_TYPES:
        ET.SubElement(el, "single").text = "true"
        ET.SubElement(el, "shuffleanswers").text = "true"
        ET.SubElement(el, "answernumbering").text = "ABCD"
        for option in q.options:
            _answer(el, option, 100 if option == q.answer else 0)
    elif q.type == MULTIPLE:
        ET.SubElement(el, "single").text = "false"
        ET.SubElement(el, "shuffleanswers").text = "true"
        ET.SubElement(el, "answernumbering").text = "ABCD"
        wrong = max(1, len(q.options) - len(q.answers))
        for option in q.options:
            _answer(el, option, 100 / len(q.answers) if option in q.answers else -100 / wrong)
    elif q.type == TRUE_FALSE:
        _answer(el, "true", 100 if q.answer == TRUE_TEXT else 0)
        _answer(el, "false", 0 if q.answer == TRUE_TEXT else 100)
    else:
        ET.SubElement(el, "usecase").text = "0"
        for alt in dict.fromkeys([q.answer, *q.accepted]):
            _answer(el, alt, 100)
    tags = ET.SubElement(el, "tags")
    ET.SubElement(ET.SubElement(tags, "tag"), "text").text = f"kefu-{q.type}"
    return el


class MoodleXmlExporter:
    name, extension, mimetype = "xml", "xml", "application/xml"

    def export(self, quiz: Quiz) -> bytes:
        root = ET.Element("quiz")
        category = ET.SubElement(root, "question", {"type": "category"})
        _text(category, "category", f"$course$/{quiz.title}", None)
        for i, q in enumerate(quiz.questions, 1):
            root.append(question_element(q, i))
        ET.indent(root)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
