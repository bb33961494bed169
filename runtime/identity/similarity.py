"""How alike two texts are, for fuzzy match rules: names and companies compared as written,
without spaces, with their words in any order, and — for Chinese — in pinyin, so that
张三, 张 三, Zhang San and San Zhang are one name.

rapidfuzz and pypinyin are imported on first use: a web process whose forms have no fuzzy rule
never loads them (pypinyin's dictionaries are large).
"""

from __future__ import annotations

import re
from functools import lru_cache

from runtime.cleaning.texts import collapse_spaces, half_width

CJK = re.compile(r"[\u3400-\u9fff]")
# words that say what kind of company it is, not which one
COMPANY_WORDS = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团|公司|\bco\.?,?\s*ltd\.?|\bltd\.?|\binc\.?|\bllc\b|"
    r"\bcorp\.?|\bcompany\b|\bgmbh\b)", re.IGNORECASE)
PUNCTUATION = re.compile(r"[\s.,;:·'\"()（）【】\[\]\-_/]+")


def plain(text: str) -> str:
    """Half-width, spaces collapsed, case folded, company-kind words and punctuation as
    spaces."""
    text = COMPANY_WORDS.sub(" ", half_width(text).casefold())
    return collapse_spaces(PUNCTUATION.sub(" ", text))


def forms(text: str) -> frozenset[str]:
    """The ways of writing ``text`` that count as the same: as written, without spaces,
    words sorted, and (for Chinese) pinyin with and without its syllables sorted."""
    return frozenset(_forms(text))


@lru_cache(maxsize=65536)
def _forms(text: str) -> tuple[str, ...]:
    """``forms`` as a tuple of strings: a full cache of them is nothing the garbage collector
    looks at, where every cached set was scanned at each full collection."""
    base = plain(text)
    if not base:
        return ()
    words = base.split()
    out = {base, "".join(words), "".join(sorted(words))}
    if CJK.search(base):
        syllables = pinyin_of(base.replace(" ", ""))
        out |= {"".join(syllables), "".join(sorted(syllables))}
    return tuple(out)


@lru_cache(maxsize=65536)
def block_form(text: str) -> str | None:
    """One form of ``text`` that its other writings share (pinyin or letters, words sorted,
    no spaces): the block key of a fuzzy rule's first field."""
    base = plain(text)
    if not base:
        return None
    words = pinyin_of(base.replace(" ", "")) if CJK.search(base) else base.split()
    return "".join(sorted(words)) or None


def pinyin_of(text: str) -> list[str]:
    from pypinyin import lazy_pinyin  # large: loaded when a Chinese text is compared

    return [s for s in lazy_pinyin(text) if s.strip()]


def similarity(a: str, b: str) -> float:
    """0–1: the best ratio between any writing of ``a`` and any writing of ``b``."""
    from rapidfuzz.fuzz import ratio

    first, second = forms(a), forms(b)
    if not first or not second:
        return 0.0
    if first & second:
        return 1.0
    return max(ratio(x, y) for x in first for y in second) / 100.0
