"""Hostile scoring input: nothing in a transcript file or a QA policy can hang, crash or corrupt a run.

Every case is built here, in code (no committed fixtures), and run through the real CLI
(``app.main`` in-process; a subprocess with a generous timeout where the bug was a hang).
Each checks (a) the message names the file, the line and the field, (b) the exit status
(0 all scored, 1 something rejected or missing and the rest scored, 2 an unusable policy)
and (c) that the good files and lines of the same batch were scored.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app import main

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD_S = 60  # generous: a guard against a hang, never a timing assertion

POLICY = """\
name: 对抗测试规则
rules:
  - id: greeting
    kind: required
    position: first
    within: 2
    phrases: [您好]
  - id: abuse
    kind: banned
    terms: [{term: 骗子, negation: true}]
"""


def conversation(conv_id: str, agent_text: str = "您好，很高兴为您服务", **fields) -> dict:
    """A well-formed conversation; ``fields`` replace top-level fields (for breaking one)."""
    record = {
        "id": conv_id,
        "agent": "a01",
        "messages": [
            {"role": "customer", "text": "在吗，我的订单怎么还没到", "ts": "2026-11-03T10:00:00+08:00"},
            {"role": "agent", "text": agent_text, "ts": "2026-11-03T10:00:05+08:00"},
        ],
    }
    record.update(fields)
    return record


def with_message(conv_id: str, index: int, **fields) -> dict:
    """A conversation whose message ``index`` has ``fields`` replaced."""
    record = conversation(conv_id)
    record["messages"][index].update(fields)
    return record


def line(record: dict | bytes, encoding: str = "utf-8") -> bytes:
    if isinstance(record, bytes):
        return record + b"\n"
    return (json.dumps(record, ensure_ascii=False) + "\n").encode(encoding)


def jsonl(*records: dict | bytes) -> bytes:
    return b"".join(line(r) for r in records)


def long_form(rows: list[list[object]]) -> list[list[object]]:
    return [["会话ID", "客服", "角色", "时间", "内容"], *rows]


def good_rows(conv_id: str, agent: str = "a02") -> list[list[object]]:
    return [
        [conv_id, agent, "客户", "2026-11-03 10:00:00", "在吗"],
        [conv_id, agent, "客服", "2026-11-03 10:00:04", "您好，请问有什么可以帮您"],
    ]


def csv_bytes(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def without_dimension(data: bytes) -> bytes:
    """The workbook without its ``<dimension>`` element: read-only openpyxl then yields short rows."""
    import re

    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(rb"<dimension [^>]*/>", b"", content)
            out.writestr(item, content)
    return target.getvalue()


def with_sheet_xml(data: bytes, xml: bytes) -> bytes:
    """The workbook with its worksheet XML replaced (a damaged export)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    return zip_bytes(
        {n: xml if n.startswith("xl/worksheets/") else source.read(n) for n in source.namelist()}
    )


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


GOOD = jsonl(conversation("g1"), conversation("g2"))


# --- running the CLI ------------------------------------------------------------------------------


@dataclass
class Run:
    status: int
    cards: dict[str, dict]
    err: str


def run_cli(argv: list[str], capsys) -> Run:
    status = main(argv)
    captured = capsys.readouterr()
    cards = {}
    for text in captured.out.splitlines():
        if text.startswith("{"):
            card = json.loads(text)
            cards[card["id"]] = card
    return Run(status, cards, captured.err)


