"""Spreadsheet exports (XLSX and CSV) with the column headings trainers expect."""

from __future__ import annotations

import csv
import io

from quiz.models import CHOICE_TYPES, MULTIPLE, TYPE_LABELS, Question, Quiz

COLUMNS = ("题型", "题目", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "来源")


def question_row(q: Question) -> list[str]:
    """One spreadsheet row; the answer is a letter for choice questions."""
    options = list(q.options[:4]) if q.type in (*CHOICE_TYPES, MULTIPLE) else []
    options += [""] * (4 - len(options))
    answer = q.answer_letter if q.type in (*CHOICE_TYPES, MULTIPLE) else q.answer
    return [TYPE_LABELS[q.type], q.stem, *options, answer, q.explanation, q.source.label()]


class CsvExporter:
    name, extension, mimetype = "csv", "csv", "text/csv; charset=utf-8"

    def export(self, quiz: Quiz) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(question_row(q) for q in quiz.questions)
        # A BOM so that Excel opens the UTF-8 file with the right encoding.
        return out.getvalue().encode("utf-8-sig")


class XlsxExporter:
    name, extension = "xlsx", "xlsx"
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def export(self, quiz: Quiz) -> bytes:
        try:
            from openpyxl import Workbook
            from openpyxl.styles import Alignment, Font
        except ImportError as exc:  # pragma: no cover
            raise ImportError("openpyxl is not available - pip install openpyxl") from exc
        book = Workbook()
        sheet = book.active
        sheet.title = "题目"
        sheet.append(COLUMNS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for q in quiz.questions:
            sheet.append(question_row(q))
        for column, width in zip("ABCDEFGHI", (8, 60, 20, 20, 20, 20, 10, 50, 30), strict=True):
            sheet.column_dimensions[column].width = width
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
