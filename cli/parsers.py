"""The command-line parser: every command's arguments, without importing what runs it.

A command names its handler as ``"module:function"`` (``set_defaults(handler=...)``) and
``app.py`` imports that module only to run it, as pip resolves its commands: ``--help`` never
loads FAISS, the embedder or Flask, and the handler modules import the core at top level.
"""

from __future__ import annotations


def register_kb(sub) -> None:
    p = sub.add_parser("ingest", help="add or update documents (files or folders, recursively)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--tag", action="append", default=[], help="tag every document of this batch")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler="cli.kb_commands:ingest")

    p = sub.add_parser("search", help="search the knowledge base (no query: one query per stdin line)")
    p.add_argument("query", nargs="?")
    p.add_argument("-k", type=int, default=5, help="results per query (default 5)")
    p.add_argument("--json", action="store_true", help="JSON output (always on in batch mode)")
    p.add_argument("--doc", action="append", default=[], help="only this document (repeatable)")
    p.add_argument("--tag", action="append", default=[], help="only chunks with this tag (repeatable)")
    p.add_argument("--leg", choices=("hybrid", "dense", "bm25"), default="hybrid")
    p.set_defaults(handler="cli.kb_commands:search")

    p = sub.add_parser("docs", help="list documents with version, chunks and what cleaning dropped")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="cli.kb_commands:docs")

    p = sub.add_parser("remove", help="remove a document and its chunks")
    p.add_argument("doc", metavar="DOC", help="document name or id")
    p.set_defaults(handler="cli.kb_commands:remove")

    p = sub.add_parser("reindex", help="re-tokenise and rebuild the index (embeddings come from the cache)")
    p.set_defaults(handler="cli.kb_commands:reindex")

    p = sub.add_parser("dropped", help="what cleaning dropped from a document, with reasons and ids")
    p.add_argument("doc", metavar="DOC", help="document name or id")
    p.add_argument("--reason", help="only this reason (e.g. 'off-topic: poem')")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="cli.curation_commands:dropped")

    p = sub.add_parser(
        "restore", help="keep a dropped piece (id from `dropped`): indexed now and on re-ingest"
    )
    p.add_argument("span", type=int, metavar="ID")
    p.set_defaults(handler="cli.curation_commands:restore")

    chunk = sub.add_parser("chunk", help="disable, enable, edit or revert one chunk; show its history")
    csub = chunk.add_subparsers(dest="chunk_command", required=True)
    for name, help_text in (
        ("disable", "hide a chunk from search, quizzes and QA examples"),
        ("enable", "show a disabled chunk again"),
        ("history", "the chunk's edits and disable/enable decisions"),
        ("revert", "put back the text the chunk had before its first edit"),
    ):
        p = csub.add_parser(name, help=help_text)
        p.add_argument("chunk", type=int, metavar="CHUNK_ID")
        p.set_defaults(handler=f"cli.curation_commands:chunk_{name}")
    p = csub.add_parser("edit", help="replace a chunk's text (re-embedded; history kept)")
    p.add_argument("chunk", type=int, metavar="CHUNK_ID")
    p.add_argument("--text", required=True, help="the new text")
    p.set_defaults(handler="cli.curation_commands:chunk_edit")


def register_qa(subparsers) -> None:
    """Add the QA sub-commands to the application parser."""
    score = subparsers.add_parser(
        "score",
        help="score chat transcripts against a QA policy",
        description="Score transcripts (JSONL, JSON, CSV or XLSX) against a QA policy; "
        "writes reports with --out and stores the run for history.",
    )
    score.add_argument("files", nargs="+", metavar="FILE", help="transcript files")
    score.add_argument("--policy", required=True, help="policy YAML file")
    score.add_argument("--json", action="store_true", help="print one JSON line per conversation")
    score.add_argument("--out", metavar="DIR", help="write scorecards.jsonl, CSV and XLSX reports here")
    score.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="NAME=HEADER",
        help="CSV/XLSX column mapping, e.g. --map text=聊天内容"
        " (names: conversation_id, agent, role, ts, text, channel)",
    )
    score.add_argument("--no-semantic", action="store_true", help="match required phrases lexically only")
    score.add_argument("--no-store", action="store_true", help="do not save the run in the database")
    score.set_defaults(handler="cli.qa_commands:score_command")

    check = subparsers.add_parser("policy-check", help="validate a QA policy file and list its rules")
    check.add_argument("policy", help="policy YAML file")
    check.set_defaults(handler="cli.qa_commands:policy_check_command")