def run_subprocess(argv: list[str]) -> Run:
    """The CLI in a child process, so that a hang fails the test instead of freezing the suite."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *argv],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        cwd=ROOT,
    )
    cards = {json.loads(t)["id"]: json.loads(t) for t in done.stdout.splitlines() if t.startswith("{")}
    return Run(done.returncode, cards, done.stderr)


def score_argv(folder: Path, names: list[str], policy: Path) -> list[str]:
    files = [str(folder / name) for name in names]
    return [
        "--home",
        str(folder / "home"),
        "score",
        *files,
        "--policy",
        str(policy),
        "--json",
        "--no-semantic",
    ]


def write_policy(folder: Path, text: str | bytes = POLICY) -> Path:
    path = folder / "p.yaml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# --- transcript files -----------------------------------------------------------------------------


@dataclass(frozen=True)
class InputCase:
    """Files of one batch, what stderr must say about the bad ones, and what must still be scored."""

    id: str
    files: dict[str, bytes | None]  # name -> content; None: not created (a missing file)
    messages: tuple[str, ...]
    scored: frozenset[str]
    status: int = 1
    check: Callable[[dict[str, dict]], None] | None = field(default=None, compare=False)


def _utf8_text_kept(cards: dict[str, dict]) -> None:
    greeting = next(r for r in cards["c1"]["rules"] if r["id"] == "greeting")
    assert greeting["status"] == "pass" and greeting["evidence"][0]["text"] == "您好"


INPUT_CASES = [
    InputCase(
        "jsonl_gbk_line_in_utf8_file",
        {"t.jsonl": line(conversation("g1")) + line(conversation("坏行"), "gbk") + line(conversation("g2"))},
        ("t.jsonl: 第 2 行: 不是 UTF-8 文本",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_binary_junk_line",
        {"t.jsonl": jsonl(conversation("g1"), bytes(range(256)).replace(b"\n", b""), conversation("g2"))},
        ("t.jsonl: 第 2 行: 不是 UTF-8 文本",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_line_nested_100k_deep",
        {
            "t.jsonl": jsonl(
                conversation("g1"),
                b'{"id": "deep", "agent": "a1", "messages": ' + nested(100_000) + b"}",
                conversation("g2"),
            )
        },
        ("t.jsonl: 第 2 行: JSON 嵌套过深",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_text_is_a_list",
        {
            "t.jsonl": jsonl(
                conversation("g1"), with_message("x", 1, text=["您好", "再见"]), conversation("g2")
            )
        },
        ("t.jsonl: 第 2 行: messages[1].text 必须是文本，实际是数组",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_id_is_an_object",
        {"t.jsonl": jsonl(conversation("g1"), conversation({"x": 1}), conversation("g2"))},
        ("t.jsonl: 第 2 行: 字段 'id' 必须是文本或整数，实际是对象",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_agent_is_a_list",
        {"t.jsonl": jsonl(conversation("g1"), conversation("x", agent=["a1"]), conversation("g2"))},
        ("t.jsonl: 第 2 行: 字段 'agent' 必须是文本或整数，实际是数组",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_channel_is_an_object",
        {"t.jsonl": jsonl(conversation("g1"), conversation("x", channel={"a": 1}), conversation("g2"))},
        ("t.jsonl: 第 2 行: 字段 'channel' 必须是文本，实际是对象",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_role_is_a_number",
        {"t.jsonl": jsonl(conversation("g1"), with_message("x", 0, role=5), conversation("g2"))},
        ("t.jsonl: 第 2 行: messages[0].role 必须是文本，实际是整数",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_ts_is_an_object",
        {"t.jsonl": jsonl(conversation("g1"), with_message("x", 1, ts={"t": 1}), conversation("g2"))},
        ("t.jsonl: 第 2 行: messages[1].ts: 时间必须是文本或数字，实际是对象",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_ts_is_nan",
        {
            "t.jsonl": jsonl(
                conversation("g1"),
                json.dumps(with_message("x", 1, ts=0)).replace('"ts": 0', '"ts": NaN').encode(),
                conversation("g2"),
            )
        },
        ("t.jsonl: 第 2 行: JSON 格式错误：不是有效的 JSON 数值 NaN",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_ts_out_of_range",
        {"t.jsonl": jsonl(conversation("g1"), with_message("x", 1, ts=1e300), conversation("g2"))},
        ("t.jsonl: 第 2 行: messages[1].ts: 时间戳", "超出范围"),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_integer_of_5000_digits",
        {
            "t.jsonl": jsonl(
                conversation("g1"),
                b'{"id": ' + b"9" * 5000 + b', "agent": "a1", "messages": []}',
                conversation("g2"),
            )
        },
        ("t.jsonl: 第 2 行: JSON 格式错误",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_messages_not_a_list",
        {"t.jsonl": jsonl(conversation("g1"), conversation("x", messages="在吗"), conversation("g2"))},
        ("t.jsonl: 第 2 行: 缺少字段 'messages'",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_message_without_ts",
        {"t.jsonl": jsonl(conversation("g1"), with_message("x", 1, ts=None), conversation("g2"))},
        ("t.jsonl: 第 2 行: messages[1]: 缺少字段 'ts'",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_line_is_an_array",
        {"t.jsonl": jsonl(conversation("g1"), b"[1, 2, 3]", conversation("g2"))},
        ("t.jsonl: 第 2 行: 应为 JSON 对象，实际是数组",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_broken_json_named_in_chinese",
        {"t.jsonl": jsonl(conversation("g1"), b'{"id": "x", "agent": ', conversation("g2"))},
        ("t.jsonl: 第 2 行: JSON 格式错误：缺少值",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "jsonl_bom_and_crlf_are_fine",
        {"t.jsonl": codecs.BOM_UTF8 + jsonl(conversation("g1"), conversation("g2")).replace(b"\n", b"\r\n")},
        (),
        frozenset({"g1", "g2"}),
        status=0,
    ),
    InputCase(
        "json_array_nested_deep",
        {"good.jsonl": GOOD, "t.json": b'[{"id": "deep", "messages": ' + nested(100_000) + b"}]"},
        ("t.json: JSON 嵌套过深",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "json_array_saved_as_gbk",
        {"good.jsonl": GOOD, "t.json": json.dumps([conversation("坏")], ensure_ascii=False).encode("gbk")},
        ("t.json: 第 1 行不是 UTF-8 文本",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "json_array_item_with_list_id",
        {
            "good.jsonl": GOOD,
            "t.json": json.dumps([conversation("g3"), conversation([1, 2])], ensure_ascii=False).encode(),
        },
        ("t.json: 第 2 项: 字段 'id' 必须是文本或整数，实际是数组",),
        frozenset({"g1", "g2", "g3"}),
    ),
    InputCase(
        "xlsx_that_is_not_a_zip",
        {"good.jsonl": GOOD, "坏.xlsx": b"conversation_id,agent\nthis is a CSV renamed to xlsx\n"},
        ("坏.xlsx: 不是有效的 XLSX 工作簿",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "xlsx_truncated",
        {"good.jsonl": GOOD, "半截.xlsx": xlsx_bytes(long_form(good_rows("x1")))[:900]},
        ("半截.xlsx: 不是有效的 XLSX 工作簿",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "xlsx_zip_without_a_workbook",
        {"good.jsonl": GOOD, "空壳.xlsx": zip_bytes({"hello.txt": b"hi"})},
        ("空壳.xlsx: 不是有效的 XLSX 工作簿",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "xlsx_zip_with_broken_sheet_xml",
        {
            "good.jsonl": GOOD,
            "坏表.xlsx": with_sheet_xml(
                xlsx_bytes(long_form(good_rows("x1"))), b"<worksheet><sheetData><row"
            ),
        },
        ("坏表.xlsx: 不是有效的 XLSX 工作簿",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "xlsx_short_row_without_dimension",
        {
            "short.xlsx": without_dimension(
                xlsx_bytes(
                    long_form(
                        [
                            *good_rows("x2"),
                            ["x1", "a1", "客户", "2026-11-03 10:00:00", "在吗"],
                            ["x1", "a1", "客服"],
                        ]
                    )
                )
            )
        },
        ("short.xlsx: 第 5 行: 对话 'x1': ts: 无法识别的时间",),
        frozenset({"x2"}),
    ),
    InputCase(
        "csv_gbk_row_in_utf8_file",
        {
            "good.jsonl": GOOD,
            "t.csv": csv_bytes(long_form(good_rows("c1")))
            + "c2,a03,客服,2026-11-03 10:00:05,您好（GBK 编码的一行）\n".encode("gbk"),
        },
        ("t.csv: 第 4 行: 不是 UTF-8 文本",),
        frozenset({"g1", "g2", "c1"}),
        check=_utf8_text_kept,
    ),
    InputCase(
        "csv_field_over_the_csv_module_limit",
        {
            "t.csv": csv_bytes(
                long_form([*good_rows("c1"), ["c2", "a03", "客服", "2026-11-03 10:00:05", "长" * 200_000]])
            )
        },
        ("t.csv: 第 4 行: CSV 格式错误",),
        frozenset({"c1"}),
    ),
    InputCase(
        "csv_without_role_and_time_columns",
        {"good.jsonl": GOOD, "t.csv": csv_bytes([["会话ID", "客服", "内容"], ["c1", "a1", "您好"]])},
        ("t.csv: 缺少列 role, ts",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "csv_empty",
        {"good.jsonl": GOOD, "t.csv": b""},
        ("t.csv: 文件是空的",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "txt_read_as_csv_with_formula_junk",
        {"t.txt": csv_bytes(long_form([*good_rows("c1"), ["c2", "a1", "=cmd|' /C calc'!A0", "x", "y"]]))},
        ("t.txt: 第 4 行: 对话 'c2': role: 未知角色",),
        frozenset({"c1"}),
    ),
    InputCase(
        "missing_file_in_batch",
        {"good.jsonl": GOOD, "nope.jsonl": None},
        ("nope.jsonl: 文件不存在",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "only_missing_files",
        {"nope.jsonl": None, "gone.csv": None},
        ("nope.jsonl: 文件不存在", "gone.csv: 文件不存在"),
        frozenset(),
    ),
    InputCase(
        "folder_given_as_file",
        {"good.jsonl": GOOD, "folder.jsonl/inner.txt": b"x"},
        ("folder.jsonl: 这是文件夹，不是文件",),
        frozenset({"g1", "g2"}),
    ),
    InputCase(
        "unsupported_file_type",
        {"good.jsonl": GOOD, "report.pdf": b"%PDF-1.4"},
        ("report.pdf: 不支持的文件类型",),
        frozenset({"g1", "g2"}),
    ),
]


@pytest.mark.parametrize("case", INPUT_CASES, ids=lambda c: c.id)
def test_bad_transcript_input(case, tmp_path, capsys):
    names = []
    for name, content in case.files.items():
        path = tmp_path / name
        names.append(name.split("/")[0])
        if content is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    run = run_cli(score_argv(tmp_path, names, write_policy(tmp_path)), capsys)
    for message in case.messages:
        assert any(message in err_line for err_line in run.err.splitlines()), (message, run.err)
    assert "Traceback" not in run.err
    assert run.status == case.status, run.err
    assert set(run.cards) == case.scored, run.err
    rejected = run.err.count("rejected: ")
    assert f"scored {len(case.scored)}, rejected {rejected}" in run.err
    assert (rejected == 0) == (case.status == 0)
    if case.check:
        case.check(run.cards)


def test_missing_and_rejected_inputs_are_stored_with_the_run(tmp_path, capsys):
    (tmp_path / "t.jsonl").write_bytes(GOOD + b"{broken\n")
    run = run_cli(score_argv(tmp_path, ["t.jsonl", "nope.jsonl"], write_policy(tmp_path)), capsys)
    assert run.status == 1 and set(run.cards) == {"g1", "g2"}
    from qa.store import list_runs, open_store

    conn = open_store(tmp_path / "home" / "kefu.sqlite3")
    try:
        stored = list_runs(conn)[0]
    finally:
        conn.close()
    assert stored["scored"] == 2 and stored["rejected"] == 2


# --- long messages: linear work per message, whatever the policy and the text ---------------------


def test_message_with_twenty_thousand_negatable_hits_is_scored(tmp_path):
    text = "骗子" * 20_000
    (tmp_path / "t.jsonl").write_bytes(jsonl(conversation("long", agent_text=text), conversation("g1")))
    run = run_subprocess(score_argv(tmp_path, ["t.jsonl"], write_policy(tmp_path)))
    assert run.status == 0, run.err
    abuse = next(r for r in run.cards["long"]["rules"] if r["id"] == "abuse")
    assert abuse["status"] == "fail" and len(abuse["evidence"]) == 20_000
    assert set(run.cards) == {"long", "g1"}


def test_regex_matching_every_character_of_a_long_message(tmp_path):
    policy = POLICY + "  - id: any\n    kind: banned\n    regex: ['.']\n"
    (tmp_path / "t.jsonl").write_bytes(
        jsonl(conversation("long", agent_text="慢" * 50_000), conversation("g1"))
    )
    run = run_subprocess(score_argv(tmp_path, ["t.jsonl"], write_policy(tmp_path, policy)))
    assert run.status == 0, run.err
    rule = next(r for r in run.cards["long"]["rules"] if r["id"] == "any")
    assert len(rule["evidence"]) == 50_000 and rule["evidence"][-1]["span"] == [49_999, 50_000]


# --- policies ------------------------------------------------------------------------------------


def rule_with(body: str) -> str:
    """The base policy plus one rule (``rules[2]``, id ``rx``) of the given YAML body."""
    return POLICY + "  - id: rx\n" + "".join(f"    {text}\n" for text in body.strip("\n").splitlines())


def billion_laughs(levels: int = 9) -> str:
    """Nine lines of anchors that expand to 9**9 items wherever a rule's description is read."""
    lines = ["name: 别名炸弹", "description:", "  - &l0 [哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈]"]
    for i in range(1, levels):
        lines.append(f"  - &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    policy = POLICY.split("\n", 1)[1].replace(
        "    kind: banned", f"    kind: banned\n    description: *l{levels - 1}"
    )
    return "\n".join(lines) + "\n" + policy


