"""Procedure-step questions, the guessability check for term blanks, the definition
filter, reply-script options and the second form of a number fact."""

from collections import Counter

from common.textnorm import normalize
from quiz.generate import _CUT_REPLY, _STAGE, Candidate, QuestionBuilder, build_questions
from quiz.keys import Key
from quiz.procedures import echoes_previous, find_procedures, is_attitude, short_step, stitch
from quiz.sources import Fact, defines_concept, is_clean_sentence


def _chunk(cid, ord_, text, headings="[]", doc_id=1):
    return {
        "id": cid,
        "doc_id": doc_id,
        "ord": ord_,
        "kind": "text",
        "text": text,
        "headings": headings,
        "doc_title": "门店手册",
        "doc_name": "门店手册.md",
    }


GIFT = [
    _chunk(
        1,
        0,
        "赠品由客服部统一管理。客服部发放赠品的流程:1.收货部根据采购清单收货并填写明细表;"
        "2.服务台接收赠品,核实数量;3.在赠品帐本上登记数量和库存;",
    ),
    # The next chunk repeats the last step (the chunker's one-sentence overlap).
    _chunk(2, 1, "3.在赠品帐本上登记数量和库存;4.顾客凭小票领取赠品,客服人员盖章;5.活动结束后三日内报店长。"),
]


def test_stitch_drops_the_overlap_between_chunks():
    text, starts = stitch(GIFT)
    assert text.count("3.在赠品帐本上登记数量和库存") == 1
    assert [chunk["id"] for _, chunk in starts] == [1, 2]


def test_numbered_procedure_across_chunks_is_found_with_its_name():
    (proc,) = find_procedures(GIFT)
    assert proc.name == "客服部发放赠品的流程"
    assert proc.steps == [
        "收货部根据采购清单收货并填写明细表",
        "服务台接收赠品,核实数量",
        "在赠品帐本上登记数量和库存",
        "顾客凭小票领取赠品,客服人员盖章",
        "活动结束后三日内报店长",
    ]
    assert proc.chunk_id == 1 and proc.document == "门店手册"


def test_step_titles_before_a_colon_are_the_options():
    assert short_step("申请：顾客在订单页面提交退货申请；") == "申请"
    chunk = _chunk(
        1, 0, "处理问题应采取以下步骤:1.倾听:先听完。2.核实:查订单。3.方案:给出办法。4.回访:三天后回访。"
    )
    assert find_procedures([chunk])[0].steps == ["倾听", "核实", "方案", "回访"]


def test_a_heading_names_the_procedure_when_the_text_does_not():
    chunk = _chunk(
        1,
        0,
        "1.业主到服务中心办理手续;2.接待人员审核资料;3.接待人员开具票据;4.接待人员陪同验房;",
        '["(四)入伙程序"]',
    )
    assert find_procedures([chunk])[0].name == "入伙程序"


def test_lists_that_are_not_procedures_are_refused():
    duties = "岗位职责:1.负责接待顾客;2.负责整理资料;3.负责回访客户;4.负责培训新人;"
    three = "退货流程:1.申请;2.审核退货;3.寄回商品;"
    conditions = "寄包程序:1.当顾客寄包时,放入柜中;2.当顾客取包时;3.如果顾客丢失了存包牌;4.在营业结束后;"
    ordered = "处理流程:1.首先安抚顾客;2.查明原因;3.给出方案;4.最后回访;"
    clock = "工作流程:1.8:30-9:30处理售后;2.9:30-12:00接待顾客;3.12:00-14:00处理评价;4.14:00-17:00打单;"
    standing = "工作流程:1.前台接听来电;2.转交后台处理;3.投诉转反馈小组;4.需定期与其他部门交流;5.需密切沟通;"
    for text in (duties, three, conditions, ordered, clock, standing):
        assert find_procedures([_chunk(1, 0, text)]) == [], text


def test_spun_or_repeated_steps_are_refused():
    spun = "办事台流程:1.顾客到办事台登记;2.办事部核实;3.发卖区域确认;4.赐与赠品;"
    same = "退货流程:1.核实订单信息;2.核实订单信息无误;3.登记退货;4.退款给顾客;"
    for text in (spun, same):
        assert find_procedures([_chunk(1, 0, text)]) == [], text


def test_a_step_that_points_back_at_the_previous_one_is_spotted():
    assert echoes_previous(
        "客服课接待顾客,根据实际情况确认商品是否符合退换货要求", "确认可以退换货后,客服课收回小票"
    )
    assert echoes_previous("接待人员审核业主资料", "物管接待人员审核资料无误后按项目收费")
    assert not echoes_previous("顾客签字,在服务台领取现金", "客服课将退换货商品登记在登记本上")


def test_attitudes_are_not_steps_to_order():
    assert is_attitude("保持心情平静") and is_attitude("站在顾客的立场为对方设想")
    assert not is_attitude("表明立场(转移责任)") and not is_attitude("真诚道歉")
    assert not is_attitude("做好细节记录,感谢顾客所反映的问题")


def test_procedure_questions_ask_first_and_next_steps(kb):
    questions, _ = build_questions(kb, n=40, types=("single",), seed=1)
    # 投诉处理按以下五个步骤进行 opens with 倾听: intake, which every service procedure starts
    # with, so its order is common sense and it is not asked (blind reviews 3 and 4).
    assert not [q for q in questions if "投诉处理按以下五个步骤进行" in q.stem]
    # 退货按以下步骤办理 has five steps: after the one asked about, too few later steps are
    # left for three wrong options, and earlier ones would give the answer away.
    assert not [q for q in questions if "退货按以下步骤办理" in q.stem]
    assert not [q for q in questions if q.stem.endswith("第一步是（　　）。")]