def register_quiz(sub) -> None:
    quiz = sub.add_parser("quiz", help="generate, review, publish and export quizzes; analyse attempts")
    qsub = quiz.add_subparsers(dest="quiz_command", required=True, metavar="QUIZ_COMMAND")

    p = qsub.add_parser("generate", help="generate a draft quiz from a topic or documents")
    p.add_argument("--topic", help='a search query, e.g. "退换货" (combine with --doc to search only those)')
    p.add_argument("--doc", action="append", default=[], help="only this document (repeatable)")
    p.add_argument("-n", type=int, default=10, help="number of questions (default 10)")
    p.add_argument(
        "--types",
        default="single,tf,cloze,scenario",
        help="comma-separated: single,tf,cloze,scenario (default all)",
    )
    p.add_argument("--seed", type=int, help="random seed (default: the quiz_seed setting)")
    p.add_argument("--title", help="quiz title")
    p.add_argument("--out", help="also export to this file (format from the extension)")
    p.add_argument("--format", help="export format: gift, xml, xlsx, csv, json")
    p.add_argument("--json", action="store_true", help="print the quiz as JSON")
    p.set_defaults(handler="cli.quiz_commands:generate")

    p = qsub.add_parser(
        "facts", help="list the typed facts quizzes are made from (--why: sentences not used)"
    )
    p.add_argument("--doc", action="append", default=[], help="only this document (repeatable)")
    p.add_argument("--kind", help="only this kind: number, approver, document, procedure, reply, rule")
    p.add_argument("--why", action="store_true", help="also count, by stage, the sentences not used and why")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="cli.quiz_commands:facts_command")

    p = qsub.add_parser("list", help="list quizzes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="cli.quiz_commands:list_command")

    p = qsub.add_parser("show", help="print a quiz with answers and sources")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="cli.quiz_commands:show")

    p = qsub.add_parser("edit", help="edit a question of a draft")
    p.add_argument("question_id", type=int, metavar="QUESTION_ID")
    p.add_argument("--stem")
    p.add_argument("--option", action="append", help="replace all options (repeat, in order)")
    p.add_argument("--answer")
    p.add_argument("--explanation")
    p.set_defaults(handler="cli.quiz_commands:edit")

    p = qsub.add_parser("drop", help="delete a question from a draft")
    p.add_argument("question_id", type=int, metavar="QUESTION_ID")
    p.set_defaults(handler="cli.quiz_commands:drop")

    p = qsub.add_parser("publish", help="freeze a draft so it can be taken")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.set_defaults(handler="cli.quiz_commands:publish")

    p = qsub.add_parser("export", help="export a quiz (GIFT, Moodle XML, XLSX, CSV, JSON)")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--out", required=True, help="output file (format from the extension)")
    p.add_argument("--format", help="export format, overrides the extension")
    p.set_defaults(handler="cli.quiz_commands:export")

    p = qsub.add_parser("attempt", help="record and grade one attempt at a published quiz")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--taker", required=True)
    p.add_argument(
        "--answers", required=True, help='responses in question order, separated by "|", e.g. "A|正确|7天|C"'
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="cli.quiz_commands:attempt")

    p = qsub.add_parser("analyse", aliases=["analyze"], help="item analysis of a quiz's attempts")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="cli.quiz_commands:analyse")
    register_quiz_delivery(qsub)


