"""Generation from the sample KB: types, quality filters, determinism."""

import re

from quiz.generate import build_questions
from quiz.keys import NEGATION_FLIPS, memorised_detail, number_keys
from quiz.models import BLANK, CLOZE, SCENARIO, SINGLE, TRUE_FALSE, answer_key
from quiz.rules import RULE_STEM


def test_all_types_are_generated_with_sources(generated):
    assert len(generated) == 12
    assert {q.type for q in generated} == {SINGLE, TRUE_FALSE, CLOZE, SCENARIO}
    for q in generated:
        assert not q.validate(), (q.stem, q.validate())
        assert q.source.document and q.source.sentence
        assert q.explanation
        assert 0 < q.difficulty < 1


def test_stems_carry_their_context(generated):
    for q in generated:
        assert re.search(r"《.+》", q.stem), q.stem


def test_key_is_not_given_away_by_the_stem(generated):
    for q in generated:
        if q.type in (SINGLE, CLOZE):
            rest = q.stem.replace(BLANK, "").replace("____", "")
            assert answer_key(q.key) not in answer_key(rest), q.stem


def test_options_are_distinct_and_never_the_key_or_part_of_it(generated):
    for q in generated:
        if q.type not in (SINGLE, SCENARIO):
            continue
        assert len(q.options) == 4
        assert len({answer_key(o) for o in q.options}) == 4
        for option in q.options:
            if option != q.answer:
                a, b = answer_key(option), answer_key(q.answer)
                assert a not in b and b not in a, (option, q.answer)


def test_number_distractors_share_the_unit(generated):
    # A number blank; a "which rule holds" item has whole rules as options.
    numeric = [
        q for q in generated if q.type == SINGLE and number_keys(q.answer) and not q.stem.endswith(RULE_STEM)
    ]
    assert numeric
    for q in numeric:
        unit = number_keys(q.answer)[0].unit
        for option in q.options:
            keys = number_keys(option)
            assert keys and keys[0].unit == unit, (option, q.answer)


def test_false_statements_differ_from_the_source(generated):
    for q in generated:
        if q.type == TRUE_FALSE:
            body = q.stem.split("：", 2)[-1]
            assert (answer_key(q.source.sentence) in answer_key(body)) == (q.answer == "正确"), q.stem


def test_one_question_per_fact(generated):
    assert len({q.fingerprint for q in generated}) == len(generated)
    assert len({q.source.sentence for q in generated}) == len(generated)


def test_same_seed_same_quiz_other_seed_other_quiz(kb, generated):
    again, _ = build_questions(kb, topic="退换货", n=12, seed=1)
    assert [q.as_dict() for q in again] == [q.as_dict() for q in generated]
    # Another seed reorders facts and options (number types only: no new embeddings needed).
    first, _ = build_questions(kb, topic="退换货", n=6, types=("tf", "cloze"), seed=1)
    other, _ = build_questions(kb, topic="退换货", n=6, types=("tf", "cloze"), seed=7)
    assert [q.as_dict() for q in other] != [q.as_dict() for q in first]


def test_scenario_offers_other_approved_replies(kb, generated):
    replies = {r["answer"].strip() for r in kb.all_chunks() if r["kind"] in ("script", "faq")}
    for q in generated:
        if q.type == SCENARIO:
            assert q.stem.startswith("情景题：顾客说：")
            assert set(q.options) <= replies


def test_documents_scope_and_shortfall_note(kb):
    questions, notes = build_questions(kb, documents=["会员权益.pdf"], n=30, types=("cloze",), seed=1)
    assert questions and all(q.source.document == "会员权益.pdf" for q in questions)
    assert all(q.type == CLOZE for q in questions)
    assert notes and "只生成了" in notes[0]


def test_rules_without_numbers_are_asked_as_written_only_with_a_detail_to_learn(kb):
    questions, _ = build_questions(kb, documents=["售后服务手册.md"], n=200, types=("tf",), seed=3)
    assert questions
    negated = [q for q in questions if q.key in NEGATION_FLIPS]
    # Blind review 7: a rule asked as written without a number, time, deadline or penalty
    # is common sense, so every marker-keyed item carries such a detail.
    assert all(memorised_detail(q.source.sentence) for q in negated), [q.stem for q in negated]
    for q in negated:
        body = q.stem.split("：", 2)[-1]
        if q.answer == "正确":
            assert answer_key(q.source.sentence) in answer_key(body)
        else:
            flipped = q.source.sentence.replace(q.key, NEGATION_FLIPS[q.key], 1)
            assert answer_key(flipped) in answer_key(body), q.stem
            assert NEGATION_FLIPS[q.key] in q.explanation
