"""Calendar and working time: waits across nights and weekends, in the installation's time
zone; date fields as instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from runtime.workflows.timing import Calendar, add, as_moment, negate

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORK = Calendar(SHANGHAI)


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def test_calendar_time_counts_every_hour():
    start = local(2026, 3, 6, 17, 0)  # a Friday
    assert add(start, {"days": 1, "hours": 2}, WORK) == start + timedelta(hours=26)
    assert add(start, negate({"hours": 1}), WORK) == start - timedelta(hours=1)


def test_working_hours_run_over_the_night_and_the_weekend():
    friday_5pm = local(2026, 3, 6, 17, 0)
    assert add(friday_5pm, {"hours": 4, "working": True}, WORK) == local(2026, 3, 9, 12, 0)
    saturday = local(2026, 3, 7, 11, 0)  # outside working time: counts from Monday 09:00
    assert add(saturday, {"hours": 1, "working": True}, WORK) == local(2026, 3, 9, 10, 0)


def test_working_days_skip_weekends_and_keep_the_time_of_day():
    thursday = local(2026, 3, 5, 10, 30)
    assert add(thursday, {"days": 2, "working": True}, WORK) == local(2026, 3, 9, 10, 30)
    half = add(thursday, {"days": 1.5, "working": True}, WORK)  # a day, then 4.5 hours
    assert half == local(2026, 3, 6, 15, 0)


def test_date_fields_are_instants_at_the_start_of_the_day():
    assert as_moment("2026-03-04", SHANGHAI) == datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    assert as_moment(date(2026, 3, 4), UTC) == datetime(2026, 3, 4, tzinfo=UTC)
    assert as_moment("2026-03-04T08:00:00Z", UTC) == datetime(2026, 3, 4, 8, tzinfo=UTC)
    assert as_moment("not a date", UTC) is None and as_moment(None, UTC) is None
