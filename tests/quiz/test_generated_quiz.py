"""Quizzes composed from typed facts on the sample KB: valid items, every kind, no give-aways, determinism."""

from collections import Counter

from quiz.generate import build_questions
from quiz.keys import number_keys
from quiz.models import BLANK, CHOICE_TYPES, CLOZE, SINGLE, TRUE_FALSE, TRUE_TEXT, answer_key

ALL_KINDS = {"number", "approver", "document", "procedure", "reply", "rule"}


def test_a_topic_quiz_has_valid_questions_that_cite_their_fact(generated):
    assert len(generated) == 12
    for q in generated:
        assert not q.validate(), (q.stem, q.validate())
        assert q.source.document and q.source.sentence and q.source.fact_id and q.source.fact_kind
        assert q.explanation and 0 < q.difficulty < 1
        assert q.stem.startswith("根据《")


def test_the_key_is_never_printed_in_the_stem(generated):
    for q in generated:
        if q.type in (SINGLE, CLOZE) and BLANK in q.stem:
            assert answer_key(q.answer) not in answer_key(q.stem.replace(BLANK, "")), q.stem


def test_choice_options_are_distinct(generated):
    for q in generated:
        if q.type in CHOICE_TYPES:
            assert len({answer_key(o) for o in q.options}) == len(q.options) >= 3


def test_number_options_share_the_keys_unit(kb):
    questions, _ = build_questions(kb, n=40, types=("single",), seed=2)
    numeric = [q for q in questions if q.source.fact_kind == "number" and number_keys(q.answer)]
    assert numeric
    for q in numeric:
        unit = number_keys(q.answer)[0].unit
        assert all(number_keys(o) and number_keys(o)[0].unit == unit for o in q.options), q.options


def test_a_true_statement_is_the_source_and_a_false_one_is_not(kb):
    questions, _ = build_questions(kb, n=30, types=("tf",), seed=4)
    assert {q.answer for q in questions} == {"正确", "错误"}
    for q in questions:
        body = answer_key(q.stem.split("，", 1)[1])
        written = answer_key(q.source.sentence).lstrip("0123456789一二三四五六七八九十、.")
        assert (written in body) == (q.answer == TRUE_TEXT), q.stem


def test_true_and_false_statements_stay_balanced_in_a_quiz(kb):
    questions, _ = build_questions(kb, n=12, types=("tf",), seed=5)
    counts = Counter(q.answer for q in questions)
    assert abs(counts["正确"] - counts["错误"]) <= 2


def test_one_question_per_fact_and_per_source_sentence(kb):
    questions, _ = build_questions(kb, n=200, seed=1)
    assert len({q.source.fact_id for q in questions}) == len(questions)
    assert len({answer_key(q.source.sentence) for q in questions}) == len(questions)


def test_a_whole_kb_bank_asks_every_kind_and_is_not_capped(kb):
    questions, notes = build_questions(kb, n=500, seed=1)
    assert len(questions) > 60
    assert {q.source.fact_kind for q in questions} == ALL_KINDS
    assert notes and "已全部使用" in notes[0]


def test_the_key_takes_every_position_about_equally(kb):
    questions, _ = build_questions(kb, n=500, seed=1)
    letters = Counter(q.answer_letter for q in questions if len(q.options) == 4)
    assert set(letters) == set("ABCD")
    assert max(letters.values()) <= 2 * min(letters.values()), letters


def test_same_seed_same_quiz_other_seed_other_quiz(kb, generated):
    again, _ = build_questions(kb, topic="退换货", n=12, seed=1)
    assert [q.as_dict() for q in again] == [q.as_dict() for q in generated]
    other, _ = build_questions(kb, topic="退换货", n=12, seed=7)
    assert [q.as_dict() for q in other] != [q.as_dict() for q in generated]


def test_documents_and_types_narrow_the_quiz(kb):
    questions, notes = build_questions(kb, documents=["会员权益.pdf"], n=30, types=("cloze",), seed=1)
    assert questions and all(q.source.document == "会员权益.pdf" for q in questions)
    assert all(q.type == CLOZE for q in questions)
    assert notes and notes[0].startswith("会员权益.pdf：只有")


def test_a_quiz_of_one_type_holds_only_that_type(kb):
    questions, _ = build_questions(kb, n=10, types=(TRUE_FALSE,), seed=1)
    assert questions and all(q.type == TRUE_FALSE for q in questions)
