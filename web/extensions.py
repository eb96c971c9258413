"""Per-app shared objects (CSRF, settings, the Playbook) and per-request connections."""

from __future__ import annotations

import sqlite3

from flask import current_app, g
from flask_wtf.csrf import CSRFProtect

from common.db import open_database
from qa.store import open_store
from service.playbook import Playbook

csrf = CSRFProtect()


def settings():
    """The resolved settings of this app."""
    return current_app.extensions["kefu_settings"]


def playbook() -> Playbook:
    """The app's core object: knowledge base, embedder, query log and jobs (built in create_app)."""
    return current_app.extensions["kefu_playbook"]


def kb():
    """The knowledge base for reads: search, documents, chunks, feedback, gaps."""
    return playbook().kb


def db() -> sqlite3.Connection:
    """This request's connection to the product database."""
    if "kefu_db" not in g:
        # The web tables were migrated once when the app was created (auth.bootstrap_admin).
        g.kefu_db = open_database(settings())
    return g.kefu_db


def qa_db() -> sqlite3.Connection:
    """This request's connection with the QA tables migrated."""
    if "kefu_qa_db" not in g:
        g.kefu_qa_db = open_store(settings().db_path, settings().db_busy_seconds)
    return g.kefu_qa_db


def close_connections(_exc=None) -> None:
    for name in ("kefu_db", "kefu_qa_db", "kefu_quiz_db"):
        conn = g.pop(name, None)
        if conn is not None:
            conn.close()