def register_quiz_delivery(qsub) -> None:
    """``quiz settings|assign|results|copy|unpublish|delete`` and ``quiz bank ...`` (#15)."""
    p = qsub.add_parser(
        "settings", help="how a quiz is taken: shuffle, time limit, attempts, dates, pass mark"
    )
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--shuffle-options", action="store_true", default=None)
    p.add_argument("--no-shuffle-options", dest="shuffle_options", action="store_false")
    p.add_argument("--shuffle-questions", action="store_true", default=None)
    p.add_argument("--no-shuffle-questions", dest="shuffle_questions", action="store_false")
    p.add_argument("--time-limit", type=int, dest="time_limit_minutes", help="minutes, 0 for none")
    p.add_argument(
        "--attempts", type=int, dest="attempts_allowed", help="attempts per taker, 0 for unlimited"
    )
    p.add_argument("--pass", type=float, dest="pass_percent", help="pass mark in percent")
    p.add_argument("--opens", help='"YYYY-MM-DD HH:MM" (local time), "" to clear')
    p.add_argument("--closes", help='"YYYY-MM-DD HH:MM" (local time), "" to clear')
    p.add_argument("--show-answers", help="after_close, after_submit, after_last_attempt or never")
    p.set_defaults(handler="cli.quiz_bank_commands:settings_command")

    p = qsub.add_parser("assign", help="assign a quiz to users and/or roles (they see it as due)")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--user", action="append", default=[])
    p.add_argument("--role", action="append", default=[])
    p.add_argument("--due", help='"YYYY-MM-DD HH:MM" (local time)')
    p.set_defaults(handler="cli.quiz_bank_commands:assign_command")

    p = qsub.add_parser("results", help="results per agent and quiz statistics; --out writes XLSX or CSV")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--out", help="results.xlsx or results.csv")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="cli.quiz_bank_commands:results_command")

    for name, help_text in (
        ("copy", "copy a quiz (published or not) to a new draft"),
        ("unpublish", "turn a published quiz nobody has taken back into a draft"),
        ("delete", "delete a quiz with its attempts"),
    ):
        p = qsub.add_parser(name, help=help_text)
        p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
        if name == "delete":
            p.add_argument("--yes", action="store_true", help="confirm: attempts are deleted too")
        p.set_defaults(handler="cli.quiz_bank_commands:lifecycle_command", action=name)

    bank = qsub.add_parser("bank", help="the question bank: triage candidates, import, export, assemble")
    bsub = bank.add_subparsers(dest="bank_command", required=True, metavar="BANK_COMMAND")
    p = bsub.add_parser("list", help="bank questions (default: candidates)")
    p.add_argument(
        "--status", default="candidate", help="candidate, accepted, edited, rejected, usable or all"
    )
    p.add_argument("--topic")
    p.add_argument("--kind")
    p.add_argument("--doc")
    p.add_argument("--type")
    p.add_argument("--review", action="store_true", help="only questions flagged for review")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="cli.quiz_bank_commands:bank_list")
    for name in ("accept", "reopen"):
        p = bsub.add_parser(name, help=f"{name} bank questions")
        p.add_argument("ids", type=int, nargs="+", metavar="ID")
        p.set_defaults(handler="cli.quiz_bank_commands:bank_decide", action=name)
    p = bsub.add_parser("reject", help="reject bank questions with a reason")
    p.add_argument("ids", type=int, nargs="+", metavar="ID")
    p.add_argument(
        "--reason", required=True, help="wrong_key, unclear, weak_distractors, trivial, duplicate, ..."
    )
    p.add_argument("--note", default="")
    p.set_defaults(handler="cli.quiz_bank_commands:bank_decide", action="reject")
    p = bsub.add_parser("import", help="import GIFT or Moodle XML questions as accepted")
    p.add_argument("file")
    p.add_argument("--topic", default="")
    p.set_defaults(handler="cli.quiz_bank_commands:bank_import")
    p = bsub.add_parser("export", help="export the bank (format from the extension)")
    p.add_argument("--out", required=True)
    p.add_argument("--status", help="only this status")
    p.set_defaults(handler="cli.quiz_bank_commands:bank_export")
    p = bsub.add_parser("fill", help="generate candidates into the bank")
    p.add_argument("--topic")
    p.add_argument("--doc", action="append", default=[])
    p.add_argument("-n", type=int, default=10)
    p.add_argument("--types", default="single,tf,cloze,scenario")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(handler="cli.quiz_bank_commands:bank_fill")
    p = bsub.add_parser("assemble", help="a draft quiz from accepted bank questions")
    p.add_argument("-n", type=int, default=10)
    p.add_argument("--topic")
    p.add_argument("--kind", action="append", default=[])
    p.add_argument("--types", default="")
    p.add_argument("--difficulty", choices=("easy", "medium", "hard"))
    p.add_argument("--title")
    p.set_defaults(handler="cli.quiz_bank_commands:bank_assemble")
    p = bsub.add_parser("review", help="flag questions whose source changed or vanished")
    p.set_defaults(handler="cli.quiz_bank_commands:bank_review")
    p = bsub.add_parser("stats", help="rejections per kind of fact")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="cli.quiz_bank_commands:bank_stats")


