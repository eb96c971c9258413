"""Facts are extracted once per chunk version and read from the KB's SQLite afterwards."""

from common.db import connect
from kb.models import Passage
from quiz.fact_cache import cached_facts


def passage(chunk_id, text):
    return Passage(chunk_id, "手册.md", "售后服务手册", ("退换货",), "text", text)


def test_unchanged_passages_are_read_from_the_cache_and_changed_ones_extracted_again(tmp_path):
    conn = connect(tmp_path / "kefu.sqlite3")
    first = [passage(1, "超过50元的补偿须经售后经理审批。"), passage(2, "顾客须在签收后24小时内反馈。")]
    facts, _, extracted = cached_facts(conn, first)
    assert extracted == 2 and facts
    again, _, extracted = cached_facts(conn, first)
    assert extracted == 0 and [f.as_dict() for f in again] == [f.as_dict() for f in facts]
    # A re-ingested document: same text under new chunk ids, one chunk changed.
    second = [passage(11, "超过50元的补偿须经售后经理审批。"), passage(12, "顾客须在签收后48小时内反馈。")]
    facts, _, extracted = cached_facts(conn, second)
    assert extracted == 1
    assert {f.chunk_id for f in facts} == {11, 12}
    assert "48小时" in {f.key for f in facts}
