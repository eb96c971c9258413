"""Jobs through the API: who may follow a job, what a finished one says, and the page that shows it."""

from __future__ import annotations

import io


def start_upload(client, auth, name="任务权限测试.md"):
    text = "# 任务权限测试\n\n## 保修\n\n任务权限测试规定咖啡机保修期为十四个月，凭发票办理。\n".encode()
    return client.post(
        "/api/documents",
        data={"files": [(io.BytesIO(text), name)]},
        headers=auth("admin"),
        content_type="multipart/form-data",
    )


def test_only_the_starter_or_an_admin_may_read_a_job(client, auth, job_result):
    quiz = client.post(
        "/api/quizzes", json={"topic": "退款", "n": 2, "types": ["tf"]}, headers=auth("trainer")
    )
    job = job_result(client, quiz, auth("trainer"))
    assert job["kind"] == "quiz" and job["started_by"] == "trainer" and job["status"] == "done"
    assert client.get(f"/api/jobs/{job['id']}", headers=auth("admin")).status_code == 200
    for other in ("agent", "qa"):
        refused = client.get(f"/api/jobs/{job['id']}", headers=auth(other))
        assert refused.status_code == 403 and "发起任务的人或管理员" in refused.get_json()["error"]["message"]
    assert client.get("/api/jobs/999999", headers=auth("trainer")).status_code == 404
    assert client.get(f"/api/jobs/{job['id']}").status_code == 401
    mine = client.get("/api/jobs", headers=auth("trainer")).get_json()["jobs"]
    assert mine and {j["started_by"] for j in mine} == {"trainer"}
    assert client.get("/api/jobs", headers=auth("agent")).get_json()["jobs"] == []
    everyone = {j["started_by"] for j in client.get("/api/jobs", headers=auth("admin")).get_json()["jobs"]}
    assert {"admin", "trainer"} <= everyone


def test_the_job_page_is_for_the_starter_or_an_admin(client, app, auth, login_as, job_result):
    job = job_result(client, start_upload(client, auth), auth("admin"))
    assert job["status"] == "done" and job["result"]["files"][0]["status"] == "added"
    admin = app.test_client()
    login_as(admin, "admin")
    page = admin.get(f"/jobs/{job['id']}").get_data(as_text=True)
    assert "导入结果" in page and "任务权限测试.md" in page and "jobs.js" in page
    agent = app.test_client()
    login_as(agent, "agent")
    assert agent.get(f"/jobs/{job['id']}").status_code == 403
    assert agent.get("/jobs/999999").status_code == 404
    assert client.delete("/api/documents/任务权限测试.md", headers=auth("admin")).status_code == 200
