"""A team member as routing sees them, and when they may be given work (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")
DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def N_(text: str) -> str:
    """Mark a message for the catalogue (pybabel -k N_); the page translates it."""
    return text


@dataclass(frozen=True)
class Member:
    """One member of one team with their routing attributes.

    ``active``: the user may log in and be given work (the directory's answer); ``routing``:
    the member takes new records (an admin may pause someone without deactivating them);
    ``hours``: weekday (``mon`` .. ``sun``) -> ``[["09:00", "18:00"], ...]`` in the
    installation's time zone, None for any time (a weekday missing from a set week: not
    working that day); ``days_off``: ``"2026-12-24"`` or ``"2026-12-24/2026-12-31"``;
    ``regions`` / ``product_lines``: what they cover (empty: everything); ``capacity``: the most
    open records they hold (None: no cap)."""

    user_id: int
    name: str = ""
    team_id: int | None = None
    active: bool = True
    routing: bool = True
    weight: int = 1
    capacity: int | None = None
    regions: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()
    hours: dict[str, list[list[str]]] | None = None
    days_off: tuple[str, ...] = field(default_factory=tuple)


def _clock(text: str) -> time:
    if text == "24:00":
        return time.max
    return time.fromisoformat(text)


def within_hours(hours: dict[str, list[list[str]]] | None, local: datetime) -> bool:
    """Whether the wall-clock time ``local`` falls in one of the day's spans (end excluded)."""
    if hours is None:
        return True
    now = local.time().replace(tzinfo=None)
    for start, end in hours.get(WEEKDAYS[local.weekday()], []):
        if _clock(start) <= now < _clock(end):
            return True
    return False


def day_off(days_off: tuple[str, ...] | list[str], today: date) -> str | None:
    """The entry of ``days_off`` that ``today`` falls in, if any."""
    for entry in days_off:
        first, _sep, last = entry.partition("/")
        if date.fromisoformat(first) <= today <= date.fromisoformat(last or first):
            return entry
    return None


def hours_text(hours: dict[str, list[list[str]]] | None, local: datetime) -> str:
    """The day's spans as people write them: ``09:00-12:00, 13:00-18:00`` (or ``none``)."""
    spans = (hours or {}).get(WEEKDAYS[local.weekday()], [])
    return ", ".join(f"{a}-{b}" for a, b in spans) or "none"


def member_problems(attrs: dict[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with a member's routing attributes, as (JSON Pointer, message) pairs."""
    problems: list[tuple[str, str]] = []
    weight, capacity = attrs.get("weight", 1), attrs.get("capacity")
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
        problems.append(("/weight", N_("must be a whole number from 0 to 100")))
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)
                                 or not 0 <= capacity <= 1_000_000):
        problems.append(("/capacity", N_("must be empty or a whole number from 0 to 1000000")))
    for key in ("regions", "product_lines"):
        values = attrs.get(key, [])
        if not isinstance(values, list | tuple) or not all(
                isinstance(v, str) and 0 < len(v) <= 100 for v in values):
            problems.append((f"/{key}", N_("must be a list of names of at most 100 characters")))
    problems += _hours_problems(attrs.get("hours"))
    for index, entry in enumerate(attrs.get("days_off", [])):
        if not _day_span(entry):
            problems.append((f"/days_off/{index}",
                             N_("must be a date (2026-12-24) or a span "
                                "(2026-12-24/2026-12-31)")))
    return problems


def _hours_problems(hours: Any) -> list[tuple[str, str]]:
    if hours is None:
        return []
    if not isinstance(hours, dict) or set(hours) - set(WEEKDAYS):
        return [("/hours", N_("must map weekdays (mon .. sun) to spans"))]
    out = []
    for day, spans in hours.items():
        ok = isinstance(spans, list) and all(
            isinstance(s, list | tuple) and len(s) == 2 and all(
                isinstance(t, str) and CLOCK.match(t) for t in s) and s[0] < s[1]
            for s in spans)
        if not ok:
            out.append((f"/hours/{day}", N_("must be spans of HH:MM, each start before its end")))
    return out


def _day_span(entry: Any) -> bool:
    if not isinstance(entry, str):
        return False
    first, _sep, last = entry.partition("/")
    if not DAY.match(first) or (last and not DAY.match(last)):
        return False
    try:
        return date.fromisoformat(first) <= date.fromisoformat(last or first)
    except ValueError:
        return False
