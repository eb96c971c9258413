"""Admin golden sets: labelled test queries, sheet import, runs (as jobs) and their history."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from service.golden import GoldenError
from web.auth import role_required
from web.extensions import playbook

bp = Blueprint("golden", __name__, url_prefix="/admin/golden")
MAX_SHEET = 5 * 1024 * 1024
METRIC_LABELS = {
    "recall@1": "第一条就对",
    "recall@5": "前五条里有",
    "mrr@10": "平均倒数排名",
    "no_answer_accuracy": "无答案判断正确",
}


@bp.before_request
@role_required("admin")
def guard():
    return None


@bp.get("/")
def index():
    return render_template(
        "admin/golden.html",
        queries=playbook().golden_queries(),
        runs=playbook().golden_runs(),
        labels=METRIC_LABELS,
    )


@bp.post("/mark")
def mark():
    """From the hit-test page: this result answers the query (or: the query has no answer)."""
    query = request.form.get("q", "")
    try:
        if request.form.get("none") == "1":
            playbook().add_golden(query, [], g.user.username)
            flash(f"已加入黄金测试集：“{query}”应当没有答案")
        else:
            chunk = request.form.get("chunk", type=int)
            playbook().add_golden_from_result(query, chunk or 0, g.user.username)
            flash(f"已加入黄金测试集：“{query}”的正确答案")
    except GoldenError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.hit_test", q=query))


@bp.post("/import")
def import_sheet():
    upload = request.files.get("sheet")
    if upload is None or not upload.filename:
        flash("请选择要导入的表格（.csv 或 .xlsx）", "error")
        return redirect(url_for("golden.index"))
    data = upload.read(MAX_SHEET + 1)
    try:
        if len(data) > MAX_SHEET:
            raise GoldenError(f"{upload.filename}：表格超过 5 MB")
        count = playbook().import_golden_sheet(upload.filename, data, g.user.username)
        flash(f"已从 {upload.filename} 导入 {count} 条测试问题")
    except GoldenError as exc:
        flash(f"没有导入：{exc}", "error")
    return redirect(url_for("golden.index"))


@bp.post("/run")
def run():
    job = playbook().start_golden_run(g.user.username)
    if job is None:
        flash("黄金测试集还是空的：先在命中测试页标出正确答案，或导入表格", "error")
        return redirect(url_for("golden.index"))
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.post("/<int:query_id>/delete")
def delete(query_id: int):
    playbook().remove_golden(query_id)
    flash("已删除这条测试问题")
    return redirect(url_for("golden.index"))