@dataclass(frozen=True)
class PolicyCase:
    """A policy that must be refused: what ``policy-check`` says (naming rule and field)."""

    id: str
    text: str | bytes
    messages: tuple[str, ...]


POLICY_CASES = [
    PolicyCase(
        "regex_lookbehind",
        rule_with("kind: banned\nregex: ['(?<!不)抱歉']"),
        (
            "p.yaml: rules[2] (id=rx): regex[0] '(?<!不)抱歉': 无法使用这个正则表达式：不支持前瞻/后顾",
            "except",
            "negation",
        ),
    ),
    PolicyCase(
        "regex_lookahead_in_trigger",
        rule_with(
            "kind: required\nposition: after\nwithin: 2\nphrases: [抱歉]\ntrigger: {regex: ['投诉(?!已处理)']}"
        ),
        (
            "p.yaml: rules[2] (id=rx): trigger.regex[0] '投诉(?!已处理)': 无法使用这个正则表达式：不支持前瞻/后顾",
        ),
    ),
    PolicyCase(
        "regex_backreference",
        rule_with("kind: banned\nregex: ['(滚)\\1']"),
        ("p.yaml: rules[2] (id=rx): regex[0] '(滚)\\\\1': 无法使用这个正则表达式：不支持反向引用",),
    ),
    PolicyCase(
        "regex_named_backreference",
        rule_with("kind: banned\nregex: ['(?P<w>滚)(?P=w)']"),
        ("rules[2] (id=rx): regex[0] '(?P<w>滚)(?P=w)': 无法使用这个正则表达式：不支持反向引用",),
    ),
    PolicyCase(
        "regex_word_boundary",
        rule_with("kind: banned\nregex: ['\\bSB\\b']"),
        ("rules[2] (id=rx): regex[0] '\\\\bSB\\\\b': 无法使用这个正则表达式：不支持 \\b", "phrases / terms"),
    ),
    PolicyCase(
        "regex_atomic_group",
        rule_with("kind: banned\nregex: ['(?>滚+)蛋']"),
        ("rules[2] (id=rx): regex[0] '(?>滚+)蛋': 无法使用这个正则表达式：不支持原子组",),
    ),
    PolicyCase(
        "regex_unclosed_group",
        rule_with("kind: banned\nregex: ['(unclosed']"),
        ("rules[2] (id=rx): regex[0] '(unclosed': 无法使用这个正则表达式：缺少 )",),
    ),
    PolicyCase(
        "regex_repetition_over_1000",
        rule_with("kind: banned\nregex: ['((a{100}){100}){100}']"),
        ("rules[2] (id=rx): regex[0] '((a{100}){100}){100}': 无法使用这个正则表达式",),
    ),
    PolicyCase(
        "regex_not_a_list",
        rule_with("kind: banned\nregex: 5"),
        ("rules[2] (id=rx): 'regex' 必须是文本列表",),
    ),
    PolicyCase(
        "points_infinite",
        rule_with("kind: banned\nterms: [滚]\npoints: .inf"),
        ("rules[2] (id=rx): 'points' 必须是有限的正数",),
    ),
    PolicyCase(
        "points_float_overflowing_to_inf",
        rule_with("kind: banned\nterms: [滚]\npoints: 1.0e+400"),
        ("rules[2] (id=rx): 'points' 必须是有限的正数",),
    ),
    PolicyCase(
        "points_integer_too_large_for_a_float",
        rule_with("kind: banned\nterms: [滚]\npoints: 1" + "0" * 400),
        ("rules[2] (id=rx): 'points' 必须是有限的正数",),
    ),
    PolicyCase(
        "points_integer_of_5000_digits",
        rule_with("kind: banned\nterms: [滚]\npoints: " + "9" * 5000),
        ("p.yaml: YAML 里有位数过多的数字",),
    ),
    PolicyCase(
        "points_summing_to_infinity",
        POLICY.replace("    phrases: [您好]", "    phrases: [您好]\n    points: 1.0e+308").replace(
            "    terms: [{term: 骗子", "    points: 1.0e+308\n    terms: [{term: 骗子"
        ),
        ("p.yaml: 所有规则的 'points' 合计过大",),
    ),
    PolicyCase(
        "pass_score_nan", "pass_score: .nan\n" + POLICY, ("p.yaml: 'pass_score' 必须是 0 到 100 之间的数字",)
    ),
    PolicyCase(
        "semantic_threshold_nan",
        "semantic_threshold: .nan\n" + POLICY,
        ("p.yaml: 'semantic_threshold' 必须是",),
    ),
    PolicyCase(
        "sla_infinite",
        rule_with("kind: latency\nmeasure: reply\nsla_s: .inf"),
        ("rules[2] (id=rx): 'sla_s' 必须是有限的正数",),
    ),
    PolicyCase(
        "yaml_nested_50k_deep",
        POLICY + "negators: " + "[" * 50_000 + "]" * 50_000 + "\n",
        ("p.yaml: YAML 嵌套过深",),
    ),
    PolicyCase(
        "yaml_billion_laughs_aliases",
        billion_laughs(),
        ("p.yaml: 第 4 行 不是有效的 YAML（不支持 YAML 别名",),
    ),
    PolicyCase(
        "yaml_integer_and_string_keys_mixed",
        "1: x\nbogus: y\n" + POLICY,
        ("p.yaml: 未知的键 1", "p.yaml: 未知的键 'bogus'"),
    ),
    PolicyCase(
        "description_is_a_list",
        rule_with("kind: banned\nterms: [滚]\ndescription: [a, b]"),
        ("rules[2] (id=rx): 'description' 必须是文本",),
    ),
    PolicyCase(
        "rule_id_is_a_nested_list",
        POLICY + "  - id: [[[x]]]\n    kind: banned\n    terms: [滚]\n",
        ("p.yaml: rules[2]: 'id' 必须是",),
    ),
    PolicyCase(
        "trigger_negation_not_a_boolean",
        rule_with(
            "kind: required\nposition: after\nwithin: 2\nphrases: [抱歉]\ntrigger: {phrases: [投诉], negation: 有时}"
        ),
        ("rules[2] (id=rx): trigger 的 'negation' 必须是 true 或 false",),
    ),
    PolicyCase("policy_saved_as_gbk", POLICY.encode("gbk"), ("p.yaml: 第 1 行不是 UTF-8 文本",)),
    PolicyCase("not_yaml", "rules: [\n  - id: x\n", ("p.yaml: 第 2 行 不是有效的 YAML",)),
    PolicyCase("top_level_is_a_list", "- id: x\n- id: y\n", ("p.yaml: 应为含 'name' 和 'rules' 的映射",)),
]


