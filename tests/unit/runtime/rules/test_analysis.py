"""Gaps, overlaps and shadowed rows of decision tables, in zh and en."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from runtime.rules.analysis import analyse
from runtime.rules.decisions import Column, field_reader

ROOT = Path(__file__).resolve().parents[4]
REGIONS = (("east", {"zh": "华东", "en": "East"}), ("north", {"zh": "华北", "en": "North"}))
PRODUCTS = (("a", {"zh": "A产品", "en": "Product A"}), ("b", {"zh": "B产品", "en": "Product B"}))


@pytest.fixture(scope="module")
def zh():
    path = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalogue = {m.id: m.string for m in read_po(source) if m.id}

    def gettext(template, **params):
        text = catalogue.get(template) or template
        return text % params if params else text
    return lambda message: message.localized(gettext, "zh")


def en(message):
    return message.localized(lambda t, **p: t % p if p else t, "en")


def choice_columns():
    return [Column("region", {"zh": "区域", "en": "Region"}, field_reader("region", "choice"),
                   "choice", REGIONS),
            Column("product", {"zh": "产品线", "en": "Product line"},
                   field_reader("product", "choice"), "choice", PRODUCTS)]


def size_column(integer=True):
    return Column("size", {"zh": "员工数", "en": "Employees"}, field_reader("size", "number"),
                  "number", integer=integer)


def doc(policy, rows, width=2):
    return {"hit_policy": policy, "inputs": [{}] * width, "outputs": [{"key": "team"}],
            "rows": [{"when": w, "then": [t]} for w, t in rows]}


def kinds(findings):
    return [(f.kind, f.path) for f in findings]


def test_overlap_under_unique_names_the_rows_and_the_combination(zh):
    rows = [(["华北", "-"], "x"), (["华东", "A产品"], "y"), (["-", "-"], "z"),
            (["east", "b"], "w")]
    table = doc("unique", rows)
    rows_left = [r for r in table["rows"] if r["then"] != ["z"]]
    table["rows"] = rows_left[:1] + [{"when": ["-", "B产品"], "then": ["v"]}] + rows_left[1:]
    findings = analyse(table, choice_columns())
    overlaps = [f for f in findings if f.kind == "overlap"]
    assert [f.rows for f in overlaps] == [(1, 2), (2, 4)]
    assert zh(overlaps[0].message) == "行 1 与 行 2 在 华北 × B产品 上重叠"
    assert en(overlaps[1].message) == "Rows 2 and 4 overlap on East × Product B"
    assert all(f.severity == "error" for f in overlaps)


def test_the_spec_example_reads_in_chinese(zh):
    rows = [(["-", "-"], "x"), (["-", "-"], "x"), (["华东", "A产品"], "y"), (["-", "-"], "x"),
            (["华东", "IN [A产品, B产品]"], "z")]
    findings = analyse(doc("any", rows), choice_columns())
    texts = [zh(f.message) for f in findings if f.kind == "overlap"]
    assert "行 3 与 行 5 在 华东 × A产品 上重叠" in texts


def test_any_accepts_overlaps_that_agree():
    rows = [(["华东", "-"], "x"), (["-", "A产品"], "x"), (["华北", "B产品"], "y")]
    assert [f.kind for f in analyse(doc("any", rows), choice_columns())] == []


def test_gaps_name_the_uncovered_combination(zh):
    rows = [(["华东", "-"], "x"), (["华北", "A产品"], "y")]
    findings = analyse(doc("unique", rows), choice_columns())
    assert kinds(findings) == [("gap", "")]
    assert zh(findings[0].message) == "没有任何行覆盖 华北 × B产品"
    assert en(findings[0].message) == "No row covers North × Product B"


def test_numeric_ranges_overlap_and_leave_gaps(zh):
    rows = [(["[0..500)"], "s"), (["[400..1000)"], "m"), (["> 1000"], "l")]
    findings = analyse(doc("unique", rows, 1), [size_column()])
    assert kinds(findings) == [("overlap", "/rows/1"), ("gap", "")]
    assert en(findings[0].message) == "Rows 1 and 2 overlap on Employees [400..500)"
    assert zh(findings[1].message) == "没有任何行覆盖 员工数 < 0、员工数 = 1000"


def test_a_numeric_table_that_covers_everything_has_no_gap():
    rows = [(["< 500"], "s"), (["[500..1000]"], "m"), (["> 1000"], "l")]
    assert analyse(doc("unique", rows, 1), [size_column(False)]) == []


def test_numbers_times_choices():
    rows = [(["华东", ">= 500"], "ka"), (["华东", "< 500"], "smb"), (["华北", "-"], "n")]
    columns = [choice_columns()[0], size_column()]
    assert analyse(doc("unique", rows), columns) == []
    rows.append((["-", "> 900"], "big"))
    findings = analyse(doc("unique", rows), columns)
    assert [en(f.message) for f in findings] == [
        "Rows 1 and 4 overlap on East × Employees > 900",
        "Rows 3 and 4 overlap on North × Employees > 900"]


def test_first_reports_a_row_the_rows_above_shadow(zh):
    rows = [(["华东", "-"], "a"), (["华北", "A产品"], "b"), (["-", "A产品"], "c"),
            (["华北", "B产品"], "d"), (["华北", "-"], "e")]
    findings = analyse(doc("first", rows), choice_columns())
    assert kinds(findings) == [("shadowed", "/rows/2"), ("shadowed", "/rows/4")]
    assert findings[0].rows == (3, 1, 2)
    assert en(findings[0].message) == ("Row 3 is never reached: the rows above it (1, 2) "
                                       "already cover everything it matches")
    assert zh(findings[1].message).startswith("行 5 永远不会命中")


def test_first_does_not_report_overlaps_a_row_partly_needs():
    rows = [(["华东", "A产品"], "a"), (["华东", "-"], "b"), (["-", "-"], "c")]
    assert analyse(doc("first", rows), choice_columns()) == []


def test_text_inputs_have_an_other_value(zh):
    column = Column("source", {"zh": "来源", "en": "Source"}, field_reader("source", "text"))
    rows = [(['"行业峰会"'], "a"), (['"官网"'], "b")]
    findings = analyse(doc("unique", rows, 1), [column])
    assert [zh(f.message) for f in findings] == ["没有任何行覆盖 其他来源"]
    rows.append((['NOT IN ["行业峰会", "官网"]'], "c"))
    assert analyse(doc("unique", rows, 1), [column]) == []


def test_a_row_that_accepts_nothing_is_reported():
    rows = [(["NOT IN [华东, 华北]", "-"], "a"), (["-", "-"], "b")]
    findings = analyse(doc("first", rows), choice_columns())
    assert kinds(findings) == [("never", "/rows/0")]


@pytest.mark.parametrize("policy", ["collect", "rule_order", "output_order"])
def test_tables_of_several_hits_have_no_gaps(policy):
    rows = [(["华东", "-"], "x")]
    assert analyse(doc(policy, rows), choice_columns()) == []
