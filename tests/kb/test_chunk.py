from common.sentences import split_sentences
from kb.chunk import chunk_blocks, extract_script_pairs, heading_level, split_inline_heading
from kb.models import Block


def test_heading_levels_of_chinese_numbering():
    assert heading_level("第一章 总则") == 1
    assert heading_level("第三节 退货流程") == 2
    assert heading_level("第五条 工作时间") == 3
    assert heading_level("二、沟通技巧") == 4
    assert heading_level("（三）回访") == 5
    assert heading_level("1. 专业形象") == 6
    assert heading_level("（2）退款时限") == 7
    assert heading_level("【注意事项】") == 8
    # Numbered prose and truncated lines are not headings.
    assert heading_level("1、负责收集客户信息。") == 0
    assert heading_level("(8) 对品牌电商每月总销量负责,分解到周") == 0
    assert heading_level("4、熟") == 0


def test_heading_chain_travels_with_each_chunk():
    blocks = [
        Block("第一章 售后服务", "paragraph"),
        Block("第一节 退货"),
        Block("顾客签收后7天内可以无理由退货。商品需保持完好。"),
        Block("第二节 换货"),
        Block("质量问题15天内可换货。"),
        Block("第二章 发票"),
        Block("电子发票在确认收货后开具。"),
    ]
    chunks = chunk_blocks(blocks, target_chars=200, max_chars=400, overlap_sentences=1)
    assert [(c.headings, c.text) for c in chunks] == [
        (["第一章 售后服务", "第一节 退货"], "顾客签收后7天内可以无理由退货。商品需保持完好。"),
        (["第一章 售后服务", "第二节 换货"], "质量问题15天内可换货。"),
        (["第二章 发票"], "电子发票在确认收货后开具。"),
    ]


def test_packing_respects_target_and_overlaps_one_sentence():
    sentences = [f"第{i}条规定的内容写在这里并且足够长。" for i in range(1, 13)]
    chunks = chunk_blocks([Block("".join(sentences))], target_chars=60, max_chars=120, overlap_sentences=1)
    assert len(chunks) > 3
    assert all(len(c.text) <= 120 for c in chunks)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert split_sentences(before.text)[-1] == split_sentences(after.text)[0]


def test_script_pairs_on_two_lines_and_inline_are_kept_whole():
    blocks = [
        Block("【物流查询】"),
        Block("Q：我的快递到哪了？"),
        Block("K：亲，您稍等，我帮您查询一下物流信息哦。"),
        Block(
            "2. 对话语 Q:请问你家这个是正品吗? K:亲,旗舰店品牌直销哦。 3. 议价语 1) 活动期间可以便宜点吗? K:亲,抱歉啊,我们不议价的哦。"
        ),
    ]
    chunks = chunk_blocks(blocks, 200, 400, 1)
    scripts = [(c.question, c.answer) for c in chunks if c.kind == "script"]
    assert scripts == [
        ("我的快递到哪了？", "亲，您稍等，我帮您查询一下物流信息哦。"),
        ("请问你家这个是正品吗?", "亲,旗舰店品牌直销哦。"),
        ("活动期间可以便宜点吗?", "亲,抱歉啊,我们不议价的哦。"),
    ]
    assert all(c.headings == ["【物流查询】"] for c in chunks)


def test_text_without_script_markers_is_untouched():
    assert extract_script_pairs("顾客至上，服务第一。") == ("顾客至上，服务第一。", [])


def test_faq_rows_are_one_chunk_each():
    block = Block(
        "多久发货？\n48小时内。", "faq", question="多久发货？", answer="48小时内。", similar=["几天发货"]
    )
    chunks = chunk_blocks([block], 10, 20, 1)
    assert len(chunks) == 1 and chunks[0].kind == "faq"
    assert "几天发货" in chunks[0].index_text()


def test_heading_glued_to_its_first_paragraph_starts_a_section():
    assert split_inline_heading("第三单元存包处一、宗旨1.服务台为我们的顾客服务。") == (
        1,
        "第三单元存包处",
        "一、宗旨1.服务台为我们的顾客服务。",
    )
    assert split_inline_heading("二、专业素养1. 客服人员应穿着整洁。") == (
        4,
        "二、专业素养",
        "1. 客服人员应穿着整洁。",
    )
    # Prose that merely starts with a number is not a heading.
    assert split_inline_heading("一、顾客抱怨问题分析以超市而言,顾客会产生抱怨。") is None
    assert split_inline_heading("三、客服经理负责客服部门的日常管理工作。") is None
    blocks = [
        Block("2.客服专员"),
        Block("负责接听客户电话。"),
        Block("第三单元存包处一、宗旨1.顾客必须在当天营业日结束前取走所寄物品。"),
    ]
    chunks = chunk_blocks(blocks, target_chars=150, max_chars=520, overlap_sentences=1)
    assert chunks[0].headings == ["2.客服专员"]
    # The stale item heading of the previous section is gone.
    assert chunks[-1].headings == ["第三单元存包处", "一、宗旨"]
    assert chunks[-1].text.startswith("1.顾客必须")


