"""Hostile ingest input: no file or folder entry can hang, crash or silently lose a batch.

Every case is built here, in code (no committed fixtures): a batch folder holding one good
manual and the bad entries of the case, ingested through the real CLI (``app.main``
in-process, ``ingest --json``). Each checks (a) the Chinese message of every bad entry
starts with its path and says why (line or field where there is one), (b) the exit status
(0: everything usable was ingested, skipped entries reported; 1: a file failed) and (c)
that the good manual of the same batch was ingested and is searchable.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PDF = ROOT / "sample_data" / "kb" / "会员权益.pdf"
MB = 1024 * 1024
LIMIT_MB = 6  # max_file_mb of these tests: a 5 MB file is allowed, a bomb need not be huge

GOOD_NAME = "售后手册.txt"
GOOD_TEXT = (
    "第一章 退货\n"
    "顾客签收后七天内可以申请无理由退货，退回的商品须保持完好并附上发票。\n"
    "第二章 换货\n"
    "质量问题的换货须在签收后十五天内提出，来回运费由本店承担。\n"
)
GOOD_QUERY = "签收后几天内可以无理由退货"
MANUAL_LINES = [
    "会员积分在确认收货后到账，每消费一元积一分。",
    "积分可以在下单时抵扣现金，一百积分抵扣一元。",
    "积分有效期为两年，过期未用的积分会被清零。",
]


# --- building files -------------------------------------------------------------------------------


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_bomb(member: str) -> bytes:
    """A small archive whose one member unpacks to 30 MB of zeros (over 4 × the 6 MB limit)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(member, "w", force_zip64=True) as handle:
            chunk = b"\0" * MB
            for _ in range(30):
                handle.write(chunk)
    return buffer.getvalue()


def with_member_replaced(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    return zip_bytes({n: content if n == name else source.read(n) for n in source.namelist()})


LAUGHS = (  # "billion laughs": ten entities of ten references each expand to 10⁹ words
    '<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    + "]>"
).encode()


def entity_bomb_docx() -> bytes:
    """A .docx whose document.xml declares a billion-laughs DTD and uses it in a paragraph."""
    data = docx_bytes(["会员积分在确认收货后到账。"])
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    head, rest = xml.split(b"?>", 1)
    bomb = head + b"?>" + LAUGHS + rest.replace("确认收货后到账。".encode(), b"&lol9;")
    return with_member_replaced(data, "word/document.xml", bomb)


def entity_bomb_xlsx() -> bytes:
    """An .xlsx whose sheet declares a billion-laughs DTD and uses it in a cell."""
    data = xlsx_bytes({"FAQ": [["问题", "答案"], ["多久发货？", "两天内。"]]})
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    head, rest = xml.split(b"?>", 1) if xml.startswith(b"<?xml") else (b"", xml)
    cell = b'<row r="3"><c r="A3" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
    bomb = (head + b"?>" if head else b"") + LAUGHS + rest.replace(b"</sheetData>", cell)
    return with_member_replaced(data, "xl/worksheets/sheet1.xml", bomb)


def manual(lines: list[str] = MANUAL_LINES) -> str:
    return "\n".join(lines) + "\n"


# --- cases ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What the report must say about one bad entry: its status and the start of its message."""

    name: str  # path relative to the batch folder
    status: str  # error | skipped | added (a file that is fine, with a warning)
    message: str = ""  # the error (or a warning, for added) starts with "<path>: " + this
    contains: tuple[str, ...] = ()  # further parts the message must hold (line, field, reason)
    named: bool = False  # given on the command line beside the batch folder (under its parent)


@dataclass(frozen=True)
class IngestCase:
    id: str
    build: Callable[[Path], None]  # writes the case's entries into the batch folder
    entries: tuple[Entry, ...]
    status: int = 1
    named: tuple[str, ...] = ()  # further paths for the command line, relative to the folder's parent
    check: Callable[[Path, dict], None] | None = field(default=None, compare=False)


def write(name: str, data: bytes | str, encoding: str = "utf-8") -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)

    return build


def sparse(name: str, size: int) -> Callable[[Path], None]:
    """A file of ``size`` bytes that takes no disk space (refused on its size, never read)."""

    def build(folder: Path) -> None:
        with open(folder / name, "wb") as handle:
            handle.truncate(size)

    return build


def link(name: str, target: str) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        os.symlink(target, folder / name)

    return build


def beside(build: Callable[[Path], None]) -> Callable[[Path], None]:
    """``build`` run in the batch folder's parent: for paths named on the command line."""
    return lambda folder: build(folder.parent)


