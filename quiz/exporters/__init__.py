"""Quiz exporters behind one small interface, chosen by format name or file extension.

An exporter turns a :class:`~quiz.models.Quiz` into bytes. Add a format by
writing a module with a class that has ``name``, ``extension``, ``mimetype``
and ``export(quiz) -> bytes``, and listing it in ``_EXPORTERS``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from quiz.models import Quiz


class Exporter(Protocol):
    name: str
    extension: str
    mimetype: str

    def export(self, quiz: Quiz) -> bytes: ...


# format name -> (module, class); imported on demand (openpyxl only when xlsx is asked for).
_EXPORTERS = {
    "gift": ("quiz.exporters.gift", "GiftExporter"),
    "xml": ("quiz.exporters.moodle_xml", "MoodleXmlExporter"),
    "xlsx": ("quiz.exporters.table", "XlsxExporter"),
    "csv": ("quiz.exporters.table", "CsvExporter"),
    "json": ("quiz.exporters.json_export", "JsonExporter"),
}
FORMATS = tuple(_EXPORTERS)
_ALIASES = {"moodle": "xml", "moodle_xml": "xml", "txt": "gift", "excel": "xlsx"}


def get_exporter(fmt: str) -> Exporter:
    """The exporter for a format name (``gift``, ``xml``, ``xlsx``, ``csv``, ``json``)."""
    name = _ALIASES.get(fmt.lower().lstrip("."), fmt.lower().lstrip("."))
    if name not in _EXPORTERS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    module, cls = _EXPORTERS[name]
    return getattr(importlib.import_module(module), cls)()


def format_for_path(path: str | Path) -> str:
    """The format implied by an output file's extension (``quiz.gift`` -> ``gift``)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    name = _ALIASES.get(suffix, suffix)
    if name not in _EXPORTERS:
        raise ValueError(
            f"{path}: cannot tell the format from the extension; use one of "
            f"{', '.join('.' + f for f in FORMATS)} or pass --format"
        )
    return name


def export_quiz(quiz: Quiz, fmt: str) -> tuple[bytes, str, str]:
    """``(content, mimetype, filename)`` of the quiz in format ``fmt``."""
    exporter = get_exporter(fmt)
    filename = f"quiz-{quiz.id if quiz.id is not None else 'draft'}.{exporter.extension}"
    return exporter.export(quiz), exporter.mimetype, filename