def _chains(blocks):
    """Heading chain of the chunk holding each body sentence, keyed by that sentence."""
    return {c.text: c.headings for c in chunk_blocks(blocks, 1, 400, 0)}


def test_numbered_headings_nest_under_markdown_headings_by_level():
    # The sample manual's shape: ## 第二章, ### 第一节, then plain 一、/三、 sub-headings.
    blocks = [
        Block("售后手册", "heading", 1),
        Block("第二章 退换货政策", "heading", 2),
        Block("第一节 七天无理由", "heading", 3),
        Block("一、适用条件"),
        Block("签收7天内可退。"),
        Block("三、运费承担"),
        Block("退回运费由顾客承担。"),
        Block("第三节 退货流程", "heading", 3),
        Block("顾客在订单页面提交申请。"),
        Block("第三章 发票", "heading", 2),
        Block("电子发票随订单开具。"),
    ]
    chains = _chains(blocks)
    assert chains["签收7天内可退。"] == ["售后手册", "第二章 退换货政策", "第一节 七天无理由", "一、适用条件"]
    assert chains["退回运费由顾客承担。"] == [
        "售后手册",
        "第二章 退换货政策",
        "第一节 七天无理由",
        "三、运费承担",
    ]
    assert chains["顾客在订单页面提交申请。"] == ["售后手册", "第二章 退换货政策", "第三节 退货流程"]
    assert chains["电子发票随订单开具。"] == ["售后手册", "第三章 发票"]


def test_every_numbering_style_builds_the_path_of_enclosing_headings():
    blocks = [
        Block("第一章 总则"),
        Block("第一节 范围"),
        Block("第一条 适用对象"),
        Block("一、在线客服"),
        Block("（一）接待流程"),
        Block("1. 问候"),
        Block("(1) 首次回复"),
        Block("三十秒内回复。"),
        Block("(2) 结束语"),
        Block("礼貌道别。"),
        Block("（二）售后流程"),
        Block("先核实订单。"),
        Block("【注意事项】"),
        Block("不得泄露隐私。"),
        Block("二、电话客服"),
        Block("响铃三声内接听。"),
        Block("第二条 工作时间"),
        Block("每日九点上班。"),
        Block("第二节 考核"),
        Block("按月考核。"),
        Block("第二章 附则"),
        Block("本手册自发布起施行。"),
        Block("第三单元存包处一、宗旨1.顾客须当天取走所寄物品。"),
    ]
    chains = _chains(blocks)
    top = ["第一章 总则", "第一节 范围", "第一条 适用对象"]
    assert chains["三十秒内回复。"] == [*top, "一、在线客服", "（一）接待流程", "1. 问候", "(1) 首次回复"]
    assert chains["礼貌道别。"] == [*top, "一、在线客服", "（一）接待流程", "1. 问候", "(2) 结束语"]
    assert chains["先核实订单。"] == [*top, "一、在线客服", "（二）售后流程"]
    assert chains["不得泄露隐私。"] == [*top, "一、在线客服", "（二）售后流程", "【注意事项】"]
    assert chains["响铃三声内接听。"] == [*top, "二、电话客服"]
    assert chains["每日九点上班。"] == ["第一章 总则", "第一节 范围", "第二条 工作时间"]
    assert chains["按月考核。"] == ["第一章 总则", "第二节 考核"]
    assert chains["本手册自发布起施行。"] == ["第二章 附则"]
    assert chains["1.顾客须当天取走所寄物品。"] == ["第三单元存包处", "一、宗旨"]


def test_marked_heading_closes_the_numbered_sections_of_its_sibling():
    blocks = [
        Block("退货", "heading", 2),
        Block("一、条件"),
        Block("1. 完好"),
        Block("吊牌齐全。"),
        Block("换货", "heading", 2),
        Block("质量问题可换。"),
        Block("细则", "heading", 3),
        Block("换货限一次。"),
        Block("附录", "heading", 1),
        Block("联系方式见官网。"),
    ]
    chains = _chains(blocks)
    assert chains["吊牌齐全。"] == ["退货", "一、条件", "1. 完好"]
    assert chains["质量问题可换。"] == ["换货"]
    assert chains["换货限一次。"] == ["换货", "细则"]
    assert chains["联系方式见官网。"] == ["附录"]
