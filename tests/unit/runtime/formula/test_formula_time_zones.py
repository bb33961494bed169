"""Date-times read as dates, date parts or text follow the clocks of the installation's time
zone, in Python and in SQL; instants stay instants (HOURS_BETWEEN, NOW, comparisons)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from runtime.formula.fn_date import from_wall_clock
from tests.unit.runtime.formula.formula_support import python_value

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LATE = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 07:30 on Monday 2 March in Shanghai
MORNING = datetime(2026, 3, 2, 1, tzinfo=UTC)  # 09:00 on 2 March in Shanghai
RECORD = {"seen": LATE, "signed": date(2026, 3, 2)}


@pytest.mark.parametrize("source, in_shanghai, in_utc", [
    ("DAY({seen})", 2, 1),
    ("YEAR({seen}) * 100 + MONTH({seen})", 202603, 202603),
    ("WEEKDAY({seen})", 1, 7),
    ("DAYS_BETWEEN({seen}, {signed})", 0, 1),
    ("DAYS_BETWEEN({seen}, TODAY())", 0, 1),
    ("DAYS_BETWEEN({signed}, DATEADD({seen}, 17, 'hour'))", 1, 0),
    ('TEXT({seen}, "YYYY-MM-DD HH:mm")', "2026-03-02 07:30", "2026-03-01 23:30"),
    ('TEXT({seen}, "YYYY年M月D日 HH:mm")', "2026年3月2日 07:30", "2026年3月1日 23:30"),
    ("MONTHS_BETWEEN(DATE(2026, 2, 2), {seen})", 1, 0),
    ("YEARS_BETWEEN(DATE(2025, 3, 2), {seen})", 1, 0),
    # 31 January in Shanghai (30 January in UTC): a month later, 28 February there
    ("DATEADD(DATEADD({seen}, -30, 'day'), 1, 'month')",
     datetime(2026, 2, 27, 23, 30, tzinfo=UTC), datetime(2026, 2, 28, 23, 30, tzinfo=UTC)),
    ("DATEADD({seen}, -1, '年')", datetime(2025, 3, 1, 23, 30, tzinfo=UTC),
     datetime(2025, 3, 1, 23, 30, tzinfo=UTC)),
    # instants stay instants
    ("HOURS_BETWEEN({seen}, NOW())", 1.5, 1.5),
    ("HOURS_BETWEEN({signed}, {seen})", -0.5, -0.5),  # a date counts from midnight UTC
    ("NOW()", MORNING, MORNING),
    ("{seen} < NOW() AND DATEADD({seen}, 1, 'day') > NOW()", True, True),
])
def test_a_date_and_time_is_read_on_the_local_clock(formula_db, source, in_shanghai, in_utc):
    for tz, expected in ((SHANGHAI, in_shanghai), (UTC, in_utc)):
        assert python_value(source, RECORD, MORNING, tz) == expected, tz
        assert formula_db.value(source, RECORD, now=MORNING, tz=tz) == expected, tz


def test_a_list_filter_finds_the_local_day(formula_db):
    assert formula_db.value("DAY({seen}) = 2", RECORD, now=MORNING, tz=SHANGHAI) is True


def test_a_fixed_offset_works_as_a_zone(formula_db):
    tz, source = timezone(timedelta(hours=-5, minutes=-30)), 'TEXT({seen}, "YYYY-MM-DD HH:mm")'
    assert python_value(source, RECORD, MORNING, tz) == "2026-03-01 18:00"
    assert formula_db.value(source, RECORD, now=MORNING, tz=tz) == "2026-03-01 18:00"


def test_an_instant_beyond_year_9999_on_the_local_clock_reads_as_null(formula_db):
    record = {"seen": datetime(9999, 12, 31, 20, tzinfo=UTC)}  # 10000-01-01 04:00 in Shanghai
    for source in ("DAY({seen})", 'TEXT({seen}, "YYYY-MM-DD")', "DAYS_BETWEEN({seen}, TODAY())"):
        assert python_value(source, record, MORNING, SHANGHAI) is None
        assert formula_db.value(source, record, now=MORNING, tz=SHANGHAI) is None
    assert formula_db.value("DAY({seen})", record, now=MORNING, tz=UTC) == 31


@pytest.mark.parametrize("seen, expected", [
    # 02:30 on 10 March 2024 does not exist in New York: read with the offset before the change
    (datetime(2024, 2, 10, 7, 30, tzinfo=UTC), datetime(2024, 3, 10, 7, 30, tzinfo=UTC)),
    # 01:30 on 3 November 2024 happens twice: the later one
    (datetime(2024, 10, 3, 5, 30, tzinfo=UTC), datetime(2024, 11, 3, 6, 30, tzinfo=UTC)),
    (datetime(2024, 6, 15, 3, 30, tzinfo=UTC), datetime(2024, 7, 15, 3, 30, tzinfo=UTC)),
])
def test_months_added_across_a_clock_change(formula_db, seen, expected):
    source = "DATEADD({seen}, 1, 'month')"
    assert python_value(source, {"seen": seen}, MORNING, NEW_YORK) == expected
    if formula_db.dialect != "postgresql":
        pytest.skip("SQLite knows one offset per query")
    assert formula_db.value(source, {"seen": seen}, now=MORNING, tz=NEW_YORK) == expected


def test_sqlite_takes_the_offset_of_the_current_instant(formula_db):
    """Documented: exact for zones without daylight saving time, off by the change otherwise."""
    winter = {"seen": datetime(2026, 1, 15, 12, tzinfo=UTC)}  # 07:00 EST
    summer = datetime(2026, 7, 1, tzinfo=UTC)
    source = 'TEXT({seen}, "HH:mm")'
    assert python_value(source, winter, summer, NEW_YORK) == "07:00"
    expected = "07:00" if formula_db.dialect == "postgresql" else "08:00"
    assert formula_db.value(source, winter, now=summer, tz=NEW_YORK) == expected


def test_postgresql_ignores_the_sessions_time_zone(formula_db):
    if formula_db.dialect != "postgresql":
        pytest.skip("PostgreSQL sessions have a TimeZone")
    with formula_db.conn.begin_nested() as savepoint:
        formula_db.conn.execute(sa.text("SET LOCAL TimeZone = 'America/New_York'"))
        assert formula_db.value('TEXT({seen}, "YYYY-MM-DD HH:mm") & DAY({seen})', RECORD,
                                now=MORNING, tz=SHANGHAI) == "2026-03-02 07:302"
        savepoint.rollback()


def test_from_wall_clock_takes_the_later_reading():
    assert from_wall_clock(datetime(2024, 3, 10, 2, 30), NEW_YORK) == datetime(
        2024, 3, 10, 7, 30, tzinfo=UTC)
    assert from_wall_clock(datetime(2024, 11, 3, 1, 30), NEW_YORK) == datetime(
        2024, 11, 3, 6, 30, tzinfo=UTC)
    assert from_wall_clock(datetime(2026, 3, 2, 7, 30), SHANGHAI) == LATE
