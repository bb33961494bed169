from __future__ import annotations

import pytest

from runtime.fields.base import FieldValueError
from runtime.fields.select import SelectField

CHOICES = [{"value": "open", "label": {"zh": "进行中", "en": "Open"}, "color": "#3366ff"},
           {"value": "won", "label": {"zh": "赢单", "en": "Won"}},
           {"value": "lost", "label": "Lost"}]
FLD = {"key": "stage", "type": "select", "label": "Stage", "config": {"choices": CHOICES}}
SELECT = SelectField()


@pytest.mark.parametrize(("value", "expected"), [
    ("open", "open"), ("Won", "won"), ("赢单", "won"), (" 进行中 ", "open"), ("Lost", "lost"),
])
def test_values_and_labels(value, expected):
    assert SELECT.coerce(value, FLD) == expected


def test_blank_is_empty():
    assert SELECT.coerce("", FLD) is None


@pytest.mark.parametrize("value", ["pending", "OPEN", 1, True, ["open"], {"value": "open"}])
def test_anything_else_is_refused(value):
    with pytest.raises(FieldValueError):
        SELECT.coerce(value, FLD)


def test_message_lists_the_choices():
    with pytest.raises(FieldValueError, match="open, won, lost"):
        SELECT.coerce("pending", FLD)


def test_value_schema_is_an_enum():
    assert SELECT.value_schema(FLD) == {"type": "string", "enum": ["open", "won", "lost"]}


def test_display_uses_the_label_in_the_language():
    assert SELECT.display("won", FLD, "zh") == "赢单"
    assert SELECT.display("won", FLD, "en") == "Won"
    assert SELECT.display("lost", FLD, "zh") == "Lost"
    assert SELECT.display(None, FLD, "zh") == ""


def test_widget_context_marks_the_selected_choice():
    context = SELECT.widget_context(FLD, "won", "en")
    assert [c["selected"] for c in context["choices"]] == [False, True, False]
    assert context["choices"][0]["color"] == "#3366ff"


def test_check_duplicates_and_default():
    fld = {**FLD, "config": {"choices": [*CHOICES, {"value": "won", "label": "Again"}]},
           "default": "pending"}
    paths = [p.path for p in SELECT.check(fld, "/f", None)]
    assert paths == ["/f/config/choices/3/value", "/f/default"]


def test_found_by_its_labels_in_both_languages():
    assert SELECT.search_text("open", FLD) == ["进行中", "Open"]
    assert SELECT.search_text("lost", FLD) == ["Lost"]
    assert SELECT.search_text("gone", FLD) == ["gone"]  # a value no choice has any more
    # renaming a label changes what is found: publishing rebuilds the index then
    renamed = {**FLD, "config": {"choices": [{**CHOICES[0], "label": "Active"}, *CHOICES[1:]]}}
    assert SELECT.search_basis(renamed) != SELECT.search_basis(FLD)
    recoloured = {**FLD, "config": {"choices": [{**CHOICES[0], "color": "#000000"},
                                                *CHOICES[1:]]}}
    assert SELECT.search_basis(recoloured) == SELECT.search_basis(FLD)
