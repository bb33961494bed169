from __future__ import annotations

import pytest
import sqlalchemy as sa

from runtime.fields.base import FieldValueError
from runtime.fields.multiselect import MultiSelectField

CHOICES = [{"value": "finance", "label": {"zh": "金融", "en": "Finance"}},
           {"value": "retail", "label": {"zh": "零售", "en": "Retail"}},
           {"value": "a_b%", "label": "Odd, value"},
           {"value": "制造", "label": "Manufacturing"}]
FLD = {"key": "industries", "type": "multiselect", "label": "Industries",
       "config": {"choices": CHOICES}}
MULTI = MultiSelectField()


@pytest.mark.parametrize(("value", "expected"), [
    (["finance"], ["finance"]),
    (["retail", "finance", "retail"], ["retail", "finance"]),  # de-duplicated, order kept
    (["金融", "Retail", "finance"], ["finance", "retail"]),  # labels name their choice
    ("finance", ["finance"]),
    ("金融，零售", ["finance", "retail"]),
    ("finance; retail、制造", ["finance", "retail", "制造"]),
    ("Odd, value", ["a_b%"]),  # a label with a comma is one choice
    ([" retail "], ["retail"]),
])
def test_choices(value, expected):
    assert MULTI.coerce(value, FLD) == expected


@pytest.mark.parametrize("value", [[], "", [""], "  "])
def test_nothing_chosen_is_empty(value):
    assert MULTI.coerce(value, FLD) is None


@pytest.mark.parametrize("value", [["pending"], ["finance", 1], 1, True, {"a": 1}, [["finance"]]])
def test_refused(value):
    with pytest.raises(FieldValueError):
        MULTI.coerce(value, FLD)


def test_min_and_max_items():
    fld = {**FLD, "config": {"choices": CHOICES, "min_items": 2, "max_items": 3}}
    with pytest.raises(FieldValueError, match="at least 2"):
        MULTI.coerce(["finance"], fld)
    with pytest.raises(FieldValueError, match="at most 3"):
        MULTI.coerce(["finance", "retail", "制造", "a_b%"], fld)


def test_parse_form_takes_every_posted_value():
    assert MULTI.parse_form(["finance", "", "retail"], FLD) == ["finance", "retail"]
    assert MULTI.parse_form([], FLD) is None


def test_display_joins_labels():
    assert MULTI.display(["finance", "retail"], FLD, "zh") == "金融, 零售"
    assert MULTI.display(["finance", "retail"], FLD, "en") == "Finance, Retail"
    assert MULTI.display(None, FLD, "en") == ""


def test_check_defaults_are_choices():
    assert MULTI.check({**FLD, "default": ["finance"]}, "/f", None) == []
    problems = MULTI.check({**FLD, "default": ["finance", "mining"]}, "/f", None)
    assert [p.path for p in problems] == ["/f/default"]
    assert "mining" in problems[0].message


def test_check_min_over_max():
    fld = {**FLD, "config": {"choices": CHOICES, "min_items": 3, "max_items": 2}}
    assert [p.path for p in MULTI.check(fld, "/f", None)] == ["/f/config/min_items"]


@pytest.fixture
def stored():
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     *MULTI.columns(FLD))
    table.metadata.create_all(engine)
    values = [["finance", "制造"], ["retail"], None, ["a_b%"], ["retail", "finance"]]
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, **MULTI.to_row(v, FLD)}
                                      for i, v in enumerate(values)])
    return engine, table, values


def ids(stored, op, value):
    engine, table, _ = stored
    with engine.connect() as conn:
        where = MULTI.filter_expression(table, FLD, op, value)
        return conn.execute(sa.select(table.c.id).where(where).order_by(table.c.id)).scalars().all()


def test_round_trip_through_json_column(stored):
    engine, table, values = stored
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings()
        assert [MULTI.from_row(r, FLD) for r in rows] == values


def test_contains_finds_records_with_the_choice(stored):
    assert ids(stored, "contains", "finance") == [0, 4]
    assert ids(stored, "contains", ["制造"]) == [0]  # non-ASCII, whatever the JSON escaping
    assert ids(stored, "in", ["制造", "retail"]) == [0, 1, 4]


def test_like_wildcards_in_values_are_literal(stored):
    assert ids(stored, "contains", "a_b%") == [3]


def test_isnull_and_notnull(stored):
    assert ids(stored, "isnull", None) == [2]
    assert ids(stored, "notnull", None) == [0, 1, 3, 4]


def test_empty_list_is_stored_as_sql_null(stored):
    engine, table, _ = stored
    with engine.begin() as conn:
        conn.execute(table.insert(), {"id": 9, **MULTI.to_row(None, FLD)})
        assert conn.execute(sa.select(table.c.id).where(table.c.industries.is_(None))
                            .order_by(table.c.id)).scalars().all() == [2, 9]


def test_found_by_the_labels_of_its_choices():
    assert MULTI.search_text(["finance", "制造"], FLD) == ["金融", "Finance", "Manufacturing"]
    assert MULTI.search_text(None, FLD) == []
