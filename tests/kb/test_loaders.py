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
    assert loaded.warnings == [f"{path}: row 3: empty 答案 (answer) field, row skipped"]


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
        ("broken.docx", b"PK\x03\x04 not really a zip", "cannot read docx"),
        ("broken.pdf", b"%PDF-1.4 garbage", "cannot read pdf|no text layer"),
        ("empty.txt", b"", "empty file"),
        ("image.png", b"\x89PNG\r\n", "unsupported file type"),
        ("sheet.csv", "名字,电话\n张三,123\n".encode(), "question column"),
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
    with pytest.raises(IngestError, match="over the"):
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
