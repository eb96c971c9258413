import json

from openpyxl import Workbook

from qa.readers import Rejection, read_transcripts
from qa.transcript import Conversation, canonical_role


def _good(conv_id="c-1", **extra):
    return {
        "id": conv_id,
        "agent": "a01",
        "channel": "chat",
        "messages": [
            {"role": "客户", "text": "在吗", "ts": "2026-11-03T10:00:05+08:00"},
            {"role": "坐席", "text": "您好", "ts": "2026-11-03 10:00:15"},
        ],
        **extra,
    }


def _split(items):
    items = list(items)
    convs = [i for i in items if isinstance(i, Conversation)]
    rejected = [i for i in items if isinstance(i, Rejection)]
    return convs, rejected


def test_jsonl_bad_records_are_reported_and_the_rest_read(write_jsonl):
    missing_agent = _good("c-3")
    del missing_agent["agent"]
    bad_time = _good("c-4")
    bad_time["messages"][1]["ts"] = "昨天下午"
    bad_role = _good("c-5")
    bad_role["messages"][0]["role"] = "路人"
    path = write_jsonl([_good("c-1"), "{not json\n", missing_agent, bad_time, bad_role, _good("c-6")])
    convs, rejected = _split(read_transcripts(path))
    assert [c.id for c in convs] == ["c-1", "c-6"]
    reasons = {r.line: r.reason for r in rejected}
    assert set(reasons) == {2, 3, 4, 5}
    assert "JSON 格式错误" in reasons[2]
    assert "缺少字段 'agent'" in reasons[3]
    assert "无法识别的时间 '昨天下午'" in reasons[4]
    assert "未知角色 '路人'" in reasons[5]
    assert str(rejected[0]).endswith("t.jsonl: 第 2 行: " + reasons[2])


def test_messages_are_sorted_by_timestamp_not_file_order(write_jsonl):
    record = _good()
    record["messages"].reverse()
    (conv,) = _split(read_transcripts(write_jsonl([record])))[0]
    assert [m.role for m in conv.messages] == ["customer", "agent"]
    assert [m.index for m in conv.messages] == [0, 1]


def test_epoch_seconds_and_milliseconds(write_jsonl):
    record = _good()
    record["messages"][0]["ts"] = 1793671205
    record["messages"][1]["ts"] = 1793671215000
    (conv,) = _split(read_transcripts(write_jsonl([record])))[0]
    assert (conv.messages[1].ts - conv.messages[0].ts).total_seconds() == 10


def test_json_array(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([_good("c-1"), {"id": "c-2"}], ensure_ascii=False), encoding="utf-8")
    convs, rejected = _split(read_transcripts(path))
    assert [c.id for c in convs] == ["c-1"]
    assert rejected[0].unit == "item" and rejected[0].line == 2


def test_csv_long_form_with_malformed_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "conversation_id,agent,role,ts,text\n"
        "w1,a01,customer,2026-11-03 10:00:00,在吗\n"
        "w2,a02,customer,2026-11-03 10:00:00,你好\n"
        'w1,a01,agent,2026-11-03 10:00:20,"您好，在的"\n'
        "w2,a02,agent,2026-11-03 10:00:09\n"
        "w3,a03,客服,not-a-time,您好\n",
        encoding="utf-8",
    )
    convs, rejected = _split(read_transcripts(path))
    assert [c.id for c in convs] == ["w1"]
    assert convs[0].messages[1].text == "您好，在的"
    lines = sorted((r.line, r.reason) for r in rejected)
    assert (5, "格式错误：应有 5 列，实际 4 列") in lines
    assert (5, "对话 'w2': 含有格式错误的行") in lines
    assert any(line == 6 and "无法识别的时间" in reason for line, reason in lines)


def test_xlsx_with_column_mapping(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["对话编号", "员工", "身份", "发送时刻", "聊天内容"])
    sheet.append(["x1", "", "買家", "2026-11-03 10:00:00", "請問有貨嗎"])
    sheet.append(["x1", "a07", "客服", "2026-11-03 10:00:12", "您好，有貨的"])
    path = tmp_path / "t.xlsx"
    workbook.save(path)
    mapping = {
        "conversation_id": "对话编号",
        "agent": "员工",
        "role": "身份",
        "ts": "发送时刻",
        "text": "聊天内容",
    }
    (conv,) = _split(read_transcripts(path, columns=mapping))[0]
    assert conv.agent == "a07" and [m.role for m in conv.messages] == ["customer", "agent"]
    missing = list(read_transcripts(path))
    assert isinstance(missing[0], Rejection) and "缺少列" in missing[0].reason


def test_role_aliases():
    assert canonical_role("客服") == canonical_role("Staff") == "agent"
    assert canonical_role("顾客") == canonical_role("user") == canonical_role("客戶") == "customer"
    assert canonical_role("機器人") == canonical_role("robot") == "bot"
    assert canonical_role("路人") is None
