"""Property: for generated records and formulas, the Python closure and the SQL expression
give the same result — nulls and empty text included — on SQLite, and on PostgreSQL when
TRELLIS_DATABASE_URL is set."""

from __future__ import annotations

import math
from decimal import Decimal
from functools import cache

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.formula.errors import FormulaError
from tests.unit.runtime.formula.formula_support import PG_URL, python_value, sql_value, table

TEXT = st.one_of(st.none(), st.text(alphabet="aAb 金融-", max_size=5))
INTS = st.one_of(st.none(), st.integers(-20, 20))
AMOUNT = st.one_of(st.none(), st.integers(-2000, 2000).map(lambda n: Decimal(n) / 100))
RECORDS = st.fixed_dictionaries({"name": TEXT, "city": TEXT, "employees": INTS, "score": INTS,
                                 "amount": AMOUNT, "vip": st.one_of(st.none(), st.booleans())})


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def join(template: str, *parts: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(*parts).map(lambda args: template.format(*args))


def formulas() -> st.SearchStrategy:
    text_leaf = st.one_of(st.sampled_from(["{name}", "{city}", "NULL", '""']),
                          st.text(alphabet="aAb 金", max_size=3).map(quoted))
    int_leaf = st.one_of(st.sampled_from(["{employees}", "{score}", "NULL"]),
                         st.integers(-5, 5).map(str))
    bool_leaf = st.sampled_from(["{vip}", "TRUE", "FALSE", "NULL"])

    def extend(children):
        texts, ints, bools = (children.map(lambda t, i=i: t[i]) for i in range(3))
        return st.one_of(
            st.tuples(
                st.one_of(texts, join("({} & {})", texts, texts),
                          join("{}({})", st.sampled_from(["LOWER", "UPPER", "TRIM"]), texts),
                          join("LEFT({}, {})", texts, ints), join("RIGHT({}, {})", texts, ints),
                          join("IF({}, {}, {})", bools, texts, texts),
                          join("COALESCE({}, {})", texts, texts)),
                st.one_of(ints, join("({} {} {})", ints, st.sampled_from("+-*"), ints),
                          join("LEN({})", texts), join("ABS({})", ints),
                          join("MIN({}, {})", ints, ints), join("-({})", ints),
                          join("FLOOR({} / {})", ints, ints),
                          join("IFS({}, {}, {}, {})", bools, ints, bools, ints)),
                st.one_of(bools, join("({} {} {})", ints, st.sampled_from(
                    ["=", "<>", "<", ">=", ">"]), ints),
                    join("({} {} {})", texts, st.sampled_from(["=", "<>", "<", ">="]), texts),
                    join("({} {} {})", bools, st.sampled_from(["AND", "OR"]), bools),
                    join("NOT ({})", bools), join("ISBLANK({})", texts),
                    join("CONTAINS({}, {})", texts, texts),
                    join("STARTSWITH({}, {})", texts, texts),
                    join("({} IN [\"a\", \"\", \"金\"])", texts),
                    join("({} NOT IN [1, 2.5])", ints))))

    leaves = st.tuples(text_leaf, int_leaf, bool_leaf)
    trees = st.recursive(leaves, extend, max_leaves=6)
    numbers = st.one_of(
        trees.map(lambda t: t[1]),
        join("{} / {}", trees.map(lambda t: t[1]), st.sampled_from(["{employees}", "3", "0"])),
        join("{{amount}} {} {}", st.sampled_from("+-*"), trees.map(lambda t: t[1])),
        join("ROUND({{amount}} * {}, 1)", trees.map(lambda t: t[1])))
    return st.one_of(trees.map(lambda t: t[0]), trees.map(lambda t: t[2]), numbers)


def same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9,
                                                                 abs_tol=1e-9)
    return a == b


@cache
def database(url: str):
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    leads = table(metadata)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    return engine, leads


URLS = ["sqlite://", pytest.param(PG_URL, marks=pytest.mark.skipif(
    not PG_URL, reason="TRELLIS_DATABASE_URL is not set"), id="postgresql")]


@pytest.mark.parametrize("url", URLS, ids=["sqlite", "postgresql"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=RECORDS, source=formulas())
def test_python_and_sql_agree(url, record, source):
    try:
        expected = python_value(source, record)
    except FormulaError:  # a generated formula that is not well typed (e.g. NULL & NULL = 1)
        return
    engine, leads = database(url)
    with engine.connect() as conn:
        got = sql_value(conn, leads, source, record)
        conn.rollback()
    assert same(expected, got), (source, record, expected, got)
