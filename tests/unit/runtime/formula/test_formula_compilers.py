"""Both compilers on examples: each formula gives the expected value in Python and in SQL."""

from __future__ import annotations

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


def test_regex_match_runs_in_python_only(formula_db):
    assert python_value('REGEX_MATCH({name}, "^A.a$")', LEAD) is True
    with pytest.raises(FormulaError, match="cannot be used in list filters"):
        formula_db.expression('REGEX_MATCH({name}, "^A")')


def test_text_results_are_capped():
    big = {"name": "x" * 6000}
    assert len(python_value("{name} & 'y'", big)) == 6001
    with pytest.raises(FormulaError, match="longer than 10000 characters"):
        python_value("{name} & {name}", big)
