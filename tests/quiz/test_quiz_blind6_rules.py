"""Rules from blind review 6: unresolved openers, role conflicts, sure falsehoods,
self-explaining rules, true/false balance and scenario distractors."""

from quiz.conflicts import differing_titles
from quiz.fact_questions import explains_itself, surely_false
from quiz.generate import QuestionBuilder, build_questions
from quiz.models import FALSE_TEXT, SCENARIO, TRUE_FALSE, TRUE_TEXT
from quiz.scenarios import SCENARIO_APART
from quiz.sources import unresolved_opener


def test_a_step_that_opens_at_an_unnamed_moment_needs_a_heading_naming_it():
    assert unresolved_opener("活动结束后,三日内部门主管及时将活动结果报店长。", [])
    assert unresolved_opener("活動結束後,三日內部門主管及時將活動結果報店長。", ["第四章"])
    assert not unresolved_opener("活动结束后,三日内部门主管及时将活动结果报店长。", ["赠品活动"])
    assert unresolved_opener("此时,客服应在5分钟内回复。", ["售后"])
    assert not unresolved_opener("顾客必须在当天营业日结束前取走所寄物品。", [])


def test_the_same_rule_with_another_job_title_is_a_contradiction():
    assert differing_titles(
        "新产品上线前,由客服组长负责给客服上课,介绍新产品。", "新产品上线前,由主管给客服培训,介绍新产品。"
    )
    # A qualifier on the same title, or two different rules, is no contradiction.
    assert not differing_titles("必须立即请当值主管出面处理", "必须立即请主管出面处理")
    assert not differing_titles("客服经理负责部门的日常管理", "客服专员负责接听客户电话,解答客户疑问")


def test_a_bound_turns_false_only_when_tightened():
    s = "對回訪中發現的問題,24小時內書面通知維修人員整改。"
    at = s.index("24")
    assert surely_false(s, at, at + 4, "12小時") and not surely_false(s, at, at + 4, "48小時")
    s = "数量以不低于20%入伙业主数为准"
    at = s.index("20")
    assert surely_false(s, at, at + 3, "30%") and not surely_false(s, at, at + 3, "10%")
    s = "每半年至少开展一次公益性活动"
    assert surely_false(s, 0, 3, "每季度") and not surely_false(s, 0, 3, "每年")
    assert surely_false("每月一次检查入伙收费情况", 0, 2, "每周")


def test_a_rule_that_states_its_purpose_explains_itself():
    assert explains_itself("离开办公室时必须和当班客服进行交接,确保该时段有在线客服接待。")
    assert not explains_itself("女员工刘海不得遮住眉毛,发稍不得遮住脸。")


def test_true_false_items_are_not_all_true(kb):
    for seed in (1, 2):
        questions, _ = build_questions(kb, n=30, types=("tf",), seed=seed)
        keyed = [q.answer for q in questions if q.type == TRUE_FALSE]
        assert keyed.count(FALSE_TEXT) >= 2, keyed
        assert keyed.count(TRUE_TEXT) - keyed.count(FALSE_TEXT) <= 2, keyed


def test_false_statements_are_a_changed_value_never_a_flip(kb):
    questions, _ = build_questions(kb, n=30, types=("tf",), seed=1)
    for q in questions:
        if q.answer == FALSE_TEXT:
            assert "不是“" in q.explanation or "而不是" in q.explanation
            assert not any(flip in q.explanation for flip in ("“不必”", "“可以”", "“无需”"))


def test_scenario_wrong_options_answer_clearly_other_requests(kb):
    builder = QuestionBuilder(kb, 1)
    scripts = {c["answer"].strip(): c["question"].strip() for c in kb.all_chunks() if c["kind"] == "faq"}
    questions = [q for q in builder.scenarios(kb.all_chunks()) if q.type == SCENARIO]
    assert questions
    embed = kb.embedder.embed_queries
    for q in questions[:5]:
        asked = embed([q.source.sentence])[0]
        for option in q.options:
            if option != q.answer:
                assert float(embed([scripts[option]])[0] @ asked) <= SCENARIO_APART


def test_bound_word_with_the_measured_thing_before_the_value():
    # "不超过指尖2mm": 3mm is a looser rule that whoever keeps 2mm keeps too; 1mm is false.
    s = "手掌、指甲保持干净、整洁,指甲长不超过指尖2mm。"
    at = s.index("2mm")
    assert surely_false(s, at, at + 3, "1mm") and not surely_false(s, at, at + 3, "3mm")


def test_bound_word_never_reaches_over_another_amount_and_negated_bounds_turn():
    # 最多 bounds 两人, not 3年: "3年以上" is a floor, so a shorter span is the false one.
    s = "最多两人3年以上工龄者可申请"
    at = s.index("3年")
    assert surely_false(s, at, at + 2, "5年") and not surely_false(s, at, at + 2, "2年")
    # 不应低于 / 不能低于 are floors; 不得高于 is a cap.
    for floor in ("满意度不应低于95%", "满意度不能低于95%", "满意度应该不低于95%"):
        at = floor.index("95%")
        assert surely_false(floor, at, at + 3, "98%") and not surely_false(floor, at, at + 3, "90%"), floor
    cap = "投诉率不得高于5%"
    at = cap.index("5%")
    assert surely_false(cap, at, at + 2, "3%") and not surely_false(cap, at, at + 2, "8%")


def test_plain_and_negated_bound_words_with_modals():
    cases = [
        ("回复时间应低于5分钟", "5分钟", "3分钟", "8分钟"),  # a cap: shorter is the false one
        ("满意度应高于95%", "95%", "98%", "90%"),  # a floor: higher is the false one
        ("满意度应该高于95%", "95%", "98%", "90%"),
        ("单次通话不应该超过5分钟", "5分钟", "3分钟", "8分钟"),
        ("单次通话不要超过5分钟", "5分钟", "3分钟", "8分钟"),
        ("满意度不会低于95%", "95%", "98%", "90%"),
    ]
    for sentence, value, false_value, kept_value in cases:
        at = sentence.index(value)
        end = at + len(value)
        assert surely_false(sentence, at, end, false_value), sentence
        assert not surely_false(sentence, at, end, kept_value), sentence
