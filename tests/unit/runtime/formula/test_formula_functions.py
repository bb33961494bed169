"""The spreadsheet functions beyond the basics (MID, SUBSTITUTE, REPLACE, VALUE, TEXT, MOD,
POWER, SQRT, DATEADD units, MONTHS_BETWEEN, YEARS_BETWEEN) give the same answers in Python and
SQL, and every ``strict`` function gives NULL for a NULL argument."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from runtime.formula.checker import check
from runtime.formula.errors import FormulaError
from runtime.formula.fn_math import decimal_half_up, round_half_up
from runtime.formula.types import FType
from tests.unit.runtime.formula.formula_support import (
    REGISTRY,
    SCOPE,
    assert_agree,
    python_value,
)

LEAD = {"name": "Ada", "employees": 1234567, "amount": "1234.5", "signed": "2024-03-01",
        "seen": "2024-03-04T20:00:00Z"}
CASES = [
    ("MID('abcdef', 2, 3) & MID('abc', 5, 2) & 截取('金融abc', 2, 2)", "bcd融a"),
    ("MID('abc', 0, 1)", None),
    ("MID('abc', 1, -1)", None),
    ("SUBSTITUTE('a-b-c', '-', '+') & SUBSTITUTE('abc', '', 'x')", "a+b+cabc"),
    ("SUBSTITUTE('ab', '', MID('a', 0, 1))", None),
    ("REPLACE('abcdef', 2, 3, 'XY') & REPLACE('ab', 5, 1, '!')", "aXYefab!"),
    ("REPLACE('abc', 0, 1, 'x')", None),
    ("VALUE(' -12.5 ') + VALUE('+.5') + VALUE('7.')", -5.0),
    ("COALESCE(VALUE('1,000'), VALUE('1e3'), VALUE(''), VALUE('.'), VALUE('١٢'), -1)", -1),
    ("MOD(-3, 2) & ',' & MOD(3, -2) & ',' & MOD(7, 0) & ',' & MOD(6, 3)", "1,-1,,0"),
    ("MOD(5.5, 2) + MOD(-1, 0.75)", 1.5 + 0.5),
    ("POWER(2, 10) + SQRT(16) + POWER(4, 0.5)", 1030.0),
    ("COALESCE(POWER(-8, 0.5), POWER(0, -1), POWER(10, 400), POWER(10, -400), SQRT(-1), 0)",
     0),
    ('TEXT(1234567.891, "#,##0.00") & " " & TEXT({amount}, "#,##0")', "1,234,567.89 1,235"),
    ('TEXT(-0.001, "0.00") & " " & TEXT(2.5, "0") & " " & TEXT(-2.5, "0")', "0.00 3 -3"),
    ('TEXT(0.125, "0.0%") & " " & TEXT(3, "0%") & " " & TEXT(-1234, "#,##0.0")',
     "12.5% 300% -1,234.0"),
    ('TEXT({employees}, "#,##0") & " " & TEXT({employees}, "0.00")', "1,234,567 1234567.00"),
    ('TEXT({signed}, "YYYY年M月D日") & " " & TEXT({signed}, "DD/MM/YYYY")',
     "2024年3月1日 01/03/2024"),
    ('TEXT({seen}, "YYYY-MM-DD HH:mm:ss") & " " & 文本(DATE(99, 1, 2), "YYYY.MM.DD")',
     "2024-03-04 20:00:00 0099.01.02"),
    ('DATEADD(DATE(2024, 1, 31), 1, "month")', date(2024, 2, 29)),
    ('DATEADD(DATE(2024, 2, 29), -1, "year")', date(2023, 2, 28)),
    ('DATEADD({signed}, 2, "week")', date(2024, 3, 15)),
    ('DATEADD({signed}, 3, "小时")', datetime(2024, 3, 1, 3, tzinfo=UTC)),
    ('DATEADD({seen}, 90, "minute")', datetime(2024, 3, 4, 21, 30, tzinfo=UTC)),
    ('DATEADD({seen}, -1, "月")', datetime(2024, 2, 4, 20, tzinfo=UTC)),
    ('DATEADD(DATE(2024, 3, 31), -1, "month")', date(2024, 2, 29)),
    ("DATEADD(DATE(9999, 12, 31), 1)", None),
    ('DATEADD(DATE(1, 1, 1), -1, "hour")', None),
    ('DATEADD({signed}, 100000000000, "minute")', None),
    ("MONTHS_BETWEEN(DATE(2024, 1, 31), DATE(2024, 2, 29))", 0),
    ("MONTHS_BETWEEN(DATE(2024, 3, 31), DATE(2023, 1, 1))", -14),
    ("YEARS_BETWEEN(DATE(1990, 3, 5), {seen}) & '/' & 相差年数({seen}, DATE(1990, 3, 5))",
     "33/-33"),
]


@pytest.mark.parametrize("source, expected", CASES)
def test_python_and_sql_agree(formula_db, source, expected):
    assert_agree(formula_db, source, LEAD, expected)


@pytest.mark.parametrize("source, expected", [
    ('DATEADD({signed}, 1, "hour")', FType.DATETIME), ('DATEADD({signed}, 1, "年")', FType.DATE),
    ('DATEADD(NULL, 1, "minute")', FType.DATETIME), ("MOD(7, 2)", FType.INTEGER),
    ("MOD(7, 2.5)", FType.NUMBER), ("VALUE('1')", FType.NUMBER),
    ('TEXT({seen}, "HH:mm")', FType.TEXT), ("POWER(2, 2)", FType.NUMBER),
])
def test_result_types(source, expected):
    assert check(source, SCOPE, REGISTRY).type == expected


@pytest.mark.parametrize("source, message", [
    ('TEXT({amount}, "YYYY")', '"YYYY" is not a number format'),
    ('TEXT({signed}, "HH:mm")', '"HH:mm" is not a date format: use one of YYYY-MM-DD'),
    ('TEXT({seen}, "0.0")', '"0.0" is not a time format'),
    ("TEXT({amount}, {name})", "the format of TEXT must be written in quotes"),
    ('TEXT({name}, "0")', "the value of TEXT must be"),
    ('DATEADD({signed}, 1, "fortnight")', "the unit of DATEADD must be written in quotes"),
    ("DATEADD({signed}, 1.5)", "the amount of DATEADD must be a whole number"),
    ("MID({name}, 1)", "MID takes 3 arguments, not 2"),
])
def test_argument_messages(source, message):
    with pytest.raises(FormulaError) as info:
        check(source, SCOPE, REGISTRY)
    assert info.value.message.startswith(message), info.value.message


SAMPLES = {FType.TEXT: "'a'", FType.INTEGER: "2", FType.NUMBER: "2.5",
           FType.DATE: "DATE(2024, 1, 31)", FType.DATETIME: "NOW()", FType.BOOLEAN: "TRUE"}


def strict_calls():
    """For each strict function, a well-typed call with one argument written as NULL."""
    for fn in REGISTRY:
        if not fn.strict or fn.min_args == 0:
            continue
        args = well_typed_arguments(fn.name, fn.min_args)
        if args is None:
            continue
        for i in range(len(args)):
            source = f"{fn.name}({', '.join(args[:i] + ['NULL'] + args[i + 1:])})"
            try:
                check(source, SCOPE, REGISTRY)
            except FormulaError:  # a format, unit or pattern must be written in the formula
                continue
            yield source


def well_typed_arguments(name: str, count: int) -> list[str] | None:
    """The first combination of sample arguments the checker accepts."""
    options = [*SAMPLES.values(), '"0"', '"day"', '"^a"']
    for args in itertools.product(options, repeat=count):
        try:
            check(f"{name}({', '.join(args)})", SCOPE, REGISTRY)
        except FormulaError:
            continue
        return list(args)
    return None


@pytest.mark.parametrize("source", list(strict_calls()))
def test_strict_functions_give_null_for_a_null_argument(formula_db, source):
    assert python_value(source, {}) is None
    if REGISTRY.get(source.partition("(")[0]).sql:
        assert formula_db.value(source, {}) is None


SHANGHAI = ZoneInfo("Asia/Shanghai")
EVENING = datetime(2026, 1, 1, 20, tzinfo=UTC)  # 04:00 on 2026-01-02 in Shanghai


@pytest.mark.parametrize("source, tz, expected", [
    ("TODAY()", UTC, date(2026, 1, 1)),
    ("TODAY()", SHANGHAI, date(2026, 1, 2)),
    ("今天() = DATE(2026, 1, 2) AND DAYS_BETWEEN({signed}, TODAY()) = 1", SHANGHAI, True),
    ("DATEADD(TODAY(), 1, 'month') & '/' & WEEKDAY(TODAY())", SHANGHAI, "2026-02-02/5"),
    ("NOW()", SHANGHAI, EVENING),  # an instant, whatever the time zone
    # 17:00 on 2026-01-01 to 04:00 on 2026-01-02, both in Shanghai
    ("DAYS_BETWEEN({seen}, NOW())", SHANGHAI, 1),
    ("DAYS_BETWEEN({seen}, NOW())", UTC, 0),
])
def test_today_is_the_date_in_the_installations_time_zone(formula_db, source, tz, expected):
    record = {"signed": date(2026, 1, 1), "seen": datetime(2026, 1, 1, 9, tzinfo=UTC)}
    assert python_value(source, record, EVENING, tz) == expected
    assert formula_db.value(source, record, now=EVENING, tz=tz) == expected


def test_a_date_and_time_does_not_compare_with_today():
    with pytest.raises(FormulaError):
        check("{seen} = TODAY()", SCOPE, REGISTRY)


@pytest.mark.parametrize("source, expected", [
    ("CONCAT({signed}) & '/' & TEXT({seen}, 'YYYY-MM-DD HH:mm')", "2024-03-01/2024-03-04 20:00"),
    ("HOURS_BETWEEN({signed}, {seen}) + DAYS_BETWEEN({seen}, DATE(2024, 3, 5))", 93.0),
    ("DATEADD({signed}, 5, 'hour') < NOW() AND WEEKDAY({seen}) = 1", True),
])
def test_dates_do_not_follow_the_servers_date_style_or_time_zone(formula_db, source,
                                                                  expected):
    if formula_db.dialect != "postgresql":
        pytest.skip("PostgreSQL sessions have a DateStyle and a TimeZone")
    with formula_db.conn.begin_nested() as savepoint:
        formula_db.conn.execute(sa.text("SET LOCAL DateStyle = 'SQL, DMY'"))
        formula_db.conn.execute(sa.text("SET LOCAL TimeZone = 'Asia/Shanghai'"))
        assert_agree(formula_db, source, LEAD, expected)
        savepoint.rollback()


def test_round_half_up_takes_python_round_only_away_from_halves():
    rng = random.Random(7)
    values = [rng.uniform(-1e6, 1e6) / 10 ** rng.randrange(8) for _ in range(20_000)]
    # halves in decimal, which doubles miss by a little either way
    values += [(rng.randrange(-10**6, 10**6) + 0.5) / 10 ** places + nudge
               for places in range(6) for nudge in (0.0, 1e-12, -1e-12) for _ in range(500)]
    values += [2.675, 1.005, -0.5, 0.5, 1e300, -1e-300, 123456789.5, 2.51 * 5]
    for value in values:
        for places in (0, 1, 2, 4, 10):
            expected = float(decimal_half_up(value, places))
            got = round_half_up(value, places)
            assert got == expected and str(got) == str(expected), (value, places)
