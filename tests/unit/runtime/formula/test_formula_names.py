"""Names as designers write them: fields by label or key, choices by label or value; formulas
stored with keys and shown with labels; the same choice in Python and in SQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from metadata.labels import label_text
from metadata.messages import Texts, listing, msg
from runtime.formula.checker import check
from runtime.formula.errors import FormulaError
from runtime.formula.names import (
    NameProblem,
    choice_value,
    field_key,
    field_name,
    labelled_source,
    rewrite_refs,
)
from runtime.formula.python import compile_python
from runtime.formula.sql import ChildRows, compile_sql
from runtime.formula.types import Choice, FType, Scope, scope_of_form
from tests.unit.runtime.formula.formula_support import COMPANY, NOW, REGISTRY, SCOPE, normal

ROOT = Path(__file__).resolve().parents[4]
INDUSTRIES = (Choice("选项1", {"zh": "金融", "en": "选项1"}),
              Choice("选项2", {"zh": "制造", "en": "Manufacturing"}),
              Choice("教育", {"zh": "教育"}), Choice("retail", {"zh": "零售", "en": "Retail"}))
TAGS = (Choice("hot", {"zh": "热门", "en": "Hot"}), Choice("cold", {"zh": "冷淡", "en": "Cold"}))
LABELS = {"city": {"zh": "行业", "en": "Industry"}, "employees": {"zh": "员工数"},
          "tags": {"zh": "标签", "en": "Tags"}, "name": {"zh": "名称", "en": "Name"},
          "score": {"zh": "名称"}, "company": {"zh": "公司", "en": "Company"},
          "items": {"zh": "明细"}}
COMPANY_LABELS = replace(COMPANY, labels={"name": {"zh": "名称", "en": "Name"},
                                          "size": {"zh": "规模"}})
# the sample scope, "city" a select of industries and "tags" a multi-select
CHOSEN = replace(SCOPE, labels=LABELS, choices={"city": INDUSTRIES, "tags": TAGS},
                 related=lambda key: COMPANY_LABELS if key == "company" else None,
                 rows={"items": replace(SCOPE.rows["items"],
                                        labels={"qty": {"zh": "数量"}})})
SCORE = 'IF({city} IN ["金融","制造"],10,0)+IF({employees}>500,15,0)'
WITH_LABELS = 'IF({行业} IN ["金融","制造"],10,0)+IF({员工数}>500,15,0)'


def python(source: str, record: dict):
    return compile_python(check(source, CHOSEN, REGISTRY), now=lambda: NOW)(record)


# -- fields by label ---------------------------------------------------------------------------
def test_a_key_wins_over_a_label_and_labels_resolve_in_either_language():
    assert field_key(CHOSEN, "city") == "city"
    assert field_key(CHOSEN, "行业") == "city"
    assert field_key(CHOSEN, "Industry") == "city"
    assert field_key(CHOSEN, "industry") == "city"  # letter case aside
    assert field_key(CHOSEN, "行当") is None


def test_a_label_of_two_fields_is_refused_with_both():
    with pytest.raises(NameProblem) as problem:
        field_key(CHOSEN, "名称")
    assert "{name}, {score}" in problem.value.message
    with pytest.raises(FormulaError) as error:
        check('{名称} = "x"', CHOSEN, REGISTRY)
    assert "could be several fields" in error.value.message and error.value.column == 1
    assert check('{name} = "x"', CHOSEN, REGISTRY).type == FType.BOOLEAN


def test_the_formula_is_stored_with_keys_and_shown_with_labels():
    checked = check(WITH_LABELS, CHOSEN, REGISTRY)
    assert checked.keyed_source == SCORE
    stored = checked.stored()
    assert stored["source"] == SCORE
    assert stored["ast"] == check(SCORE, CHOSEN, REGISTRY).stored()["ast"]  # choices as written
    assert labelled_source(SCORE, CHOSEN, "zh") == WITH_LABELS
    assert labelled_source(SCORE, CHOSEN, "en") == WITH_LABELS.replace("{行业}", "{Industry}")
    # an ambiguous label, a label with a dot, an unknown key: the key stays
    assert labelled_source("{name} & {score} & {nope}", CHOSEN, "zh") == \
        "{name} & {score} & {nope}"
    assert labelled_source("{company.size} + SUM({items.qty})", CHOSEN, "zh") == \
        "{公司.规模} + SUM({明细.数量})"
    assert labelled_source("{oops", CHOSEN, "zh") == "{oops"  # not a formula: as it is


def test_one_hop_and_sub_table_rows_by_label():
    checked = check("{公司.规模} + SUM({明细.数量}) + COUNT({明细})", CHOSEN, REGISTRY)
    assert checked.keyed_source == "{company.size} + SUM({items.qty}) + COUNT({items})"
    assert python("{公司.名称}", {"company.name": "华为"}) == "华为"


def test_an_unknown_name_gets_did_you_mean_over_labels_and_keys():
    with pytest.raises(FormulaError) as error:
        check("{员工} > 1", CHOSEN, REGISTRY)
    assert "did you mean {员工数}" in error.value.message
    with pytest.raises(FormulaError) as error:
        check("{employes} > 1", CHOSEN, REGISTRY)
    assert "did you mean {employees}" in error.value.message


def test_field_names_only_where_they_resolve_back():
    assert field_name(CHOSEN, "city", "zh") == "行业"
    assert field_name(CHOSEN, "employees", "en") == "员工数"  # as the designer wrote it
    assert field_name(CHOSEN, "name", "zh") == "name"  # 名称 is also score's label
    odd = replace(CHOSEN, labels={**LABELS, "city": {"zh": "行.业"}})
    assert field_name(odd, "city", "zh") == "city"


def test_rewrite_refs_replaces_whole_references():
    assert rewrite_refs("{a} + { b } + {c}", {0: "x", 6: "y"}) == "{x} + {y} + {c}"


# -- choices by label --------------------------------------------------------------------------
def test_a_choice_by_value_or_either_label():
    assert choice_value(INDUSTRIES, "选项1") == "选项1"
    assert choice_value(INDUSTRIES, "金融") == "选项1"
    assert choice_value(INDUSTRIES, "Manufacturing") == "选项2"
    assert choice_value(INDUSTRIES, "Retail") == "retail"
    assert choice_value(INDUSTRIES, "汽车") is None
    twice = (Choice("a", {"zh": "同"}), Choice("b", {"zh": "同"}))
    with pytest.raises(NameProblem):
        choice_value(twice, "同")
    # a value wins over another choice's label
    crossed = (Choice("x", {"zh": "y"}), Choice("y", {"zh": "z"}))
    assert choice_value(crossed, "y") == "y"


@pytest.mark.parametrize(("record", "score"), [
    ({"city": "选项1", "employees": 600}, 25), ({"city": "选项2", "employees": 10}, 10),
    ({"city": "retail", "employees": 600}, 15), ({"city": None, "employees": None}, 0)])
def test_the_issue_formula_scores_with_labels(record, score):
    assert python(WITH_LABELS, record) == score
    assert python(SCORE, record) == score


@pytest.mark.parametrize(("source", "record", "expected"), [
    ('{city} = "金融"', {"city": "选项1"}, True),
    ('"金融" = {city}', {"city": "选项1"}, True),
    ('{city} <> "Retail"', {"city": "retail"}, False),
    ('{city} NOT IN ["零售", "教育"]', {"city": "选项1"}, True),
    ('CONTAINS({tags}, "热门")', {"tags": ["hot"]}, True),
    ('"Cold" IN {tags}', {"tags": ["hot"]}, False),
    ('CONTAINS({name}, "金融")', {"name": "金融街"}, True),  # a text, not a choice
])
def test_choice_labels_in_python_and_sql(formula_db, source, record, expected):
    assert python(source, record) == expected
    checked = check(source, CHOSEN, REGISTRY)
    expression = compile_sql(checked, formula_db.field_columns(), formula_db.dialect,
                             now=lambda: NOW,
                             children={"items": ChildRows(formula_db.items,
                                                          formula_db.leads.c.id)})
    with formula_db.conn.begin_nested() as savepoint:
        formula_db.store(record)
        value = formula_db.conn.execute(sa.select(expression)
                                        .select_from(formula_db.leads)).scalar_one()
        savepoint.rollback()
    assert normal(value) == expected


@pytest.mark.parametrize(("source", "words"), [
    ('{city} = "汽车"', "is not a choice of {Industry}; the choices are 金融, Manufacturing"),
    ('{city} IN ["金融", "Finanse"]', "is not a choice of"),
    ('{city} = "制迼"', "did you mean '制造'"),
    ('CONTAINS({tags}, "Hott")', "did you mean 'Hot'"),
    ('"warm" IN {tags}', "is not a choice of {Tags}"),
])
def test_a_text_that_is_no_choice_is_refused_at_its_place(source, words):
    with pytest.raises(FormulaError) as error:
        check(source, CHOSEN, REGISTRY, source=source)
    assert words in error.value.message
    quote = source.index('"Finanse"' if "Finanse" in source else '"')
    assert error.value.position == quote


def test_an_empty_text_is_left_alone():
    assert python('{city} = ""', {"city": "选项1"}) is False


def test_the_scope_of_a_form_knows_labels_and_choices():
    from runtime.fields.registry import build_field_registry

    types = {t.type: t for t in build_field_registry()}
    form = {"key": "lead", "label": "线索", "fields": [
        {"key": "hang_ye", "type": "select", "label": {"zh": "行业"},
         "config": {"choices": [{"value": "选项1", "label": {"zh": "金融"}},
                                {"value": "crm", "label": "CRM"}]}},
        {"key": "n", "type": "number", "label": "数量"}]}
    scope = scope_of_form(form, lambda key: None, types)
    assert scope.labels == {"hang_ye": {"zh": "行业"}, "n": {"": "数量"}}
    assert scope.choices["hang_ye"] == (Choice("选项1", {"zh": "金融"}),
                                        Choice("crm", {"": "CRM"}))
    assert check('{行业} = "CRM" OR {数量} > 1', scope, REGISTRY).keyed_source == \
        '{hang_ye} = "CRM" OR {n} > 1'


# -- labels in the reader's language -----------------------------------------------------------
def test_a_placeholder_never_hides_the_designers_word():
    assert label_text({"zh": "金融", "en": "选项1"}, "en") == "金融"
    assert label_text({"zh": "选项1", "en": "Finance"}, "zh") == "Finance"
    assert label_text({"zh": "金融", "en": "Finance"}, "en") == "Finance"
    assert label_text({"zh": "选项1"}, "en") == "选项1"
    assert label_text({"zh": "选项1", "en": "Option 1"}, "en") == "Option 1"
    assert label_text("CRM", "zh") == "CRM"


def test_texts_show_in_the_readers_language():
    po = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as source:
        zh = {m.id: m.string for m in read_po(source) if m.id}

    def gettext(template, **params):
        text = zh.get(template) or template
        return text % params if params else text

    message = msg("%(text)s is not a choice of {%(field)s}; the choices are %(choices)s",
                  text="汽车", field=Texts({"zh": "行业", "en": "Industry"}),
                  choices=listing([Texts({"zh": "金融", "en": "选项1"}), "b", "c"]))
    assert str(message) == "汽车 is not a choice of {Industry}; the choices are 金融, b, c"
    assert message.localized(gettext, "zh") == "汽车 不是 {行业} 的选项；选项有 金融、b、c"
    assert message.localized(lambda t, **p: t % p if p else t, "en") == str(message)


def test_every_new_message_has_a_chinese_text():
    po = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as source:
        zh = {m.id: m.string for m in read_po(source) if m.id}
    for template in ("%(first)s, %(rest)s",
                     "{%(name)s} could be several fields: %(candidates)s — write the one you "
                     "mean by its key",
                     "%(text)s is the label of several choices: %(values)s — write the value "
                     "of the one you mean",
                     "%(text)s is not a choice of {%(field)s} — did you mean %(close)s? The "
                     "choices are %(choices)s",
                     "%(text)s is not a choice of {%(field)s}; the choices are %(choices)s"):
        assert zh.get(template), template


def test_a_scope_without_labels_still_checks():
    plain = Scope("x", {"a": FType.TEXT})
    assert check('{a} = "b"', plain, REGISTRY).keyed_source is None
