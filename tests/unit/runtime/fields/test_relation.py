"""Relations (and relations in sub-table rows): which linked records may be stored."""

from __future__ import annotations

import pytest

from runtime.fields.registry import build_field_registry

TYPES = build_field_registry()
ONE = {"key": "company", "type": "relation", "label": "Company",
       "config": {"target_form": "company"}}
MANY = {"key": "partners", "type": "relation", "label": "Partners",
        "config": {"target_form": "company", "multiple": True}}
LINES = {"key": "lines", "type": "sub_table", "label": "Lines", "config": {"fields": [
    {"key": "supplier", "type": "relation", "label": "Supplier",
     "config": {"target_form": "company"}},
    {"key": "buyer", "type": "user", "label": "Buyer"},
    {"key": "qty", "type": "number", "label": "Qty"}]}}


class Linkable:
    """A References stand-in: the caller may link companies 1 and 2, and users 7."""

    def __init__(self):
        self.asked: list[tuple[str, set[int]]] = []

    def linkable_record_ids(self, app_key: str, form_key: str, ids: set[int]) -> set[int]:
        self.asked.append((form_key, set(ids)))
        return ids & {1, 2}

    def existing_user_ids(self, ids: set[int]) -> set[int]:
        return ids & {7}


def test_a_record_the_caller_may_not_link_is_a_problem_asked_once():
    refs = Linkable()
    problems = TYPES["relation"].unknown_references(ONE, [1, 3, 2], refs, "crm")
    assert problems == {1: "record 3 of company does not exist or is not visible to you"}
    assert refs.asked == [("company", {1, 2, 3})]
    problems = TYPES["relation"].unknown_references(MANY, [[1, 2], [2, 5, 6]], refs, "crm")
    assert list(problems) == [1] and "record 5 of company" in problems[1]


def test_sub_table_rows_pass_their_sub_fields_checks():
    refs = Linkable()
    values = [[{"supplier": 1, "buyer": 7, "qty": 1}, {"supplier": 4, "buyer": None}],
              [{"supplier": None, "buyer": 8}],
              [{"supplier": 2, "qty": 3}]]
    problems = TYPES["sub_table"].unknown_references(LINES, values, refs, "crm")
    assert str(problems[0]) == ("row 2, supplier: record 4 of company does not exist or is "
                                "not visible to you")
    assert str(problems[1]) == "row 1, buyer: user 8 does not exist"
    assert 2 not in problems
    assert refs.asked == [("company", {1, 2, 4})]  # one question for every row


@pytest.mark.parametrize(("fld", "value", "links"), [
    (ONE, 3, [("company", 3)]),
    (ONE, None, []),
    (MANY, [3, 4], [("company", 3), ("company", 4)]),
    (LINES, [{"supplier": 5, "buyer": 7}, {"supplier": None}], [("company", 5)]),
    (LINES, None, []),
])
def test_linked_records(fld, value, links):
    assert TYPES[fld["type"]].linked_records(fld, value) == links
    assert TYPES["text"].linked_records({"key": "x", "type": "text"}, "3") == []
