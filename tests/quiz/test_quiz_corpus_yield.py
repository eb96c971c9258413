"""Rules added to raise the yield on noisy scraped manuals without lowering quality.

Clock times, Traditional units, monthly deadlines and task frequencies as keys;
clause windows cut from run-on sentences; examples and common-sense first steps
left out of procedures; no question showing another one's answer.
"""

from __future__ import annotations

import random

from quiz.distractors import frequency_distractors, number_distractors, time_distractors
from quiz.generate import gives_away, key_contexts
from quiz.keys import frequency_keys, number_keys, quantity_keys, time_keys
from quiz.models import SINGLE, TRUE_FALSE, Question, Source
from quiz.procedures import is_example, obvious_first_step
from quiz.sources import fact_sentences as split_sentences
from quiz.sources import is_clean_sentence, key_windows, repeated_heading


def test_clock_times_and_shift_spans_are_keys():
    keys = time_keys("工作时间分为早班和晚班,分别为9:00-18:00和16:30-22:00")
    assert [k.text for k in keys] == ["9:00-18:00", "16:30-22:00"]
    assert not time_keys("時間:2022-12-31 17:12:30 工作職責")  # a scrape stamp, not a rule


def test_time_distractors_keep_the_form_and_stay_near():
    key = time_keys("订单客服对每天16:30前的现货订单必须完成发货")[0]
    wrong = time_distractors(key, set(), "订单客服对每天16:30前的现货订单必须完成发货", random.Random(1))
    assert len(wrong) == 3 and "16:30" not in wrong
    assert all(w.count(":") == 1 and abs(int(w.split(":")[0]) - 16) <= 2 for w in wrong)
    night = time_keys("白班08:00-17:00,晚班17:00-01:00")[1]
    assert all(
        w.startswith(("1", "2")) and w.count(":") == 2
        for w in time_distractors(night, set(), "", random.Random(1))
    )


def test_traditional_units_and_numerals_are_keys_with_traditional_distractors():
    keys = number_keys("物業服務中心監督、投訴電話24小時開通,72小時內有回復")
    assert [k.text for k in keys] == ["72小時"]  # "24小時開通" restates round-the-clock service
    two = number_keys("安全設施維修兩天內回訪")[0]
    assert two.text == "兩天"
    wrong = number_distractors(two, {}, "安全設施維修兩天內回訪", random.Random(1))
    assert len(wrong) == 3 and "兩天" not in wrong


def test_monthly_deadline_and_notice_period_are_keys():
    day = number_keys("客服部主管應在每月5日前把上月的業主資料送管理處")[0]
    assert day.text == "5日"
    wrong = number_distractors(day, {}, "每月5日前", random.Random(1))
    assert all(int(w[:-1]) <= 28 for w in wrong)
    assert [k.text for k in number_keys("需提前两日和他人交换值班的时间")] == ["两日"]
    assert not number_keys("公司是13年从业经验的专业机构")  # a boast, not a rule
    assert not number_keys("作好每一天的工作记录")
    assert not number_keys("投诉处理率达到100%")  # the obvious target


def test_frequency_of_a_task_is_a_key():
    keys = frequency_keys("物業服務中心經理每季度檢查一次業主檔案工作")
    assert [k.text for k in keys] == ["每季度"]
    wrong = frequency_distractors(keys[0], "物業服務中心經理每季度檢查一次業主檔案工作", random.Random(1))
    assert len(wrong) == 3 and "每季度" not in wrong
    assert not frequency_keys("每天上班前要清洁自己办公桌")  # no count: a habit, not a frequency


def test_long_run_on_sentence_gives_clean_windows_around_its_numbers():
    run_on = (
        "上班时间:白班9:00-18:00,晚班14:00-23:00,每周单休,做六休一,休息时间按照排班表轮流安排,"
        "晚班客服下班时间原则上以规定时间为准,如还有客户在咨询,接待客服工作必须自动延长,"
        "不允许出现客户还在咨询,客服人员就下线不理的情况"
    )
    windows = key_windows(run_on)
    assert windows and windows[0].startswith("上班时间:白班9:00-18:00")
    assert all(is_clean_sentence(w) for w in windows)


def test_window_keeps_the_condition_a_number_depends_on():
    conditional = (
        "如设计师对图纸报价中存在的问题不但不进行修改,而直接与客户签订了施工合同的,"
        "则对设计师给予扣除1%的提成处罚并通报批评,同时设计师所属设计分部经理承担相应责任,给予“一般过失单”处罚"
    )
    assert key_windows(conditional)[0].startswith("如设计师")


