"""Labels in two languages: which text a reader sees.

A label is ``{"zh": "金融", "en": "Finance"}`` or a plain string of no language. A reader sees
the text of their language; a label the designer has not translated shows in the language it
was written in. The builder's placeholders for new choices ("选项1", "Option 2") never stand in
for a text the designer wrote in the other language: a label whose text in the reader's
language is such a placeholder shows the other language's text instead (drafts saved before
the builder wrote placeholders in one language only carry them).
"""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = re.compile(r"^(?:选项|Option)\s*\d+$")


def is_placeholder(text: str) -> bool:
    """Whether ``text`` is a placeholder the builder gives a new choice ("选项1", "Option 2")."""
    return bool(PLACEHOLDER.match(text.strip()))


def label_text(label: Any, lang: str) -> str:
    """The text of ``label`` in ``lang`` ("zh" or "en"), else in the other language."""
    if not isinstance(label, dict):
        return "" if label is None else str(label)
    own, other = ("zh", "en") if lang.startswith("zh") else ("en", "zh")
    mine, theirs = label.get(own) or "", label.get(other) or ""
    if mine and is_placeholder(mine) and theirs and not is_placeholder(theirs):
        return theirs
    return mine or theirs
