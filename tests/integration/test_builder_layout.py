"""Field widths in a form's layout (a section's ``spans``) and the layout's own checks: refused
with the path of each problem; honoured by the designer's width control, the preview and the
generated form."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.helpers import assert_error, field, form_doc
from tests.integration.test_builder_forms import login, panel, text
from tests.integration.test_ui_pages import compiled_translations  # noqa: F401 (autouse)

FORM = "/apps/crm/forms/company"
FIELDS = [field("name", required=True), field("city"), field("notes", "textarea")]


def layout(*sections: dict, more: list | None = None) -> dict:
    tabs = [{"label": "概要", "sections": list(sections)}]
    if more is not None:
        tabs.append({"label": "更多", "sections": more})
    return {"tabs": tabs}


@pytest.fixture
def crm(factory, admin_api):
    factory.app_doc(admin_api)
    admin_api.ok("PUT", "/apps/crm/forms/deal",
                 json=form_doc("deal", [field("title")], label={"zh": "商机", "en": "Deal"}))
    factory.user("designer@example.com", ["designer"], name="Dee")
    return admin_api


BAD_LAYOUTS = [
    ("span-not-a-number", layout({"columns": 3, "fields": ["notes"], "spans": {"notes": "all"}}),
     "/layout/tabs/0/sections/0/spans/notes", "whole number"),
    ("span-over-four", layout({"columns": 3, "fields": ["notes"], "spans": {"notes": 5}}),
     "/layout/tabs/0/sections/0/spans/notes", "maximum"),
    ("span-over-columns", layout({"columns": 2, "fields": ["name", "notes"],
                                  "spans": {"notes": 3}}),
     "/layout/tabs/0/sections/0/spans/notes", "only 2"),
    ("span-of-a-field-elsewhere", layout({"columns": 2, "fields": ["name"]},
                                         {"columns": 3, "fields": ["notes"],
                                          "spans": {"name": 2}}),
     "/layout/tabs/0/sections/1/spans/name", "not in"),
    ("unknown-key", layout({"columns": 2, "fields": ["name", "nope"]}),
     "/layout/tabs/0/sections/0/fields/1", "not a field"),
    ("placed-twice", layout({"columns": 2, "fields": ["name", "city"]},
                            more=[{"fields": ["city"]}]),
     "/layout/tabs/1/sections/0/fields/0", "/layout/tabs/0/sections/0/fields/1"),
]


@pytest.mark.parametrize("bad,path,words", [c[1:] for c in BAD_LAYOUTS],
                         ids=[c[0] for c in BAD_LAYOUTS])
def test_bad_layouts_are_refused_at_their_path(crm, bad, path, words):
    doc = form_doc("company", FIELDS, layout=bad)
    assert_error(crm.put(FORM, json=doc), 422, path, contains=words)
    assert_error(crm.get(FORM), 404)  # nothing was saved


def test_layout_problems_read_in_the_designers_language(client, crm):
    login(client)
    client.post("/locale", data={"lang": "zh"})
    doc = form_doc("deal", [field("title")], layout=layout(
        {"columns": 1, "fields": ["title"], "spans": {"title": 2}}))
    page = text(client.get("/build/crm/forms/deal"))
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.put("/api/v1/apps/crm/forms/deal", json=doc,
                          headers={"X-CSRFToken": token})
    errors = assert_error(response, 422, "/layout/tabs/0/sections/0/spans/title")
    assert re.search(r"[\u4e00-\u9fff]", errors[0]["message"]), errors


def test_spans_are_kept_and_the_generated_form_honours_them(client, crm):
    spanned = layout({"label": "基本信息", "columns": 3, "fields": ["name", "city", "notes"],
                      "spans": {"notes": 3, "city": 2}})
    crm.ok("PUT", FORM, json=form_doc("company", FIELDS, layout=spanned))
    assert crm.ok("GET", FORM)["layout"] == spanned  # the same metadata the API accepts
    crm.ok("POST", FORM + "/publish")
    login(client)
    html = text(client.get("/a/crm/company/new"))
    assert "form-grid cols-3" in html
    assert re.search(r'class="field field-textarea span-3[^"]*" data-field="notes"', html)
    assert re.search(r'class="field field-text span-2[^"]*" data-field="city"', html)
    assert re.search(r'class="field field-text( has-error)?" data-field="name"', html)


def test_the_preview_shows_widths(client, crm):
    login(client)
    doc = form_doc("deal", [field("title"), field("memo", "textarea")], layout=layout(
        {"columns": 2, "fields": ["title", "memo"], "spans": {"memo": 2}}))
    html = text(client.post("/build/crm/forms/deal/_preview", data={"doc": json.dumps(doc)}))
    assert re.search(r'class="field field-textarea span-2[^"]*" data-field="memo"', html)


def test_the_panel_offers_widths_in_a_section_of_several_columns(client, crm):
    login(client)
    client.post("/locale", data={"lang": "en"})
    fld = field("title")
    html = text(client.post("/build/crm/forms/deal/_properties",
                            data={"field": json.dumps(fld), "index": 0, "columns": 3,
                                  "span": 2}))
    buttons = re.findall(r'<button type="button" data-span="(\d)"( class="on")?[^>]*>([^<]+)<',
                         html)
    assert [(value, bool(on), label) for value, on, label in buttons] == [
        ("1", False, "1/3"), ("2", True, "2/3"), ("3", False, "Full row")]
    html = text(client.post("/build/crm/forms/deal/_properties",
                            data={"field": json.dumps(fld), "index": 0, "columns": 4,
                                  "span": 2}))
    assert ">1/2<" in html and ">3/4<" in html
    assert "data-span=" not in text(panel(client, fld, form="deal"))  # one column: no width
