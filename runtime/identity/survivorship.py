"""Survivorship: which value of each field the surviving record keeps when records merge.

Each policy is a pure function of the field's values in age order — the survivor's first (the
oldest record), then the merged records, oldest first, then the arrival — with ``ABSENT`` for a
record that does not carry the field (an arrival that left it out):

- ``fill_blanks`` (the default): the survivor's value; a blank one takes the first value given;
- ``keep_existing``: the survivor's value, even blank;
- ``newest``: the newest record's value that carries the field, even blank (a later arrival
  that clears it clears it);
- ``non_blank``: the newest value that is not blank;
- ``concatenate``: the distinct texts, oldest first, joined with "; ";
- ``max``, ``min``, ``sum``: of the numbers given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

ABSENT = object()  # a record without the field (not the same as blank)
JOIN = "; "


def blank(value: Any) -> bool:
    return value is ABSENT or value is None or value == "" or value == []


def fill_blanks(values: Sequence[Any]) -> Any:
    return next((v for v in values if not blank(v)), _first(values))


def keep_existing(values: Sequence[Any]) -> Any:
    return _first(values)


def newest(values: Sequence[Any]) -> Any:
    return next((v for v in reversed(values) if v is not ABSENT), None)


def non_blank(values: Sequence[Any]) -> Any:
    return next((v for v in reversed(values) if not blank(v)), _first(values))


def concatenate(values: Sequence[Any]) -> Any:
    seen: dict[str, str] = {}
    for value in values:
        if not blank(value):
            text = str(value).strip()
            seen.setdefault(text.casefold(), text)
    return JOIN.join(seen.values()) if seen else _first(values)


def _numbers(values: Sequence[Any]) -> list:
    return [v for v in values if isinstance(v, int | float | Decimal)
            and not isinstance(v, bool)]


def maximum(values: Sequence[Any]) -> Any:
    numbers = _numbers(values)
    return max(numbers) if numbers else _first(values)


def minimum(values: Sequence[Any]) -> Any:
    numbers = _numbers(values)
    return min(numbers) if numbers else _first(values)


def total(values: Sequence[Any]) -> Any:
    numbers = _numbers(values)
    return sum(numbers[1:], numbers[0]) if numbers else _first(values)


def _first(values: Sequence[Any]) -> Any:
    return None if not values or values[0] is ABSENT else values[0]


POLICIES: dict[str, Callable[[Sequence[Any]], Any]] = {
    "fill_blanks": fill_blanks, "keep_existing": keep_existing, "newest": newest,
    "non_blank": non_blank, "concatenate": concatenate, "max": maximum, "min": minimum,
    "sum": total,
}


def survive(fields: Sequence[str], records: Sequence[Mapping[str, Any]],
            policy: Callable[[str], str]) -> dict[str, Any]:
    """The survivor's values: ``records`` in age order (survivor first, arrival last), each
    field by its policy. Only fields whose value changes from the survivor's are returned."""
    out = {}
    survivor = records[0]
    for key in fields:
        value = POLICIES[policy(key)]([r.get(key, ABSENT) for r in records])
        if value != survivor.get(key):
            out[key] = value
    return out