def together(*builds: Callable[[Path], None]) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        for step in builds:
            step(folder)

    return build


def stored_text(name: str, expected: str, absent: str = "") -> Callable[[Path, dict], None]:
    """The document's stored chunks hold ``expected`` (and never ``absent``)."""

    def check(home: Path, report: dict) -> None:
        from common.settings import load_settings
        from kb.knowledge_base import KnowledgeBase

        kb = KnowledgeBase(load_settings(home))
        doc = kb.document(name)
        assert doc is not None, name
        text = "".join(c["text"] for c in kb.chunks(doc.id))
        assert expected in text, text[:300]
        if absent:
            assert not any(ch in text for ch in absent), text[:300]

    return check


def encoding_is(name: str, encoding: str, expected: str) -> Callable[[Path, dict], None]:
    def check(home: Path, report: dict) -> None:
        item = next(f for f in report["files"] if f["name"] == name)
        assert item["encoding"] == encoding, item
        stored_text(name, expected)(home, report)

    return check


# A scraped page that lost every line break: one line of different sentences, over 1,000 characters.
PAGE_WITHOUT_BREAKS = (
    "".join(
        f"{topic}的问题由{team}负责，客服应在{hours}小时内{action}，并把处理结果记录在工单的{field}里。"
        for topic, team, hours, action, field in zip(
            [
                "物流延误",
                "商品破损",
                "发票抬头",
                "会员等级",
                "优惠券失效",
                "预售尾款",
                "价格保护",
                "赠品缺失",
                "安装预约",
                "账户冻结",
                "退款到账",
                "地址修改",
            ],
            [
                "仓储部",
                "品控组",
                "财务部",
                "会员中心",
                "营销部",
                "运营组",
                "价保专员",
                "仓库主管",
                "售后网点",
                "风控组",
                "支付组",
                "订单组",
            ],
            ["二", "四", "六", "八", "十二", "二十四", "三", "五", "七", "九", "十", "十一"],
            [
                "联系承运商",
                "安排补发",
                "重开发票",
                "核对积分",
                "补发券码",
                "确认尾款",
                "核实差价",
                "补寄赠品",
                "约定上门时间",
                "核验身份",
                "查询银行流水",
                "修改收货信息",
            ],
            [
                "备注栏",
                "处理记录",
                "附件",
                "跟进栏",
                "结论栏",
                "时间线",
                "说明栏",
                "补发单",
                "预约单",
                "审核栏",
                "退款单",
                "变更记录",
            ],
            strict=True,
        )
    )
    * 2
)  # the second copy is dropped as repeated sentences; the first must stay whole

