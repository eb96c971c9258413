"""Rules from blind review 7: options that differ by form, values inside bracketed asides,
clause windows without a subject, and true statements with nothing concrete to learn."""

from quiz.generate import QuestionBuilder, build_questions
from quiz.keys import in_aside, memorised_detail, strip_asides
from quiz.models import SINGLE, TRUE_FALSE, TRUE_TEXT
from quiz.rules import detail_changes, odd_one_out
from quiz.sources import Fact, has_subject, key_windows, opens_with_quantity

ASIDE_RULE = "物業服務中心在每季第一個月5日前把評議表原件(10天內返還物業服務中心保存)交上級主管部門。"


def test_an_option_set_apart_by_form_is_rejected():
    # The only option with a bracketed gloss, and much the longest.
    assert odd_one_out(["全力解决", "表明立场(转移责任)", "感谢理解", "真诚道歉"])
    assert odd_one_out(["安撫業主", "記錄「投訴內容」", "回訪業主", "通知維修"])  # the only quotes
    assert odd_one_out(["登记", "24小时内回访", "通知维修", "归档"])  # the only digits
    assert not odd_one_out(["全力解决", "表明立场", "感谢理解", "真诚道歉"])
    assert not odd_one_out(["12小时", "24小时", "48小时", "3天"])
    assert strip_asides("表明立场(转移责任)") == "表明立场"
    assert strip_asides("核對資料（身份證、合同）") == "核對資料"


def test_procedure_options_carry_no_asides(kb):
    questions, _ = build_questions(kb, n=30, types=(SINGLE,), seed=1)
    assert questions
    for q in questions:
        assert not odd_one_out(q.options), q.options
        if "下一步是" in q.stem:
            assert not any("(" in o or "（" in o for o in q.options), q.options


def test_a_value_inside_brackets_is_never_asked(kb):
    at = ASIDE_RULE.index("10天")
    assert in_aside(ASIDE_RULE, at, at + 3)
    assert not in_aside(ASIDE_RULE, ASIDE_RULE.index("5日"), ASIDE_RULE.index("5日") + 2)
    changes = detail_changes(ASIDE_RULE, (), lambda key: ["99" + key.unit])
    assert changes and all(not in_aside(ASIDE_RULE, start, end) for start, end, _ in changes)
    builder = QuestionBuilder(kb, seed=1)
    fact = Fact(ASIDE_RULE, "客服崗位工作職責", ["意見征詢"], 1, True)
    for seed in range(5):
        builder.rng.seed(seed)
        for cand in builder.candidates([fact]):
            assert not in_aside(ASIDE_RULE, cand.key.start, cand.key.end), cand.key


def test_a_clause_window_keeps_its_subject():
    assert opens_with_quantity("每月一次檢查入伙收費情況是否符合要求、規范。")
    assert opens_with_quantity("24小时内回复客户的投诉邮件。")
    assert not opens_with_quantity("12:00-14:00处理售后工单并登记。")  # a schedule line
    assert not has_subject("每月一次抽查業務管理員的管理手冊")
    assert not has_subject("检查入伙收费情况,每月一次")
    assert has_subject("物業服務中心經理每月一次檢查入伙收費情況")
    assert has_subject("客服专员应在24小时内回复客户")
    run_on = (
        "物業服務中心經理負責入伙資料的審核與歸檔工作并督促落實整改意見,"
        "每月一次檢查入伙收費情況是否符合要求、規范,發現問題及時通知財務部門核實處理并做好記錄"
    )
    for window in key_windows(run_on):
        assert has_subject(window), window


def test_a_rule_asked_as_written_has_a_detail_to_learn(kb):
    assert not memorised_detail("如果职员无法给予满意的回答,必须立即请当值主管出面处理。")
    assert not memorised_detail("退/换货单核准人须检查填写内容是否正确,确定无误后再签名。")
    assert not memorised_detail("評議表原件(10天內返還)須交上級主管部門。")  # only in an aside
    assert memorised_detail("客服专员应在24小时内回复客户。")
    assert memorised_detail("顾客必须在当天营业日结束前取走所寄物品。")
    assert memorised_detail("領帶夾夾在襯衣自上而下第四顆扣子處。")
    assert memorised_detail("上班迟到者罚款50元。")
    for seed in (1, 2):
        questions, _ = build_questions(kb, n=30, types=(TRUE_FALSE,), seed=seed)
        for q in questions:
            if q.answer == TRUE_TEXT:
                assert memorised_detail(q.source.sentence), q.stem
