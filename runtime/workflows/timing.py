"""Durations in calendar or working time: the pure arithmetic of waits, due times and
reminders. Working time is Monday to Friday, 09:00-18:00 in the installation's time zone
(``Calendar``), which an app may change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

UNITS = ("days", "hours", "minutes")
DURATION = {"type": "object", "additionalProperties": False, "minProperties": 1,
            "properties": {"days": {"type": "number", "minimum": 0, "maximum": 3650},
                           "hours": {"type": "number", "minimum": 0, "maximum": 87600},
                           "minutes": {"type": "number", "minimum": 0, "maximum": 525600},
                           "working": {"type": "boolean", "description":
                                       "count working days and hours only (Mon-Fri, "
                                       "09:00-18:00 in the installation's time zone)"}},
            "description": "days, hours and minutes; `working`: in working time only."}


@dataclass(frozen=True)
class Calendar:
    """Working time: the weekdays (0 = Monday) and the day's start and end, in ``tz``."""

    tz: tzinfo = UTC
    weekdays: frozenset[int] = frozenset(range(5))
    start: time = time(9, 0)
    end: time = time(18, 0)

    @property
    def day_minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60
                                                         + self.start.minute)

    def working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        local = moment.astimezone(self.tz)
        day = local.date()
        while days > 0:
            day += timedelta(days=1)
            if self.working_day(day):
                days -= 1
        return datetime.combine(day, local.timetz()).astimezone(UTC)

    def add_working_minutes(self, moment: datetime, minutes: float) -> datetime:
        """``minutes`` of working time after ``moment`` (time outside working hours counts
        nothing: a start at night counts from the next morning)."""
        local = moment.astimezone(self.tz)
        left = timedelta(minutes=minutes)
        for _ in range(3700):  # at most ten years of days
            opens = datetime.combine(local.date(), self.start, self.tz)
            closes = datetime.combine(local.date(), self.end, self.tz)
            if self.working_day(local.date()) and local < closes:
                begin = max(local, opens)
                if begin + left <= closes:
                    return (begin + left).astimezone(UTC)
                left -= closes - begin
            local = datetime.combine(local.date() + timedelta(days=1), self.start, self.tz)
        raise ValueError("no working time in ten years: check the calendar")


def add(moment: datetime, duration: Mapping[str, Any], calendar: Calendar) -> datetime:
    """``moment`` plus ``duration`` ({days, hours, minutes, working})."""
    days = float(duration.get("days") or 0)
    minutes = float(duration.get("hours") or 0) * 60 + float(duration.get("minutes") or 0)
    if not duration.get("working"):
        return moment + timedelta(days=days, minutes=minutes)
    whole = int(days)
    minutes += (days - whole) * calendar.day_minutes
    out = calendar.add_working_days(moment, whole) if whole else moment
    return calendar.add_working_minutes(out, minutes) if minutes else out


def negate(duration: Mapping[str, Any]) -> dict[str, Any]:
    """A calendar duration backwards (reminders before a due time)."""
    return {k: -float(v) for k, v in duration.items() if k in UNITS}


def as_moment(value: Any, tz: tzinfo) -> datetime | None:
    """A date or date-time value of a record as an instant (a date: its start in ``tz``)."""
    if isinstance(value, str):
        try:
            value = (date.fromisoformat(value) if len(value) == 10
                     else datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tz).astimezone(UTC)
    return None
