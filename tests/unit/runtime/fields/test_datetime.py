from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from runtime.fields.base import FieldValueError
from runtime.fields.datetime import DateTimeField

FLD = {"key": "met_at", "type": "datetime", "label": "Met at"}
DATETIME = DateTimeField()


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-03-05T08:30:00Z", "2024-03-05T08:30:00Z"),
    ("2024-03-05T08:30:00.987654Z", "2024-03-05T08:30:00Z"),
    ("2024-03-05T16:30:00+08:00", "2024-03-05T08:30:00Z"),
    ("2024-03-05T03:30:00-05:00", "2024-03-05T08:30:00Z"),
    ("2024-03-05T16:30", "2024-03-05T08:30:00Z"),  # naive: Asia/Shanghai
    ("2024-03-05 16:30:00", "2024-03-05T08:30:00Z"),
    ("2024/3/5 16:30", "2024-03-05T08:30:00Z"),
    ("2024年3月5日 16:30", "2024-03-05T08:30:00Z"),
    ("2024-03-05", "2024-03-04T16:00:00Z"),
    ("2024-03-05t08:30:00z", "2024-03-05T08:30:00Z"),
])
def test_moments_become_utc(value, expected):
    assert DATETIME.coerce(value, FLD) == expected


def test_naive_input_uses_the_configured_zone_with_its_daylight_saving():
    fld = {**FLD, "config": {"timezone": "America/New_York"}}
    assert DATETIME.coerce("2024-01-15T09:00", fld) == "2024-01-15T14:00:00Z"
    assert DATETIME.coerce("2024-07-15T09:00", fld) == "2024-07-15T13:00:00Z"


@pytest.mark.parametrize("value", ["yesterday", "2024-02-30T10:00", "2024-03-05T25:00",
                                   1709627400, True, [], {}])
def test_not_moments(value):
    with pytest.raises(FieldValueError):
        DATETIME.coerce(value, FLD)


def test_blank_is_empty():
    assert DATETIME.coerce(" ", FLD) is None


def test_parse_form_reads_datetime_local_in_the_field_zone():
    raw = DATETIME.parse_form(["2024-03-05T08:30"], FLD)
    assert DATETIME.coerce(raw, FLD) == "2024-03-05T00:30:00Z"
    assert DATETIME.parse_form([""], FLD) is None


def test_display_and_widget_show_local_time():
    assert DATETIME.display("2024-03-05T08:30:00Z", FLD, "zh") == "2024-03-05 16:30"
    london = {**FLD, "config": {"timezone": "Europe/London"}}
    assert DATETIME.display("2024-07-01T08:30:00Z", london, "en") == "2024-07-01 09:30"
    context = DATETIME.widget_context(FLD, "2024-03-05T20:00:00Z", "zh")
    assert context == {"local_value": "2024-03-06T04:00", "timezone": "Asia/Shanghai"}
    assert DATETIME.display(None, FLD, "zh") == ""


def test_row_holds_aware_utc_datetimes():
    row = DATETIME.to_row("2024-03-05T08:30:00Z", FLD)
    assert row["met_at"] == dt.datetime(2024, 3, 5, 8, 30, tzinfo=dt.UTC)
    assert DATETIME.from_row(row, FLD) == "2024-03-05T08:30:00Z"
    shanghai = dt.datetime(2024, 3, 5, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert DATETIME.from_row({"met_at": shanghai}, FLD) == "2024-03-05T08:30:00Z"


def test_sqlite_round_trip_and_filter():
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     *DATETIME.columns(FLD))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": 1, **DATETIME.to_row("2024-03-05T08:30:00Z", FLD)},
                                      {"id": 2, **DATETIME.to_row("2024-03-06T08:30:00Z", FLD)}])
        rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings()
        assert [DATETIME.from_row(r, FLD) for r in rows] == ["2024-03-05T08:30:00Z",
                                                              "2024-03-06T08:30:00Z"]
        # a naive filter bound is local time, like input
        where = DATETIME.filter_expression(table, FLD, "lt", "2024-03-06 00:00")
        assert conn.execute(sa.select(table.c.id).where(where)).scalars().all() == [1]


def test_check_timezone_and_limits():
    assert [p.path for p in DATETIME.check({**FLD, "config": {"timezone": "Mars/Base"}},
                                           "/f", None)] == ["/f/config/timezone"]
    fld = {**FLD, "config": {"min": "2024-05-01T00:00", "max": "2024-01-01T00:00"}}
    assert [p.path for p in DATETIME.check(fld, "/f", None)] == ["/f/config/min"]


def test_min_is_read_in_the_field_zone():
    fld = {**FLD, "config": {"min": "2024-01-01T00:00"}}
    assert DATETIME.coerce("2023-12-31T16:00:00Z", fld) == "2023-12-31T16:00:00Z"
    with pytest.raises(FieldValueError, match="at or after"):
        DATETIME.coerce("2023-12-31T15:59:59Z", fld)
