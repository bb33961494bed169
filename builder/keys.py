"""Keys derived from labels: pinyin for Chinese, lower_snake, unique, valid as identifiers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection

from metadata.keys import field_key_problem, key_problem

MAX_KEY = 40  # room for a "_2" suffix well inside the 63 characters a key may have
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slug(label: str) -> str:
    """``"客户 名称"`` → ``"ke_hu_ming_cheng"``; ``"Company Name"`` → ``"company_name"``."""
    # imported here: pypinyin's dictionaries cost every process ~0.5 s and ~55 MB at start,
    # and only a designer naming a field needs them
    from pypinyin import Style, lazy_pinyin

    words = lazy_pinyin(label or "", style=Style.NORMAL, errors="default")
    text = " ".join(words)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _NON_WORD.sub("_", text.lower()).strip("_")
    text = re.sub(r"_+", "_", text)[:MAX_KEY].strip("_")
    return text


def derive_key(label: str, taken: Collection[str], fallback: str = "field",
               problem: Callable[[object], str | None] = field_key_problem) -> str:
    """A key for ``label`` that passes ``problem`` and is not in ``taken`` (case-insensitive)."""
    used = {t.lower() for t in taken}
    base = slug(label) or fallback
    if not base[0].isalpha():
        base = f"{fallback}_{base}"
    if problem(base) is not None and problem(f"{base}_1") is None:
        base = f"{base}_1"  # an SQL keyword or a reserved name: "select" becomes "select_1"
    candidate, n = base, 1
    while candidate in used or problem(candidate) is not None:
        n += 1
        candidate = f"{base}_{n}"
        if n > 10_000:
            raise ValueError(f"no free key for {label!r}")
    return candidate


def derive_document_key(label: str, taken: Collection[str], fallback: str) -> str:
    """An app or form key (the rules of keys, without the field-only reserved names)."""
    return derive_key(label, taken, fallback, lambda k: key_problem(k, "key"))
