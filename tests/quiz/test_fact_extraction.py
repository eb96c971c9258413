"""Typed facts from passages: each kind with its key and exact span, and a named stage for every rejection."""

from kb.models import Passage
from quiz.extract import extract_passage
from quiz.facts import StageReport
from quiz.vocabulary import settle_facts


def passage(
    text, headings=("售后服务", "退换货"), kind="text", question="", answer="", chunk_id=1, doc="手册.md"
):
    return Passage(chunk_id, doc, "售后服务手册", tuple(headings), kind, text, question, answer)


def facts_of(text, **options):
    found, report = extract_passage(passage(text, **options))
    return found, report


def by_kind(found, kind):
    return [f for f in found if f.kind == kind]


def test_every_fact_points_at_its_exact_source_span():
    text = "退换货须知。超过50元的补偿须经售后经理审批。顾客办理退换货须凭购物小票。"
    found, _ = facts_of(text)
    assert found
    for fact in found:
        assert text[fact.start : fact.end] == fact.sentence
        if fact.key_start >= 0:
            assert fact.sentence[fact.key_start : fact.key_end] == fact.key
        assert fact.document == "手册.md" and fact.headings == ["售后服务", "退换货"]
        assert 0 < fact.confidence <= 1


def test_approver_is_the_role_between_the_lead_and_the_approval():
    found, _ = facts_of("超过50元的补偿须经售后经理审批。请假条需部门主管签字方可生效。")
    assert [f.key for f in by_kind(found, "approver")] == ["售后经理", "部门主管"]
    assert all(f.detail["strong"] for f in by_kind(found, "approver"))


def test_function_words_and_clauses_are_not_roles():
    found, report = facts_of("调班必须先得到客服主管的批准。物业服务中心经理负责审核产权清单。")
    assert [f.key for f in by_kind(found, "approver")] == ["客服主管"]
    assert report.rejected.get("审批人位置上不是岗位名称")


def test_traditional_text_is_read_like_simplified_and_keeps_its_characters():
    found, _ = facts_of("裝修申請須經客服部主管審批後方可施工。")
    assert [f.key for f in by_kind(found, "approver")] == ["客服部主管"]


def test_a_role_only_reported_to_is_kept_when_the_kb_knows_it_as_an_approver():
    first, _ = facts_of("退款超过200元须经客服主管审批。", chunk_id=1)
    second, _ = facts_of("每日工作日志报客服主管。", chunk_id=2)
    third, _ = facts_of("发现问题及时报告给仓库同事。", chunk_id=3)
    report = StageReport()
    settled = settle_facts(first + second + third, report)
    roles = [(f.chunk_id, f.key) for f in settled if f.kind == "approver"]
    assert (1, "客服主管") in roles and (2, "客服主管") in roles
    assert all(chunk != 3 for chunk, _ in roles)
    assert report.rejected.get("报送对象不是本知识库中出现过的审批人")


def test_required_documents_are_found_after_show_provide_fill_in():
    found, _ = facts_of("顾客凭购物小票到服务台办理退换货。客服须填写《退换货登记表》。")
    assert [f.key for f in by_kind(found, "document")] == ["购物小票", "《退换货登记表》"]


def test_rules_carry_polarity_and_stated_consequence():
    found, _ = facts_of("客服人员严禁泄露客户的手机号码，违者罚款200元。客服人员必须在工作时间内保持在线。")
    rules = by_kind(found, "rule")
    ban, must = rules
    assert ban.detail["polarity"] == "ban" and ban.key == "泄露客户的手机号码"
    assert ban.detail["consequence"].startswith("违者罚款200元")
    assert must.detail["polarity"] == "must" and must.detail["strong"]


def test_words_that_only_contain_a_modal_are_not_rules():
    found, _ = facts_of("商品质量是相应部门的责任范围之一。售后团队不可或缺的一环是回访工作。")
    assert not by_kind(found, "rule")


def test_numbered_steps_under_a_procedure_heading_are_one_ordered_procedure():
    text = "1.顾客提交退货申请。2.客服在24小时内审核。3.顾客寄回商品。4.仓库验货后退款。"
    found, _ = facts_of(text, headings=("售后服务", "退货流程"))
    (procedure,) = by_kind(found, "procedure")
    assert procedure.detail["steps"] == [
        "顾客提交退货申请",
        "客服在24小时内审核",
        "顾客寄回商品",
        "仓库验货后退款",
    ]
    assert procedure.detail["name"] == "退货流程"


def test_a_numbered_list_of_parallel_duties_is_not_a_procedure():
    text = "工作流程如下：1、负责接待客户咨询。2、负责处理客户投诉。3、负责回访老客户。"
    found, report = facts_of(text)
    assert not by_kind(found, "procedure")
    assert report.rejected.get("并列条目（开头相同），不是先后步骤")


def test_a_numbered_list_that_names_no_procedure_is_counted_as_not_one():
    found, report = facts_of("1.微笑。2.倾听顾客。3.记录问题。", headings=("服务礼仪",))
    assert not by_kind(found, "procedure")
    assert report.rejected.get("编号列表不是流程（标题和引言都没说是流程或步骤）")


def test_replies_come_from_scripts_faq_rows_and_quoted_prose():
    faq, _ = facts_of(
        "",
        kind="faq",
        question="发票可以开专票吗？",
        answer="可以的，请提供单位名称和税号，我们在7个工作日内开具。",
    )
    (reply,) = by_kind(faq, "reply")
    assert reply.detail["request"] == "发票可以开专票吗？" and reply.key.startswith("可以的")
    script, _ = facts_of("1) 活动期间可以便宜点吗? K:亲，抱歉啊。我们不议价的哦，现在的价格已经很优惠了。")
    assert [f.detail["request"] for f in by_kind(script, "reply")] == ["活动期间可以便宜点吗?"]
    prose, _ = facts_of("当买家遇到问题时，可以说“您好！请不要着急！我们会帮您处理好的！”")
    (quoted,) = by_kind(prose, "reply")
    assert quoted.key == "您好！请不要着急！我们会帮您处理好的！"
    assert quoted.detail["situation"] == "当买家遇到问题时"


def test_every_sentence_without_a_fact_is_counted_under_a_stage():
    _, report = facts_of("太短了。请问您还有什么问题吗？我们公司是一家很好的公司，大家都很开心。")
    assert report.rejected.get("太短（少于 8 个汉字）") == 1
    assert report.rejected.get("问句（不是陈述的规定）") == 1
    assert report.rejected.get("没有可考的内容（无数字、审批人、单据、必须/禁止或话术）") == 1


def test_numbers_in_a_bracketed_note_are_not_keys():
    found, report = facts_of("夜间值班（22:00以后）时段，客服须在工单中登记来电。")
    assert not by_kind(found, "number")
    assert report.rejected.get("数字在括号注释里（不是规定本身）")
