"""One way to compile a form's plan: the builder's preview of a draft compiles exactly as the
runtime compiles the published form, and a compiled plan never changes afterwards."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from builder.preview import draft_plan
from tests.integration.helpers import field, form_doc, publish

pytestmark = pytest.mark.integration


def quote_doc() -> dict:
    return form_doc("quote", [
        field("title", required=True),
        field("quantity", "number", default=3),
        field("total", "formula", config={"formula": "{quantity} * 2"}),
        field("due", "date", default={"formula": "TODAY()"}),
        field("company", "relation", config={"target_form": "company"}),
        field("company_city", "formula", config={"formula": "{company.city}"}),
        field("note", "textarea", visible_if="{quantity} > 5", required=True),
    ])


@pytest.fixture
def plans(runtime, factory, admin_api):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("company", [field("name"), field("city")]))
    publish(admin_api, quote_doc())
    with runtime.session(read_only=True) as session, session.begin():
        yield (session, runtime.plan(session, "crm", "quote"),
               draft_plan(runtime, session, "crm", "quote", quote_doc()))


def test_the_preview_compiles_a_form_as_the_runtime_compiles_it(runtime, plans):
    session, published, preview = plans
    # the preview's plan was left in UTC (the installation's zone is Asia/Shanghai)
    assert preview.timezone == published.timezone == runtime.timezone \
        == ZoneInfo("Asia/Shanghai")
    assert preview.functions is published.functions is runtime.functions
    assert preview.doc == published.doc and preview.fields == published.fields
    assert preview.scope.label == published.scope.label
    assert preview.scope.fields == published.scope.fields
    assert preview.scope.related("company").fields == published.scope.related("company").fields
    assert preview.plan_of(session, "company") is published.plan_of(session, "company")
    one, other = preview.behaviour, published.behaviour
    assert [k for k, _ in one.calculated] == [k for k, _ in other.calculated]
    assert one.related_paths == other.related_paths == {"company.city"}
    assert one.deferred_required == other.deferred_required == {"note"}


def test_both_plans_give_today_on_the_installations_clock(runtime, plans):
    session, published, preview = plans
    runtime.clock.set(datetime(2026, 3, 1, 20, 0, tzinfo=UTC))  # 2 March in Shanghai
    try:
        for plan in (published, preview):
            values = {"quantity": 1}
            plan.behaviour.fill_defaults(values, set(), lambda record, paths: {})
            assert values["due"] == "2026-03-02", plan.version
    finally:
        runtime.clock.reset()


def test_a_compiled_plan_cannot_be_changed(plans):
    _session, published, _preview = plans
    for name, value in (("timezone", UTC), ("scope", None), ("functions", None),
                        ("plan_of", None)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(published, name, value)
