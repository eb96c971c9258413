"""Thin command-line layer: each module registers its sub-commands on the parser.

A command parses its arguments, calls one core function and prints; core
errors become :class:`CommandError` (exit status 2, message on stderr).
Heavy imports (FAISS, the embedder) happen inside the command functions so
that ``python app.py --help`` stays instant.
"""

COMMAND_MODULES = (
    "cli.kb_commands",
    "cli.qa_commands",
    "cli.review_commands",
    "cli.quiz_commands",
    "cli.web_commands",
)


class CommandError(Exception):
    """A user-facing error: printed as one line, exit status 2."""
