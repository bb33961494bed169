"""In Chromium: an admin opens the app's workflows from the builder, creates one on deals and
DRAWS it on the Drawflow canvas — six node types dragged from the palette onto the canvas,
connections drawn by dragging from a node's output port to another node, a node moved by
dragging (also zoomed out), the zoom buttons, the auto layout (dagre) —, fills in the
properties panel (values, recipients, a condition on a connection, the default connection, a
wait's duration), sees the check error the server reports at the approval node (red, with the
message) and fixes it, simulates the draft, publishes, creates a deal from its form, and
watches the instance view show the instance waiting at the approval. Screenshots in zh-CN and
en."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder_views import unexpected_errors, wait_saved
from tests.e2e.test_record_flow import log_in, shot, use_language
from tests.support import Factory

pytestmark = pytest.mark.e2e
KEY = "deal_flow"


def stage_point(page: Page, x: float, y: float) -> tuple[float, float]:
    box = page.locator("#wf-stage").bounding_box()
    return box["x"] + x, box["y"] + y


def drag(page: Page, source, x: float, y: float) -> None:
    """Press on ``source``, move in steps to (x, y) of the page, release."""
    box = source.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, y, steps=12)
    page.mouse.up()


def node(page: Page, key: str):
    return page.locator(f'.wf-node[data-node="{key}"]')


def drop(page: Page, type_: str, x: float, y: float) -> str:
    """Drag a node type from the palette to (x, y) of the canvas; the new node's key."""
    before = page.locator(".wf-node").count()
    drag(page, page.locator(f'#wf-palette [data-type="{type_}"]'), *stage_point(page, x, y))
    expect(page.locator(".wf-node")).to_have_count(before + 1)
    return page.locator(".wf-node.selected").get_attribute("data-node")


def connect(page: Page, source: str, target: str) -> None:
    before = page.locator(".wf-edge-label").count()
    box = node(page, target).bounding_box()
    drag(page, node(page, source).locator(".wf-out"), box["x"] + box["width"] / 2,
         box["y"] + box["height"] / 2)
    expect(page.locator(".wf-edge-label")).to_have_count(before + 1)


def draw(page: Page) -> dict[str, str]:
    node(page, "end").click()
    page.keyboard.press("Delete")  # the new workflow's end goes, with its connection
    expect(page.locator(".wf-edge-label")).to_have_count(0)
    # in layers from the top: start (220, 40)-(396, 98) is there already
    keys = {"update": drop(page, "update_record", 180, 190),
            "send": drop(page, "send_message", 440, 190),
            "cond": drop(page, "condition", 440, 300),
            "approval": drop(page, "approval", 220, 410),
            "wait": drop(page, "wait", 480, 410),
            "end_ok": drop(page, "end", 220, 520),
            "end_other": drop(page, "end", 480, 520)}
    head = node(page, "start").locator(".wf-node-head")
    box = head.bounding_box()
    drag(page, head, box["x"] + box["width"] / 2,
         box["y"] + box["height"] / 2 + 30)  # moved 30 px down
    for source, target in (("start", "update"), ("update", "send"), ("send", "cond"),
                           ("cond", "approval")):
        connect(page, keys.get(source, source), keys[target])
    page.locator("[data-edge-when]").fill("{qty} > 5")  # the new connection is selected
    connect(page, keys["cond"], keys["wait"])
    page.locator("[data-edge-default]").check()
    for source, target in (("approval", "end_ok"), ("approval", "end_other"),
                           ("wait", "end_other")):
        connect(page, keys[source], keys[target])
    return keys


def fill_properties(page: Page, keys: dict[str, str]) -> None:
    node(page, keys["update"]).click()
    page.click("[data-add-value]")
    page.locator("[data-map-key]").select_option("notes")
    page.locator("[data-map-formula]").fill('"流程已受理：" & {title}')
    node(page, keys["send"]).click()
    page.click("[data-add-recipient]")  # the owner (the first kind)
    page.click("[data-add-recipient]")  # a person, picked by name
    page.locator("[data-recipient-kind]").nth(1).select_option("user")
    page.locator("[data-user-picker]").press_sequentially("王芳", delay=50)
    page.click("[data-add-recipient]")  # a role, from the list of roles
    page.locator("[data-recipient-kind]").nth(2).select_option("role")
    page.locator("select[data-recipient-value]").nth(1).select_option("designer")
    page.locator('input[data-option="title"]').fill("新商机 {title}")
    node(page, keys["wait"]).click()
    page.locator('[data-option="duration"] [data-unit="days"]').fill("1")
    page.locator("[data-node-label]").fill("等一天")


