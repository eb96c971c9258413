from kb.clean import Fingerprints, clean_blocks, fold_width
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
