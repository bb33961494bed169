"""Date-times in formulas are read on the installation's clocks (Asia/Shanghai by default):
in calculated fields (Python) and in list filters (SQL) alike."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.integration.helpers import field, form_doc, publish

pytestmark = pytest.mark.integration
URL = "/apps/crm/forms/meeting/records"


@pytest.fixture
def meetings(admin_api, factory):
    factory.app_doc(admin_api)
    publish(admin_api, form_doc("meeting", [
        field("title"),
        field("met_at", "datetime"),
        field("met_text", "formula", config={"formula": 'TEXT({met_at}, "YYYY-MM-DD HH:mm")'}),
        field("met_day", "formula", config={"formula": "DAY({met_at})"}),
    ]))
    return admin_api


def titles(api, flt: str) -> list[str]:
    return sorted(r["title"] for r in api.ok("GET", f"{URL}?filter={quote(flt)}")["records"])


def test_a_date_and_time_is_read_on_the_installations_clock(meetings):
    # 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai
    late = meetings.ok("POST", URL, json={"title": "late", "met_at": "2026-03-01T23:30:00Z"},
                       status=201)
    assert (late["met_text"], late["met_day"]) == ("2026-03-02 07:30", 2)
    meetings.ok("POST", URL, json={"title": "early", "met_at": "2026-03-01T15:59:59Z"},
                status=201)
    assert titles(meetings, "DAY({met_at}) = 2") == ["late"]
    assert titles(meetings, "DAY({met_at}) = 1") == ["early"]
    assert titles(meetings, '{met_text} = "2026-03-02 07:30"') == ["late"]
    assert titles(meetings, 'TEXT({met_at}, "HH:mm") = "23:59"') == ["early"]
    # instants compare as instants
    assert titles(meetings, "HOURS_BETWEEN({met_at}, DATEADD({met_at}, 1, 'day')) = 24") == [
        "early", "late"]
