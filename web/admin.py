"""Knowledge-base admin: documents (upload, versions, chunks, replace, delete), dictionary and
synonyms, the hit-test page, gaps (unanswered queries and 👎), and user accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from index.search import LEGS
from kb.loaders import SUPPORTED_SUFFIXES
from kb.rules import load_rules
from kb.topic_filter import topic_labels
from service import users
from service.gap_faq import GapError
from web.auth import role_required
from web.extensions import db, kb, playbook, settings
from web.search import KIND_LABELS
from web.uploads import save_uploads

bp = Blueprint("admin", __name__, url_prefix="/admin")

STATUS_LABELS = {
    "added": "新增",
    "updated": "已更新",
    "unchanged": "未变化",
    "error": "失败",
    "skipped": "已跳过",
}
# Reasons named by kb/clean.py and kb/topic_filter.py, in Chinese; unknown reasons show as is.
DROP_LABELS = {**load_rules().labels, **topic_labels()}

# Plain-language names of the answer-confidence evidence (index/confidence.py).
EVIDENCE_LABELS = {
    "best_cosine": ("最高语义相似度", "问题与最接近段落的向量余弦（0–1，越高越像）"),
    "dense_lead": ("最佳段落领先程度", "最接近的段落比其余候选段落高出多少：真有答案时通常明显领先"),
    "top_probability": ("排序模型把握", "排序模型认为第一条结果正确的概率"),
    "probability_margin": ("第一条领先第二条", "排序模型给第一条与第二条结果的概率之差"),
    "key_term_coverage": ("关键词覆盖", "问题里的关键词（含同义词）在前三条结果中出现的比例"),
    "unknown_terms": ("知识库没有的词", "问题里知识库从未出现过的关键词所占比例，越高越可能无答案"),
    "legs_agree": ("两种检索一致", "语义检索与关键词检索前五条结果的重合比例"),
    "domain_margin": ("与客服问题的接近程度", "比起闲聊示例更像客服问题的程度，低于 0 判为与客服无关"),
    "adapted_cosine": ("校准后语义相似度", "查询适配器调整后问题与最接近段落的余弦"),
    "answer_type_match": ("答案类型相符", "问时长、时间或金额时，第一条结果里是否有这类内容（1 是，0 否）"),
}


@bp.before_request
@role_required("admin")
def guard():
    return None


def _supported() -> set[str]:
    return set(SUPPORTED_SUFFIXES)


def _ingest(files, rename_to: str | None = None):
    """Save uploads and start their ingest job; returns the job (None: nothing saved) and refused files."""
    saved, errors = save_uploads(files, settings().home_path, "kb", _supported(), rename_to=rename_to)
    tags = [t.strip() for t in request.form.get("tags", "").replace("，", ",").split(",") if t.strip()]
    if not saved:
        return None, errors
    return playbook().start_ingest([s.path for s in saved], g.user.username, tags, rejected=errors), errors


@bp.get("/")
def documents():
    return render_template(
        "admin/documents.html",
        documents=kb().documents(),
        jobs=[job for job in playbook().jobs.list(limit=20) if not job.finished],
        suffixes=" ".join(sorted(_supported())),
        drop_labels=DROP_LABELS,
    )


@bp.post("/documents")
def upload():
    """Answers at once: the ingest runs as a job whose page shows its progress, then the report."""
    job, errors = _ingest(request.files.getlist("files"))
    if job is not None:
        return redirect(url_for("jobs.show", job_id=job.id))
    if not errors:
        flash("请选择要上传的文件", "error")
        return redirect(url_for("admin.documents"))
    return render_template("admin/ingest_report.html", errors=errors), 400


def _document_or_404(doc_id: int):
    document = kb().document(doc_id)
    if document is None:
        abort(404)
    return document


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int):
    document = _document_or_404(doc_id)
    return render_template(
        "admin/document.html",
        document=document,
        chunks=kb().chunks(document.id),
        kinds=KIND_LABELS,
        drop_labels=DROP_LABELS,
        dropped_spans=playbook().curation.dropped(str(document.id)),
        edited=playbook().curation.edited_origins(document.name),
    )


@bp.post("/documents/<int:doc_id>/replace")
def replace(doc_id: int):
    document = _document_or_404(doc_id)
    files = [f for f in request.files.getlist("files") if f and f.filename][:1]
    if not files:
        flash("请选择新版本文件", "error")
        return redirect(url_for("admin.document", doc_id=doc_id))
    job, errors = _ingest(files, rename_to=document.name)
    for error in errors:
        flash(error, "error")
    if job is not None:
        return redirect(url_for("jobs.show", job_id=job.id))
    return redirect(url_for("admin.document", doc_id=doc_id))


@bp.post("/documents/<int:doc_id>/delete")
def delete(doc_id: int):
    document = _document_or_404(doc_id)
    playbook().remove(str(document.id))
    flash(f"已删除 {document.name}", "success")
    return redirect(url_for("admin.documents"))


@bp.route("/dictionary", methods=["GET", "POST"])
def dictionary():
    base = kb()
    paths = {"user_dict": base.user_dict_path, "synonyms": base.synonyms_path}
    if request.method == "POST":
        texts = {key: request.form[key] for key in paths if key in request.form}
        # Saved now; the reindex that applies them is a job (a malformed line puts the old files back).
        job = playbook().save_dictionaries(texts, g.user.username)
        return redirect(url_for("jobs.show", job_id=job.id))
    texts = {key: path.read_text(encoding="utf-8") for key, path in paths.items()}
    return render_template("admin/dictionary.html", texts=texts)


@bp.get("/hit-test")
def hit_test():
    """The production search (same call, same settings), with both legs' evidence, unlogged."""
    query = (request.args.get("q") or "").strip()[:20_000]  # search cuts it and says so
    leg = request.args.get("leg", "hybrid")
    if leg not in LEGS:
        abort(400)
    k = min(max(request.args.get("k", 10, type=int), 1), 50)
    threshold = request.args.get("threshold", settings().answer_threshold, type=float)
    threshold = min(max(threshold, 0.0), 1.0) if threshold == threshold else settings().answer_threshold
    response = kb().search(query, k=k, leg=leg, log=False, threshold=threshold) if query else None
    golden = {q.query: q for q in playbook().golden_queries()}
    return render_template(
        "admin/hit_test.html",
        query=query,
        leg=leg,
        legs=LEGS,
        k=k,
        threshold=threshold,
        response=response,
        kinds=KIND_LABELS,
        evidence_labels=EVIDENCE_LABELS,
        golden=golden.get(" ".join(query.split())),
        settings=settings(),
    )


