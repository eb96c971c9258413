from common.sentences import split_sentences
from kb.chunk import chunk_blocks, extract_script_pairs, heading_level, split_inline_heading
from kb.models import Block


def test_heading_levels_of_chinese_numbering():
    assert heading_level("第一章 总则") == 1
    assert heading_level("第三节 退货流程") == 2
    assert heading_level("二、沟通技巧") == 2
    assert heading_level("1. 专业形象") == 3
    assert heading_level("（2）退款时限") == 4
    assert heading_level("【注意事项】") == 3
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
        2,
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
