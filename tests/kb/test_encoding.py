import pytest

from kb.encoding import decode_bytes
from kb.models import IngestError

SIMPLIFIED = "客服岗位工作职责：处理客户投诉，做好记录。\n顾客签收后7天内可以无理由退货。"
TRADITIONAL = "客服崗位工作職責：處理客戶投訴，做好記錄。\n顧客簽收後7天內可以無理由退貨。"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (SIMPLIFIED, "utf-8"),
        (SIMPLIFIED, "utf-8-sig"),
        (SIMPLIFIED, "gbk"),
        (SIMPLIFIED, "gb18030"),
        (TRADITIONAL, "big5"),
        (SIMPLIFIED, "utf-16"),
        (SIMPLIFIED, "utf-16-le"),
        (SIMPLIFIED, "utf-16-be"),
    ],
)
def test_detects_common_chinese_encodings(text, encoding):
    decoded, _ = decode_bytes(text.encode(encoding), "manual.txt")
    assert decoded == text


@pytest.mark.parametrize("data", [b"", b"   \n\n", bytes(range(256)) * 10])
def test_empty_and_binary_files_are_rejected_with_the_file_name(data):
    with pytest.raises(IngestError, match="manual.txt"):
        decode_bytes(data, "manual.txt")
