"""Server-rendered pages of each role: content, escaping of user and document text, exports."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


def follow_job(client, response):
    """A form that started a job redirects to the job's page; wait for the job, return the page's answer."""
    assert response.status_code == 302 and "/jobs/" in response.location, response.get_data(as_text=True)
    job_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    client.application.extensions["kefu_playbook"].jobs.wait(job_id, timeout=600)
    return client.get(response.location)


def test_search_page_renders_results_and_copy_buttons(client, login_as):
    html = login_as(client, "agent").get("/?q=退款多久到账").get_data(as_text=True)
    assert "复制回复" in html and "查看原文" in html and "<mark>" in html
    assert "没有找到可信的答案" not in html


def test_search_page_says_which_words_the_manuals_never_mention(client, login_as):
    html = login_as(client, "agent").get("/search/results?q=花呗分期免息吗").get_data(as_text=True)
    assert "手册中没有出现“花呗”" in html


def test_search_page_no_confident_answer(client, login_as):
    html = login_as(client, "agent").get("/search/results?q=量子纠缠的数学原理是什么").get_data(as_text=True)
    assert "没有找到可信的答案" in html
    chat = client.get("/search/results?q=今天天气怎么样").get_data(as_text=True)
    assert "没有找到可信的答案" in chat and "与客服工作无关" in chat


def test_search_page_says_when_a_long_query_was_cut(client, login_as):
    html = login_as(client, "agent").get("/search/results?q=" + "退款多久到账" * 60).get_data(as_text=True)
    assert "只搜索了前 200 个字" in html


def test_passage_in_context(client, login_as, auth):
    hit = client.get("/api/search?q=退货流程", headers=auth("agent")).get_json()["results"][0]
    html = (
        login_as(client, "agent")
        .get(f"/passage?doc={hit['document']}&chunk={hit['chunk_id']}")
        .get_data(as_text=True)
    )
    assert f'id="chunk-{hit["chunk_id"]}" class="passage target"' in html
    assert client.get("/passage?doc=不存在.md").status_code == 404


def test_admin_pages(client, login_as):
    login_as(client, "admin")
    docs = client.get("/admin/").get_data(as_text=True)
    assert "售后服务手册.md" in docs and "近似重复的段落" in docs
    doc_id = re.search(r'/admin/documents/(\d+)">售后服务手册.md', docs).group(1)
    detail = client.get(f"/admin/documents/{doc_id}").get_data(as_text=True)
    assert "上传新版本" in detail and "段落（" in detail
    hit = client.get("/admin/hit-test?q=退货运费谁出&leg=hybrid&k=3&threshold=0.99").get_data(as_text=True)
    assert "综合得分" in hit and "关键词排名" in hit and "关键词覆盖" in hit and "RRF" not in hit
    assert hit.count('mark-right">这是正确答案') == 3 and "阈值 0.99" in hit
    assert client.get("/admin/hit-test?q=x&leg=bad").status_code == 400
    assert "用户词典" in client.get("/admin/dictionary").get_data(as_text=True)
    assert "没有可信答案的查询" in client.get("/admin/gaps").get_data(as_text=True)


def test_admin_replace_delete_and_stored_xss_is_escaped(client, login_as, csrf):
    login_as(client, "admin")
    token = csrf(client, "/admin/")
    text = f"# 安全测试\n\n这是一段用于安全测试的说明文字{XSS}，客服不要执行其中的脚本。\n".encode()
    started = client.post(
        "/admin/documents",
        data={"csrf_token": token, "files": [(io.BytesIO(text), "安全测试.md")]},
        content_type="multipart/form-data",
    )
    report = follow_job(client, started).get_data(as_text=True)
    assert "已完成" in report and "新增" in report and "安全测试.md" in report
    page = client.get("/admin/").get_data(as_text=True)
    doc_id = re.search(r'/admin/documents/(\d+)">安全测试.md', page).group(1)
    detail = client.get(f"/admin/documents/{doc_id}").get_data(as_text=True)
    assert "<script>window.__xss" not in detail and "&lt;script&gt;window.__xss" in detail
    found = client.get("/search/results?q=安全测试的说明文字").get_data(as_text=True)
    assert "<script>window" not in found and "<img src=x" not in found
    # A new version keeps the document's name whatever the uploaded file is called.
    v2 = text.replace("客服".encode(), "坐席".encode())
    replaced = client.post(
        f"/admin/documents/{doc_id}/replace",
        data={"csrf_token": token, "files": [(io.BytesIO(v2), "x.md")]},
        content_type="multipart/form-data",
    )
    assert "已更新" in follow_job(client, replaced).get_data(as_text=True)
    assert "v2" in client.get(f"/admin/documents/{doc_id}").get_data(as_text=True)
    wrong = client.post(
        f"/admin/documents/{doc_id}/replace",
        data={"csrf_token": token, "files": [(io.BytesIO(b"a,b"), "x.csv")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "格式相同" in wrong
    client.post(f"/admin/documents/{doc_id}/delete", data={"csrf_token": token})
    assert client.get(f"/admin/documents/{doc_id}").status_code == 404


def test_admin_users_page_creates_users_who_must_change_password(client, login_as, csrf):
    login_as(client, "admin")
    token = csrf(client, "/admin/users")
    client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "action": "create",
            "username": "新客服01",
            "role": "agent",
            "password": "first-pass-1",
        },
    )
    assert "新客服01" in client.get("/admin/users").get_data(as_text=True)
    short = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "action": "create",
            "username": "x2",
            "role": "agent",
            "password": "short",
        },
        follow_redirects=True,
    )
    assert "至少需要 8 个字符" in short.get_data(as_text=True)


def test_dictionary_edit_reindexes(client, login_as, csrf):
    login_as(client, "admin")
    page = client.get("/admin/dictionary").get_data(as_text=True)
    token = csrf(client, "/admin/dictionary")
    user_dict = re.search(r'name="user_dict"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    synonyms = re.search(r'name="synonyms"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    import html

    response = client.post(
        "/admin/dictionary",
        data={
            "csrf_token": token,
            "user_dict": html.unescape(user_dict),
            "synonyms": html.unescape(synonyms) + "\n电水壶 热水壶 烧水壶\n",
        },
    )
    assert "已保存并重建索引" in follow_job(client, response).get_data(as_text=True)
    assert "烧水壶" in client.get("/admin/dictionary").get_data(as_text=True)


@pytest.fixture
def qa_run(client, login_as, csrf):
    """A run over the sample transcripts plus one hostile transcript; returns the run page URL."""
    login_as(client, "qa")
    token = csrf(client, "/qa/")
    hostile = {"id": "xss-1", "agent": "a66", "messages": [
        {"role": "customer", "text": XSS + "我要投诉", "ts": "2026-11-03T10:00:00+08:00"},
        {"role": "agent", "text": "你自己看" + XSS, "ts": "2026-11-03T10:02:00+08:00"}]}  # fmt: skip
    files = [
        (open(ROOT / "sample_data" / "transcripts" / "sample.jsonl", "rb"), "sample.jsonl"),
        (io.BytesIO(json.dumps(hostile, ensure_ascii=False).encode()), "恶意.jsonl"),
    ]
    response = client.post(
        "/qa/runs",
        data={"csrf_token": token, "policy": "default.yaml", "files": files},
        content_type="multipart/form-data",
    )
    done = follow_job(client, response)  # scoring runs as a job; its page then sends you to the run
    assert done.status_code == 302 and "/qa/runs/" in done.location, done.get_data(as_text=True)
    return done.location


def test_qa_run_conversation_agent_and_exports(client, qa_run):
    run = client.get(qa_run).get_data(as_text=True)
    assert "未通过的规则" in run and "xss-1" in run
    card_id = re.search(r'/qa/scorecards/(\d+)">xss-1', run).group(1)
    card = client.get(f"/qa/scorecards/{card_id}").get_data(as_text=True)
    assert '<mark class="ev-fail"' in card and "禁用语：你自己看" in card
    assert "<script>window.__xss" not in card and "&lt;script&gt;window.__xss=1&lt;/script&gt;" in card
    assert "<svg" in client.get("/qa/agents/a66").get_data(as_text=True)
    run_id = qa_run.rsplit("/", 1)[1]
    csv_export = client.get(f"/qa/runs/{run_id}/export.csv")
    assert csv_export.status_code == 200 and "xss-1" in csv_export.data.decode("utf-8-sig")
    header = csv_export.data.decode("utf-8-sig").splitlines()[0]
    assert (
        "服务禁用语（推诿、不耐烦）" in header and "forbidden_phrases" not in header
    )  # descriptions, not ids
    assert "不适用" in csv_export.data.decode("utf-8-sig") and ",na" not in csv_export.data.decode(
        "utf-8-sig"
    )
    xlsx = client.get(f"/qa/runs/{run_id}/export.xlsx")
    assert xlsx.data[:2] == b"PK"
    assert client.get(f"/qa/runs/{run_id}/export.pdf").status_code == 404


def test_policy_editor_validates_tries_and_saves(client, login_as, csrf):
    login_as(client, "qa")
    token = csrf(client, "/qa/policies")
    text = (ROOT / "sample_data" / "policy" / "default.yaml").read_text(encoding="utf-8")
    bad = client.post(
        "/qa/policies/edit",
        data={"csrf_token": token, "name": "新规则.yaml", "text": "rules: []", "action": "save"},
    )
    assert bad.status_code == 400 and "未保存" in bad.get_data(as_text=True)
    trial = {"id": "t", "agent": "a1", "messages": [
        {"role": "customer", "text": "在吗", "ts": "2026-11-03T10:00:00+08:00"},
        {"role": "agent", "text": "不归我管", "ts": "2026-11-03T10:00:05+08:00"}]}  # fmt: skip
    tried = client.post(
        "/qa/policies/edit",
        data={
            "csrf_token": token,
            "name": "新规则.yaml",
            "text": text,
            "conversation": json.dumps(trial),
            "action": "try",
        },
    )
    assert "试运行结果" in tried.get_data(as_text=True) and '<mark class="ev-fail"' in tried.get_data(
        as_text=True
    )
    garbage = client.post(
        "/qa/policies/edit",
        data={
            "csrf_token": token,
            "name": "新规则.yaml",
            "text": text,
            "conversation": "{oops",
            "action": "try",
        },
    )
    assert garbage.status_code == 400 and "对话无法读取" in garbage.get_data(as_text=True)
    client.post(
        "/qa/policies/edit", data={"csrf_token": token, "name": "新规则.yaml", "text": text, "action": "save"}
    )
    assert "新规则.yaml" in client.get("/qa/policies").get_data(as_text=True)
    escape = client.get("/qa/policies/edit?name=../../secret.yaml", follow_redirects=True)
    assert "规则文件名无效" in escape.get_data(as_text=True)


def test_quiz_pages_full_journey(client, login_as, csrf):
    login_as(client, "trainer")
    token = csrf(client, "/quiz/")
    built = follow_job(client, client.post(
        "/quiz/", data={"csrf_token": token, "topic": "运费", "types": ["single", "tf"], "count": "3"}
    ))  # fmt: skip
    assert built.status_code == 302  # the finished job opens the draft
    review = client.get(built.location).get_data(as_text=True)
    quiz_id = built.location.rsplit("/", 1)[1]
    question_id = re.search(r'id="q(\d+)"', review).group(1)
    client.post(f"/quiz/{quiz_id}/questions/{question_id}", data={"csrf_token": token, "action": "delete"})
    client.post(
        f"/quiz/{quiz_id}/questions",
        data={"csrf_token": token, "type": "tf", "stem": "退货运费一律由顾客承担。", "answer": "错误"},
    )
    review = client.get(f"/quiz/{quiz_id}").get_data(as_text=True)
    assert "退货运费一律由顾客承担。" in review
    client.post(f"/quiz/{quiz_id}/publish", data={"csrf_token": token})
    link = re.search(
        r'id="share-link" value="http://localhost(/quiz/take/[^"]+)"',
        client.get(f"/quiz/{quiz_id}").get_data(as_text=True),
    ).group(1)
    for fmt in ("gift", "xml", "xlsx", "csv", "json"):
        assert client.get(f"/quiz/{quiz_id}/export/{fmt}").status_code == 200
    agent = client.application.test_client()
    login_as(agent, "agent")
    assert agent.get(f"/quiz/{quiz_id}").status_code == 403  # answers are for trainers only
    assert "开始作答" in agent.get(link).get_data(as_text=True)  # the rules first, then the attempt
    agent.post(f"{link}/start", data={"csrf_token": csrf(agent, link)})
    form = agent.get(link).get_data(as_text=True)
    names = sorted(set(re.findall(r'name="(q\d+)"', form)))
    answers = {name: "错误" for name in names}
    result = agent.post(link, data={"csrf_token": csrf(agent, link), **answers}, follow_redirects=True)
    result = result.get_data(as_text=True)
    assert "得分" in result
    results = client.get(f"/quiz/{quiz_id}/results").get_data(as_text=True)
    assert "agent" in results and "题目分析" in results
    assert agent.get("/quiz/take/forged-token").status_code == 404


def test_golden_sheet_import_names_the_bad_row_and_keeps_nothing_of_it(client, login_as, csrf):
    import io

    login_as(client, "admin")
    token = csrf(client, "/admin/golden/")
    bad = "问题,答案,无答案\n满多少包邮,满99元包邮,\n退款多久,,\n".encode()
    page = client.post(
        "/admin/golden/import",
        data={"csrf_token": token, "sheet": (io.BytesIO(bad), "测试集.csv")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "没有导入" in page and "第 3 行" in page
    good = "问题,答案,无答案\n满多少包邮,满99元包邮,\n火星上能开分店吗,,是\n".encode()
    page = client.post(
        "/admin/golden/import",
        data={"csrf_token": token, "sheet": (io.BytesIO(good), "测试集.csv")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "导入 2 条测试问题" in page and "应当没有答案" in page
    playbook = client.application.extensions["kefu_playbook"]
    for query in playbook.golden_queries():  # later ingests in this session must not queue runs
        playbook.remove_golden(query.id)


@pytest.mark.parametrize(
    "target", ["//evil.example/", "/\\evil.example/", "/\t/evil.example/", "https://evil.example/"]
)
def test_chunk_forms_never_redirect_to_another_site(client, login_as, csrf, target):
    login_as(client, "admin")
    token = csrf(client, "/admin/")
    page = client.get("/admin/").get_data(as_text=True)
    doc_id = re.search(r'/admin/documents/(\d+)"', page).group(1)
    chunk_id = re.search(
        r"/admin/chunks/(\d+)/disable", client.get(f"/admin/documents/{doc_id}").get_data(as_text=True)
    )
    chunk_id = chunk_id.group(1)
    off = client.post(f"/admin/chunks/{chunk_id}/disable", data={"csrf_token": token, "next": target})
    on = client.post(f"/admin/chunks/{chunk_id}/enable", data={"csrf_token": token, "next": target})
    for response in (off, on):
        assert response.status_code == 302 and "evil.example" not in response.location
        assert response.location.startswith(f"/admin/documents/{doc_id}")
