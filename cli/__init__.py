"""Thin command-line layer: cli/parsers.py declares the commands, the ``*_commands`` modules run them.

A command parses its arguments, calls the core (``service.playbook.Playbook`` or a core
package) and prints; core errors become :class:`CommandError` (exit status 2, message on
stderr). The parser names each handler as ``"module:function"`` and ``app.py`` imports the
handler's module only to run it, so ``python app.py --help`` stays instant while the
handler modules import what they need at top level.
"""


class CommandError(Exception):
    """A user-facing error: printed as one line, exit status 2."""
