"""The builder's cleaning options: the "Cleaning" group of the property panel (invalid values,
extensions, free-mail flags, text options), worded in both languages, and the form's cleaning
rules in the form settings."""

from __future__ import annotations

import json

import pytest

from tests.integration.helpers import field, form_doc

pytestmark = pytest.mark.integration
PASSWORD = "password-123"
FIELDS = [field("name"), field("phone", "phone"), field("email", "email"),
          field("region", "region"), field("score", "formula", config={"formula": "1"}),
          field("no", "auto_number")]


@pytest.fixture
def crm(factory, admin_api):
    factory.app_doc(admin_api)
    factory.form(admin_api, form_doc("lead", FIELDS, label={"zh": "线索", "en": "Lead"}))
    factory.user("designer@example.com", ["designer"], name="Dee")
    factory.user("zh@example.com", ["designer"], name="张", locale="zh")
    return admin_api


def login(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def designer(app, crm):
    return login(app, "designer@example.com")


def panel(client, fld: dict) -> str:
    response = client.post("/build/crm/forms/lead/_properties",
                           data={"field": json.dumps(fld), "index": 0})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def group(html: str, title: str) -> str:
    """The part of a panel from a group's title to the next group."""
    start = html.index(title)
    end = html.find('class="prop-group', start)
    return html[start: end if end > 0 else len(html)]


@pytest.mark.parametrize(("fld", "options"), [
    (field("phone", "phone", config={"invalid": "keep"}), ["invalid", "keep_extension"]),
    (field("email", "email"), ["invalid", "flag_free_mail"]),
    (field("region", "region"), ["invalid"]),
    (field("name", config={"case": "title"}), ["collapse_spaces", "half_width", "case"]),
])
def test_cleaning_options_have_their_own_group(designer, fld, options):
    html = panel(designer, fld)
    cleaning = group(html, ">Cleaning<")
    for name in options:
        assert f'data-prop="config.{name}"' in cleaning, name
    assert 'data-prop="config.default_region"' not in cleaning


def test_cleaning_options_are_worded(designer, app):
    html = panel(designer, field("phone", "phone", config={"invalid": "keep"}))
    assert "A value that does not clean" in html and "Keep it and flag it" in html
    html = panel(login(app, "zh@example.com"), field("name", config={"case": "title"}))
    assert "清洗" in html and "全角转半角" in html and "单词首字母大写" in html


def test_rules_editor_offers_the_fields_a_rule_may_set(designer):
    rules = [{"field": "region", "formula": "PHONE_REGION({phone})", "if_blank": True},
             {"field": "name", "formula": "PROPER({name})"}]
    response = designer.post("/build/crm/forms/lead/_cleaning",
                             data={"fields": json.dumps(FIELDS), "cleaning": json.dumps(rules)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="array-row cleaning-rule"') == 3  # two rules and the template
    for key in ("name", "phone", "email", "region"):
        assert f'<option value="{key}"' in html, key
    assert '<option value="score"' not in html and '<option value="no"' not in html
    assert "PHONE_REGION({phone})" in html and 'data-formula-editor' in html
    assert html.count(" checked>") == 1  # only the first rule fills a blank field
    assert 'data-error-for="/cleaning/1/formula"' in html
    bad = designer.post("/build/crm/forms/lead/_cleaning", data={"fields": "{", "cleaning": "[]"})
    assert bad.status_code == 400


def test_designer_page_loads_the_rules_editor(designer):
    page = designer.get("/build/crm/forms/lead").get_data(as_text=True)
    assert 'id="cleaning-rules"' in page and "builder-cleaning.js" in page
    assert 'data-url-cleaning="/build/crm/forms/lead/_cleaning"' in page
