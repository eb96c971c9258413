"""A topic quiz takes what its words, their word family or its kind name, and nothing a raw cosine
alone finds; a script's moments are asked against its other moments; courtesy waits and text said
to the customer are no staff rule."""

import random

from kb.models import Passage
from quiz.ask_reply import ReplyQuestions
from quiz.extract import extract_passage
from quiz.generate import build_questions, in_word_family, on_topic, specific_word, topic_words
from quiz.material import embed
from quiz.stems import KeyPlacer
from quiz.worth import not_worth_asking


def facts(text, doc="手册.md", headings=("服务规范",)):
    return extract_passage(Passage(1, doc, doc.removesuffix(".md"), tuple(headings), "text", text))[0]


def test_a_compound_topic_takes_its_specific_word_and_its_word_family():
    found = facts("客服人员应保持良好的仪容仪表。客服人员必须在24小时内回复留言。")
    words = topic_words("服务礼仪")
    specific = specific_word(words, found)
    assert specific == "礼仪"
    appearance, deadline = (next(f for f in found if mark in f.sentence) for mark in ("仪容", "24小时"))
    assert in_word_family(appearance, words, specific)
    assert not in_word_family(deadline, words, specific)
    assert not on_topic(deadline, "服务礼仪", words, specific)


def test_a_topic_naming_a_kind_takes_that_kind_and_the_rules_on_what_to_say():
    reply = facts("当买家遇到问题时，可以说“您好！请不要着急！我们会帮您处理好的！”")
    rule = facts("客服回复顾客时必须使用礼貌用语。客服必须在每天下班前整理工位。")
    words = topic_words("话术")
    assert any(on_topic(f, "话术", words, "话术") for f in reply if f.kind == "reply")
    speech, desk = (
        next(f for f in rule if f.kind == "rule" and mark in f.sentence) for mark in ("回复", "工位")
    )
    assert on_topic(speech, "话术", words, "话术") and not on_topic(desk, "话术", words, "话术")


def test_a_short_topic_says_how_many_facts_it_has(kb):
    questions, notes = build_questions(kb, topic="积分", n=40, seed=1)
    assert len(questions) < 40
    assert notes == [f"积分：只有 {len(questions)} 个可出题的事实（已全部使用），要求 40 道。"]


def test_a_moment_of_a_script_is_asked_against_its_other_moments(kb):
    text = (
        "当买家遇到问题时，可以说“您好！请不要着急！我们会帮您处理好的！”"
        "当价格改好通知买家付款时，可以说“让您久等了，价格已改好，付款后我们会尽快安排发货！”"
        "当买家询问物流情况时，可以说“您好！我马上帮您查询物流信息。”"
    )
    replies = [f for f in facts(text, headings=("接待话术",)) if f.kind == "reply"]
    questions = ReplyQuestions(replies, lambda texts: embed(kb, texts), None, random.Random(1))
    item = questions.scenario(replies[0], KeyPlacer(random.Random(1)))
    assert item is not None and item.answer == replies[0].key
    assert sorted(item.options) == sorted(f.key for f in replies)


def test_courtesy_waits_and_rules_said_to_the_customer_are_not_asked():
    wait = next(f for f in facts("麻烦您稍等我2分钟，我去帮您申请一下。") if f.kind == "number")
    said = next(
        f for f in facts("无论从实力还是服务上，您都可以放心，我们不得随意涨价。") if f.kind == "rule"
    )
    deadline = next(f for f in facts("客服必须在2分钟内响应顾客的咨询。") if f.kind == "number")
    assert not_worth_asking(wait) and not_worth_asking(said)
    assert not_worth_asking(deadline) is None
