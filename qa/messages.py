"""How input values are quoted in user-facing error lines (rejections, policy errors).

A hostile file can put a megabyte string or a deeply nested object where a name or a
time belongs; the error must still be one readable line, and naming a container must
never walk it. So a value is shown by ``repr`` cut to :data:`SHOWN_CHARS`, and anything
but a string or a number by its kind only.
"""

from __future__ import annotations

# Longest quoted value in an error line; enough to recognise a role, an id or a time.
SHOWN_CHARS = 60

_KIND_WORDS = {
    dict: "对象",
    list: "数组",
    float: "小数",
    bool: "布尔值",
    type(None): "null",
    str: "文本",
    int: "整数",
}


def kind(value: object) -> str:
    """The JSON/YAML kind of ``value`` in Chinese (对象, 数组, 文本 ...)."""
    return _KIND_WORDS.get(type(value), type(value).__name__)


def shown(value: object) -> str:
    """``repr(value)`` cut to :data:`SHOWN_CHARS`; a container or other object by its kind only."""
    if not isinstance(value, str | int | float) and value is not None:
        return f"<{kind(value)}>"
    try:
        text = repr(value)
    except ValueError:  # an integer over Python's 4,300-digit limit for text conversion
        return f"<{kind(value)}>"
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def os_reason(exc: OSError) -> str:
    """Why a file could not be read, in Chinese (the OS's own words only for rare cases)."""
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, IsADirectoryError):
        return "这是文件夹，不是文件"
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    return f"无法读取（{exc.strerror or exc}）"