@pytest.mark.parametrize("case", POLICY_CASES, ids=lambda c: c.id)
def test_bad_policy_is_refused_naming_rule_and_field(case, tmp_path, capsys):
    policy = write_policy(tmp_path, case.text)
    checked = run_cli(["--home", str(tmp_path / "home"), "policy-check", str(policy)], capsys)
    assert checked.status == 2
    for message in case.messages:
        assert message in checked.err, (message, checked.err)
    assert "Traceback" not in checked.err
    (tmp_path / "good.jsonl").write_bytes(GOOD)
    scored = run_cli(score_argv(tmp_path, ["good.jsonl"], policy), capsys)
    assert scored.status == 2 and scored.cards == {} and case.messages[0] in scored.err


def test_every_error_of_a_policy_is_listed_not_only_the_first(tmp_path, capsys):
    text = rule_with("kind: banned\nregex: ['(?=x)', '(a)\\1', 'ok']\npoints: .inf")
    run = run_cli(
        ["--home", str(tmp_path / "home"), "policy-check", str(write_policy(tmp_path, text))], capsys
    )
    assert run.status == 2
    assert "regex[0] '(?=x)'" in run.err and "regex[1] '(a)\\\\1'" in run.err and "'points'" in run.err
    assert "regex[2]" not in run.err


