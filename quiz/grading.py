"""Grade one response to one question (tolerant of how people type answers)."""

from __future__ import annotations

from quiz.models import CHOICE_TYPES, CLOZE, FALSE_TEXT, LETTERS, TRUE_FALSE, TRUE_TEXT, Question, answer_key

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
    return text


def grade(question: Question, response: str) -> bool:
    """True when ``response`` answers ``question`` correctly.

    Cloze answers compare after normalisation (width, script, case, spaces and
    punctuation), against the answer and every accepted alternative.
    """
    given = normalise_response(question, response)
    if not given:
        return False
    if question.type == CLOZE:
        return answer_key(given) in {answer_key(a) for a in [question.answer, *question.accepted]}
    return answer_key(given) == answer_key(question.answer)
