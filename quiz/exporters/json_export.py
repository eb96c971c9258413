"""JSON export: the full quiz, questions with sources, for other tools and backups."""

from __future__ import annotations

import json

from quiz.models import Quiz


class JsonExporter:
    name, extension, mimetype = "json", "json", "application/json"

    def export(self, quiz: Quiz) -> bytes:
        return (json.dumps(quiz.as_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
