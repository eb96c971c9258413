"""Rules from blind reviews 10 to 12: options in numeric order with the key's place random,
no statement cut from the second half of a semicolon-split sentence, no short list item
without its section, no true statement whose only detail is a deadline in words."""

from __future__ import annotations

import json
import random
from collections import Counter

from quiz.distractors import in_numeric_order, middle_of_cluster, number_distractors, numeric_value
from quiz.keys import memorised_detail, number_keys
from quiz.sources import chunk_facts


def _chunk(text: str, headings=("業主接待",)) -> dict:
    return {
        "id": 1,
        "doc_id": 1,
        "doc_title": "客服崗位工作職責",
        "doc_name": "duties.txt",
        "headings": json.dumps(list(headings), ensure_ascii=False),
        "text": text,
        "kind": "text",
        "tags": "[]",
    }


def test_the_part_after_a_continuing_semicolon_is_not_a_fact():
    text = (
        "(二)物業服務中心實行周一至周五8:30-18:00;周六、日9:00-17:00業主接待,"
        "365天24小時應急維修服務,并公開辦事制度,公開收費項目和標準。"
        "(三)物業服務中心監督、投訴電話24小時開通,72小時內有回復。"
    )
    sentences = [f.sentence for f in chunk_facts(_chunk(text))]
    assert not any(s.startswith("周六") for s in sentences)
    assert any("72小時內有回復" in s for s in sentences)


def test_quantity_options_are_shown_in_numeric_order():
    assert in_numeric_order(["48小时", "6小时", "24小时", "12小时"]) == [
        "6小时",
        "12小时",
        "24小时",
        "48小时",
    ]
    assert in_numeric_order(["两日", "七日", "五日", "一日"]) == ["一日", "两日", "五日", "七日"]
    assert in_numeric_order(["16:30", "9:00", "17:00", "16:00"]) == ["9:00", "16:00", "16:30", "17:00"]
    assert in_numeric_order(["每月", "每天", "每季度", "每周"]) == ["每天", "每周", "每月", "每季度"]
    assert in_numeric_order(["全力解决", "表明立场", "真诚道歉", "感谢理解"]) is None
    assert numeric_value("兩天") == 2


def test_the_keys_place_among_numeric_options_varies_with_the_seed():
    key = number_keys("客服工作人员若有紧急事情无法当班,需提前五日和他人交换值班的时间")[0]
    places = Counter()
    for seed in range(40):
        wrong = number_distractors(key, {}, "", random.Random(seed))
        assert len(wrong) == 3 and "五日" not in wrong
        places[sum(numeric_value(w) < 5 for w in wrong)] += 1
    assert set(places) == {0, 1, 2, 3}  # smallest, second, third and largest all happen


def test_a_short_item_needs_its_section_to_say_whose_target_it_is():
    text = "(三)服务响应时间不超过24小时。(四)客服专员应在一周内与新客户进行沟通并做详细备案。"
    bare = [f.sentence for f in chunk_facts(_chunk(text, headings=()))]
    assert not any(s.startswith("服务响应时间") for s in bare)
    assert any(s.startswith("客服专员") for s in bare)
    scoped = [f.sentence for f in chunk_facts(_chunk(text, headings=("工作质量目标",)))]
    assert any(s.startswith("服务响应时间") for s in scoped)


def test_a_deadline_in_words_is_not_enough_for_a_true_statement():
    assert memorised_detail("顾客必须在当天营业日结束前取走所寄物品")
    assert not memorised_detail("顾客必须在当天营业日结束前取走所寄物品", word_deadlines=False)
    assert memorised_detail("领带夹夹在衬衣自上而下第四颗扣子处", word_deadlines=False)
    assert memorised_detail("当天的订单须在16:30前完成发货", word_deadlines=False)


def test_key_is_never_alone_on_its_side_of_a_value_the_stem_prints():
    # Blind review 15: "安全設施維修（　　）內回訪；房屋滲漏水項目維修三天內回訪" with 兩天
    # against 四天/五天/七天 — the only option under the stem's three days is the key.
    stem = "回訪時間:安全設施維修兩天內回訪；房屋滲漏水項目維修三天內回訪；其他項目維修一星期內回訪。"
    key = next(k for k in number_keys(stem) if k.text == "兩天")
    for seed in range(20):
        wrong = number_distractors(key, {}, stem, random.Random(seed))
        assert any(numeric_value(w) < 3 for w in wrong), (seed, wrong)


def test_small_values_never_put_the_key_in_the_middle_of_a_cluster_beside_an_outlier():
    # Blind review 15: 4日/5日/6日/10日 — drop the far value, take the middle one: the key.
    key = next(k for k in number_keys("每季第一個月5日前交上級主管部門") if k.text == "5日")
    known = {key.unit: {5, 10, 15}}  # the manuals' own deadlines on that unit get a bonus
    for seed in range(100):
        options = in_numeric_order([key.text, *number_distractors(key, known, "", random.Random(seed))])
        assert not middle_of_cluster([numeric_value(o) for o in options], 5), (seed, options)
    assert middle_of_cluster([4, 5, 6, 10], 5) and not middle_of_cluster([5, 6, 7, 10], 5)
    assert not middle_of_cluster([3, 4, 5, 6], 4)
