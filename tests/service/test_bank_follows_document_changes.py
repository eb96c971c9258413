"""An ingest that changes a manual flags the bank questions whose source sentence changed; removal flags all."""

from __future__ import annotations

from common.settings import load_settings
from quiz.bank import add_candidates, decide, list_bank
from quiz.bank_assembly import assemble
from quiz.models import Question, Source
from service.playbook import Playbook

KEPT = "退货申请须在签收后七天内提出。"
CHANGED = "退款在审核通过后三个工作日内原路退回。"


def _manual(path, refund_days: str) -> None:
    path.write_text(
        f"# 小店手册\n\n## 退货\n\n{KEPT}\n\n## 退款\n\n退款在审核通过后{refund_days}个工作日内原路退回。\n",
        encoding="utf-8",
    )


def test_a_changed_sentence_is_flagged_an_unchanged_one_follows_the_new_version(tmp_path):
    playbook = Playbook(load_settings(tmp_path / "home"), foreground=True)
    manual = tmp_path / "小店手册.md"
    _manual(manual, "三")
    try:
        assert playbook.start_ingest([manual], "trainer").status == "done"
        conn = playbook.kb.conn
        versions = playbook.document_versions()
        questions = [
            Question("single", "退货申请须在签收后（　　）内提出。", ["三天", "七天"], "七天",
                     source=Source("小店手册.md", ["退货"], KEPT)),
            Question("single", "退款在审核通过后（　　）内原路退回。", ["三个工作日", "五个工作日"], "三个工作日",
                     source=Source("小店手册.md", ["退款"], CHANGED)),
        ]  # fmt: skip
        for entry_id in add_candidates(conn, questions, versions=versions)["added"]:
            decide(conn, entry_id, "accept")
        _manual(manual, "五")  # the refund rule changes, the return rule does not
        job = playbook.start_ingest([manual], "trainer")
        assert job.status == "done" and job.result["bank_review"] == {"flagged": 1, "updated": 1}
        assert any("待复核" in line for line in job.log), job.log
        flagged = list_bank(conn, review=True)
        assert [e["question"].stem for e in flagged] == ["退款在审核通过后（　　）内原路退回。"]
        assert "v2" in flagged[0]["review"]
        kept = list_bank(conn, review=False)[0]
        assert kept["doc_version"] == 2 and kept["question"].source.version == 2
        quiz, missing = assemble(conn, 2)
        assert [q.stem for q in quiz.questions] == [kept["question"].stem] and missing == 1
        playbook.remove("小店手册.md")
        assert all("已删除" in e["review"] for e in list_bank(conn))
    finally:
        playbook.close()
