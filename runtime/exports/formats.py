"""The file formats of exports: a registry of small classes, each writing a header and rows
of cells (``runtime.exports.cells``) to a binary stream as they come."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import BinaryIO, ClassVar

from metadata.registry import Registry
from runtime.exports.cells import Cell, is_formula_like, neutralise

SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet's name


class ExportFormat:
    key: ClassVar[str]
    extension: ClassVar[str]
    media_type: ClassVar[str]

    def write(self, target: BinaryIO, title: str, header: list[str],
              rows: Iterable[list[Cell]]) -> None:
        """Write ``header`` and ``rows`` (consumed as they come) to ``target``."""
        raise NotImplementedError


class CsvFormat(ExportFormat):
    """UTF-8 with a byte order mark, so Excel reads Chinese text right; CRLF line ends."""

    key = "csv"
    extension = "csv"
    media_type = "text/csv; charset=utf-8"

    def write(self, target: BinaryIO, title: str, header: list[str],
              rows: Iterable[list[Cell]]) -> None:
        text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
        try:
            out = csv.writer(text, lineterminator="\r\n")
            out.writerow([neutralise(h) for h in header])
            for row in rows:
                out.writerow([_csv_text(cell) for cell in row])
        finally:
            text.detach()  # the caller owns the stream


def _csv_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return neutralise(cell)
    return str(cell)  # a number: "-5" is a number, never a formula


class XlsxFormat(ExportFormat):
    """An Excel workbook of one sheet, streamed by openpyxl's write-only mode. Text is
    always a text cell (never a formula); formula-like text also carries Excel's "quote
    prefix", so that editing the cell keeps it text. Numbers are numbers."""

    key = "xlsx"
    extension = "xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def write(self, target: BinaryIO, title: str, header: list[str],
              rows: Iterable[list[Cell]]) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook(write_only=True)
        sheet = book.create_sheet(sheet_title(title))
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        sheet.append([self._cell(sheet, h, bold) for h in header])
        for row in rows:
            sheet.append([self._cell(sheet, cell) for cell in row])
        book.save(target)

    @staticmethod
    def _cell(sheet, value: Cell, font=None):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if value is None or isinstance(value, int | Decimal):
            return value
        # control characters (other than tab and line ends) cannot be written in XML 1.0
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # openpyxl would write "=..." as a formula
        if is_formula_like(value):
            cell.quotePrefix = True
        if font is not None:
            cell.font = font
        return cell


def sheet_title(title: str) -> str:
    return (SHEET_TITLE_BAD.sub(" ", title).strip() or "Sheet1")[:31]


BUILTIN_FORMATS: tuple[type[ExportFormat], ...] = (CsvFormat, XlsxFormat)


def build_format_registry() -> Registry[ExportFormat]:
    return Registry("export format", BUILTIN_FORMATS, key_attr="key")
