"""What the two sides of the formula language share about values: how a stored or API value
reads in a formula, how values are written as text, and the cap on text results (a longer
result is NULL, in Python closures and in SQL alike: ``sqlfunctions`` runs these very
functions in SQLite and mirrors them in PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from runtime.formula.types import FType

MAX_TEXT = 10_000  # characters of a text result; longer is NULL

def read_value(value: Any, ftype: FType) -> Any:
    """A stored or API value in the formula's representation of ``ftype``."""
    if value is None or value == [] and ftype == FType.TEXT_LIST:
        return None
    if ftype == FType.NUMBER and not isinstance(value, int | float) or isinstance(value, Decimal):
        return float(value)
    if ftype == FType.DATE and isinstance(value, str):
        return date.fromisoformat(value[:10])
    if ftype == FType.DATETIME:
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(microsecond=0)
    return value


def text_value(value: Any) -> str:
    """How ``&`` and CONCAT write a value: NULL as nothing, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def capped(text: str) -> str | None:
    """``text``, or NULL when it is longer than MAX_TEXT characters (as ``sqlfunctions`` do in
    SQL): formulas never build unbounded text."""
    return None if len(text) > MAX_TEXT else text


def join_texts(values: Sequence[Any]) -> str | None:
    """CONCAT and ``&``: the values written one after the other, NULL written as nothing."""
    return capped("".join(text_value(v) for v in values))


def substitute(text: str, old: str, new: str) -> str | None:
    # the length first: a replacement may make text far longer than the cap
    count = text.count(old) if old else 0
    if len(text) + count * (len(new) - len(old)) > MAX_TEXT:
        return None
    return text.replace(old, new) if old else text


def replace_at(text: str, start: int, count: int, new: str) -> str | None:
    if start < 1 or count < 0:
        return None
    return capped(text[:start - 1] + new + text[start - 1 + count:])