# --- regexes that used to backtrack for ever now run in linear time --------------------------------


@dataclass(frozen=True)
class RegexCase:
    """A policy regex that must be accepted and must match (or not) without hanging."""

    id: str
    pattern: str
    agent_text: str
    hit: str | None  # the matched text, or None when the rule must pass


REGEX_CASES = [
    RegexCase("nested_quantifier_a_plus_plus", "(a+)+$", "a" * 40 + "!", None),
    RegexCase("word_run_with_optional_space", r"^(\w+\s?)*$", "客服 " * 40 + "!", None),
    RegexCase("overlapping_alternation_under_star", "(好|好好)*吗$", "好" * 60 + "。", None),
    RegexCase("unicode_word_class_matches_chinese", r"订单\w+", "您的订单号码已发送", "订单号码已发送"),
    RegexCase("readme_example_greeting", "^亲[,，]?在吗", "亲，在吗", "亲，在吗"),
    RegexCase(
        "digits_after_normalisation", r"\d{11}", "请拨打１３８００１３８０００", "１３８００１３８０００"
    ),
]


@pytest.mark.parametrize("case", REGEX_CASES, ids=lambda c: c.id)
def test_policy_regex_runs_in_linear_time(case, tmp_path, capsys):
    policy = write_policy(tmp_path, rule_with(f"kind: banned\nregex: ['{case.pattern}']"))
    checked = run_cli(["--home", str(tmp_path / "home"), "policy-check", str(policy)], capsys)
    assert checked.status == 0, checked.err
    (tmp_path / "t.jsonl").write_bytes(
        jsonl(conversation("rx", agent_text=case.agent_text), conversation("g1"))
    )
    run = run_subprocess(score_argv(tmp_path, ["t.jsonl"], policy))
    assert run.status == 0 and set(run.cards) == {"rx", "g1"}, run.err
    rule = next(r for r in run.cards["rx"]["rules"] if r["id"] == "rx")
    if case.hit is None:
        assert rule["status"] == "pass"
    else:
        assert rule["status"] == "fail"
        assert rule["evidence"][0]["text"] == case.hit and rule["evidence"][0]["pattern"] == case.pattern


