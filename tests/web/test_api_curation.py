"""The curation API: list what cleaning dropped, restore it, disable/enable, edit, revert, history."""

from __future__ import annotations

import io

MANUAL = (
    "# 接口清洗测试手册\n\n"
    "## 退货\n\n接口清洗测试手册规定：顾客签收后十天内可申请退货，客服审核通过后生成退货单。\n\n"
    "## 随笔\n\n啊，冬日的雪原，你把洁白的思念铺向远方，铺进每一串脚印，铺进我梦里的故乡。\n\n"
    "## 换货\n\n接口清洗测试手册规定：换货商品寄回后，仓库三个工作日内寄出新商品并通知顾客。\n"
).encode()
NAME = "接口清洗测试手册.md"


def _upload(client, auth, job_result):
    started = client.post(
        "/api/documents",
        data={"files": [(io.BytesIO(MANUAL), NAME)]},
        headers=auth("admin"),
        content_type="multipart/form-data",
    )
    assert job_result(client, started, auth("admin"))["status"] == "done"


def _chunk(client, auth, fragment):
    doc = client.get(f"/api/documents/{NAME}", headers=auth("admin")).get_json()
    return next(c for c in doc["chunks"] if fragment in c["text"])


def _found(client, auth, query, fragment):
    results = client.get("/api/search", query_string={"q": query, "k": 10}, headers=auth("agent")).get_json()
    return any(fragment in r["text"] for r in results["results"])


def test_admin_restores_a_dropped_poem_and_disables_then_edits_a_chunk(client, auth, job_result):
    _upload(client, auth, job_result)
    try:
        dropped = client.get(f"/api/documents/{NAME}/dropped", headers=auth("admin")).get_json()["dropped"]
        poem = next(d for d in dropped if d["reason"] == "off-topic: poem")
        assert (
            "冬日的雪原" in poem["text"] and poem["label"].startswith("与客服无关") and not poem["restored"]
        )
        assert not _found(client, auth, "冬日的雪原 洁白的思念", "冬日的雪原")

        restored = job_result(
            client, client.post(f"/api/dropped/{poem['id']}/restore", headers=auth("admin")), auth("admin")
        )
        assert restored["status"] == "done" and restored["kind"] == "restore", restored
        assert _found(client, auth, "冬日的雪原 洁白的思念", "冬日的雪原")

        chunk = _chunk(client, auth, "换货商品寄回")
        off = client.post(f"/api/chunks/{chunk['id']}/disable", headers=auth("admin"))
        assert off.status_code == 200 and off.get_json()["disabled"] is True
        assert _chunk(client, auth, "换货商品寄回")["disabled"] is True
        assert not _found(client, auth, "换货商品寄回后多久寄出新商品", "换货商品寄回")
        assert client.post(f"/api/chunks/{chunk['id']}/enable", headers=auth("admin")).status_code == 200
        assert _found(client, auth, "换货商品寄回后多久寄出新商品", "换货商品寄回")

        new_text = "接口清洗测试手册规定：换货商品寄回后，仓库两个工作日内寄出新商品并短信通知顾客。"
        edit = client.post(f"/api/chunks/{chunk['id']}/edit", json={"text": new_text}, headers=auth("admin"))
        edited = job_result(client, edit, auth("admin"))
        assert edited["status"] == "done", edited
        new_id = edited["result"]["chunk"]
        assert _chunk(client, auth, "换货商品寄回")["text"] == new_text
        history = client.get(f"/api/chunks/{new_id}/history", headers=auth("admin")).get_json()["history"]
        assert [h["action"] for h in history] == ["disable", "enable", "edit"]
        revert = job_result(
            client, client.post(f"/api/chunks/{new_id}/revert", headers=auth("admin")), auth("admin")
        )
        assert revert["status"] == "done"
        assert "三个工作日内" in _chunk(client, auth, "换货商品寄回")["text"]
    finally:
        client.delete(f"/api/documents/{NAME}", headers=auth("admin"))


def test_curation_is_for_admins_and_refuses_bad_input(client, auth):
    assert client.post("/api/chunks/1/disable", headers=auth("agent")).status_code == 403
    assert client.get("/api/documents/没有这个文档.md/dropped", headers=auth("admin")).status_code == 404
    assert client.post("/api/dropped/999999/restore", headers=auth("admin")).status_code == 404
    assert client.post("/api/chunks/999999/disable", headers=auth("admin")).status_code == 404
    empty = client.post("/api/chunks/999999/edit", json={"text": "  "}, headers=auth("admin"))
    assert empty.status_code == 400 and "text" in empty.get_json()["error"]["message"]