@bp.get("/gaps")
def gaps():
    return render_template("admin/gaps.html", gaps=playbook().gaps())


@bp.post("/gaps/faq")
def gap_faq():
    """ "Add as FAQ": a Q&A entry in the managed FAQ document; the gap is marked resolved."""
    similar = [s for s in request.form.get("similar", "").replace("，", "|").replace(",", "|").split("|")]
    try:
        job = playbook().add_gap_faq(
            request.form.get("gap", ""),
            request.form.get("question", ""),
            request.form.get("answer", ""),
            similar,
            g.user.username,
        )
    except GapError as exc:
        flash(f"没有添加：{exc}", "error")
        return redirect(url_for("admin.gaps"))
    flash("已添加到“知识缺口补充”常见问题文档，正在导入；该问题已标为已解决")
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/users", methods=["GET", "POST"])
def users_page():
    if request.method == "POST":
        action = request.form.get("action")
        if action == "create":
            try:
                user = users.create_user(
                    db(),
                    request.form.get("username", ""),
                    request.form.get("password", ""),
                    request.form.get("role", ""),
                    must_change_password=True,
                )
                flash(f"已创建用户 {user.username}（{user.role_label}），首次登录需修改密码", "success")
            except users.UserError as exc:
                flash(str(exc), "error")
        elif action == "delete":
            user_id = request.form.get("user_id", type=int)
            if user_id == g.user.id:
                flash("不能删除自己的账户", "error")
            elif user_id:
                users.delete_user(db(), user_id)
                flash("已删除用户，其登录和 API 令牌已失效", "success")
        elif action == "reset":
            user_id = request.form.get("user_id", type=int)
            try:
                if not user_id or users.get_user(db(), user_id) is None:
                    raise users.UserError("没有这个用户")
                users.reset_password(db(), user_id, request.form.get("password", ""))
                flash("已重置密码：该用户的所有登录和 API 令牌已失效，下次登录须修改密码", "success")
            except users.UserError as exc:
                flash(str(exc), "error")
        else:
            abort(400)
        return redirect(url_for("admin.users_page"))
    return render_template("admin/users.html", users=users.list_users(db()), roles=users.ROLES)
