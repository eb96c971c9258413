"""A job's page: a progress bar that follows ``/api/jobs/<id>`` (web/static/jobs.js), then the report.

Only the person who started the job, or an admin, may see it. A finished quiz job
goes straight to the new draft; the others show their report here.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from service.jobs import may_read
from web.admin import DROP_LABELS
from web.admin import STATUS_LABELS as FILE_STATUS_LABELS
from web.auth import login_required
from web.extensions import playbook, settings

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

BACK_LINKS = {  # where each kind of job came from
    "ingest": ("admin.documents", "← 返回文档列表"),
    "reindex": ("admin.dictionary", "← 返回词典与同义词"),
    "quiz": ("quiz.index", "← 返回培训测验"),
    "golden": ("golden.index", "← 返回黄金测试集"),
    "qa_score": ("qa.index", "← 返回评分记录"),
    "restore": ("admin.documents", "← 返回文档列表"),
    "chunk_edit": ("admin.documents", "← 返回文档列表"),
}


def readable_job(job_id: int):
    """The job, or 404 (no such job) / 403 (someone else's, for a non-admin)."""
    job = playbook().jobs.get(job_id)
    if job is None:
        abort(404)
    if not may_read(job, g.user.username, g.user.role == "admin"):
        abort(403)
    return job


@bp.get("/<int:job_id>")
@login_required
def show(job_id: int):
    job = readable_job(job_id)
    if job.kind == "qa_score" and job.status == "done":
        result = job.result
        flash(f"已评分 {result['scored']} 个对话，{result['rejected']} 条记录无法读取", "success")
        for item in result.get("rejections", [])[:20]:
            where = f"{item['file']} 第 {item['line']} 行：" if item.get("file") and item.get("line") else ""
            flash(f"未读取：{where}{item['reason']}", "warning")
        if result.get("base_run"):
            return redirect(url_for("review.run_diff", run_id=result["run_id"], base=result["base_run"]))
        return redirect(url_for("qa.run", run_id=result["run_id"]))
    if job.kind == "quiz" and job.status == "done":
        for note in job.result.get("notes", []):
            flash(note, "warning")
        if job.result.get("bank"):  # candidates for the question bank: triage them next
            flash(
                f"题库新增 {job.result['added']} 道候选题（{job.result['skipped']} 道已在题库中）", "success"
            )
            # The candidates of this topic, to triage next (not those left from other topics).
            return redirect(url_for("bank.index", status="candidate", topic=job.result.get("topic") or None))
        return redirect(url_for("quiz.review", quiz_id=job.result["quiz_id"]))
    endpoint, label = BACK_LINKS[job.kind]
    return render_template(
        "jobs/job.html",
        job=job,
        poll_ms=settings().job_poll_ms,
        back_url=url_for(endpoint),
        back_label=label,
        status_labels=FILE_STATUS_LABELS,
        drop_labels=DROP_LABELS,
    )
