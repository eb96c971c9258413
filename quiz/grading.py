"""Grade one response to one question (tolerant of how people type answers).

``credit`` is the share of the question's mark a response earns (0-1): full or
nothing for single-answer items; for a multiple-answer item each right option
picked earns an equal share and each wrong one picked takes an equal share of
the wrong options away (never below 0), as Moodle's multiple-choice grading does.
"""

from __future__ import annotations

from quiz.equivalence import equivalent
from quiz.models import (
    ANSWER_JOIN,
    CHOICE_TYPES,
    CLOZE,
    FALSE_TEXT,
    LETTERS,
    MULTIPLE,
    TRUE_FALSE,
    TRUE_TEXT,
    Question,
    answer_key,
)

_TRUE = {"正确", "对", "是", "√", "t", "true", "yes", "y", "1"}
_FALSE = {"错误", "错", "否", "×", "x", "f", "false", "no", "n", "0"}


def normalise_response(question: Question, response: str) -> str:
    """The response in the form of ``question.answer`` (letters become option text)."""
    text = str(response or "").strip()
    if question.type in CHOICE_TYPES:
        letter = text.upper().rstrip(".、)）")
        if len(letter) == 1 and letter in LETTERS[: len(question.options)]:
            return question.options[LETTERS.index(letter)]
        return text
    if question.type == TRUE_FALSE:
        low = text.lower()
        if low in _TRUE:
            return TRUE_TEXT
        if low in _FALSE:
            return FALSE_TEXT
    if question.type == MULTIPLE:
        return ANSWER_JOIN.join(chosen_options(question, text))
    return text


def chosen_options(question: Question, response: str) -> list[str]:
    """The options a multiple-answer response picks: option texts joined by ``；`` or letters (``AC``)."""
    text = str(response or "").strip()
    if not text:
        return []
    letters = text.upper().replace(",", "").replace("，", "").replace(" ", "")
    if all(ch in LETTERS[: len(question.options)] for ch in letters):
        return [question.options[LETTERS.index(ch)] for ch in dict.fromkeys(letters)]
    picked = {p.strip() for p in text.replace("\n", ANSWER_JOIN).split(ANSWER_JOIN) if p.strip()}
    return [o for o in question.options if o in picked]


def credit(question: Question, response: str) -> float:
    """Share of the mark (0-1) ``response`` earns."""
    if question.type == MULTIPLE:
        chosen = set(chosen_options(question, response))
        right = set(question.answers)
        wrong_options = len(question.options) - len(right)
        if not chosen or not right:
            return 0.0
        gained = len(chosen & right) / len(right)
        lost = len(chosen - right) / wrong_options if wrong_options else 0.0
        return round(max(0.0, gained - lost), 4)
    return 1.0 if grade(question, response) else 0.0


def grade(question: Question, response: str) -> bool:
    """True when ``response`` answers ``question`` fully right.

    Cloze answers compare after normalisation (width, script, case, spaces and
    punctuation) and as quantities (quiz/equivalence.py: numerals, units, ranges),
    against the answer and every accepted alternative the trainer added.
    """
    if question.type == MULTIPLE:
        return credit(question, response) >= 1.0
    given = normalise_response(question, response)
    if not given:
        return False
    if question.type == CLOZE:
        expected = [question.answer, *question.accepted]
        return answer_key(given) in {answer_key(a) for a in expected} or any(
            equivalent(given, a) for a in expected
        )
    return answer_key(given) == answer_key(question.answer)
