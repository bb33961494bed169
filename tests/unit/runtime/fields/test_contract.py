"""The contract every registered field type keeps, checked with one sample per type."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import marshmallow as ma
import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator

from metadata.checks import CheckContext
from metadata.schemas import DIALECT, FILTER_OPS, _common_defs, build_schemas
from runtime.fields.base import FieldValueError
from runtime.fields.roles.cleaning import FLAG_OPS

ROOT = Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class Sample:
    """A valid field definition, an input, the canonical value it becomes, an invalid input."""

    fld: dict
    valid: Any
    expected: Any
    invalid: Any
    region_data: bool = False  # needs the sample province/city/district data


CHOICES = [{"value": "open", "label": {"zh": "进行中", "en": "Open"}, "color": "#3366ff"},
           {"value": "won", "label": {"zh": "赢单", "en": "Won"}},
           {"value": "lost", "label": "Lost"}]

SAMPLES: dict[str, Sample] = {
    "text": Sample({"key": "name", "type": "text", "label": "Name",
                    "config": {"max_length": 50}},
                   "  Ada 😀 Lovelace  ", "Ada 😀 Lovelace", {"a": 1}),
    "textarea": Sample({"key": "notes", "type": "textarea", "label": {"zh": "备注", "en": "Notes"}},
                       "  第一行\r\n  第二行 \n", "第一行\n  第二行", ["x"]),
    "number": Sample({"key": "employees", "type": "number", "label": "Employees",
                      "config": {"min": 0}},
                     "1,234", 1234, "12.5"),
    "decimal": Sample({"key": "amount", "type": "decimal", "label": "Amount",
                       "config": {"precision": 2, "currency": "CNY"}},
                      "¥1,234.5", "1234.50", "12abc"),
    "date": Sample({"key": "signed_on", "type": "date", "label": "Signed on"},
                   "2024年3月5日", "2024-03-05", "2024-02-30"),
    "datetime": Sample({"key": "met_at", "type": "datetime", "label": "Met at",
                        "config": {"timezone": "Asia/Shanghai"}},
                       "2024-03-05 16:30", "2024-03-05T08:30:00Z", "yesterday"),
    "boolean": Sample({"key": "vip", "type": "boolean", "label": "VIP"}, "是", True, "maybe"),
    "select": Sample({"key": "stage", "type": "select", "label": "Stage",
                      "config": {"choices": CHOICES}},
                     "Won", "won", "pending"),
    "multiselect": Sample({"key": "tags", "type": "multiselect", "label": "Tags",
                           "config": {"choices": CHOICES, "max_items": 3}},
                          ["赢单", "open", "won"], ["won", "open"], ["open", "pending"]),
    "phone": Sample({"key": "mobile", "type": "phone", "label": "Mobile"},
                    "138 0013 8000", "+8613800138000", "12345"),
    "email": Sample({"key": "email", "type": "email", "label": "Email"},
                    " Zhang.San@Example.COM ", "Zhang.San@example.com", "zhang san@example"),
    "url": Sample({"key": "website", "type": "url", "label": "Website"},
                  "Example.COM/Path?q=1", "https://example.com/Path?q=1", "javascript:alert(1)"),
    "region": Sample({"key": "place", "type": "region", "label": "Region"},
                     "广东 深圳 南山",
                     {"country": "CN", "province": "广东省", "city": "深圳市",
                      "district": "南山区", "code": "440305"},
                     {"country": "China", "text": "火星基地"}, region_data=True),
    "user": Sample({"key": "owner_user", "type": "user", "label": "Owner"}, "42", 42, "bob"),
    # the types below are written by the lead; their samples follow their modules
    "relation": Sample({"key": "customer", "type": "relation", "label": "Customer",
                        "config": {"target_form": "customers"}}, "12", 12, "abc"),
    "attachment": Sample({"key": "files", "type": "attachment", "label": "Files"},
                         ["0123456789ABCDEF0123456789abcdef"],
                         [{"id": "0123456789abcdef0123456789abcdef"}], [123]),
    "auto_number": Sample({"key": "number", "type": "auto_number", "label": "No.",
                           "config": {"prefix": "INV-{YYYY}-", "digits": 4}},
                          " INV-2024-0001 ", "INV-2024-0001", {"a": 1}),
    "touch": Sample({"key": "came_from", "type": "touch", "label": "Source",
                     "config": {"touch": "first", "part": "source"}},
                    "  baidu  ads ", "baidu ads", {"a": 1}),
    "sub_table": Sample({"key": "items", "type": "sub_table", "label": "Items",
                         "config": {"fields": [
                             {"key": "product", "type": "text", "label": "Product"},
                             {"key": "qty", "type": "number", "label": "Qty"}]}},
                        [{"product": " Pen ", "qty": "2"}], [{"product": "Pen", "qty": 2}],
                        "two pens"),
    "formula": Sample({"key": "score", "type": "formula", "label": "Score",
                       "config": {"formula": "{employees} * 2", "result_type": "integer"}},
                      "1,234", 1234, "12.5"),
}
# the other forms of the sample app, for checks that follow references
OTHER_FORMS = {"customers": {"kind": "form", "key": "customers", "label": "Customers",
                             "fields": [{"key": "name", "type": "text", "label": "Name"}]}}
# inputs of every JSON type (and a few Python extras json.loads also makes): a type either
# takes them or says why not with FieldValueError, never another exception
ODD_INPUTS = [True, False, 0, -1, 1.5, 10**40, float("nan"), float("inf"), "", "   ", "\u3000",
              "null", "[]", "x" * 3000, [], {}, [None], [[]], [{}], {"id": None}, {"a": [1]},
              ["", " "], "😀", "\u202eRTL"]
# after inserting the sample value, which operators should find the row (value = the sample)
MATCHING = {"eq", "in", "contains", "startswith", "notnull", "lte", "gte"}
NOT_MATCHING = {"ne", "nin", "isnull", "lt", "gt"}


@pytest.fixture(scope="module")
def registry():
    try:
        from runtime.fields.registry import build_field_registry
    except ImportError as exc:  # a field module someone is still writing
        pytest.skip(f"the field registry does not import yet: {exc}")
    return build_field_registry()


@pytest.fixture
def case(request, registry):
    """(field type, sample) for the parametrised type key."""
    key = request.param
    sample = SAMPLES.get(key) or VARIANTS[key]
    if sample.fld["type"] not in registry:
        pytest.skip(f"field type {key!r} is not registered yet")
    if sample.region_data:
        request.getfixturevalue("region_sample")
    return registry[sample.fld["type"]], sample


by_type = pytest.mark.parametrize("case", sorted(SAMPLES), indirect=True)


def filter_value(op: str, value: Any) -> Any:
    if op in ("in", "nin"):
        return [value]
    return None if op in ("isnull", "notnull") else value


def test_every_registered_type_has_a_sample(registry):
    assert sorted(registry.keys()) == sorted(SAMPLES)


@by_type
def test_describes_itself(case):
    ftype, sample = case
    assert ftype.type == sample.fld["type"]
    assert ftype.label["zh"].strip() and ftype.label["en"].strip()
    assert ftype.description.strip()
    assert isinstance(ftype.widget, str) and ftype.widget
    assert set(ftype.filter_ops) <= set(FILTER_OPS)
    assert ftype.aggregations and all(isinstance(a, str) for a in ftype.aggregations)


@by_type
def test_config_schema_is_valid_draft_2020_12(case):
    ftype, _ = case
    schema = {"$schema": DIALECT, "$defs": {**_common_defs(), "field": {"type": "object"}},
              **ftype.config_schema}
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"


@by_type
def test_sample_definition_passes_schema_and_checks(case, registry):
    ftype, sample = case
    form = {"kind": "form", "key": "deals", "label": "Deals", "fields": [sample.fld]}
    validator = Draft202012Validator(build_schemas(registry)["form"])
    assert [e.message for e in validator.iter_errors(form)] == []
    ctx = CheckContext(app_key="crm", forms={"deals": form, **OTHER_FORMS},
                       field_types=registry)
    assert ftype.check(sample.fld, "/fields/0", ctx) == []


@by_type
def test_coerce_gives_the_canonical_value(case):
    ftype, sample = case
    value = ftype.coerce(sample.valid, sample.fld)
    assert value == sample.expected
    assert ftype.coerce(value, sample.fld) == value  # a value read back can be written back
    assert json.loads(json.dumps(value)) == value


@by_type
def test_coerce_rejects_an_invalid_value(case):
    ftype, sample = case
    with pytest.raises(FieldValueError) as err:
        ftype.coerce(sample.invalid, sample.fld)
    assert str(err.value).strip()


@by_type
@pytest.mark.parametrize("odd", ODD_INPUTS, ids=lambda v: repr(v)[:20])
def test_coerce_takes_any_json_or_says_why_not(case, odd):
    ftype, sample = case
    try:
        value = ftype.coerce(odd, sample.fld)
    except FieldValueError as exc:
        assert str(exc).strip()
    else:
        json.dumps(value, allow_nan=False)


@by_type
def test_marshmallow_field_deserialises_like_coerce(case):
    ftype, sample = case
    schema = ma.Schema.from_dict({"v": ftype.marshmallow_field(sample.fld)})()
    assert schema.load({"v": sample.valid}) == {"v": sample.expected}
    with pytest.raises(ma.ValidationError):
        schema.load({"v": sample.invalid})


@by_type
def test_value_schema_accepts_the_canonical_value(case):
    ftype, sample = case
    schema = ftype.value_schema(sample.fld)
    assert isinstance(schema, dict)
    Draft202012Validator.check_schema({"$schema": DIALECT, **schema})
    assert [e.message for e in Draft202012Validator(schema).iter_errors(sample.expected)] == []


@by_type
def test_parse_form_output_goes_through_coerce(case):
    ftype, sample = case
    for raw in ([], [""], ["  "]):
        parsed = ftype.parse_form(raw, sample.fld)
        if parsed is not None:
            assert ftype.is_empty(ftype.coerce(parsed, sample.fld)) or parsed is False


@by_type
def test_columns_are_named_after_the_key(case):
    ftype, sample = case
    columns = ftype.columns(sample.fld)
    assert all(isinstance(c, sa.Column) for c in columns)
    assert all(c.name.startswith(sample.fld["key"]) for c in columns)
    assert len({c.name for c in columns}) == len(columns)
    if not ftype.separate(sample.fld):
        assert columns, "a type stored in the row needs at least one column"


@by_type
def test_row_round_trip(case):
    ftype, sample = case
    if ftype.separate(sample.fld):
        pytest.skip("stored outside the record's row")
    row = ftype.to_row(sample.expected, sample.fld)
    assert set(row) <= {c.name for c in ftype.columns(sample.fld)}
    assert ftype.from_row(row, sample.fld) == sample.expected


@by_type
def test_database_round_trip_and_filters(case, registry):
    """Store the sample in SQLite, read it back, and find it (or not) with every operator."""
    ftype, sample = case
    fld = sample.fld
    engine = sa.create_engine("sqlite://")
    meta = sa.MetaData()
    table = sa.Table("crm__deals", meta, sa.Column("id", sa.Integer, primary_key=True),
                     *ftype.columns(fld))
    children = ftype.child_tables(fld, table, registry)
    meta.create_all(engine)
    with engine.begin() as conn:
        if ftype.separate(fld):
            conn.execute(table.insert(), {"id": 1})
            ftype.save_separate(conn, children, 1, sample.expected, fld)
            assert ftype.load_separate(conn, children, [1], fld) == {1: sample.expected}
        else:
            conn.execute(table.insert(), {"id": 1, **ftype.to_row(sample.expected, fld)})
            row = conn.execute(sa.select(table)).mappings().one()
            assert ftype.from_row(row, fld) == sample.expected
        for op in ftype.operators(sample.fld):
            if op in FLAG_OPS:  # a clean sample carries no flag
                where = ftype.flag_expression(table, fld, op, None)
                found = conn.execute(sa.select(table.c.id).where(where)).scalars().all()
                assert found == ([1] if op == "unflagged" else []), op
                continue
            where = ftype.filter_expression(table, fld, op, filter_value(op, sample.expected))
            found = conn.execute(sa.select(table.c.id).where(where)).scalars().all()
            if op in MATCHING:
                assert found == [1], f"{op} should find the stored value"
            elif op in NOT_MATCHING:
                assert found == [], f"{op} should not find the stored value"
        if ftype.searchable:  # a value people can find has texts to find it by
            texts = ftype.search_text(sample.expected, fld)
            assert texts and all(isinstance(t, str) and t for t in texts)
            assert ftype.search_text(None, fld) == []
        order = ftype.sort_expression(table, fld) if ftype.sortable else None
        if order is not None:
            conn.execute(sa.select(table.c.id).order_by(order)).all()


@by_type
def test_display_is_text(case):
    ftype, sample = case
    for lang in ("zh", "en"):
        assert isinstance(ftype.display(sample.expected, sample.fld, lang), str)
        assert ftype.display(sample.expected, sample.fld, lang).strip()
        assert ftype.display(None, sample.fld, lang) == ""
        assert isinstance(ftype.widget_context(sample.fld, sample.expected, lang), dict)
        assert isinstance(ftype.widget_context(sample.fld, None, lang), dict)


# -- capabilities: what the rest of the code asks a type instead of its name -------------------
@by_type
def test_capabilities_agree_with_the_sample(case, registry):
    ftype, sample = case
    fld, value = sample.fld, sample.expected
    if ftype.can_be_title:  # read from the row and shown as one line of text
        assert not ftype.separate(fld) and len(ftype.columns(fld)) == 1
        assert "\n" not in ftype.display(value, fld, "en") != ""
    if ftype.numeric:
        assert ftype.formula_type in ("integer", "number") and "sum" in ftype.aggregations
    assert ftype.holds_rows == bool(ftype.row_fields(fld))
    for sub in ftype.row_fields(fld):
        assert registry[sub["type"]].sub_field_allowed
    if ftype.holds_rows:
        keys = {s["key"] for s in ftype.row_fields(fld)}
        assert value and all(isinstance(row, dict) and set(row) <= keys for row in value)
    source = ftype.calculation(fld)
    assert (source is not None) == ftype.calculated
    if ftype.calculated:
        assert source == fld["config"]["formula"] and ftype.generated
    rules = ftype.upload_rules(fld)
    if rules is not None:
        assert ftype.holds_files(fld) and rules.max_mb > 0
        assert rules.accepts("scan.pdf", "application/pdf") == (not rules.accept)
    choices = ftype.default_choices(fld, "zh")
    for choice, label in choices or ():
        assert ftype.coerce(choice, fld) == choice and isinstance(label, str) and label


@by_type
def test_what_a_value_names_is_looked_up_by_kind(case):
    """``names``: the ids of a value are records of a form or users, shown by title or name;
    a page collects ids per ``names`` (hashable) and looks each kind up in one batch."""
    from runtime.fields.base import USERS, RecordTitles

    ftype, sample = case
    named, ids = ftype.names(sample.fld), ftype.named_ids(sample.fld, sample.expected)
    asked = []

    class Book:  # the two lookups a page offers (runtime.web.forms.references.References)
        def record_titles(self, titles, wanted):
            asked.append(("records", titles, wanted))
            return {i: f"record {i}" for i in wanted}

        def user_names(self, wanted):
            asked.append(("users", wanted))
            return {i: f"user {i}" for i in wanted}

    if named is None:
        assert ids == []
        return
    assert ids and all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    assert {named: 1}[ftype.names(dict(sample.fld))] == 1  # the same key for the same field
    kind = "record" if isinstance(named, RecordTitles) else "user"
    assert named.lookup(Book(), set(ids)) == {i: f"{kind} {i}" for i in ids}
    if isinstance(named, RecordTitles):
        links = ftype.linked_records(sample.fld, sample.expected)
        assert {form for form, _i in links} == {named.form} and asked[0][1] is named
        assert named.title_field("name") == sample.fld["config"].get("display_field", "name")
    else:
        assert named == USERS and asked[0][0] == "users"


# -- widgets: every type's widget, through the page's view models and templates ---------------
VARIANTS = {  # display options that change a widget's template, and values picked from lists
    "select radio": Sample({**SAMPLES["select"].fld, "config": {"choices": CHOICES,
                                                                "display": "radio"}},
                           "won", "won", None),
    "multiselect checkboxes": Sample({**SAMPLES["multiselect"].fld, "config": {
        "choices": CHOICES, "display": "checkboxes"}}, ["open"], ["open"], None),
    "user multiple": Sample({**SAMPLES["user"].fld, "config": {"multiple": True}},
                            [1, 2], [1, 2], None),
    "relation multiple": Sample({**SAMPLES["relation"].fld, "config": {
        "target_form": "customers", "multiple": True}}, [3], [3], None),
}
SHOWN_AS = {"text", "multiline", "link", "links", "table", "empty"}


def test_every_type_has_its_widget_and_every_widget_a_type(registry):
    from runtime.web.forms.widgets.registry import build_widget_registry

    widgets = build_widget_registry(registry)
    assert set(widgets.keys()) == {t.widget for t in registry}
    for widget in widgets:
        assert (ROOT / "templates" / widget.template()).exists(), widget.template()


def test_the_widget_registry_refuses_a_type_without_its_widget(registry):
    from runtime.fields.text import TextField
    from runtime.web.forms.widgets.plain import TextWidget
    from runtime.web.forms.widgets.registry import build_widget_registry

    class StarsField(TextField):
        type = "stars"
        widget = "stars"

    with pytest.raises(ValueError, match="no widget 'stars'"):
        build_widget_registry([*registry, StarsField()])
    with pytest.raises(ValueError, match="duplicate key 'text'"):
        build_widget_registry(registry, extra=(TextWidget,))


@pytest.mark.parametrize("case", [*sorted(SAMPLES), *VARIANTS], indirect=True)
def test_widget_renders_the_input_and_the_record_page(case, app, registry):
    """The input's view model and template, a posted value shown again, and the value on
    the record page, as a form page builds them."""
    from flask import render_template_string

    from runtime.forms.formulas import Analysis
    from runtime.permissions import SYSTEM, Access
    from runtime.web.forms.display import shown
    from runtime.web.forms.references import References
    from runtime.web.forms.viewmodels import PageContext, field_vm

    ftype, sample = case
    fld, value = {**sample.fld, "placeholder": "Type here"}, sample.expected
    form = {"kind": "form", "key": "deals", "label": "Deals", "fields": [fld]}
    rt = app.extensions["trellis"]
    plan = rt.compile_plan("crm", "deals", 1, form, Analysis(), "crm__deals", [fld])
    with app.test_request_context("/"), rt.session(read_only=True) as session:
        refs = References(rt, session, plan, SYSTEM, "en")
        refs.add(fld, value)
        page = PageContext(plan, Access({"create": "all"}), refs.load(), "en", None)
        widget = page.widgets[ftype.widget]
        vm = field_vm(page, fld, value)
        html = render_template_string('{% from "runtime/_field.html" import field with '
                                      'context %}{{ field(f) }}', f=vm)
        assert f'data-field="{fld["key"]}"' in html and vm.template.endswith(".html")
        if widget.placeholder:  # the builder offers a placeholder where the input prints it
            assert "Type here" in html
        for text, _id in [(t, i) for i, t in refs.items(fld, value)]:
            assert text in html  # pickers start with what is picked, by title or name
        again, raw = widget.posted(ftype, fld, sample.valid)
        assert (again, raw) in ((value, None), (None, sample.valid))
        item = shown(page, fld, value)
        assert item.kind in SHOWN_AS - {"empty"} and item.text
        assert (item.kind == "table") == ftype.holds_rows


def test_the_reference_names_the_types_that_can_be_a_title(registry):
    """docs/metadata.md says which field becomes the title when a form names none."""
    from metadata.docs.schema_text import NOTES

    sentence = NOTES["form.title_field"].split("default:")[1]
    named = {word.replace("-", "_") for word in re.findall(r"[a-z][a-z-]*", sentence)}
    assert {t.type for t in registry if t.can_be_title} == named - {"the", "first", "or",
                                                                     "field"}


def test_conversions_name_value_kinds_that_exist(registry):
    """A type's ``converts_from`` names formula types some type's values have; only a type
    whose values people enter, kept in the record's row, takes values of another type."""
    kinds = {t.formula_type for t in registry if t.formula_type}
    for ftype in registry:
        assert ftype.converts_from <= kinds, ftype.type
        if ftype.converts_from:
            assert not (ftype.calculated or ftype.generated or ftype.separate_storage), ftype.type
        assert not ftype.takes_values_of(ftype)
