from __future__ import annotations

import pytest
import sqlalchemy as sa

from runtime.fields.base import FieldValueError
from runtime.fields.user import UserField

FLD = {"key": "owner_user", "type": "user", "label": "Owner"}
MANY = {**FLD, "config": {"multiple": True, "roles": ["sales"]}}
USER = UserField()


class Directory:
    """A References stand-in knowing users 1, 2 and 42."""

    def __init__(self):
        self.asked: list[set[int]] = []

    def existing_user_ids(self, ids: set[int]) -> set[int]:
        self.asked.append(set(ids))
        return ids & {1, 2, 42}


@pytest.mark.parametrize(("value", "expected"), [(42, 42), ("42", 42), (" #42 ", 42),
                                                 ({"id": 42}, 42), (42.0, 42),
                                                 ("４２", 42)])
def test_one_user(value, expected):
    assert USER.coerce(value, FLD) == expected


@pytest.mark.parametrize("value", [0, -1, "bob", 1.5, True, {"id": "x"}, [42], "4 2", 2**40])
def test_not_a_user_id(value):
    with pytest.raises(FieldValueError):
        USER.coerce(value, FLD)


def test_blank_is_empty():
    assert USER.coerce("", FLD) is None
    assert USER.coerce([], MANY) is None


def test_several_users():
    assert USER.coerce([3, "1", 3, {"id": 2}], MANY) == [3, 1, 2]
    assert USER.coerce(7, MANY) == [7]
    with pytest.raises(FieldValueError):
        USER.coerce([1, "bob"], MANY)


def test_parse_form():
    assert USER.parse_form(["", "42"], FLD) == "42"
    assert USER.parse_form(["1", "", "2"], MANY) == ["1", "2"]
    assert USER.parse_form([""], MANY) is None


def test_unknown_references_asks_once_for_all_values():
    refs = Directory()
    problems = USER.unknown_references(FLD, [42, 7, None, 1, 7], refs, "crm")
    assert problems == {1: "user 7 does not exist", 4: "user 7 does not exist"}
    assert refs.asked == [{42, 7, 1}]
    assert USER.unknown_references(MANY, [[1, 2], [2, 99]], Directory(), "crm") == {
        1: "user 99 does not exist"}
    assert USER.unknown_references(FLD, [None], Directory(), "crm") == {}


def test_columns():
    assert isinstance(USER.column_type(FLD), sa.Integer)
    assert not isinstance(USER.column_type(MANY), sa.Integer)


def test_display():
    assert USER.display(42, FLD, "zh") == "#42"
    assert USER.display([1, 2], MANY, "en") == "#1, #2"
    assert USER.display(None, FLD, "en") == ""


def test_widget_context():
    assert USER.widget_context(MANY, [1, 2], "zh") == {"multiple": True, "roles": ["sales"],
                                                      "selected": [1, 2]}


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("eq", 2, [0, 2]), ("eq", 1, [0, 3]), ("eq", 12, [1]), ("in", [12, 21], [1, 2]),
    ("ne", 2, [1, 3, 4]), ("nin", [1, 2], [1, 4]), ("isnull", None, [4]),
    ("notnull", None, [0, 1, 2, 3]),
])
def test_filters_on_several_users(op, value, expected):
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     *USER.columns(MANY))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, **USER.to_row(v, MANY)} for i, v in
                                      enumerate([[1, 2], [12], [21, 2], [1], None])])
        rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings()
        assert [USER.from_row(r, MANY) for r in rows] == [[1, 2], [12], [21, 2], [1], None]
        where = USER.filter_expression(table, MANY, op, value)
        assert conn.execute(sa.select(table.c.id).where(where).order_by(table.c.id)
                            ).scalars().all() == expected
