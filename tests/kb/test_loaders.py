import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from kb.loaders import load_file
from kb.models import IngestError

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "kb"
MB = 1024 * 1024


def test_docx_headings_become_heading_blocks(tmp_path):
    document = docx.Document()
    document.add_heading("退换货规定", level=1)
    document.add_paragraph("顾客签收后7天内可申请无理由退货。")
    path = tmp_path / "规定.docx"
    document.save(path)
    loaded = load_file(path, MB)
    assert [(b.kind, b.text) for b in loaded.blocks] == [
        ("heading", "退换货规定"),
        ("paragraph", "顾客签收后7天内可申请无理由退货。"),
    ]


def test_pdf_text_layer_is_extracted():
    loaded = load_file(SAMPLE / "会员权益.pdf", 50 * MB)
    assert "积分" in "".join(b.text for b in loaded.blocks)


def test_html_drops_navigation_and_footer():
    loaded = load_file(SAMPLE / "活动公告.html", 50 * MB)
    text = "".join(b.text for b in loaded.blocks)
    assert "24小时内删除" not in text
    assert len(text) > 200


def test_csv_faq_rows_become_faq_blocks_and_bad_rows_are_reported(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text(
        "问题,答案,相似问题,标签\n"
        "多久发货？,付款后48小时内发货。,什么时候发货|几天发货,物流\n"
        "没有答案的问题,,,\n"
        "能开发票吗？,可以开电子发票。,,发票\n",
        encoding="utf-8-sig",
    )
    loaded = load_file(path, MB)
    assert [b.question for b in loaded.blocks] == ["多久发货？", "能开发票吗？"]
    assert loaded.blocks[0].similar == ["什么时候发货", "几天发货"]
    assert loaded.blocks[0].tags == ["物流"]
    assert loaded.warnings == [
        f"{path}: 第 3 行 (row 3)：答案 (answer) 为空，该行已跳过 (empty answer field, row skipped)"
    ]


def test_xlsx_faq(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["标准问题", "标准回复", "分类"])
    sheet.append(["運費誰出？", "質量問題運費由本店承擔。", "退換貨"])
    path = tmp_path / "faq.xlsx"
    workbook.save(path)
    loaded = load_file(path, MB)
    assert loaded.blocks[0].answer == "質量問題運費由本店承擔。"
    assert loaded.blocks[0].tags == ["退換貨"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("broken.docx", b"PK\x03\x04 not really a zip", "不是有效的 docx 文件"),
        ("broken.pdf", b"%PDF-1.4 garbage", "无法读取 pdf 文件|没有文字层"),
        ("empty.txt", b"", "文件是空的"),
        ("image.png", b"\x89PNG\r\n", "不支持的文件类型"),
        ("sheet.csv", "名字,电话\n张三,123\n".encode(), "找不到表头.*第一行是：名字、电话"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(IngestError, match=message) as info:
        load_file(path, MB)
    assert name in str(info.value)


def test_huge_file_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("退货" * 1000, encoding="utf-8")
    with pytest.raises(IngestError, match="超过 .* MB 的上限"):
        load_file(path, 1000)


def test_html_built_from_divs_and_br_keeps_its_text(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><body><nav>首页 | 登录</nav><div>退货政策：七天无理由退货。<br>运费由顾客承担。</div>"
        "<div><span>换货流程</span>：联系客服</div><p>版权所有 2023</p></body></html>",
        encoding="utf-8",
    )
    texts = [b.text for b in load_file(path, MB).blocks]
    assert texts[:3] == ["退货政策：七天无理由退货。", "运费由顾客承担。", "换货流程：联系客服"]
    assert "首页 | 登录" not in texts


def test_faq_header_aliases_follow_priority_and_one_column_serves_one_field(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text("标准问题,标准回复,回复,title\n多久发货？,48小时内发货。,已处理,售后\n", encoding="utf-8")
    block = load_file(path, MB).blocks[0]
    assert (block.question, block.answer) == ("多久发货？", "48小时内发货。")


def test_csv_with_an_unclosed_quote_reports_its_line_and_keeps_the_other_rows(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text(
        '问题,答案\n多久发货？,"付款后48小时内发货。\n能开发票吗？,可以开电子发票。\n运费谁出？,质量问题由本店承担。\n',
        encoding="utf-8",
    )
    loaded = load_file(path, MB)
    assert [b.question for b in loaded.blocks] == ["能开发票吗？", "运费谁出？"]
    assert [b.line for b in loaded.blocks] == [3, 4]
    assert len(loaded.warnings) == 1
    assert loaded.warnings[0].startswith(f"{path}: 第 2 行 (line 2)：引号没有闭合，该行已跳过")


def test_csv_quoted_answer_over_several_lines_is_one_row(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text(
        '问题,答案\n怎么退货？,"第一步：申请\n第二步：寄回"\n能开发票吗？,可以。\n', encoding="utf-8"
    )
    loaded = load_file(path, MB)
    assert [(b.question, b.answer, b.line) for b in loaded.blocks] == [
        ("怎么退货？", "第一步：申请\n第二步：寄回", 2),
        ("能开发票吗？", "可以。", 4),
    ]
    assert loaded.warnings == []


def test_pdf_parser_messages_go_into_the_files_own_message_not_stderr(tmp_path, capfd):
    data = (SAMPLE / "会员权益.pdf").read_bytes()
    path = tmp_path / "截断的.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError) as info:
        load_file(path, MB)
    message = str(info.value)
    assert message.startswith(f"{path}: 无法读取 pdf 文件") and "EOF marker not found" in message
    assert capfd.readouterr().err == ""


def test_a_zip_bomb_docx_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "炸弹.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w") as member:
            for _ in range(5):
                member.write(b"\0" * MB)
    with pytest.raises(IngestError, match="解压后有 5 MB.*可能是压缩炸弹") as info:
        load_file(path, MB)  # 1 MB limit: at most 4 MB unpacked
    assert str(path) in str(info.value)


def test_utf8_with_one_broken_byte_stays_utf8_and_says_where(tmp_path):
    text = "第一章 退货\n顾客签收后7天内可以无理由退货，商品需保持完好。\n" * 20
    path = tmp_path / "截断.txt"
    path.write_bytes(text.encode("utf-8") + "发票".encode()[:-1])  # cut inside the last character
    loaded = load_file(path, MB)
    assert loaded.encoding == "utf-8"
    assert loaded.blocks[1].text == "顾客签收后7天内可以无理由退货，商品需保持完好。"
    assert loaded.warnings == [
        f"{path}: 第 41 行起有 1 处无效的 UTF-8 字节，已替换为 \ufffd (1 invalid UTF-8 sequence(s) replaced, first on line 41)"
    ]


def test_control_characters_never_reach_the_loaded_text(tmp_path):
    path = tmp_path / "彩色.txt"
    path.write_bytes("\x1b[1;31m退货\x1b[0m须在七天内申请\x00。\n".encode())
    loaded = load_file(path, MB)
    assert [b.text for b in loaded.blocks] == ["退货须在七天内申请。"]
    assert loaded.warnings == [
        f"{path}: 去掉了 12 个控制字符（终端转义序列、NUL 等） (12 control characters removed)"
    ]
