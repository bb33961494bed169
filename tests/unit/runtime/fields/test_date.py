from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from runtime.fields.base import FieldValueError
from runtime.fields.date import DateField

FLD = {"key": "signed_on", "type": "date", "label": "Signed on"}
DATE = DateField()


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-03-05", "2024-03-05"), ("2024/3/5", "2024-03-05"), ("2024.03.05", "2024-03-05"),
    ("2024年3月5日", "2024-03-05"), ("2024 年 3 月 5 号", "2024-03-05"),
    ("２０２４年３月５日", "2024-03-05"), ("20240305", "2024-03-05"), (" 2024-3-5 ", "2024-03-05"),
    ("2024-03-05T10:00:00Z", "2024-03-05"),
    ("2024-03-05 23:59", "2024-03-05"), ("2024-02-29", "2024-02-29"),
])
def test_dates_become_iso(value, expected):
    assert DATE.coerce(value, FLD) == expected


@pytest.mark.parametrize("value", ["2023-02-29", "2024-13-01", "2024-00-10", "5/3/2024",
                                   "tomorrow", "2024-3", 20240305, True, [], {}])
def test_not_dates(value):
    with pytest.raises(FieldValueError):
        DATE.coerce(value, FLD)


def test_message_names_the_format():
    with pytest.raises(FieldValueError, match="YYYY-MM-DD"):
        DATE.coerce("tomorrow", FLD)


def test_blank_is_empty():
    assert DATE.coerce("", FLD) is None


def test_min_and_max():
    fld = {**FLD, "config": {"min": "2024-01-01", "max": "2024-12-31"}}
    assert DATE.coerce("2024/12/31", fld) == "2024-12-31"
    with pytest.raises(FieldValueError, match="on or after 2024-01-01"):
        DATE.coerce("2023-12-31", fld)
    with pytest.raises(FieldValueError, match="on or before 2024-12-31"):
        DATE.coerce("2025-01-01", fld)


def test_check_limits():
    assert [p.path for p in DATE.check({**FLD, "config": {"min": "2024-02-30"}}, "/f", None)] == [
        "/f/config/min"]
    fld = {**FLD, "config": {"min": "2024-05-01", "max": "2024-01-01"}}
    assert [p.path for p in DATE.check(fld, "/f", None)] == ["/f/config/min"]


def test_row_uses_date_objects():
    assert DATE.to_row("2024-03-05", FLD) == {"signed_on": dt.date(2024, 3, 5)}
    assert DATE.from_row({"signed_on": dt.date(2024, 3, 5)}, FLD) == "2024-03-05"
    assert DATE.from_row({"signed_on": None}, FLD) is None


def test_sqlite_filters_compare_dates():
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     *DATE.columns(FLD))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, **DATE.to_row(v, FLD)} for i, v in
                                      enumerate(["2024-01-09", "2024-01-10", "2024-02-01"])])
        where = DATE.filter_expression(table, FLD, "gte", "2024-01-10")
        assert conn.execute(sa.select(table.c.id).where(where)).scalars().all() == [1, 2]
        where = DATE.filter_expression(table, FLD, "in", ["2024-01-09", "2024-02-01"])
        assert conn.execute(sa.select(table.c.id).where(where)).scalars().all() == [0, 2]


def test_reports_may_group_by_time_grains():
    assert DATE.can_group_by
    assert "month" in DATE.time_grains
    assert DATE.widget == "date"
