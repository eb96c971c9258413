"""The JSON API: every endpoint, its role checks and its answers to bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = ROOT / "sample_data" / "transcripts"


def conversation(conv_id="api-1", agent="a77", text="您好，很高兴为您服务"):
    return {"id": conv_id, "agent": agent, "channel": "chat", "messages": [
        {"role": "customer", "text": "在吗", "ts": "2026-11-03T10:00:00+08:00"},
        {"role": "agent", "text": text, "ts": "2026-11-03T10:00:10+08:00"},
        {"role": "customer", "text": "好的谢谢", "ts": "2026-11-03T10:00:30+08:00"},
        {"role": "agent", "text": "不客气，祝您生活愉快", "ts": "2026-11-03T10:00:40+08:00"},
    ]}  # fmt: skip


# --- authentication -------------------------------------------------------------------------


def test_api_needs_credentials(client):
    response = client.get("/api/search?q=退款")
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401


def test_bad_token_is_refused(client):
    response = client.get("/api/me", headers={"Authorization": "Bearer kefu_not-a-token"})
    assert response.status_code == 401


def test_me(client, auth):
    assert client.get("/api/me", headers=auth("qa")).get_json() == {"username": "qa", "role": "qa"}


@pytest.mark.parametrize(("role", "path", "status"), [
    ("agent", "/api/documents", 403), ("agent", "/api/qa/runs", 403), ("agent", "/api/quizzes", 403),
    ("qa", "/api/search?q=退款", 403), ("trainer", "/api/gaps", 403), ("admin", "/api/qa/runs", 200),
])  # fmt: skip
def test_roles_on_the_api(client, auth, role, path, status):
    assert client.get(path, headers=auth(role)).status_code == status


def test_session_calls_that_write_need_the_csrf_header(client, login_as, csrf):
    login_as(client, "agent")
    body = {"query": "退款多久到账", "chunk_id": 1, "vote": 1}
    assert client.post("/api/feedback", json=body).status_code == 400
    token = csrf(client, "/")
    assert client.post("/api/feedback", json=body, headers={"X-CSRFToken": token}).status_code == 201
    assert client.get("/api/search?q=退款").status_code == 200  # reads need no token


# --- search and feedback ------------------------------------------------------------------------


def test_search_answers_traditional_and_simplified(client, auth):
    for query in ("退款多久到账", "退款多久到帳"):
        data = client.get("/api/search", query_string={"q": query}, headers=auth("agent")).get_json()
        assert data["answered"] is True
        assert data["results"] and "退款" in data["results"][0]["text"]
        assert {"dense_score", "bm25_rank", "snippet", "headings"} <= set(data["results"][0])


def test_search_only_the_pickup_file_knows_traditional_facts(client, auth):
    data = client.get("/api/search", query_string={"q": "自提点营业时间"}, headers=auth("agent")).get_json()
    assert data["results"][0]["document"] == "門市服務須知.txt"


def test_search_filters_and_k(client, auth):
    data = client.get(
        "/api/search",
        query_string={"q": "退货", "k": 3, "doc": "常见问题.csv", "leg": "bm25"},
        headers=auth("agent"),
    ).get_json()
    assert 0 < len(data["results"]) <= 3
    assert {r["document"] for r in data["results"]} == {"常见问题.csv"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "  "},
        {"q": "退款", "k": "abc"},
        {"q": "退款", "k": 0},
        {"q": "退款", "k": 51},
        {"q": "退款", "leg": "magic"},
        {"q": "长" * 501},
    ],
)
def test_search_bad_input(client, auth, params):
    response = client.get("/api/search", query_string=params, headers=auth("agent"))
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_feedback_is_stored_and_shows_in_gaps(client, auth):
    hit = client.get("/api/search?q=发票怎么开", headers=auth("agent")).get_json()["results"][0]
    body = {"query": "发票怎么开", "chunk_id": hit["chunk_id"], "vote": -1, "comment": "缺少电子发票的说明"}
    assert client.post("/api/feedback", json=body, headers=auth("agent")).status_code == 201
    gaps = client.get("/api/gaps", headers=auth("admin")).get_json()
    assert any(d["query"] == "发票怎么开" and d["comment"] == "缺少电子发票的说明" for d in gaps["downvoted"])


def test_unanswered_queries_show_in_gaps(client, auth):
    client.get("/api/search", query_string={"q": "今天天气怎么样"}, headers=auth("agent"))
    client.get("/api/search", query_string={"q": "不要记录这条", "log": "0"}, headers=auth("agent"))
    unanswered = [g["query"] for g in client.get("/api/gaps", headers=auth("admin")).get_json()["unanswered"]]
    assert "今天天气怎么样" in unanswered and "不要记录这条" not in unanswered


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"vote": 1},
        {"query": "q", "vote": 2},
        {"query": "q", "vote": True},
        {"query": "q", "vote": 1, "chunk_id": "x"},
        {"query": "q", "vote": 1, "comment": 5},
    ],
)
def test_feedback_bad_input(client, auth, body):
    kwargs = {"json": body} if body is not None else {"data": "not json"}
    assert client.post("/api/feedback", headers=auth("agent"), **kwargs).status_code == 400


# --- documents ------------------------------------------------------------------------------------


def test_documents_list_and_detail(client, auth):
    docs = client.get("/api/documents", headers=auth("admin")).get_json()["documents"]
    names = {d["name"] for d in docs}
    assert {"售后服务手册.md", "門市服務須知.txt", "常见问题.xlsx"} <= names
    assert all("path" not in d for d in docs)
    manual = client.get("/api/documents/售后服务手册.md", headers=auth("admin")).get_json()
    assert manual["chunk_count"] == len(manual["chunks"]) > 10
    assert "near duplicate paragraph" in manual["report"]["dropped"]
    assert client.get("/api/documents/不存在.md", headers=auth("admin")).status_code == 404


def test_ingest_new_version_and_delete(client, auth, job_result):
    first = "# 测试手册\n\n## 保修\n\n测试手册规定电水壶保修期为十八个月，凭发票办理。\n".encode()
    files = {"files": [(io.BytesIO(first), "接口测试手册.md")], "tags": "测试"}
    started = client.post(
        "/api/documents", data=files, headers=auth("admin"), content_type="multipart/form-data"
    )
    assert started.status_code == 202 and started.get_json()["kind"] == "ingest"  # answered at once
    job = job_result(client, started, auth("admin"))
    assert job["status"] == "done" and job["started_by"] == "admin", job
    item = job["result"]["files"][0]
    assert (item["name"], item["status"], item["version"]) == ("接口测试手册.md", "added", 1)
    assert "path" not in item
    assert any("接口测试手册.md" in line for line in job["log"])
    found = client.get("/api/search?q=电水壶保修期多久&log=0", headers=auth("agent")).get_json()
    assert found["results"][0]["document"] == "接口测试手册.md"  # searchable when the job ends
    again = client.post(
        "/api/documents",
        data={"files": [(io.BytesIO(first), "接口测试手册.md")]},
        headers=auth("admin"),
        content_type="multipart/form-data",
    )
    assert job_result(client, again, auth("admin"))["result"]["files"][0]["status"] == "unchanged"
    second = first.replace("十八个月".encode(), "二十四个月".encode())
    updated = client.post(
        "/api/documents",
        data={"files": [(io.BytesIO(second), "接口测试手册.md")]},
        headers=auth("admin"),
        content_type="multipart/form-data",
    )
    updated = job_result(client, updated, auth("admin"))["result"]
    assert updated["files"][0]["status"] == "updated" and updated["files"][0]["version"] == 2
    removed = client.delete("/api/documents/接口测试手册.md", headers=auth("admin"))
    assert removed.get_json()["removed"] == "接口测试手册.md"
    assert client.delete("/api/documents/接口测试手册.md", headers=auth("admin")).status_code == 404


@pytest.mark.parametrize("name", ["../../evil.md", "sub/evil.md", "evil.exe", ".bashrc"])
def test_ingest_refuses_bad_names(client, auth, name):
    response = client.post(
        "/api/documents",
        data={"files": [(io.BytesIO(b"hello"), name)]},
        headers=auth("admin"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_ingest_without_files(client, auth):
    assert client.post("/api/documents", headers=auth("admin")).status_code == 400


def test_ingest_reports_a_broken_file_and_keeps_the_rest(client, auth, job_result):
    files = {
        "files": [
            (io.BytesIO(b""), "空文件.txt"),
            (io.BytesIO("正常的一段说明文字，用于测试导入。".encode()), "正常.txt"),
        ]
    }
    report = client.post(
        "/api/documents", data=files, headers=auth("admin"), content_type="multipart/form-data"
    )
    statuses = {f["name"]: f["status"] for f in job_result(client, report, auth("admin"))["result"]["files"]}
    assert statuses == {"空文件.txt": "error", "正常.txt": "added"}
    client.delete("/api/documents/正常.txt", headers=auth("admin"))


# --- QA -----------------------------------------------------------------------------------------


def test_qa_score_json_conversations_and_read_back(client, auth):
    body = {
        "policy": "default.yaml",
        "semantic": False,
        "conversations": [conversation(), conversation("api-2", text="你自己看")],
    }
    response = client.post("/api/qa/score", json=body, headers=auth("qa"))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["scored"] == 2 and data["rejected"] == 0
    cards = {c["id"]: c for c in data["scorecards"]}
    assert cards["api-1"]["passed"] and not cards["api-2"]["passed"]
    run = client.get(f"/api/qa/runs/{data['run_id']}", headers=auth("qa")).get_json()
    assert [c["conversation_id"] for c in run["scorecards"]] == ["api-1", "api-2"]
    assert all("/" not in f for f in run["files"])  # no server paths
    card = client.get(f"/api/qa/scorecards/{run['scorecards'][1]['id']}", headers=auth("qa")).get_json()
    banned = next(r for r in card["rules"] if r["id"] == "forbidden_phrases")
    assert banned["status"] == "fail" and banned["evidence"][0]["text"] == "你自己看"
    history = client.get("/api/qa/agents/a77", headers=auth("qa")).get_json()["history"]
    assert history[-1]["conversations"] == 2
    assert any(
        r["id"] == data["run_id"] for r in client.get("/api/qa/runs", headers=auth("qa")).get_json()["runs"]
    )


def test_qa_score_uploaded_files_with_rejections(client, auth):
    broken = b'{"id": "x", "agent": "a1", "messages": []}\nnot json\n'
    files = {
        "files": [
            (open(TRANSCRIPTS / "sample_long.csv", "rb"), "导出.csv"),
            (io.BytesIO(broken), "坏.jsonl"),
        ],
        "policy": "default.yaml",
        "semantic": "0",
    }
    data = client.post(
        "/api/qa/score", data=files, headers=auth("qa"), content_type="multipart/form-data"
    ).get_json()
    assert data["scored"] > 0 and data["rejected"] == 2
    assert {r["file"] for r in data["rejections"]} == {"坏.jsonl"}


@pytest.mark.parametrize(("body", "status"), [
    ({"conversations": []}, 400), ({"conversations": "x"}, 400),
    ({"policy": "nope.yaml", "conversations": [conversation()]}, 404),
    ({"policy": "../../etc/passwd.yaml", "conversations": [conversation()]}, 404),
])  # fmt: skip
def test_qa_score_bad_input(client, auth, body, status):
    assert client.post("/api/qa/score", json=body, headers=auth("qa")).status_code == status


def test_qa_score_multipart_without_files(client, auth):
    response = client.post(
        "/api/qa/score",
        data={"policy": "default.yaml"},
        headers=auth("qa"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_qa_policies_and_validation(client, auth):
    assert "default.yaml" in client.get("/api/qa/policies", headers=auth("qa")).get_json()["policies"]
    good = (ROOT / "sample_data" / "policy" / "default.yaml").read_text(encoding="utf-8")
    assert client.post("/api/qa/policies/validate", json={"text": good}, headers=auth("qa")).get_json() == {
        "valid": True,
        "errors": [],
    }
    bad = client.post(
        "/api/qa/policies/validate",
        json={"text": "rules:\n  - id: x\n    kind: nonsense\n"},
        headers=auth("qa"),
    ).get_json()
    assert bad["valid"] is False and bad["errors"]
    assert client.post("/api/qa/policies/validate", json={}, headers=auth("qa")).status_code == 400


def test_qa_missing_things_are_404(client, auth):
    for path in ("/api/qa/runs/99999", "/api/qa/scorecards/99999", "/api/qa/agents/nobody"):
        assert client.get(path, headers=auth("qa")).status_code == 404
    assert client.get("/api/qa/runs?limit=0", headers=auth("qa")).status_code == 400


# --- quizzes --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published_quiz(app, tokens, job_result):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['trainer']}"}
    started = client.post(
        "/api/quizzes", json={"topic": "退款", "n": 4, "types": ["single", "tf"], "seed": 3}, headers=headers
    )
    job = job_result(client, started, headers)
    assert job["status"] == "done", job
    quiz = client.get(f"/api/quizzes/{job['result']['quiz_id']}", headers=headers).get_json()
    published = client.post(f"/api/quizzes/{quiz['id']}/publish", headers=headers)
    assert published.status_code == 200
    return published.get_json()


def test_quiz_generate_publish_attempt_analyse(client, auth, published_quiz):
    quiz_id = published_quiz["id"]
    assert published_quiz["status"] == "published" and published_quiz["share_path"].startswith("/quiz/take/")
    right = {str(q["id"]): q["answer"] for q in published_quiz["questions"]}
    result = client.post(f"/api/quizzes/{quiz_id}/attempts", json={"answers": right}, headers=auth("agent"))
    assert result.status_code == 201
    assert result.get_json()["score"] == result.get_json()["total"] == len(right)
    analysis = client.get(f"/api/quizzes/{quiz_id}/analysis", headers=auth("trainer")).get_json()
    assert len(analysis["items"]) == len(right) and analysis["items"][0]["facility"] == 1.0
    listed = client.get("/api/quizzes", headers=auth("trainer")).get_json()["quizzes"]
    assert any(q["id"] == quiz_id and q["attempts"] >= 1 for q in listed)
    assert client.post(f"/api/quizzes/{quiz_id}/publish", headers=auth("trainer")).status_code == 409


@pytest.mark.parametrize("fmt", ["gift", "xml", "xlsx", "csv", "json"])
def test_quiz_export_every_format(client, auth, published_quiz, fmt):
    response = client.get(
        f"/api/quizzes/{published_quiz['id']}/export", query_string={"format": fmt}, headers=auth("trainer")
    )
    assert response.status_code == 200 and response.data
    assert "attachment" in response.headers["Content-Disposition"]
    if fmt == "json":
        assert json.loads(response.data)


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("post", "/api/quizzes", {"n": 0}, 400), ("post", "/api/quizzes", {"types": ["essay"]}, 400),
    ("post", "/api/quizzes", {"documents": "x"}, 400), ("post", "/api/quizzes", {"topic": 5}, 400),
    ("post", "/api/quizzes", {"documents": ["不存在.md"]}, 400),
    ("get", "/api/quizzes/99999", None, 404), ("get", "/api/quizzes/99999/analysis", None, 404),
    ("post", "/api/quizzes/99999/publish", None, 404), ("get", "/api/quizzes/99999/export", None, 404),
])  # fmt: skip
def test_quiz_bad_input(client, auth, method, path, body, status):
    response = getattr(client, method)(path, json=body, headers=auth("trainer"))
    assert response.status_code == status, response.get_json()


def test_quiz_attempt_bad_input(client, auth, published_quiz):
    url = f"/api/quizzes/{published_quiz['id']}/attempts"
    assert client.post(url, json={"answers": "A"}, headers=auth("agent")).status_code == 400
    assert (
        client.post("/api/quizzes/99999/attempts", json={"answers": {}}, headers=auth("agent")).status_code
        == 404
    )
    fmt = client.get(f"/api/quizzes/{published_quiz['id']}/export?format=pdf", headers=auth("trainer"))
    assert fmt.status_code == 400


def test_draft_quiz_takes_no_attempts(client, auth, job_result):
    draft = client.post(
        "/api/quizzes", json={"topic": "发票", "n": 2, "types": ["tf"]}, headers=auth("trainer")
    )
    quiz_id = job_result(client, draft, auth("trainer"))["result"]["quiz_id"]
    response = client.post(f"/api/quizzes/{quiz_id}/attempts", json={"answers": {}}, headers=auth("agent"))
    assert response.status_code == 404


def test_a_write_behind_a_long_ingest_elsewhere_gets_503_not_a_hung_request(own_app, tmp_path):
    """The knowledge base's write lock, held by another process, is waited for db_busy_seconds."""
    import fcntl

    from common.db import connect
    from common.settings import load_settings
    from service import users

    app = own_app(db_busy_seconds=0.1, seed_sample_kb=False)
    settings = load_settings(tmp_path / "h")
    conn = connect(settings.db_path)
    token = users.issue_token(conn, users.authenticate(conn, "admin", "admin-secret-1").id)
    conn.close()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    with open(settings.home_path / "write.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # a CLI ingest in another process
        busy = client.delete("/api/documents/无此文档.txt", headers=headers)
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "30"
    assert busy.get_json()["error"]["message"].startswith("知识库正在更新")
    # Free again: the same call is answered (there is no such document).
    assert client.delete("/api/documents/无此文档.txt", headers=headers).status_code == 404