INGEST_CASES = [
    # -- empty and wrong-type files
    IngestCase("empty_txt", write("空.txt", b""), (Entry("空.txt", "error", "文件是空的"),)),
    IngestCase(
        "whitespace_only_txt", write("空白.txt", b" \n\t\n  \n"), (Entry("空白.txt", "error", "文件是空的"),)
    ),
    IngestCase("zero_byte_docx", write("空.docx", b""), (Entry("空.docx", "error", "文件是空的"),)),
    IngestCase("zero_byte_pdf", write("空.pdf", b""), (Entry("空.pdf", "error", "文件是空的"),)),
    IngestCase(
        "unsupported_extension",
        write("安装包.exe", b"MZ\x90\x00"),
        (Entry("安装包.exe", "error", "不支持的文件类型 .exe"),),
    ),
    IngestCase(
        "no_extension",
        write("README", "说明文字"),
        (Entry("README", "error", "不支持的文件类型 (无扩展名)"),),
    ),
    IngestCase(
        "binary_file_named_txt",
        write("图片.txt", bytes(range(256)) * 64),
        (Entry("图片.txt", "error", "看起来是二进制文件"),),
    ),
    # -- corrupt office files and PDFs
    IngestCase(
        "non_zip_docx",
        write("改名的.docx", "这只是一个改了扩展名的文本文件。"),
        (Entry("改名的.docx", "error", "不是有效的 docx 文件"),),
    ),
    IngestCase(
        "corrupt_docx_zip_without_document",
        write("坏的.docx", zip_bytes({"[Content_Types].xml": b"<Types/>", "word/junk.bin": b"\x00" * 10})),
        (Entry("坏的.docx", "error", "无法读取 docx 文件，文件可能已损坏"),),
    ),
    IngestCase(
        "docx_with_broken_xml",
        write(
            "坏XML.docx",
            with_member_replaced(docx_bytes(["段落"]), "word/document.xml", b"<w:document><w:body><w:p>"),
        ),
        (Entry("坏XML.docx", "error", "无法读取 docx 文件，文件可能已损坏"),),
    ),
    IngestCase(
        "truncated_docx",
        write("截断.docx", docx_bytes(MANUAL_LINES)[:2000]),
        (Entry("截断.docx", "error", "不是有效的 docx 文件"),),
    ),
    IngestCase(
        "docx_zip_bomb",
        write("炸弹.docx", zip_bomb("word/document.xml")),
        (Entry("炸弹.docx", "error", "解压后有 30 MB", ("可能是压缩炸弹", "未读取")),),
    ),
    IngestCase(
        "docx_with_too_many_members",
        write("碎片.docx", zip_bytes({f"word/media/{i}.bin": b"" for i in range(10_001)})),
        (Entry("碎片.docx", "error", "解压后有 0 MB、10001 个成员，超过上限", ("可能是压缩炸弹",)),),
    ),
    IngestCase(
        "docx_xml_entity_bomb",
        write("笑声.docx", entity_bomb_docx()),
        (Entry("笑声.docx", "error", "无法读取 docx 文件，文件可能已损坏", ("amplification",)),),
    ),
    IngestCase(
        "xlsx_xml_entity_bomb",
        write("笑声.xlsx", entity_bomb_xlsx()),
        (Entry("笑声.xlsx", "error", "无法读取 xlsx 文件，文件可能已损坏", ("amplification",)),),
    ),
    IngestCase(
        "docx_without_text",
        write("无字.docx", docx_bytes([])),
        (Entry("无字.docx", "error", "没有找到文字"),),
    ),
    IngestCase(
        "non_zip_xlsx",
        write("改名的.xlsx", "问题,答案\n多久发货,两天\n"),
        (Entry("改名的.xlsx", "error", "不是有效的 xlsx 文件"),),
    ),
    IngestCase(
        "corrupt_xlsx_zip_without_workbook",
        write("坏的.xlsx", zip_bytes({"[Content_Types].xml": b"<Types/>"})),
        (Entry("坏的.xlsx", "error", "无法读取 xlsx 文件，文件可能已损坏"),),
    ),
    IngestCase(
        "xlsx_zip_bomb",
        write("炸弹.xlsx", zip_bomb("xl/worksheets/sheet1.xml")),
        (Entry("炸弹.xlsx", "error", "解压后有 30 MB", ("可能是压缩炸弹",)),),
    ),
    IngestCase(
        "xlsx_without_a_header_row",
        write("无表头.xlsx", xlsx_bytes({"常见问题": [["编号", "内容"], [1, "多久发货"]]})),
        (Entry("无表头.xlsx", "error", "工作表 常见问题：前 10 行里找不到表头", ("第一行是：编号、内容",)),),
    ),
    IngestCase(
        "xlsx_with_a_row_missing_its_answer",
        write(
            "常见问题.xlsx",
            xlsx_bytes(
                {"FAQ": [["问题", "答案"], ["多久发货？", "付款后两天内发货。"], ["能开发票吗？", None]]}
            ),
        ),
        (Entry("常见问题.xlsx", "added", "工作表 FAQ 第 3 行 (row 3)：答案 (answer) 为空"),),
        status=0,
        check=stored_text("常见问题.xlsx", "付款后两天内发货"),
    ),
    IngestCase(
        "pdf_that_is_not_a_pdf",
        write("假的.pdf", b"%PDF-1.4 nonsense"),
        (Entry("假的.pdf", "error", "无法读取 pdf 文件，文件可能已损坏"),),
    ),
    IngestCase(
        "truncated_pdf_with_parser_messages",
        lambda folder: (folder / "截断.pdf").write_bytes(SAMPLE_PDF.read_bytes()[:3000]),
        (Entry("截断.pdf", "error", "无法读取 pdf 文件", ("pdf 解析提示",)),),
    ),
    IngestCase(
        "pdf_without_a_text_layer",
        lambda folder: (folder / "扫描件.pdf").write_bytes(_blank_pdf()),
        (Entry("扫描件.pdf", "error", "PDF 没有文字层"),),
    ),
    # -- encodings
    IngestCase(
        "gbk_text",
        write("国标.txt", manual(), "gbk"),
        (),
        status=0,
        check=encoding_is("国标.txt", "gb18030", "每消费一元积一分"),
    ),
    IngestCase(
        "big5_text",
        write(
            "繁體.txt", "會員積分在確認收貨後到賬，每消費一元積一分。\n積分可以在下單時抵扣現金。\n", "big5"
        ),
        (),
        status=0,
        check=encoding_is("繁體.txt", "big5", "每消費一元積一分"),
    ),
    IngestCase(
        "utf16_with_bom",
        write("十六位.txt", codecs.BOM_UTF16_LE + manual().encode("utf-16-le")),
        (),
        status=0,
        check=encoding_is("十六位.txt", "utf-16", "每消费一元积一分"),
    ),
    IngestCase(
        "utf16_without_bom",
        write("十六位无标记.txt", manual().encode("utf-16-be")),
        (),
        status=0,
        check=encoding_is("十六位无标记.txt", "utf-16-be", "每消费一元积一分"),
    ),
    IngestCase(
        "utf8_with_one_bad_byte",
        write("坏字节.txt", (manual() * 5).encode() + b"\xff" + "结束。\n".encode()),
        (Entry("坏字节.txt", "added", "第 16 行起有 1 处无效的 UTF-8 字节"),),
        status=0,
        check=encoding_is("坏字节.txt", "utf-8", "每消费一元积一分"),
    ),
    # -- control characters
    IngestCase(
        "nul_and_ansi_escapes",
        write("终端.txt", "\x1b[2J\x1b[31m会员积分\x1b[0m在确认收货后到账，\x00每消费一元积一分。\x07\n"),
        (Entry("终端.txt", "added", "去掉了", ("控制字符",)),),
        status=0,
        check=stored_text("终端.txt", "会员积分在确认收货后到账，每消费一元积一分。", absent="\x00\x07\x1b"),
    ),
    IngestCase(
        "bidi_override_and_zero_width",
        write("隐形.txt", "会员\u202e积分\u200b在确认收货后到账，每消费一元积一分。\n"),
        (Entry("隐形.txt", "added", "去掉了 2 个控制字符"),),
        status=0,
        check=stored_text("隐形.txt", "会员积分在确认收货后到账", absent="\u202e\u200b"),
    ),
    IngestCase(
        "file_name_with_a_control_character",
        write("彩色\x1b[31m.txt", manual()),
        (Entry("彩色\x1b[31m.txt", "skipped", "文件名里有控制字符"),),
        status=0,
    ),
    # -- CSV FAQ sheets
    IngestCase(
        "csv_with_an_unclosed_quote",
        write(
            "问答.csv",
            '问题,答案\n多久发货？,付款后两天内发货。\n能开发票吗？,"可以开电子发票\n'
            "怎么退货？,在订单页申请退货。\n",
        ),
        (Entry("问答.csv", "added", "第 3 行 (line 3)：引号没有闭合", ("该行已跳过",)),),
        status=0,
        check=stored_text("问答.csv", "在订单页申请退货"),
    ),
    IngestCase(
        "csv_with_wrong_columns",
        write("错列.csv", "编号,内容,备注\n1,多久发货,无\n"),
        (Entry("错列.csv", "error", "前 10 行里找不到表头", ("问题", "答案", "第一行是：编号、内容、备注")),),
    ),
    IngestCase(
        "csv_row_with_an_empty_answer",
        write("缺答案.csv", "问题,答案\n多久发货？,付款后两天内发货。\n能开发票吗？,\n"),
        (Entry("缺答案.csv", "added", "第 3 行 (row 3)：答案 (answer) 为空"),),
        status=0,
        check=stored_text("缺答案.csv", "付款后两天内发货"),
    ),
    IngestCase(
        "csv_with_nul_bytes",
        write("带NUL.csv", "问题,答案\n多久发货？,付款后\x00两天内发货。\n"),
        (Entry("带NUL.csv", "added", "去掉了 1 个控制字符"),),
        status=0,
        check=stored_text("带NUL.csv", "付款后两天内发货", absent="\x00"),
    ),
    # -- size
    IngestCase(
        "file_over_max_file_mb",
        sparse("巨大.txt", LIMIT_MB * MB + 1),
        (Entry("巨大.txt", "error", f"文件有 {LIMIT_MB}.0 MB，超过 {LIMIT_MB} MB 的上限 max_file_mb"),),
    ),
    IngestCase(
        "five_mb_single_line_of_encoded_data",
        write("一行.txt", b"data:image/png;base64," + b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB" * (5 * MB // 32)),
        (Entry("一行.txt", "error", "清理后没有剩下任何内容：编码数据（非文字） (encoded data) 1 处"),),
    ),
    IngestCase(
        "five_mb_single_line_of_one_repeated_sentence",
        write("复读.txt", "客服应在顾客下单后主动确认收货地址。" * (5 * MB // 54)),
        (Entry("复读.txt", "added", "清理删掉了 100% 的文字", ("完全重复的段落",)),),
        status=0,
        check=stored_text("复读.txt", "客服应在顾客下单后主动确认收货地址。"),
    ),
    IngestCase(
        "page_without_line_breaks",
        write("无换行.txt", PAGE_WITHOUT_BREAKS),
        (),
        status=0,
        check=stored_text("无换行.txt", "账户冻结的问题由风控组负责，客服应在九小时内核验身份"),
    ),
    # -- cleaning
    IngestCase(
        "duplicated_paragraphs",
        write("重复.txt", "\n".join(["处理客户投诉时应先倾听顾客的不满，再向顾客致歉并提出解决方案。"] * 30)),
        (
            Entry(
                "重复.txt",
                "added",
                "清理删掉了 97% 的文字",
                ("完全重复的段落 (exact duplicate paragraph) 29 处",),
            ),
        ),
        status=0,
        check=stored_text("重复.txt", "处理客户投诉时应先倾听顾客的不满"),
    ),
    IngestCase(
        "a_copy_of_the_good_manual",
        write("重复的副本.txt", GOOD_TEXT),
        (Entry("重复的副本.txt", "error", "清理后没有剩下任何内容", ("重复",)),),
    ),
    IngestCase(
        "html_with_only_scripts",
        write("脚本.html", "<html><body><script>alert(1)</script><style>p{}</style></body></html>"),
        (Entry("脚本.html", "error", "没有找到文字"),),
    ),
    IngestCase(
        "html_nested_100k_deep",
        write(
            "深.html", "<div>" * 100_000 + "会员积分在确认收货后到账，每消费一元积一分。" + "</div>" * 100_000
        ),
        (),
        status=0,
        check=stored_text("深.html", "每消费一元积一分"),
    ),
    # -- folder entries
    IngestCase(
        "dot_file",
        write(".草稿.txt", manual()),
        (Entry(".草稿.txt", "skipped", "隐藏文件或文件夹"),),
        status=0,
    ),
    IngestCase(
        "dot_folder",
        write(".git/config.txt", manual()),
        (Entry(".git", "skipped", "隐藏文件或文件夹"),),
        status=0,
    ),
    IngestCase(
        "double_dot_prefixed_name",
        write("..上级.txt", manual()),
        (Entry("..上级.txt", "skipped", "名字以“..”开头"),),
        status=0,
    ),
    IngestCase(
        "symlink_to_itself", link("自己", "自己"), (Entry("自己", "skipped", "符号链接形成循环"),), status=0
    ),
    IngestCase(
        "symlink_to_its_own_folder",
        link("回到上级", "."),
        (Entry("回到上级", "skipped", "符号链接指向所在的文件夹或其上级（循环）"),),
        status=0,
    ),
    IngestCase(
        "symlink_to_another_folder",
        together(write("../别处/积分.txt", manual()), link("别处的链接", "../别处")),
        (Entry("别处的链接", "skipped", "指向文件夹的符号链接不跟随"),),
        status=0,
    ),
    IngestCase(
        "dangling_symlink",
        link("断开.txt", "不存在.txt"),
        (Entry("断开.txt", "skipped", "符号链接指向不存在的 不存在.txt"),),
        status=0,
    ),
    IngestCase(
        "fifo_named_txt",
        lambda folder: os.mkfifo(folder / "管道.txt"),
        (Entry("管道.txt", "skipped", "不是普通文件"),),
        status=0,
    ),
    IngestCase(
        "folder_named_like_a_file_is_walked",
        write("手册.txt/积分.txt", manual()),
        (),
        status=0,
        check=stored_text("手册.txt/积分.txt", "每消费一元积一分"),
    ),
    # -- paths named on the command line
    IngestCase(
        "named_missing_file",
        lambda folder: None,
        (Entry("不存在.txt", "error", "文件或文件夹不存在", named=True),),
        named=("不存在.txt",),
    ),
    IngestCase(
        "named_empty_folder",
        beside(lambda parent: (parent / "空文件夹").mkdir()),
        (Entry("空文件夹", "error", "文件夹里没有可导入的文件", named=True),),
        named=("空文件夹",),
    ),
    IngestCase(
        "named_folder_of_unsupported_files",
        beside(write("图片/封面.png", b"\x89PNG\r\n")),
        (Entry("封面.png", "error", "不支持的文件类型 .png", named=True),),
        named=("图片",),
    ),
    IngestCase(
        "named_symlink_loop",
        beside(link("循环", "循环")),
        (Entry("循环", "error", "符号链接形成循环", named=True),),
        named=("循环",),
    ),
    IngestCase(
        "named_fifo",
        beside(lambda parent: os.mkfifo(parent / "管道.md")),
        (Entry("管道.md", "error", "不是普通文件", named=True),),
        named=("管道.md",),
    ),
    IngestCase(
        "named_dot_file_is_read",
        beside(write(".备忘.txt", manual())),
        (),
        status=0,
        named=(".备忘.txt",),
        check=stored_text(".备忘.txt", "每消费一元积一分"),
    ),
]


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- running --------------------------------------------------------------------------------------


def ingest(home: Path, paths: list[Path], capsys) -> tuple[int, dict, str]:
    status = main(["--home", str(home), "ingest", *map(str, paths), "--json"])
    captured = capsys.readouterr()
    return status, json.loads(captured.out), captured.err


def assert_good_manual_served(home: Path, report: dict, capsys) -> None:
    (good,) = [f for f in report["files"] if f["name"] == GOOD_NAME]
    assert good["status"] == "added" and good["chunks"] >= 1, good
    assert main(["--home", str(home), "search", GOOD_QUERY, "-k", "1", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["results"][0]["document"] == GOOD_NAME and "七天内" in found["results"][0]["text"]


@pytest.fixture(autouse=True)
def file_limit(monkeypatch):
    monkeypatch.setenv("KEFU_MAX_FILE_MB", str(LIMIT_MB))


@pytest.mark.parametrize("case", INGEST_CASES, ids=lambda c: c.id)
def test_bad_ingest_input(case, tmp_path, capsys):
    folder = tmp_path / "批次"
    folder.mkdir()
    (folder / GOOD_NAME).write_text(GOOD_TEXT, encoding="utf-8")
    case.build(folder)
    home = tmp_path / "home"
    status, report, err = ingest(home, [folder, *(tmp_path / name for name in case.named)], capsys)
    by_name = {f["name"]: f for f in report["files"]}
    for entry in case.entries:
        item = by_name.get(entry.name)
        assert item is not None, (entry.name, list(by_name))
        assert item["status"] == entry.status, item
        messages = [item["error"]] if entry.status != "added" else item["warnings"]
        where = Path(item["path"]) if entry.named else folder / entry.name
        prefix = f"{where}: {entry.message}"
        message = next((m for m in messages if m.startswith(prefix)), None)
        assert message is not None, (prefix, messages)
        for part in entry.contains:
            assert part in message, (part, message)
    named = {e.name for e in case.entries if e.status != "added"}
    unexpected = [
        f for f in report["files"] if f["status"] in ("error", "skipped") and f["name"] not in named
    ]
    assert not unexpected, unexpected
    assert status == case.status, report
    assert err == "" or "Traceback" not in err
    assert_good_manual_served(home, report, capsys)
    if case.check:
        case.check(home, report)


def test_one_batch_of_every_refused_entry_through_the_knowledge_base_api(tmp_path):
    """The core API (what the web's jobs call) reports the same, all bad entries in one batch."""
    from common.settings import load_settings
    from kb.knowledge_base import KnowledgeBase

    folder = tmp_path / "批次"
    folder.mkdir()
    (folder / GOOD_NAME).write_text(GOOD_TEXT, encoding="utf-8")
    cases = [
        c for c in INGEST_CASES if c.entries and not c.named and all(e.status != "added" for e in c.entries)
    ]
    for case in cases:
        case.build(folder)
    kb = KnowledgeBase(load_settings(tmp_path / "home"))
    report = kb.ingest([folder])
    by_name = {f.name: f for f in report.files}
    for entry in (e for c in cases for e in c.entries):
        item = by_name[entry.name]
        assert item.status == entry.status and item.error.startswith(
            f"{folder / entry.name}: {entry.message}"
        ), item
    assert {f.name for f in report.skipped} == {
        e.name for c in cases for e in c.entries if e.status == "skipped"
    }
    assert [f.name for f in report.files if f.status == "added"] == [GOOD_NAME]
    assert kb.search(GOOD_QUERY, k=1).results[0].document == GOOD_NAME
    assert [d.name for d in kb.documents()] == [GOOD_NAME]
