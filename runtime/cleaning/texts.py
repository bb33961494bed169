"""Texts as the designer asks: white space collapsed, full-width letters and digits made
half-width, and a case rule. Trimming always happens (``runtime.fields.text.clean_text``)."""

from __future__ import annotations

import re
from collections.abc import Mapping

WHITE_SPACE = re.compile(r"\s+")
# full-width forms (U+FF01..U+FF5E) are their ASCII letter 0xFEE0 lower; the ideographic space
# is a space. Chinese sentence punctuation stays as written: in Chinese text it is correct.
KEEP_FULL_WIDTH = frozenset("，。；：？！（）【】《》、“”‘’")
HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)
              if chr(code) not in KEEP_FULL_WIDTH}
HALF_WIDTH[0x3000] = 0x20
CASES = ("upper", "lower", "title")
WORD_START = re.compile(r"(^|[\s\-])(\w)")


def collapse_spaces(text: str) -> str:
    """Runs of white space (tabs, line breaks, ideographic spaces) as one space."""
    return WHITE_SPACE.sub(" ", text).strip()


def half_width(text: str) -> str:
    """Full-width letters, digits, spaces and symbols as their ASCII forms (ＡＢＣ１２３ → ABC123),
    Chinese punctuation (，。（）...) kept."""
    return text.translate(HALF_WIDTH)


def change_case(text: str, case: str | None) -> str:
    if case == "upper":
        return text.upper()
    if case == "lower":
        return text.lower()
    if case == "title":
        # each word's first letter up, the rest down ("john SMITH-lee" -> "John Smith-Lee");
        # Chinese has no case and is left alone
        return WORD_START.sub(lambda m: m.group(1) + m.group(2).upper(), text.lower())
    return text


def clean_options(text: str, options: Mapping) -> str:
    """``text`` through the cleaning a text field's config asks for (``half_width``,
    ``collapse_spaces``, ``case``), in that order."""
    if options.get("half_width"):
        text = half_width(text)
    if options.get("collapse_spaces"):
        text = collapse_spaces(text)
    return change_case(text, options.get("case"))
