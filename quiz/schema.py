"""The quiz store's SQLite schema, as ordered migrations (applied once each, in order)."""

from __future__ import annotations

import sqlite3

from common.db import migrate

MIGRATIONS = [
    """
    CREATE TABLE quiz_drafts (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'draft',
        topic TEXT NOT NULL DEFAULT '',
        documents TEXT NOT NULL DEFAULT '[]',
        seed INTEGER NOT NULL DEFAULT 1,
        notes TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL
    );
    CREATE TABLE quiz_questions (
        id INTEGER PRIMARY KEY,
        quiz_id INTEGER NOT NULL REFERENCES quiz_drafts(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        type TEXT NOT NULL,
        stem TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '[]',
        answer TEXT NOT NULL,
        accepted TEXT NOT NULL DEFAULT '[]',
        explanation TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '{}',
        difficulty REAL NOT NULL DEFAULT 0.5,
        key TEXT NOT NULL DEFAULT '',
        fingerprint TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX quiz_questions_quiz ON quiz_questions(quiz_id, position);
    CREATE TABLE quiz_publications (
        quiz_id INTEGER PRIMARY KEY REFERENCES quiz_drafts(id) ON DELETE CASCADE,
        published_at REAL NOT NULL,
        snapshot TEXT NOT NULL
    );
    CREATE TABLE quiz_attempts (
        id INTEGER PRIMARY KEY,
        quiz_id INTEGER NOT NULL REFERENCES quiz_drafts(id) ON DELETE CASCADE,
        taker TEXT NOT NULL,
        submitted_at REAL NOT NULL,
        score INTEGER NOT NULL,
        total INTEGER NOT NULL
    );
    CREATE INDEX quiz_attempts_quiz ON quiz_attempts(quiz_id);
    CREATE TABLE quiz_answers (
        attempt_id INTEGER NOT NULL REFERENCES quiz_attempts(id) ON DELETE CASCADE,
        question_id INTEGER NOT NULL,
        response TEXT NOT NULL,
        correct INTEGER NOT NULL,
        PRIMARY KEY (attempt_id, question_id)
    );
    """,
    # Answer keys are shown to takers only as the trainer chooses; a closed quiz takes no attempts.
    """
    ALTER TABLE quiz_drafts ADD COLUMN show_answers TEXT NOT NULL DEFAULT 'after_close';
    ALTER TABLE quiz_drafts ADD COLUMN closed_at REAL;
    """,
    # Taken like a Moodle quiz: delivery settings; attempts start (with their own question and
    # option order) before they are submitted; partial credit; assignments to users or roles.
    """
    ALTER TABLE quiz_drafts ADD COLUMN delivery TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE quiz_questions ADD COLUMN answers TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE quiz_attempts ADD COLUMN state TEXT NOT NULL DEFAULT 'submitted';
    ALTER TABLE quiz_attempts ADD COLUMN started_at REAL;
    ALTER TABLE quiz_attempts ADD COLUMN layout TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE quiz_attempts ADD COLUMN points REAL;
    ALTER TABLE quiz_attempts ADD COLUMN overdue INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE quiz_answers ADD COLUMN credit REAL;
    CREATE INDEX quiz_attempts_taker ON quiz_attempts(taker, quiz_id);
    CREATE UNIQUE INDEX quiz_attempts_one_open ON quiz_attempts(quiz_id, taker) WHERE state = 'in_progress';
    CREATE TABLE quiz_assignments (
        quiz_id INTEGER NOT NULL REFERENCES quiz_drafts(id) ON DELETE CASCADE,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('user', 'role')),
        target TEXT NOT NULL,
        due_at REAL,
        assigned_by TEXT NOT NULL DEFAULT '',
        assigned_at REAL NOT NULL,
        PRIMARY KEY (quiz_id, target_kind, target)
    );
    """,
]


def init_schema(conn: sqlite3.Connection) -> None:
    migrate(conn, "quiz", MIGRATIONS)
