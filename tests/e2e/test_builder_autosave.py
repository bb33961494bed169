"""In Chromium: the designer pages that autosave through builder-autosave.js (rules, workflow,
to-do settings, duplicates, list view) meet a draft that someone else saved meanwhile (through
the API): the page's edit is refused (409), kept, the conflict alert offers reload or "save
mine over theirs", and the latter saves the page's edit over the other one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder_views import unexpected_errors, wait_saved
from tests.e2e.test_record_flow import log_in
from tests.support import Factory

pytestmark = pytest.mark.e2e
THEIR_LABEL = {"zh": "别人改的名字", "en": "Renamed elsewhere"}


def merge_default(form: dict) -> str | None:
    return form.get("identity", {}).get("merge", {}).get("default")


@dataclass(frozen=True)
class Designer:
    """A designer page, the document it saves and an edit made on it."""

    page: str
    document: str
    edit: Callable[[Page], None]
    edited: Callable[[dict], bool]


DESIGNERS = {
    "rules": Designer("/build/crm/rulesets/deal_rules", "/apps/crm/rulesets/deal_rules",
                      lambda page: page.locator("label:has(#stop-first)").click(),
                      lambda doc: doc.get("stop_after_first_match") is True),
    "workflow": Designer("/build/crm/workflows/deal_flow", "/apps/crm/workflows/deal_flow",
                         lambda page: page.click("[data-auto-layout]"),
                         lambda doc: all("position" in n for n in doc["nodes"])),
    "todo": Designer("/build/crm/todo", "/apps/crm",
                     lambda page: page.fill('textarea[data-priority="deal"]', "{qty}"),
                     lambda doc: doc.get("todo", {}).get("priority") == {"deal": "{qty}"}),
    "identity": Designer("/build/crm/forms/deal/identity", "/apps/crm/forms/deal",
                         lambda page: page.select_option("[data-merge-default]", "newest"),
                         lambda doc: merge_default(doc) == "newest"),
    "view": Designer("/build/crm/views/open_deals", "/apps/crm/views/open_deals",
                     lambda page: page.fill("#per-page", "30"),
                     lambda doc: doc.get("per_page") == 30),
}


@pytest.fixture(scope="module")
def api(live_server):
    api = Factory(live_server["app"]).api(live_server["admin"])
    api.ok("PUT", "/apps/crm/rulesets/deal_rules", json={
        "kind": "ruleset", "key": "deal_rules", "form": "deal", "label": "Deal rules", "rules": []})
    api.ok("PUT", "/apps/crm/workflows/deal_flow", json={
        "kind": "workflow", "key": "deal_flow", "form": "deal", "label": "Deal flow",
        "nodes": [{"key": "start", "type": "trigger", "config": {"on": "created"}},
                  {"key": "end", "type": "end"}],
        "edges": [{"from": "start", "to": "end"}]})
    api.ok("PUT", "/apps/crm/views/open_deals", json={
        "kind": "view", "key": "open_deals", "form": "deal", "label": "Open deals",
        "columns": ["title"]})
    return api


def someone_else_saves(api, document: str) -> None:
    """Another person renames the draft (a PUT without If-Match: over whatever is there)."""
    doc = api.ok("GET", document)
    api.ok("PUT", document, json={**doc, "label": THEIR_LABEL})


@pytest.mark.parametrize("name", list(DESIGNERS))
def test_a_conflict_keeps_the_edit_and_saves_it_over_theirs(name, api, live_server,
                                                            page: Page):
    designer = DESIGNERS[name]
    base = live_server["url"]
    log_in(page, base)
    page.goto(base + designer.page)
    page.wait_for_load_state()
    someone_else_saves(api, designer.document)

    designer.edit(page)
    alert = page.locator("#designer-alert")
    expect(alert).to_be_visible(timeout=10_000)
    expect(alert.locator("[data-conflict-actions]")).to_be_visible()
    expect(page.locator("#save-status")).to_have_attribute("data-state", "error")
    assert not designer.edited(api.ok("GET", designer.document))  # nothing saved over theirs

    alert.locator("[data-overwrite]").click()
    wait_saved(page)
    expect(alert).to_be_hidden()
    doc = api.ok("GET", designer.document)
    assert designer.edited(doc), doc
    if name == "identity":  # theirs, with this page's duplicate rules
        assert doc["label"] == THEIR_LABEL
    assert [e for e in unexpected_errors(page) if "status of 409" not in e] == []


PROBLEMS = {  # (page, where the problem shows, a wrong value, a right one, its control)
    "todo": ("/build/crm/todo", '[data-path="/todo/priority/deal"]', "{no_such_field}",
             "{qty} * 2", 'textarea[data-priority="deal"]'),
    "view": ("/build/crm/views/open_deals", '[data-path="/per_page"]', "5000", "25", "#per-page"),
}


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_a_problem_is_shown_at_its_control_until_fixed(name, api, live_server, page: Page):
    path, place, wrong, right, control = PROBLEMS[name]
    base = live_server["url"]
    log_in(page, base)
    page.goto(base + path)
    page.wait_for_load_state()

    page.fill(control, wrong)
    status = page.locator("#save-status")
    expect(status).to_have_attribute("data-state", "error", timeout=10_000)
    expect(status).to_have_text("未保存：请修正标出的问题")
    expect(page.locator(place)).to_have_class(re.compile(r"\bhas-error\b"))
    expect(page.locator(place).locator(".bx-error").first).not_to_be_empty()

    page.fill(control, right)
    wait_saved(page)
    expect(page.locator(place)).not_to_have_class(re.compile(r"\bhas-error\b"))
    assert [e for e in unexpected_errors(page) if "status of 409" not in e] == []


def test_going_back_to_the_stored_value_clears_the_marks(api, live_server, page: Page):
    """A wrong value is marked; typed back to what is stored (nothing to save), the marks
    of the refused draft go, on every designer page alike."""
    path, place, wrong, _right, control = PROBLEMS["todo"]
    base = live_server["url"]
    log_in(page, base)
    page.goto(base + path)
    page.wait_for_load_state()
    stored = page.locator(control).input_value()
    page.fill(control, wrong)
    status = page.locator("#save-status")
    expect(status).to_have_attribute("data-state", "error", timeout=10_000)
    expect(page.locator(place)).to_have_class(re.compile(r"\bhas-error\b"))
    page.fill(control, stored)
    expect(status).to_have_attribute("data-state", "saved", timeout=10_000)
    expect(page.locator(place)).not_to_have_class(re.compile(r"\bhas-error\b"))
