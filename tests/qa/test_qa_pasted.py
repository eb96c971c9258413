"""A chat pasted as 客户：/客服： lines, with or without times."""

from __future__ import annotations

import pytest

from qa.pasted import PastedChatError, looks_like_chat, parse_pasted_chat

CHAT = """客户 10:00:00：在吗，我的快递怎么还没到
客服 10:00:20：您好，很高兴为您服务，非常抱歉让您久等了
我马上帮您查询
[10:01:00] 顾客: 好的
坐席（10:02:30）：祝您生活愉快"""


def test_pasted_chat_lines_with_times_become_a_conversation():
    conversation = parse_pasted_chat(CHAT)
    assert [m.role for m in conversation.messages] == ["customer", "agent", "customer", "agent"]
    assert conversation.messages[1].text.endswith("\n我马上帮您查询")  # a line without a role continues
    assert (conversation.messages[3].ts - conversation.messages[0].ts).total_seconds() == 150
    assert conversation.extra["untimed"] is False


def test_pasted_chat_without_times_is_spaced_and_flagged():
    conversation = parse_pasted_chat("客户：在吗\n客服：您好")
    assert conversation.extra["untimed"] is True and len(conversation.messages) == 2
    assert looks_like_chat("客户：在吗") and not looks_like_chat('{"id": "c1"}')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("你好\n客服：您好", "第 1 行：应以“客户：”或“客服：”开头"),
        ("客户 10:00：在吗\n客服：您好", "第 2 行没有时间"),
        ("客户 99:99：在吗", "第 1 行：时间"),
    ],
)
def test_bad_pasted_chat_names_the_line(text, message):
    with pytest.raises(PastedChatError, match=message):
        parse_pasted_chat(text)
