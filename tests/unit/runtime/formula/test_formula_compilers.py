"""Both compilers on examples: each formula gives the expected value in Python and in SQL."""

from __future__ import annotations

import time
from datetime import date, datetime

import pytest

from runtime.formula.errors import FormulaError
from tests.unit.runtime.formula.formula_support import NOW, assert_agree, python_value

LEAD = {"name": "Ada", "city": "", "employees": 600, "score": 7, "amount": "12.50",
        "vip": True, "signed": "2024-03-01", "seen": "2024-03-04T20:00:00Z",
        "tags": ["金融", "制造"]}
CASES = [
    ('IF(AND("金融" IN {tags}, {employees} > 500), 25, 0)', 25),
    ("{employees} / 0", None),
    ("{employees} / 8", 75.0),
    ("7 / 2", 3.5),
    ("{amount} * 2", 25.0),
    ("{missing_number} + 1", None),
    ("{name} & NULL & {city} & '!'", "Ada!"),
    ("NULL & NULL", ""),
    ("CONCAT({name}, '-', {employees}, '-', {signed})", "Ada-600-2024-03-01"),
    ("ISBLANK({city}) AND ISBLANK(NULL) AND NOT ISBLANK({name})", True),
    ("{city} = ''", True),
    ("NULL = NULL", None),
    ("NULL AND FALSE", False),
    ("NULL OR TRUE", True),
    ("NULL OR FALSE", None),
    ("NOT NULL", None),
    ("{name} IN ['Ada', 'Bob']", True),
    ("{name} NOT IN ['Ada', 'Bob']", False),
    ("NULL IN [1, 2]", None),
    ("'b' > 'B' AND 'a' < 'b'", True),
    ("LEN('金融abc') + LEN('')", 5),
    ("LOWER('AbC') & UPPER('xY') & TRIM('  a b  ')", "abcXYa b"),
    ("LEFT('abcdef', 2) & RIGHT('abcdef', 2) & LEFT('ab', 0) & RIGHT('ab', 9)", "abefab"),
    ("LEFT(NULL, 2)", None),
    ("CONTAINS({name}, 'd') AND STARTSWITH({name}, 'Ad') AND NOT CONTAINS({tags}, '零售')",
     True),
    ("ROUND(2.675, 2) + ROUND(-2.5) + ROUND(7)", 2.68 - 3 + 7),
    ("FLOOR(-2.5) + CEIL(2.1) + ABS(-3)", 3),
    ("MIN(3, NULL, 1.5) + MAX(NULL, 2)", 3.5),
    ("MAX(NULL, NULL)", None),
    ("TODAY()", NOW.date()),
    ("NOW()", NOW.replace(microsecond=0)),
    ("DATE(2024, 2, 29) = DATE('2024-02-29')", True),
    ("YEAR({signed}) * 10000 + MONTH({signed}) * 100 + DAY({seen})", 20240304),
    ("WEEKDAY(DATE(2024, 3, 3)) & WEEKDAY(DATE(2024, 3, 4))", "71"),
    ("DATEADD({signed}, 30)", date(2024, 3, 31)),
    ("DATEADD({seen}, -1)", datetime.fromisoformat("2024-03-03T20:00:00+00:00")),
    ("DAYS_BETWEEN({signed}, {seen})", 3),
    ("HOURS_BETWEEN({signed}, {seen})", 92.0),
    ("{company.name} & '/' & {company.size}", "ACME/50"),
    ("IFS({score} > 10, 'high', {score} > 5, 'mid')", "mid"),
    ("IFS({score} > 10, 'high')", None),
    ("COALESCE(NULL, {missing_text}, '', 'x')", ""),
    # the closures' shortcuts: constant values and arguments, two-operand forms, & chains
    ("IF({score} > 5, 1) + COALESCE(IF({score} > 50, 1), 10)", 11),
    ("IF({score} > 5, 'a', {name}) & IF({score} > 50, 'a', {name})", "aAda"),
    ("IFS({score} > 10, 'high', TRUE, 'low', {score} > 5, 'mid')", "low"),
    ("IFS(FALSE, 1, {score} > 50, {employees}, TRUE, {score})", 7),
    ("IFS(TRUE, {name})", "Ada"),
    ("AND(TRUE, NULL, {vip})", None),
    ("AND(NULL, FALSE, TRUE)", False),
    ("OR(NULL, FALSE, FALSE)", None),
    ("OR(FALSE, NULL, {vip})", True),
    ("MAX({score} * 2, 20) + MIN({missing_number}, 3) + MIN({score}, NULL) + MAX(1, 2)", 32),
    ("1 & {name} & 2 & NULL & {signed} & '!'", "1Ada22024-03-01!"),
    ("COALESCE({missing_text}) & COALESCE({missing_text}, {name})", "Ada"),
    ("{amount} / 4", 3.125),
    ("DAYS_BETWEEN({signed}, DATE(2024, 3, 11)) - DAYS_BETWEEN({seen}, TODAY())", 9),
    ("ROUND(0.285, 2) + ROUND(1.005, 2) + ROUND(-0.5) + ROUND(12.345678, 4)",
     0.29 + 1.01 - 1 + 12.3457),
]


