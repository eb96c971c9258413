"""Kefu Playbook entry point: ``python app.py COMMAND`` and ``create_app()`` for WSGI."""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys

from cli import CommandError
from cli.parsers import register_all
from common.db import is_busy
from common.settings import load_settings


def build_parser() -> argparse.ArgumentParser:
    """The CLI parser with every command module's sub-commands registered."""
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description="Kefu Playbook: search manuals, score chat transcripts, build quizzes.",
    )
    home_help = "data home folder (default: $KEFU_HOME or ./kefu_data)"
    parser.add_argument("--home", help=home_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register_all(sub)
    # ``--home`` is accepted before or after the command (``serve --home DIR``); SUPPRESS
    # keeps a value given before the command when none is given after it.
    for command in _command_parsers(sub):
        command.add_argument("--home", default=argparse.SUPPRESS, help=home_help)
    return parser


def _command_parsers(sub) -> list[argparse.ArgumentParser]:
    """Every command parser, command groups and their sub-commands (``quiz generate``) included."""
    found = []
    for parser in dict.fromkeys(sub.choices.values()):  # aliases share one parser
        found.append(parser)
        for nested in parser._actions:
            if isinstance(nested, argparse._SubParsersAction):
                found.extend(_command_parsers(nested))
    return found


def command_function(name: str):
    """The handler a parser names as ``"module:function"``, its module imported now (see cli/parsers.py)."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def main(argv: list[str] | None = None) -> int:
    """Run one CLI command; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.home)
        return int(command_function(args.handler)(args, settings) or 0)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # invalid settings and similar input errors
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except sqlite3.OperationalError as exc:
        if not is_busy(exc):
            raise
        # Another process held the database past db_busy_seconds. Writes are transactions
        # and an interrupted ingest is repaired on the next write, but a command that had
        # already made some of its writes keeps them: running it again finishes the job.
        print(
            "error: stopped because the database is locked by another process; "
            "run the command again (or raise db_busy_seconds)",
            file=sys.stderr,
        )
        return 3


def create_app(test_config: dict | None = None):
    """WSGI application factory (see web/)."""
    from web import create_app as _create_app

    return _create_app(test_config)


if __name__ == "__main__":
    sys.exit(main())
