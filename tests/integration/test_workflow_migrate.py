"""Running instances moved to a new version with a node mapping (an admin's explicit act;
publishing never moves them): a node the new version lacks must be mapped (422 at its path,
nothing moved); a mapped token enters its new node afresh; a token whose node keeps its key
and type stays waiting on its timer; a dry run moves nothing; members may not."""

from __future__ import annotations

import pytest

from tests.integration.helpers import rows
from tests.integration.workflows_support import (
    DAY,
    T0,
    WORKFLOWS,
    edge,
    instances,
    lead_app,
    messages,
    node,
    publish,
    tick,
    workflow,
)

MIGRATE = f"{WORKFLOWS}/track/migrate"


@pytest.fixture
def crm(admin_api, factory, runtime):
    return lead_app(admin_api, factory, runtime)


def track(wait: str, days: int, title: str) -> dict:
    return workflow("track", [node("start", "trigger", on="created"),
                              node(wait, "wait", duration={"days": days}),
                              node("tell", "send_message", to=[{"field": "owner"}],
                                   title={"zh": title, "en": title}),
                              node("end", "end")],
                    [edge("start", wait), edge(wait, "tell"), edge("tell", "end")])


def waiting(crm, runtime) -> list[int]:
    publish(crm, track("hold", 1, "version one"))
    ids = [crm.create("crm", "lead", {"name": f"客户{n}"})["id"] for n in range(2)]
    tick(runtime, T0 + DAY / 24)
    assert {i["current"][0] for i in instances(crm, "track")} == {"hold"}
    return ids


def test_a_node_the_new_version_lacks_must_be_mapped(crm, runtime):
    waiting(crm, runtime)
    publish(crm, track("pause", 2, "version two"))
    problems = crm.ok("POST", MIGRATE, 422, json={"from_version": 1})["errors"]
    assert [p["path"] for p in problems] == ["/mapping/hold"]
    assert "map it" in problems[0]["message"]
    bad = crm.ok("POST", MIGRATE, 422, json={"from_version": 1, "mapping": {"hold": "nope"},
                                             "extra": 1})["errors"]
    assert {p["path"] for p in bad} == {"/extra"}
    bad = crm.ok("POST", MIGRATE, 422, json={"from_version": 1, "mapping": {"hold": "nope"}})
    assert [p["path"] for p in bad["errors"]] == ["/mapping/hold"]
    assert {i["version"] for i in instances(crm, "track")} == {1}  # nothing moved


def test_mapped_instances_enter_their_new_node_and_go_on_with_the_new_version(crm, runtime):
    ids = waiting(crm, runtime)
    publish(crm, track("pause", 2, "version two"))
    body = {"from_version": 1, "mapping": {"hold": "pause"}}
    dry = crm.ok("POST", MIGRATE, json={**body, "dry_run": True})
    assert (dry["instances"], dry["reentered"], dry["dry_run"]) == (2, 2, True)
    assert {i["version"] for i in instances(crm, "track")} == {1}
    done = crm.ok("POST", MIGRATE, json=body)
    assert (done["to_version"], done["instances"], done["reentered"], done["kept"]) == (
        2, 2, 2, 0)
    tick(runtime, T0 + DAY / 12)
    assert {(i["version"], i["current"][0]) for i in instances(crm, "track")} == {
        (2, "pause")}
    tick(runtime, T0 + DAY + DAY / 12)  # version one's timer would have fired: cancelled
    assert [messages(runtime, i) for i in ids] == [[], []]
    tick(runtime, T0 + 2 * DAY + DAY / 6)  # the new wait: two days from the migration
    assert [messages(runtime, i) for i in ids] == [["version two"], ["version two"]]


def test_a_node_kept_with_its_key_and_type_keeps_its_timer(crm, runtime):
    ids = waiting(crm, runtime)
    publish(crm, track("hold", 5, "version two"))  # the same wait, longer in version two
    done = crm.ok("POST", MIGRATE, json={"from_version": 1, "instances": [
        i["id"] for i in instances(crm, "track") if i["record"]["id"] == ids[0]]})
    assert (done["instances"], done["reentered"], done["kept"]) == (1, 0, 1)
    tick(runtime, T0 + DAY + DAY / 12)  # its timer stands: version two's message
    assert [messages(runtime, i) for i in ids] == [["version two"], ["version one"]]
    assert rows(runtime, "SELECT COUNT(*) AS n FROM workflow_instances WHERE version = 2"
                )[0]["n"] == 1


def test_only_admins_migrate(crm, factory, runtime):
    waiting(crm, runtime)
    member = factory.api(factory.user("m@example.com", ["member"]))
    member.ok("POST", MIGRATE, 403, json={"from_version": 1})
