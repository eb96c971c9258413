"""Distractors: same unit for numbers; never the key, a part of it or a synonym for terms."""

import random

from common.textnorm import normalize
from quiz.distractors import is_related_form, number_distractors, term_distractors, written_after
from quiz.keys import number_keys


def test_number_distractors_share_the_unit_and_differ_from_the_key():
    key = number_keys("客服在24小时内完成审核")[0]
    known = {"小时": {48.0, 72.0, 2.0}}
    wrong = number_distractors(key, known, "客服在24小时内完成审核", random.Random(1))
    assert len(wrong) == 3 and "24小时" not in wrong
    assert all(w.endswith("小时") for w in wrong)


def test_range_and_chinese_numeral_distractors_keep_their_form():
    key = number_keys("一般1至3个工作日到账")[0]
    wrong = number_distractors(key, {}, "一般1至3个工作日到账", random.Random(3))
    assert all("至" in w and w.endswith("个工作日") for w in wrong) and "1至3个工作日" not in wrong
    key = number_keys("应在三天内回访")[0]
    wrong = number_distractors(key, {}, "应在三天内回访", random.Random(3))
    assert all(w.endswith("天") and not any(c.isdigit() for c in w) for w in wrong)


def test_number_distractors_never_repeat_values_in_the_stem():
    sentence = "第一次罚款10元，第二次30元，第三次开除"
    key = number_keys(sentence)[0]
    wrong = number_distractors(key, {"元": {30.0, 20.0, 5.0}}, sentence, random.Random(1))
    assert "30元" not in wrong and "10元" not in wrong


def test_related_forms_are_detected():
    synonyms = {"快递": ["物流", "包裹"]}
    assert is_related_form("中通快递", "中通", synonyms)  # superstring
    assert is_related_form("中通", "中通快递", synonyms)  # substring
    assert is_related_form("物流", "快递", synonyms)  # listed synonym
    assert not is_related_form("顺丰", "中通", synonyms)


def test_term_distractors_with_the_real_embedder(kb):
    from index.embed_cache import EmbeddingCache

    cache = EmbeddingCache(kb.conn, kb.embedder)
    pool = ["中通快递", "中通", "物流", "顺丰", "邮政", "韵达", "圆通", "发票", "积分"]
    wrong, closeness = term_distractors(
        "快递", pool, cache.embed_passages, "本店默认使用（ ）发货", {"快递": ["物流"]}, random.Random(1)
    )
    assert len(wrong) == 3
    assert not {"中通快递", "物流"} & set(wrong)
    assert 0 < closeness < 1


def test_a_term_the_kb_writes_after_the_blanks_verb_is_recognised():
    text = normalize("客户服务部人员必须熟悉国家相关法律法规，严格遵守公司制度。熟悉产品，法律法规另行培训。")
    assert written_after("熟悉", "法律法规", text, 8)  # "熟悉各类（　　）": 法律法规 fits too
    assert not written_after("熟悉", "法律法规", text[text.index("严格") :], 8)  # other clause only
    assert not written_after("遵守", "法律法规", text, 8)
