"""What goes into a spreadsheet cell: text people read, never a formula a spreadsheet runs."""

from __future__ import annotations

from decimal import Decimal

# a cell starting with one of these is read as a formula (or a DDE call) by Excel, LibreOffice
# and Google Sheets when the file is opened: "=HYPERLINK(...)", "+cmd|' /C calc'!A0", "@SUM(...)"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

Cell = str | int | Decimal | None  # text, or a number written as a number


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as written: formula-like text gets a leading apostrophe, the
    prefix spreadsheets themselves use for "this is text" (OWASP's advice for CSV files)."""
    return "'" + text if is_formula_like(text) else text
