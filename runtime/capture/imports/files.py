"""Reading an uploaded spreadsheet: CSV in whatever encoding Chinese and Western offices save
(UTF-8 with or without BOM, GBK/GB18030, UTF-16, Windows code pages) and XLSX (read-only, the
first sheet). A file is a header and data rows, each numbered as a person counts them in the
spreadsheet (the header is row 1)."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from metadata.messages import msg

MAX_COLUMNS = 500
MAX_CELL = 100_000  # characters of one CSV cell
SNIFF_BYTES = 64 * 1024
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"))


class UnreadableFile(ValueError):
    """A file that is not a spreadsheet we can read; the message says why, for a person."""


@dataclass(frozen=True)
class Sheet:
    """What a file holds: its format, the encoding it was read in, its header."""

    format: str  # csv | xlsx
    encoding: str | None
    header: list[str]


def detect_encoding(head: bytes) -> str:
    """The encoding of a CSV file from its first bytes: a BOM; else UTF-8 if the bytes are
    valid UTF-8; else GB18030 (GBK's superset, what Excel saves in China) if they are valid
    GB18030 with Chinese in them; else the best guess of charset-normalizer."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    if _decodes(head, "utf-8"):
        return "utf-8"
    if _decodes(head, "gb18030") and any("\u4e00" <= c <= "\u9fff"
                                         for c in head.decode("gb18030", "ignore")):
        return "gb18030"
    best = from_bytes(head).best()
    return best.encoding if best is not None else "cp1252"


def _decodes(head: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def open_sheet(path: Path, file_format: str) -> tuple[Sheet, Iterator[tuple[int, list[Any]]]]:
    """The sheet and its data rows ``(row number, cells)``; blank rows are skipped."""
    if file_format == "xlsx":
        return _xlsx(path)
    return _csv(path)


def _csv(path: Path) -> tuple[Sheet, Iterator[tuple[int, list[Any]]]]:
    with open(path, "rb") as raw:
        head = raw.read(SNIFF_BYTES)
    encoding = detect_encoding(head)
    text = io.TextIOWrapper(open(path, "rb"), encoding=encoding, newline="")
    try:
        sample = text.read(SNIFF_BYTES // 2)
        text.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(text, dialect)
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        text.close()
        raise UnreadableFile(msg("the file cannot be read as CSV (%(encoding)s): %(error)s",
                                 encoding=encoding, error=str(exc))) from None
    if header is None:
        text.close()
        raise UnreadableFile(msg("the file is empty"))
    sheet = Sheet("csv", encoding, _header(header))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with text:
            try:
                for line, cells in enumerate(reader, start=2):
                    if any(c.strip() for c in cells):
                        yield line, [c[:MAX_CELL] for c in cells[:MAX_COLUMNS]]
            except (UnicodeDecodeError, csv.Error) as exc:
                raise UnreadableFile(msg("row %(row)s cannot be read: %(error)s",
                                         row=reader.line_num, error=str(exc))) from None
    return sheet, rows()


def _xlsx(path: Path) -> tuple[Sheet, Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    handle = open(path, "rb")  # a file, not a name: openpyxl would judge it by its extension
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        handle.close()
        raise UnreadableFile(msg("the file is not an Excel workbook (.xlsx): %(error)s",
                                 error=str(exc) or type(exc).__name__)) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        book.close()
        handle.close()
        raise UnreadableFile(msg("the file is empty"))

    def data() -> Iterator[tuple[int, list[Any]]]:
        try:
            for line, cells in enumerate(rows, start=2):
                values = [cell_value(c) for c in cells[:MAX_COLUMNS]]
                if any(v not in (None, "") for v in values):
                    yield line, values
        finally:
            book.close()
            handle.close()
    return Sheet("xlsx", None, _header(list(header))), data()


def cell_value(cell: Any) -> Any:
    """A spreadsheet cell as a record's JSON value: text, a number, yes/no, an ISO date."""
    if isinstance(cell, datetime):
        return cell.isoformat() if cell.time() != time() else cell.date().isoformat()
    if isinstance(cell, date | time):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2 ** 53:
        return int(cell)
    if isinstance(cell, Decimal):
        return str(cell)
    return cell


def _header(cells: list[Any]) -> list[str]:
    names = [str(c).strip() if c is not None else "" for c in cells[:MAX_COLUMNS]]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise UnreadableFile(msg("the first row must name the columns"))
    return names


def count_rows(path: Path, file_format: str) -> int:
    """How many data rows a file holds (read once through, for the progress bar)."""
    _sheet, rows = open_sheet(path, file_format)
    return sum(1 for _ in rows)


def format_of(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith((".csv", ".txt", ".tsv")):
        return "csv"
    return None