@pytest.mark.parametrize("source, expected", CASES)
def test_python_and_sql_agree_on_examples(formula_db, source, expected):
    for key in ("missing_number", "missing_text"):
        source = source.replace("{" + key + "}", "NULL")
    record = dict(LEAD, company={"name": "ACME", "size": 50, "founded": date(1999, 12, 31)})
    assert_agree(formula_db, source, record, expected)


@pytest.mark.parametrize("size", [24, 28, 5_000])
def test_regex_match_runs_in_linear_time(size):
    """REGEX_MATCH("aaaa…a!", "(a+)+$") took 2.1 s at 24 characters with Python's re and
    killed a gunicorn worker at 28; RE2 never backtracks."""
    started = time.perf_counter()
    assert python_value('REGEX_MATCH({name}, "(a+)+$")', {"name": "a" * size + "!"}) is False
    assert python_value('REGEX_MATCH({name}, "(a|aa)*c")', {"name": "a" * size}) is False
    assert time.perf_counter() - started < 0.2


def test_regex_match_runs_in_python_only(formula_db):
    assert python_value('REGEX_MATCH({name}, "^A.a$")', LEAD) is True
    with pytest.raises(FormulaError, match="cannot be used in list filters"):
        formula_db.expression('REGEX_MATCH({name}, "^A")')


LONG = {"name": "x" * 6000, "city": "ab"}
NESTED = 'SUBSTITUTE({city} & "aaaaaaaaaa", "a", "aaaaaaaaaa")'


def nested(times: int, inner: str = NESTED) -> str:
    source = "{city}"
    for _ in range(times):
        source = inner.replace("{city}", source)
    return source


@pytest.mark.parametrize("source, expected", [
    ("LEN({name} & 'y')", 6001),
    ("{name} & {name}", None),  # 12,000 characters: NULL, like a division by zero
    ("ISBLANK({name} & {name})", True),
    ("LEN({name} & ({name} & {name}))", 6000),  # the inner join is NULL, so written as ""
    ("LEN(({name} & {name}) & 'y')", None),  # one chain, capped once (as in Python)
    ("LEN(CONCAT({name}, {name}))", None),
    ("LEN(CONCAT({name}, {city}))", 6002),
    ("LEN(SUBSTITUTE({name}, 'x', 'xy'))", None),
    ("LEN(SUBSTITUTE({name}, 'x', 'x'))", 6000),
    ("LEN(SUBSTITUTE({name} & {name}, 'x', ''))", None),  # NULL in, NULL out
    ("LEN(SUBSTITUTE({name} & {city}, 'x', ''))", 2),
    ("LEN(SUBSTITUTE({name}, 'xx', 'x'))", 3000),
    ("LEN(SUBSTITUTE({name}, 'x', REPLACE({city}, 1, 0, {city})))", None),
    ("SUBSTITUTE({city}, '', 'z')", "ab"),
    ("LEN(REPLACE({name}, 1, 0, {name}))", None),
    ("LEN(REPLACE({name}, 1, 6000, {name}))", 6000),
    ("LEN(" + nested(2) + ")", 1201),
    ("ISBLANK(" + nested(3) + ")", True),  # 12,101 characters
])
def test_long_texts_are_null_on_both_sides(formula_db, source, expected):
    assert_agree(formula_db, source, LONG, expected)


def test_nested_substitute_is_bounded_in_sql(formula_db):
    """The filter of the issue: seven nested SUBSTITUTEs, each making the text ten times
    longer, took 33 s on 38 rows; capped, no text grows beyond 10,000 characters."""
    source = "LEN(" + nested(7) + ")"
    expected = python_value(source, LONG)
    started = time.perf_counter()
    for _ in range(40):
        assert formula_db.value(source, LONG) == expected
    assert time.perf_counter() - started < 5


def test_sql_names_each_operand_once(formula_db):
    """Capping must not repeat its operand: nested, that would grow the SQL exponentially."""
    sizes = [len(str(formula_db.expression("LEN(" + nested(n, 'SUBSTITUTE({city} & "a", "a", '
                                                                 '"b")') + ")").compile()))
             for n in (4, 8, 16)]
    assert sizes[2] - sizes[1] < 2.5 * (sizes[1] - sizes[0]), sizes
