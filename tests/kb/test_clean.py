import re
from pathlib import Path

import pytest

from kb.chunk import chunk_blocks, split_sentences
from kb.clean import Fingerprints, clean_blocks, fold_width, strip_control_chars
from kb.models import Block


def _blocks(*lines):
    return [Block(line) for line in lines]


def test_boilerplate_and_furniture_are_dropped_and_counted():
    blocks = _blocks(
        "下面是出国留学网整理的在线客服工作职责,欢迎参考。",
        "相关文档",
        "客服应在30秒内回复顾客的第一条消息，超时会影响店铺评分。",
        "時間:2022-12-31 17:12:30 工作職責 我要投稿",
    )
    kept, report = clean_blocks(blocks, Fingerprints())
    assert [b.text for b in kept] == ["客服应在30秒内回复顾客的第一条消息，超时会影响店铺评分。"]
    assert report.dropped["page furniture"] == 2
    assert report.dropped["boilerplate sentence"] == 1


def test_related_links_list_after_marker_is_dropped():
    blocks = _blocks(
        "【客服崗位工作職責】相關文章:", "淘寶客服崗位工作職責07-19", "電話客服崗位工作職責09-29"
    )
    kept, report = clean_blocks(blocks, Fingerprints())
    assert kept == []
    assert report.dropped["related-links list"] == 2


def test_exact_and_near_duplicates_within_and_across_documents():
    memory = Fingerprints(threshold=0.8)
    paragraph = "处理客户投诉时应先倾听顾客的不满，再向顾客致歉并提出解决方案，最后做好记录与回访。"
    near = paragraph.replace("最后", "最终")
    kept, report = clean_blocks(_blocks(paragraph, paragraph, near), memory)
    assert len(kept) == 1
    assert report.dropped == {"exact duplicate paragraph": 1, "near duplicate paragraph": 1}
    # A second document repeating the paragraph keeps nothing of it.
    kept2, report2 = clean_blocks(_blocks(paragraph, "另一段完全不同的内容：发票在确认收货后开具。"), memory)
    assert [b.text for b in kept2] == ["另一段完全不同的内容：发票在确认收货后开具。"]


def test_traditional_duplicate_of_simplified_paragraph_is_detected():
    memory = Fingerprints()
    clean_blocks(_blocks("处理客户投诉时应先倾听顾客的不满，再向顾客致歉并提出解决方案。"), memory)
    kept, _ = clean_blocks(_blocks("處理客戶投訴時應先傾聽顧客的不滿，再向顧客致歉並提出解決方案。"), memory)
    assert kept == []


def test_width_is_folded_but_chinese_punctuation_kept():
    assert fold_width("满９９元包邮，ＶＩＰ会员") == "满99元包邮，VIP会员"


def test_spam_link_farm_is_dropped():
    spam = "99热这里只有精品国产7_欧美色欲色综合色欲久久_中文字幕无码精品亚洲资源网久久"
    kept, report = clean_blocks(_blocks(spam), Fingerprints())
    assert kept == [] and report.dropped == {"spam": 1}


def test_a_paragraph_that_mentions_video_three_times_is_kept():
    paragraph = "顾客申请破损理赔时须提供开箱视频，视频需完整拍到快递单号和商品外观，没有视频的申请不予受理。"
    kept, report = clean_blocks(_blocks(paragraph), Fingerprints())
    assert [b.text for b in kept] == [paragraph] and report.dropped == {}


def test_spam_terms_never_match_inside_english_words():
    lines = (
        "Please save the invoice and have a look at the travel plan, available on Java and Android.",
        "The average wait is 30 seconds; advance orders are saved in the navigation bar.",
    )
    kept, report = clean_blocks(_blocks(*lines), Fingerprints())
    assert [b.text for b in kept] == list(lines) and report.dropped == {}


def test_a_spam_sentence_is_cut_and_the_rest_of_the_paragraph_kept():
    spam = "精品国产一区二区_中文字幕无码_欧美色欲久久精品"
    block = f"退货须在签收后七天内申请，客服审核后两个工作日内退款。{spam}"
    kept, report = clean_blocks(_blocks(block), Fingerprints())
    assert [b.text for b in kept] == ["退货须在签收后七天内申请，客服审核后两个工作日内退款。"]
    assert report.dropped == {"spam": 1}


def test_furniture_inside_a_paragraph_is_cut_and_the_paragraph_kept():
    block = "时间:2023-05-06 顾客签收后7天内可以申请无理由退货，运费由顾客承担。我要投稿"
    kept, report = clean_blocks(_blocks(block), Fingerprints())
    assert [b.text for b in kept] == ["顾客签收后7天内可以申请无理由退货，运费由顾客承担。"]
    assert report.dropped == {"page furniture": 2}


def test_a_line_of_labels_is_furniture_but_a_sentence_naming_them_is_not():
    kept, report = clean_blocks(
        _blocks("相关文档 最新文档", "PPT文档演模板", "如需相关文档，请在工作台的“下载文档”页面查找。"),
        Fingerprints(),
    )
    assert [b.text for b in kept] == ["如需相关文档，请在工作台的“下载文档”页面查找。"]
    assert report.dropped == {"page furniture": 2}


def test_encoded_data_is_cut_and_named_as_such():
    blob = "iVBORw0KGgoAAAANSUhEUgAA" * 50
    kept, report = clean_blocks(_blocks(f"图片说明：退货时请拍摄外包装。{blob}"), Fingerprints())
    assert [b.text for b in kept] == ["图片说明：退货时请拍摄外包装。"]
    assert report.dropped == {"encoded data": 1}
    assert report.dropped_share > 0.9


def test_cleaning_counts_the_share_of_text_it_dropped():
    paragraph = "处理客户投诉时应先倾听顾客的不满，再向顾客致歉并提出解决方案，最后做好记录与回访。"
    kept, report = clean_blocks(_blocks(*[paragraph] * 10), Fingerprints())
    assert len(kept) == 1 and report.dropped == {"exact duplicate paragraph": 9}
    assert round(report.dropped_share, 2) == 0.9


def test_control_characters_and_terminal_escapes_are_stripped_but_newlines_and_tabs_kept():
    text, removed = strip_control_chars(
        "\x1b[31m退货\x1b[0m\x00规定\t第一条\r\n\x1b]0;title\x07内容\u202e\x7f"
    )
    assert text == "退货规定\t第一条\n内容" and removed > 0


CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@pytest.mark.parametrize("prefix", ["001", "003"])
def test_a_scraped_manual_without_line_breaks_keeps_its_sentences(prefix):
    """The same page with its newlines removed keeps (nearly) every sentence the lined page keeps."""
    files = sorted(CORPUS.glob(f"{prefix}_*.txt")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip("../shared/corpus is not present")
    text = files[0].read_text(encoding="utf-8")
    lined, _ = clean_blocks(_blocks(*[line for line in text.splitlines() if line.strip()]), Fingerprints())
    flat, report = clean_blocks(_blocks(text.replace("\n", "")), Fingerprints())
    flat_text = re.sub(r"\s+", "", "".join(b.text for b in flat))
    sentences = [re.sub(r"\s+", "", s) for b in lined for s in split_sentences(b.text) if len(s) >= 10]
    assert sum(s in flat_text for s in sentences) >= 0.95 * len(sentences)
    assert report.dropped_share < 0.2
    assert len(chunk_blocks(flat, 150, 520, 1)) >= 20