TRANSFER = [
    _chunk(
        1,
        0,
        "门店之间调拨商品的流程:1.门店经理签发调拨单;2.仓管员清点库存;3.司机装车;"
        "4.财务开具发票;5.收货门店盘点;6.信息员录入系统;7.店长签字归档。",
    )
]


def test_next_step_wrong_options_all_come_later(kb):
    builder = QuestionBuilder(kb, 1)
    builder.all_chunks, builder.by_id = TRANSFER, {c["id"]: c for c in TRANSFER}
    (question,) = builder.procedure_questions(TRANSFER)
    (proc,) = find_procedures(TRANSFER)
    position = {step: i for i, step in enumerate(proc.steps)}
    asked = question.stem.split("“")[-1].split("”")[0]
    assert position[question.answer] == position[asked] + 1
    assert position[question.answer] not in (0, len(proc.steps) - 1)
    # Earlier steps among the options would leave one option that can follow (blind review 6).
    assert all(position[o] > position[question.answer] for o in question.options if o != question.answer)


def _builder(kb, text: str) -> QuestionBuilder:
    builder = QuestionBuilder(kb, 1)
    builder._kb_text = normalize(text)
    return builder


def _term(sentence: str, word: str) -> Candidate:
    start = sentence.index(word)
    return Candidate(Fact(sentence, "手册", [], 1, True), Key(word, start, start + len(word), "term"), 2, 0.0)


def test_term_blank_guessable_from_its_neighbours_is_refused(kb):
    builder = _builder(kb, "接听客户电话要礼貌。接听客户电话时先报工号。客户电话号码要登记。")
    cand = _term("不能在接听客户电话时吃东西", "电话")
    assert builder.collocations(cand.fact.sentence, cand.key.start, cand.key.end, "电话") >= 2
    assert builder.guessable(cand, ["电子邮件", "小时", "客户关系"])
    # When the KB writes a distractor in the slot about as often, the neighbours decide nothing.
    even = _builder(kb, "接听客户电话。客户电话。接听客户来电。客户来电。接听客户来信。客户来信。")
    assert not even.guessable(cand, ["来电", "来信", "邮件"])


def test_amount_before_the_blank_gives_a_fine_away(kb):
    builder = _builder(kb, "")
    cand = _term("如有违反将予以5-50元/次不等的罚款,造成损失由责任人承担", "罚款")
    assert builder.guessable(cand, ["核准", "发票", "部门"])


def test_verb_that_predicts_its_object_makes_the_blank_guessable(kb):
    builder = _builder(kb, "备注工号。备注工号。备注工号。备注订单。")
    cand = _term("每销售完一笔订单,都要在订单里备注工号,以便计算提成", "工号")
    assert builder.verb_predicts(cand.fact.sentence, cand.key.start, "工号")
    assert not _builder(kb, "备注订单。备注颜色。备注尺码。").verb_predicts(
        cand.fact.sentence, cand.key.start, "工号"
    )


def test_definitions_of_general_concepts_are_not_facts():
    pareto = "運用排列圖,從影響服務質量的諸多問題中,找出關鍵的少數(在全部問題中占80%比重的1至2個問題)"
    assert defines_concept(pareto) and not is_clean_sentence(pareto)
    assert defines_concept("所谓首问负责制是指第一位接待顾客的员工负责到底")
    assert not defines_concept("客服专员负责的客户,应在一周内与客户进行沟通,并做详细备案")
    assert is_clean_sentence("客服专员负责的客户,应在一周内与客户进行沟通,并做详细备案")


def test_cut_replies_and_stage_directions_are_not_options():
    assert _CUT_REPLY.search("亲,旗舰店是需要公司营业执照、注册商标、税务登记证、")
    assert not _CUT_REPLY.search("亲,我们不议价的哦,您拍下的价格已经非常优惠了。")
    assert _STAGE.search("麻烦您稍等我2分钟~ 等待2-3分钟后再回复顾客下述语句")
    assert not _STAGE.search("亲,买过且交易成功后您就是会员了,再次购买可享受会员价。")


def test_one_question_per_fact_and_per_procedure_even_when_short_of_material(kb):
    questions, notes = build_questions(kb, n=200, seed=1)
    assert notes  # the sample KB cannot fill 200: a shortfall is reported, nothing is asked twice
    per_fact = Counter(q.fingerprint for q in questions)
    assert max(per_fact.values()) == 1
    procedures = Counter(
        q.stem.split("”，")[0] for q in questions if "第一步" in q.stem or "下一步" in q.stem
    )
    assert not procedures or max(procedures.values()) == 1
    again, _ = build_questions(kb, n=200, seed=1)
    assert [(q.type, q.stem, q.options) for q in again] == [(q.type, q.stem, q.options) for q in questions]


def test_a_flip_contradicted_by_a_later_requirement_is_asked_only_as_written():
    from quiz.generate import _CLAUSE_AFTER_FLIP

    sentence = "凡退现金必须在单据上注明为退现,要求主管以上人员签字认可"
    marker = sentence.index("必须") + 2
    assert _CLAUSE_AFTER_FLIP.search(sentence[marker:])
    assert not _CLAUSE_AFTER_FLIP.search("调班的客服必须先得到客服主管的批准"[4:])