# --- exports: a transcript never becomes a live spreadsheet formula --------------------------------

FORMULAS = ('=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(1)", "\t=1+1")


def _assert_inert_csv(data: bytes) -> list[str]:
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], cells
    return cells


def _assert_inert_xlsx(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    values = [c.value for c in cells if isinstance(c.value, str)]
    assert not [v for v in values if v.startswith(("=", "+", "-", "@", "\t", "\r"))], values
    return values


def test_cli_and_web_exports_neutralise_formulas(tmp_path, capsys):
    import qa.report

    records = [
        {
            "id": "=1+1",
            "agent": "@agent",
            "messages": [
                {"role": "customer", "text": "在吗", "ts": "2026-11-03T10:00:00+08:00"},
                *(
                    {"role": "agent", "text": text, "ts": f"2026-11-03T10:00:0{i + 1}+08:00"}
                    for i, text in enumerate(FORMULAS)
                ),
            ],
        },
        conversation("g1"),
    ]
    (tmp_path / "=evil.jsonl").write_bytes(jsonl(*records) + b"{broken\n")
    argv = score_argv(tmp_path, ["=evil.jsonl"], write_policy(tmp_path)) + ["--out", str(tmp_path / "out")]
    run = run_cli(argv, capsys)
    assert run.status == 1 and set(run.cards) == {"=1+1", "g1"}
    out = tmp_path / "out"
    evidence = _assert_inert_csv((out / "evidence.csv").read_bytes())
    assert "'" + FORMULAS[1] in evidence  # kept, made inert, not dropped
    assert "'=1+1" in _assert_inert_csv((out / "conversations.csv").read_bytes())
    assert "'@agent" in _assert_inert_csv((out / "agents.csv").read_bytes())
    _assert_inert_csv((out / "rejections.csv").read_bytes())
    assert "'" + FORMULAS[0] in _assert_inert_xlsx((out / "report.xlsx").read_bytes())
    cards = list(run.cards.values())  # the scorecards' JSON, as the web exports a stored run
    assert "'=1+1" in _assert_inert_csv(qa.report.run_csv(cards))
    assert "'" + FORMULAS[1] in _assert_inert_xlsx(qa.report.run_xlsx(cards))


# --- the web API: the same core errors, as 400s and validation results, never a 500 or a hang --------


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A web app on a fresh home with one QA user; returns (client, headers, home)."""
    from common.db import connect
    from service import users
    from web import create_app

    home = tmp_path_factory.mktemp("hostile-web")
    app = create_app({"home": str(home), "admin_password": "admin-secret-1", "TESTING": True})
    client = app.test_client()
    client.get("/api/me")  # the first request creates the database
    conn = connect(home / "kefu.sqlite3")
    user = users.create_user(conn, "qa-hostile", "qa-secret-1", "qa")
    token = users.issue_token(conn, user.id)
    conn.close()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/qa/policies", headers=headers).status_code == 200  # seeds the policy library
    return client, headers, home


def test_api_score_with_json_nested_100k_deep_is_400(api):
    client, headers, _ = api
    body = b'{"policy": "default.yaml", "semantic": false, "conversations": ' + nested(100_000) + b"}"
    response = client.post("/api/qa/score", data=body, headers=headers, content_type="application/json")
    assert response.status_code == 400 and "嵌套过深" in response.get_json()["error"]["message"]


def test_api_score_with_a_deep_array_item_rejects_it(api):
    client, headers, _ = api
    body = {"policy": "default.yaml", "semantic": False, "conversations": [conversation("w1"), [[[[[]]]]]]}
    data = client.post("/api/qa/score", json=body, headers=headers).get_json()
    assert data["scored"] == 1 and data["rejections"][0]["reason"] == "应为 JSON 对象，实际是数组"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: " + "[" * 50_000 + "]" * 50_000, "YAML 嵌套过深"),
        (billion_laughs(), "不支持 YAML 别名"),
        (rule_with("kind: banned\nregex: ['(?<!不)抱歉']"), "rules[2] (id=rx): regex[0] '(?<!不)抱歉'"),
        ("pass_score: .nan\n" + POLICY, "'pass_score' 必须是 0 到 100 之间的数字"),
    ],
    ids=["yaml_nested_deep", "yaml_aliases", "regex_lookbehind", "pass_score_nan"],
)
def test_api_policy_validation_reports_hostile_policies(api, text, message):
    client, headers, _ = api
    response = client.post("/api/qa/policies/validate", json={"text": text}, headers=headers)
    assert response.status_code == 200
    data = response.get_json()
    assert data["valid"] is False and any(message in e for e in data["errors"]), data


def test_api_scoring_with_a_once_catastrophic_regex_answers(api):
    client, headers, home = api
    policy = rule_with("kind: banned\nregex: ['(a+)+$', '^(\\w+\\s?)*$']")
    (home / "policies" / "hostile.yaml").write_text(policy, encoding="utf-8")
    body = {
        "policy": "hostile.yaml",
        "semantic": False,
        "conversations": [conversation("evil", agent_text="a" * 40 + "!"), conversation("w2")],
    }
    answers = []
    worker = threading.Thread(
        target=lambda: answers.append(client.post("/api/qa/score", json=body, headers=headers)), daemon=True
    )
    worker.start()
    worker.join(HANG_GUARD_S)
    assert not worker.is_alive(), "scoring hung on a policy regex"
    assert answers[0].status_code == 201 and answers[0].get_json()["scored"] == 2