def register_web(sub) -> None:
    p = sub.add_parser(
        "serve", help="run the web app with waitress (ingests the sample manuals on first run)"
    )
    p.add_argument("--host", help="listen address (default: the host setting, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: the port setting, 8000)")
    p.add_argument(
        "--no-sample", action="store_true", help="do not ingest sample_data/kb into an empty knowledge base"
    )
    p.set_defaults(handler="cli.web_commands:serve")

    p = sub.add_parser("create-user", help="add a web user (prints an API token)")
    p.add_argument("username", metavar="USER")
    p.add_argument("--role", required=True, choices=("agent", "qa", "trainer", "admin"))
    p.add_argument("--password", help="password (default: asked for on the terminal)")
    p.set_defaults(handler="cli.web_commands:create_user")


def register_review(subparsers) -> None:
    agreement = subparsers.add_parser(
        "qa-agreement",
        help="agreement per rule between the machine and human reviewers",
        description="Precision and recall of the machine's fails against the latest human verdicts, "
        "with counts and examples of disagreement.",
    )
    agreement.add_argument("--run", type=int, help="only this scoring run")
    agreement.add_argument("--since", help="reviews from this date (YYYY-MM-DD)")
    agreement.add_argument("--until", help="reviews up to this date, inclusive")
    agreement.add_argument("--json", action="store_true", help="print the report as JSON")
    agreement.set_defaults(handler="cli.review_commands:agreement_command")

    assign = subparsers.add_parser(
        "qa-assign",
        help="draw a period's review sample for a reviewer",
        description="Per agent: every critical fail, the lowest scores and a seeded random draw of "
        "conversations that started in the period; stored as an assignment the reviewer works through.",
    )
    assign.add_argument("reviewer", help="the reviewer's user name")
    assign.add_argument("--start", required=True, help="first day (YYYY-MM-DD)")
    assign.add_argument("--end", required=True, help="last day, inclusive (YYYY-MM-DD)")
    assign.add_argument("--random", type=int, default=3, help="random conversations per agent (default 3)")
    assign.add_argument(
        "--lowest", type=int, default=1, help="lowest-scoring conversations per agent (default 1)"
    )
    assign.add_argument("--no-critical", action="store_true", help="do not add every critical fail")
    assign.add_argument(
        "--seed", type=int, default=1, help="random seed (the same seed draws the same sample)"
    )
    assign.add_argument("--json", action="store_true", help="print the assignment as JSON")
    assign.set_defaults(handler="cli.review_commands:assign_command")

    rescore = subparsers.add_parser(
        "qa-rescore",
        help="re-score a stored run under another policy and show what changed",
        description="Score a stored run's transcript files again under POLICY, store the new run and print "
        "the conversations and rules whose verdicts changed and each agent's score delta.",
    )
    rescore.add_argument("run", type=int, help="the stored run's id")
    rescore.add_argument("--policy", required=True, help="policy YAML file")
    rescore.add_argument("--no-semantic", action="store_true", help="match required phrases lexically only")
    rescore.add_argument("--json", action="store_true", help="print the difference as JSON")
    rescore.set_defaults(handler="cli.review_commands:rescore_command")


REGISTER = (register_kb, register_qa, register_review, register_quiz, register_web)


def register_all(sub) -> None:
    """Add every command family's sub-commands to the application parser."""
    for register in REGISTER:
        register(sub)