def test_schedule_line_opening_with_its_time_is_clean_but_glued_tables_are_not():
    assert is_clean_sentence("12:00-14:00处理客户评价问题,有差评和中评必须电话联系客户")
    assert not is_clean_sentence("房屋完好率在100%投訴率在0.5%下")
    assert not is_clean_sentence("上班时刻:白班08:00-17:00 两人晚班17:00-01:00 两人常班09:00-18:00")
    assert repeated_heading("手手掌、指甲保持干净、整洁,指甲长不超过指尖2mm")
    assert not repeated_heading("常常检查库存是否准确并及时补货")


def test_weekday_list_is_not_split_as_numbered_items():
    parts = split_sentences("物業服務中心實行周一至周五8:30-18:00；周六、日9:00-17:00業主接待")
    assert any("周六、日9:00-17:00" in p for p in parts)
    assert not any(p.startswith("日9:00") for p in parts)


def test_example_procedures_and_common_sense_first_steps_are_left_out():
    assert is_example("一个常见的客服工作流程示例")
    assert not is_example("一般商品退换货操作流程")
    assert obvious_first_step("在处理客户问题时,应采取以下步骤", "听取客户问题")
    assert obvious_first_step("客服工作流程", "接收客户咨询和问题")
    assert not obvious_first_step(
        "一般商品退换货操作流程", "顾客凭购物小票或发票及商品到服务台提出退换货要求"
    )


def _question(stem: str, options: list[str], key: str, sentence: str) -> Question:
    return Question(SINGLE, stem, options, key, "", Source("手册", [], sentence), 0.5, key, "f")


def test_a_question_may_not_print_another_ones_answer():
    asked = _question(
        "活动结束后,（　　）内部门主管及时将活动结果报店长。",
        ["两日", "三日", "四日", "六日"],
        "三日",
        "活动结束后,三日内部门主管及时将活动结果报店长",
    )
    steps = _question(
        "客服部发放赠品的流程，第一步是（　　）。",
        [
            "服务台接收赠品,核实数量",
            "活动结束后,三日内部门主管及时将活动结果报店长",
            "收货部收货",
            "顾客领取赠品",
        ],
        "收货部收货",
        "收货部收货；服务台接收赠品,核实数量",
    )
    assert key_contexts(asked) and gives_away(asked, [steps]) and gives_away(steps, [asked])
    other = _question(
        "我们会在订单确认后的（　　）内安排发货。",
        ["12小时", "24小时", "48小时", "72小时"],
        "24小时",
        "我们会在订单确认后的24小时内安排发货",
    )
    statement = Question(
        TRUE_FALSE,
        "判断正误：将在24小时内做出回应。",
        ["正确", "错误"],
        "正确",
        "",
        Source("手册", [], "将在24小时内做出回应"),
        0.3,
        "24小时",
        "g",
    )
    assert not gives_away(other, [statement])  # the same value for a different fact gives nothing away


def test_corpus_rules_never_hide_the_quantity_keys_of_the_sample_manual(kb):
    from quiz.sources import collect_facts

    facts = collect_facts(kb.all_chunks())
    assert sum(bool(quantity_keys(f.sentence)) for f in facts) >= 5


def test_one_letter_table_label_is_unglued_not_dropped():
    from quiz.sources import chunk_facts, unglue_letter

    assert unglue_letter("手手掌、指甲保持干净、整洁,指甲长不超过指尖2mm。") == (
        "手掌、指甲保持干净、整洁,指甲长不超过指尖2mm。"
    )
    for whole in (
        "常常检查库存是否准确并及时补货",
        "宝宝您好，发货时间为付款后48小时内。",  # a form of address, a word of its own
        "谢谢您的耐心等待，退款将在3个工作日内到账。",
        "明明是顾客原因，客服也应在24小时内答复顾客。",
        "仔仔细细核对订单信息，每单核对不超过3分钟。",  # a doubled phrase (AABB)
        "清清楚楚地告知顾客退款须在3个工作日内到账。",
    ):
        assert unglue_letter(whole) == whole, whole
        assert not repeated_heading(whole), whole  # kept whole, and not dropped as a glued label either
    # A zero-frequency prefix of a longer word (部手 of 部手机) is no word.
    assert unglue_letter("部部手机都要在出库前检测3次。") == "部部手机都要在出库前检测3次。"
    chunk = {
        "id": 1,
        "doc_id": 1,
        "kind": "text",
        "text": "饰物工作期间可佩戴手表和婚戒。\n手手掌、指甲保持干净、整洁,指甲长不超过指尖2mm。",
        "headings": '["仪容仪表"]',
        "tags": "[]",
        "doc_title": "客服管理手册",
        "doc_name": "客服管理手册.txt",
    }
    sentences = [f.sentence for f in chunk_facts(chunk)]
    assert "手掌、指甲保持干净、整洁,指甲长不超过指尖2mm。" in sentences