def test_draw_publish_trigger_and_watch_a_workflow(live_server, page: Page, artifacts):
    base, app = live_server["url"], live_server["app"]
    log_in(page, base)
    use_language(page, "zh")
    page.goto(base + "/build/")
    page.locator("#app-crm [data-workflows-link]").click()
    expect(page.locator("[data-empty]")).to_be_visible()
    page.fill("[data-new-label]", "商机审批")
    page.locator("[data-new-form]").select_option("deal")
    page.click("[data-new-workflow]")
    page.wait_for_url(f"**/build/crm/workflows/{KEY}")
    expect(page.locator("#wf-designer[data-ready]")).to_have_count(1)
    expect(page.locator("#wf-palette [data-type]")).to_have_count(14)
    expect(page.locator('#wf-palette [data-type="approval"]')).to_contain_text("审批")

    keys = draw(page)
    wang = Factory(app).user("wang.fang@example.com", ["member"], name="王芳")
    fill_properties(page, keys)
    # the approval has nobody to ask: the server's check is shown at the node
    approval = node(page, keys["approval"])
    expect(approval.locator(".wf-node-error")).not_to_be_empty()
    assert "has-error" in approval.get_attribute("class")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "error")
    shot(page, artifacts, "zh-workflow-error-at-node")
    approval.click()
    page.click("[data-add-recipient]")  # the owner of the deal
    page.locator('input[data-option="title"]').fill("审批 {title}")
    wait_saved(page)
    expect(page.locator(".wf-node.has-error")).to_have_count(0)
    stored = stored_draft(app)
    assert len({n["type"] for n in stored["nodes"]}) == 7
    send = next(n for n in stored["nodes"] if n["key"] == keys["send"])
    assert send["config"]["to"] == [{"field": "owner"}, {"user": wang}, {"role": "designer"}]
    assert next(n for n in stored["nodes"] if n["key"] == "start")["position"]["y"] in (69, 70, 71)
    assert {"from": keys["cond"], "to": keys["wait"], "default": True} in stored["edges"]
    assert {"from": keys["approval"], "to": keys["end_other"], "on": "rejected"} \
        in stored["edges"]

    # a connection drawn by mistake, deleted with the panel's button
    connect(page, keys["send"], keys["end_ok"])
    page.click("#wf-props [data-remove]")
    expect(page.locator(".wf-edge-label")).to_have_count(8)
    page.click("[data-zoom='0.8']")  # zoomed out, a node still moves under the pointer
    expect(page.locator("#wf-stage")).to_have_attribute("data-zoom", "0.80")
    before = next(n for n in stored_draft(app)["nodes"] if n["key"] == keys["end_ok"])
    head = node(page, keys["end_ok"]).locator(".wf-node-head")
    box = head.bounding_box()
    drag(page, head, box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2)
    page.click("[data-zoom='0']")
    wait_saved(page)
    moved = next(n for n in stored_draft(app)["nodes"] if n["key"] == keys["end_ok"])
    # 30 px on screen at 80 %: 37.5 px on the diagram
    assert moved["position"]["x"] - before["position"]["x"] in (37, 38), moved
    page.click("[data-zoom='1.25']")
    expect(page.locator("#wf-stage")).to_have_attribute("data-zoom", "1.25")
    page.click("[data-zoom='0']")
    expect(page.locator("#wf-stage")).to_have_attribute("data-zoom", "1.00")

    # the auto layout: layers from top to bottom, no two nodes on each other, saved
    drawn = {n["key"]: n["position"] for n in stored_draft(app)["nodes"]}
    page.click("[data-auto-layout]")
    wait_saved(page)
    laid = {n["key"]: n["position"] for n in stored_draft(app)["nodes"]}
    assert laid != drawn and laid.keys() == drawn.keys()
    for source, target in (("start", "update"), ("update", "send"), ("send", "cond"),
                           ("cond", "approval"), ("approval", "end_ok")):
        assert laid[keys.get(source, source)]["y"] < laid[keys[target]]["y"], laid
    boxes = list(laid.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert abs(a["x"] - b["x"]) >= 176 or abs(a["y"] - b["y"]) >= 58, laid
    view = page.locator("#wf-stage").bounding_box()  # and shown whole
    for key in laid:
        shown = node(page, key).bounding_box()
        assert view["x"] <= shown["x"] <= view["x"] + view["width"] - shown["width"], key
        assert view["y"] <= shown["y"] <= view["y"] + view["height"] - shown["height"], key
    # a connection is selected by its label, and by its curve
    page.locator(".wf-edge-label", has_text="{qty} > 5").click()
    expect(page.locator("[data-edge-when]")).to_have_value(re.compile(r"\} > 5"))
    node(page, keys["update"]).click()
    expect(page.locator("[data-edge-when]")).to_have_count(0)
    index = edge_index(app, "start", keys["update"])
    curve = page.locator(f'#wf-stage .main-path[data-edge="{index}"]')
    page.mouse.click(*point_on(curve))
    expect(page.locator(".wf-edge-label.selected")).to_have_count(1)
    expect(curve).to_have_class(re.compile("selected"))

    page.fill("#wf-sim-values", '{"title": "模拟商机", "qty": 9}')
    page.click("#wf-sim-run")
    expect(page.locator(f'[data-sim-step="{keys["approval"]}"]')).to_contain_text("模拟商机")
    expect(page.locator(f'[data-sim-step="{keys["update"]}"]')).to_contain_text("流程已受理")
    shot(page, artifacts, "zh-workflow-designer")

    page.click("#publish-workflow")
    expect(page.locator("[data-published]")).to_contain_text("1")

    page.goto(base + "/a/crm/deal/new")
    page.fill("#f-title", "流程测试商机")
    page.fill("#f-qty", "10")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/a/crm/deal/*")
    run_workflows(app)

    page.goto(base + f"/build/crm/workflows/{KEY}/instances")
    expect(node(page, keys["approval"]).locator(".wf-count")).to_have_text("1")
    page.locator("[data-instance] button").first.click()
    expect(page.locator("[data-history] [data-step]").first).to_be_visible()
    assert "wf-current" in node(page, keys["approval"]).get_attribute("class")
    shot(page, artifacts, "zh-workflow-instances")
    use_language(page, "en")
    page.goto(base + f"/build/crm/workflows/{KEY}/instances")
    expect(node(page, keys["approval"]).locator(".wf-count")).to_have_text("1")
    expect(node(page, keys["approval"])).to_contain_text("Approval")
    shot(page, artifacts, "en-workflow-instances")
    page.goto(base + f"/build/crm/workflows/{KEY}")
    expect(page.locator('#wf-palette [data-type="wait"]')).to_contain_text("Wait")
    shot(page, artifacts, "en-workflow-designer")
    assert unexpected_errors(page) == []


def edge_index(app, source: str, target: str) -> int:
    edges = stored_draft(app)["edges"]
    return next(i for i, e in enumerate(edges) if e["from"] == source and e["to"] == target)


def point_on(curve) -> tuple[float, float]:
    """A point of the page on the connection's SVG curve, a quarter along (its label is at
    the middle; a straight curve has no box to click the centre of)."""
    at = curve.evaluate("""p => { const m = p.getPointAtLength(p.getTotalLength() / 4);
        const pt = new DOMPoint(m.x, m.y).matrixTransform(p.getScreenCTM());
        return [pt.x, pt.y]; }""")
    return at[0], at[1]


def stored_draft(app) -> dict:
    runtime = app.extensions["trellis"]
    with app.app_context():
        from runtime.web import db_session
        return runtime.store.get(db_session(), "crm", "workflow", KEY).draft


def run_workflows(app) -> None:
    """What the worker and scheduler do (no Redis here): the record event reaches the
    workflows consumer, which starts the instance, and its steps run to the approval."""
    from tests.integration.workflows_support import tick

    runtime = app.extensions["trellis"]
    runtime.events.sweep(runtime.clock.now() + timedelta(minutes=5))
    tick(runtime, runtime.clock.now() + timedelta(minutes=1))
