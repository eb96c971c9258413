"""Web commands: ``serve`` (waitress) and ``create-user``."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from cli import CommandError
from common.db import open_database
from service import users
from web import create_app

SAMPLE_KB = Path(__file__).resolve().parent.parent / "sample_data" / "kb"


def serve(args, settings) -> int:
    """Build the app, start its job worker, seed an empty knowledge base, then serve until Ctrl-C.

    Jobs a previous run left unfinished are resumed (or marked failed) when the worker starts.
    """
    from waitress import serve as waitress_serve

    overrides = {"home": settings.home}
    app = create_app(overrides)
    host = args.host or settings.host
    port = args.port or settings.port
    playbook = app.extensions["kefu_playbook"]
    playbook.jobs.start()
    if settings.seed_sample_kb and not args.no_sample and playbook.is_empty() and SAMPLE_KB.is_dir():
        # A job like an upload: the server answers at once, the sample is searchable when it ends.
        job = playbook.start_ingest([SAMPLE_KB], started_by="admin")
        print(
            f"knowledge base is empty: ingesting the sample manuals from {SAMPLE_KB} as job #{job.id}"
            f" (progress: http://{host}:{port}/jobs/{job.id})",
            file=sys.stderr,
            flush=True,
        )
    playbook.search("预热", k=1)  # load the embedder and snapshot before the first visitor
    print(
        f"Kefu Playbook on http://{host}:{port}/  (data home {settings.home_path}; Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )
    try:
        waitress_serve(app, host=host, port=port, threads=settings.threads, ident="kefu-playbook")
    finally:
        playbook.close()
    return 0


def create_user(args, settings) -> int:
    """Create a user with a role and print their API token (shown only once)."""

    password = args.password or getpass.getpass(f"password for {args.username}: ")
    conn = open_database(settings)
    try:
        users.init_schema(conn)
        try:
            user = users.create_user(conn, args.username, password, args.role)
        except users.UserError as exc:
            raise CommandError(str(exc)) from None
        token = users.issue_token(conn, user.id)
    finally:
        conn.close()
    print(f"created {user.username} ({user.role})")
    print(f"API token (shown once): {token}")
    return 0
