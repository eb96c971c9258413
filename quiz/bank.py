"""The question bank of a knowledge base: candidates a trainer accepts, edits or rejects.

Generated (and imported) questions land here as **candidates** with their source
fact and the version of the document it was read from. A trainer accepts one,
edits it (its status becomes ``edited``: accepted with changes) or rejects it with a
reason; the reasons are counted per fact kind, so everyone sees which kinds need
work. When a document changes or vanishes, questions whose source sentence is no
longer in it are flagged for review (:func:`flag_changed_sources`), never kept
silently. Quizzes are assembled from accepted questions (:func:`assemble`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from dataclasses import asdict

from common.db import migrate
from quiz.models import TYPE_LABELS, Question, answer_key, fact_fingerprint
from quiz.store import QuizError, question_from_row

CANDIDATE, ACCEPTED, EDITED, REJECTED = "candidate", "accepted", "edited", "rejected"
STATUS_LABELS = {CANDIDATE: "待审", ACCEPTED: "已采用", EDITED: "已修改采用", REJECTED: "已拒绝"}
USABLE = (ACCEPTED, EDITED)
# Why a trainer rejects a candidate: the keys are counted per fact kind; 其他 takes free text.
REJECT_REASONS = {
    "wrong_key": "答案不对",
    "unclear": "题意不清",
    "weak_distractors": "干扰项太弱或太假",
    "trivial": "考的不是重点",
    "duplicate": "与别的题重复",
    "outdated": "资料已过时",
    "other": "其他",
}
UNKNOWN_KIND = "未分类"

MIGRATIONS = [
    """
    CREATE TABLE bank_questions (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL DEFAULT 'candidate',
        type TEXT NOT NULL,
        stem TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '[]',
        answer TEXT NOT NULL,
        answers TEXT NOT NULL DEFAULT '[]',
        accepted TEXT NOT NULL DEFAULT '[]',
        explanation TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '{}',
        difficulty REAL NOT NULL DEFAULT 0.5,
        key TEXT NOT NULL DEFAULT '',
        fingerprint TEXT NOT NULL DEFAULT '',
        topic TEXT NOT NULL DEFAULT '',
        fact_kind TEXT NOT NULL DEFAULT '',
        document TEXT NOT NULL DEFAULT '',
        doc_version INTEGER,
        origin TEXT NOT NULL DEFAULT 'generated',
        reject_reason TEXT NOT NULL DEFAULT '',
        reject_note TEXT NOT NULL DEFAULT '',
        review TEXT NOT NULL DEFAULT '',
        decided_by TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX bank_status ON bank_questions(status, topic);
    CREATE INDEX bank_document ON bank_questions(document);
    CREATE UNIQUE INDEX bank_fingerprint ON bank_questions(fingerprint, type) WHERE fingerprint != '';
    """,
]


def init_schema(conn: sqlite3.Connection) -> None:
    migrate(conn, "quiz_bank", MIGRATIONS)


def _entry(row: sqlite3.Row) -> dict:
    q = question_from_row(row)
    return {
        "id": row["id"],
        "status": row["status"],
        "status_label": STATUS_LABELS[row["status"]],
        "question": q,
        "topic": row["topic"],
        "fact_kind": row["fact_kind"] or UNKNOWN_KIND,
        "document": row["document"],
        "doc_version": row["doc_version"],
        "origin": row["origin"],
        "reject_reason": row["reject_reason"],
        "reject_label": REJECT_REASONS.get(row["reject_reason"], row["reject_reason"]),
        "reject_note": row["reject_note"],
        "review": row["review"],
        "decided_by": row["decided_by"],
        "updated_at": row["updated_at"],
    }


def _values(q: Question) -> tuple:
    return (
        q.type,
        q.stem,
        json.dumps(q.options, ensure_ascii=False),
        q.answer,
        json.dumps(q.answers, ensure_ascii=False),
        json.dumps(q.accepted, ensure_ascii=False),
        q.explanation,
        json.dumps(asdict(q.source), ensure_ascii=False),
        q.difficulty,
        q.key,
        q.fingerprint,
    )


_COLUMNS = "type, stem, options, answer, answers, accepted, explanation, source, difficulty, key, fingerprint"


def add_candidates(
    conn: sqlite3.Connection,
    questions: list[Question],
    topic: str = "",
    versions: dict[str, int] | None = None,
    origin: str = "generated",
    status: str = CANDIDATE,
) -> dict:
    """Put questions in the bank; one already there (same fact and type) is skipped.

    ``versions``: document name -> current version, recorded with each question's source.
    Returns ``{"added": [ids], "skipped": n}``.
    """
    init_schema(conn)
    versions = versions or {}
    added, skipped, now = [], 0, time.time()
    with conn:
        for q in questions:
            if not q.fingerprint:
                q.fingerprint = fact_fingerprint(q.source.sentence or q.stem, q.answer)
            if q.source.document and q.source.version is None:
                q.source.version = versions.get(q.source.document)
            cur = conn.execute(
                f"INSERT OR IGNORE INTO bank_questions(status, {_COLUMNS}, topic, fact_kind, document,"
                " doc_version, origin, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    status,
                    *_values(q),
                    topic,
                    q.source.fact_kind,
                    q.source.document,
                    q.source.version,
                    origin,
                    now,
                    now,
                ),
            )
            if cur.rowcount:
                added.append(cur.lastrowid)
            else:
                skipped += 1
    return {"added": added, "skipped": skipped}


def list_bank(
    conn: sqlite3.Connection,
    status: str | None = None,
    topic: str | None = None,
    kind: str | None = None,
    document: str | None = None,
    qtype: str | None = None,
    review: bool | None = None,
) -> list[dict]:
    """Bank entries matching every given filter (flagged for review first, then newest first)."""
    init_schema(conn)
    where, args = [], []
    if status == "usable":
        where.append(f"status IN ({', '.join('?' * len(USABLE))})")
        args += USABLE
    elif status:
        where.append("status = ?")
        args.append(status)
    for column, value in (("topic", topic), ("document", document), ("type", qtype)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if kind:
        where.append("(fact_kind = ? OR (fact_kind = '' AND ? = ?))")
        args += [kind, kind, UNKNOWN_KIND]
    if review is not None:
        where.append("review != ''" if review else "review = ''")
    sql = "SELECT * FROM bank_questions" + (" WHERE " + " AND ".join(where) if where else "")
    rows = conn.execute(sql + " ORDER BY review = '', id DESC", args).fetchall()
    return [_entry(r) for r in rows]


def get_entry(conn: sqlite3.Connection, entry_id: int) -> dict:
    init_schema(conn)
    row = conn.execute("SELECT * FROM bank_questions WHERE id = ?", (int(entry_id),)).fetchone()
    if row is None:
        raise QuizError(f"题库中没有编号为 {entry_id} 的题")
    return _entry(row)


def facets(conn: sqlite3.Connection) -> dict:
    """Values to filter by, with counts: topics, fact kinds, documents, types, statuses."""
    init_schema(conn)
    out = {}
    for name, column in (
        ("topics", "topic"),
        ("documents", "document"),
        ("types", "type"),
        ("statuses", "status"),
    ):
        rows = conn.execute(
            f"SELECT {column} AS v, count(*) AS n FROM bank_questions GROUP BY {column} ORDER BY n DESC"
        ).fetchall()
        out[name] = {r["v"]: r["n"] for r in rows if r["v"]}
    rows = conn.execute(
        "SELECT fact_kind AS v, count(*) AS n FROM bank_questions GROUP BY fact_kind"
    ).fetchall()
    out["kinds"] = dict(Counter({(r["v"] or UNKNOWN_KIND): r["n"] for r in rows}).most_common())
    out["review"] = conn.execute("SELECT count(*) FROM bank_questions WHERE review != ''").fetchone()[0]
    return out


def decide(
    conn: sqlite3.Connection, entry_id: int, action: str, reason: str = "", note: str = "", by: str = ""
) -> dict:
    """``accept``, ``reject`` (with one of ``REJECT_REASONS``; ``other`` needs a note) or ``reopen``.

    Accepting or rejecting clears a review flag (the trainer has looked at it again).
    """
    entry = get_entry(conn, entry_id)
    if action == "accept":
        status = EDITED if entry["status"] == EDITED else ACCEPTED
        problems = entry["question"].validate()
        if problems:
            raise QuizError("不能采用：" + "；".join(problems))
        reason, note = "", ""
    elif action == "reject":
        if reason not in REJECT_REASONS:
            raise QuizError(f"请选择拒绝原因（可选：{'、'.join(REJECT_REASONS.values())}）")
        if reason == "other" and not note.strip():
            raise QuizError("选择“其他”时请写明原因")
        status = REJECTED
    elif action == "reopen":
        status, reason, note = CANDIDATE, "", ""
    else:
        raise QuizError(f"未知的操作 {action!r}（可选：accept、reject、reopen）")
    with conn:
        conn.execute(
            "UPDATE bank_questions SET status = ?, reject_reason = ?, reject_note = ?, decided_by = ?,"
            " review = CASE WHEN ? = 'reopen' THEN review ELSE '' END, updated_at = ? WHERE id = ?",
            (status, reason, note.strip()[:500], by, action, time.time(), entry["id"]),
        )
    return get_entry(conn, entry["id"])


def edit_entry(conn: sqlite3.Connection, entry_id: int, by: str = "", **fields) -> dict:
    """Change a bank question (stem, options, answer, answers, accepted, explanation, difficulty).

    The edited question must be valid; it becomes ``edited`` (accepted with changes).
    A refusal raises :class:`QuizError` and changes nothing.
    """
    entry = get_entry(conn, entry_id)
    allowed = {"stem", "options", "answer", "answers", "accepted", "explanation", "difficulty"}
    unknown = set(fields) - allowed
    if unknown:
        raise QuizError(f"不能修改：{', '.join(sorted(unknown))}")
    question = entry["question"]
    for name, value in fields.items():
        setattr(question, name, value)
    problems = Question(**{**question.__dict__}).validate()
    if problems:
        raise QuizError("未保存：" + "；".join(problems))
    with conn:
        conn.execute(
            f"UPDATE bank_questions SET ({_COLUMNS}) = ({', '.join('?' * 11)}), status = ?, review = '',"
            " reject_reason = '', reject_note = '', decided_by = ?, updated_at = ? WHERE id = ?",
            (*_values(question), EDITED, by, time.time(), entry["id"]),
        )
    return get_entry(conn, entry["id"])


def delete_entry(conn: sqlite3.Connection, entry_id: int) -> None:
    entry = get_entry(conn, entry_id)
    with conn:
        conn.execute("DELETE FROM bank_questions WHERE id = ?", (entry["id"],))


def rejection_counts(conn: sqlite3.Connection) -> dict:
    """``{fact kind: {"total": n, "rejected": r, "reasons": {label: count}}}``, most rejected first."""
    init_schema(conn)
    out: dict[str, dict] = {}
    for r in conn.execute(
        "SELECT fact_kind, type, status, reject_reason, count(*) AS n FROM bank_questions"
        " GROUP BY fact_kind, type, status, reject_reason"
    ):
        kind = r["fact_kind"] or f"{UNKNOWN_KIND}（{TYPE_LABELS.get(r['type'], r['type'])}）"
        item = out.setdefault(kind, {"total": 0, "rejected": 0, "reasons": Counter()})
        item["total"] += r["n"]
        if r["status"] == REJECTED:
            item["rejected"] += r["n"]
            item["reasons"][REJECT_REASONS.get(r["reject_reason"], r["reject_reason"])] += r["n"]
    for item in out.values():
        item["reasons"] = dict(item["reasons"].most_common())
        item["share"] = round(item["rejected"] / item["total"], 3) if item["total"] else 0.0
    return dict(sorted(out.items(), key=lambda kv: (-kv[1]["share"], kv[0])))


def cited_documents(conn: sqlite3.Connection) -> set[str]:
    """Names of the documents bank questions (not rejected) are drawn from."""
    init_schema(conn)
    rows = conn.execute(
        "SELECT DISTINCT document FROM bank_questions WHERE document != '' AND status != 'rejected'"
    ).fetchall()
    return {r["document"] for r in rows}


def flag_changed_sources(conn: sqlite3.Connection, documents: dict[str, tuple[int, str]]) -> dict:
    """Flag bank questions whose source fact changed or whose document vanished.

    ``documents``: name -> (current version, current text) of every document in the
    knowledge base. A question from a newer version whose source sentence is still in
    the text is kept (its version is brought up to date); otherwise it is flagged.
    Returns ``{"flagged": n, "updated": n}``.
    """
    init_schema(conn)
    texts = {name: (version, answer_key(text)) for name, (version, text) in documents.items()}
    flagged = updated = 0
    now = time.time()
    rows = conn.execute(
        "SELECT id, document, doc_version, source, review FROM bank_questions"
        " WHERE document != '' AND status != 'rejected'"
    ).fetchall()
    with conn:
        for r in rows:
            current = texts.get(r["document"])
            if current is None:
                reason = f"来源文档《{r['document']}》已删除"
            elif current[0] == r["doc_version"]:
                continue
            else:
                sentence = answer_key(json.loads(r["source"]).get("sentence", ""))
                if sentence and sentence in current[1]:
                    source = json.loads(r["source"])
                    source["version"] = current[0]
                    conn.execute(
                        "UPDATE bank_questions SET doc_version = ?, source = ? WHERE id = ?",
                        (current[0], json.dumps(source, ensure_ascii=False), r["id"]),
                    )
                    updated += 1
                    continue
                reason = f"来源文档《{r['document']}》已更新到 v{current[0]}，原句不在新版中"
            if r["review"] != reason:
                conn.execute(
                    "UPDATE bank_questions SET review = ?, updated_at = ? WHERE id = ?",
                    (reason, now, r["id"]),
                )
                flagged += 1
    return {"flagged": flagged, "updated": updated}
