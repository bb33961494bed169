"""The export formats: what a spreadsheet would run is written as text, numbers as numbers,
and nothing a cell may hold breaks the file."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from runtime.exports.cells import neutralise
from runtime.exports.formats import build_format_registry, sheet_title

FORMULAS = ["=1+1", "+SUM(A1)", "-1+2", "@cmd", "\tx", "\rx", "\nx"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "plain", "1-2", "a=b", "'quoted", "中文=1", " =1"])
def test_other_text_is_left_as_it_is(text):
    assert neutralise(text) == text


def write(key: str, header, rows) -> bytes:
    out = io.BytesIO()
    build_format_registry()[key].write(out, "Deals [2026]: Q1/Q2", header, rows)
    return out.getvalue()


def test_csv_is_utf8_with_bom_and_neutralised():
    data = write("csv", ["=Name", "Amount"],
                 [["=1+1", -5], ["中文", Decimal("-1.50")], [None, None], ["a\r\nb", 3]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["'=Name", "Amount"], ["'=1+1", "-5"], ["中文", "-1.50"], ["", ""],
                    ["a\r\nb", "3"]]


def test_xlsx_writes_text_cells_numbers_and_drops_what_xml_cannot_hold():
    data = write("xlsx", ["Name", "Amount"],
                 [[text, n] for n, text in enumerate(FORMULAS)]
                 + [["#N/A", Decimal("2.5")], ["bell\x07 and nul\x00", None]])
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "Deals  2026   Q1 Q2"
    rows = list(sheet.iter_rows())
    assert rows[0][0].font.b is True
    for text, (cell, number) in zip(FORMULAS, rows[1:], strict=False):
        # (XML reads a carriage return back as a line feed)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text.replace("\r", "\n"),
                                                                  "s", True)
        assert number.data_type == "n"
    assert (rows[-2][0].value, rows[-2][0].data_type) == ("#N/A", "s")  # not an error cell
    assert rows[-2][1].value == 2.5
    assert rows[-1][0].value == "bell and nul" and rows[-1][1].value is None


def test_sheet_titles_fit_excels_rules():
    assert sheet_title("a" * 40) == "a" * 31
    assert sheet_title("[]:*?/\\") == "Sheet1"
