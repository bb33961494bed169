"""Nodes that act and go on: update the record, create a record, assign it by a routing
strategy, send a message, call a webhook, start a sub-workflow."""

from __future__ import annotations

from metadata.errors import Problem
from metadata.messages import msg, quoted
from runtime.rules.actions import fill
from runtime.workflows.nodes.base import (
    FORMULA,
    KEY,
    LABEL,
    TEXT,
    Effect,
    NodeType,
    Outcome,
    Site,
    formula_map,
    obj,
)
from runtime.workflows.nodes.human import RECIPIENTS, recipient_problems, recipient_sites

FORMULAS = {"type": "object", "propertyNames": KEY, "additionalProperties": FORMULA,
            "minProperties": 1, "maxProperties": 200}
SYSTEM = ("owner",)


def settable(ctx, form, key: str, at: str) -> list[Problem]:
    fld = ctx.field(key, form)
    if fld is None and key not in SYSTEM:
        return [Problem(at, msg("%(key)s is not a field of %(form)s", key=quoted(key),
                                form=quoted(form.get("key"))))]
    ftype = ctx.field_types.get(fld.get("type")) if fld else None
    if fld is not None and (ftype is None or ftype.calculated or ftype.generated):
        return [Problem(at, msg("%(key)s is not set by hand", key=quoted(key)))]
    return []


class UpdateRecordNode(NodeType):
    type = "update_record"
    description = "set fields of the record to the values of formulas"
    config_schema = obj({"values": FORMULAS}, ["values"], "`values`: field → formula.")

    def check(self, node, at, ctx):
        return [p for key in (node.get("config") or {}).get("values", {})
                for p in settable(ctx, ctx.form, key, f"{at}/config/values/{key}")]

    def formulas(self, node):
        yield from formula_map(node.get("config") or {}, "values")

    def enter(self, ctx):
        return Outcome(effects=(Effect("update_record", {"values": ctx.values("values")}),))


class CreateRecordNode(NodeType):
    type = "create_record"
    description = "create a record of a form (a follow-up, an activity), linked back"
    config_schema = obj({"form": KEY, "values": FORMULAS, "link": KEY}, ["form"],
                        "`values` of the new record (formulas over this record); `link`: "
                        "its relation field set to this record.")

    def check(self, node, at, ctx):
        config = node.get("config") or {}
        target = ctx.forms.get(config.get("form"))
        if target is None:
            return [Problem(at + "/config/form", msg("form %(form)s does not exist in this "
                                                     "app", form=quoted(config.get("form"))))]
        problems = [p for key in config.get("values", {})
                    for p in settable(ctx, target, key, f"{at}/config/values/{key}")]
        if config.get("link") and ctx.field(config["link"], target) is None:
            problems.append(Problem(at + "/config/link", msg(
                "%(key)s is not a field of %(form)s", key=quoted(config["link"]),
                form=quoted(config["form"]))))
        return problems

    def formulas(self, node):
        config = node.get("config") or {}
        for site in formula_map(config, "values"):
            yield Site(site.name, site.source, site.field, form=config.get("form"))

    def enter(self, ctx):
        values = ctx.values("values")
        if ctx.config.get("link"):
            values[ctx.config["link"]] = ctx.record.get("id")
        return Outcome(effects=(Effect("create_record", {"form": ctx.config["form"],
                                                         "values": values}),))


class AssignNode(NodeType):
    type = "assign"
    description = "assign the record by a routing strategy (round-robin, least loaded, ...)"
    config_schema = obj({"strategy": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
                         "team": {"type": "string", "minLength": 1, "maxLength": 100},
                         "user": {"type": "string", "minLength": 1, "maxLength": 150},
                         "field": KEY},
                        ["strategy"], "A routing strategy of runtime.routing with its "
                                      "`team` (or `user`); `field`: the user field set "
                                      "(owner when left out).")

    def check(self, node, at, ctx):
        key = (node.get("config") or {}).get("field")
        if key is not None and not ctx.user_field(key):
            return [Problem(at + "/config/field", msg("%(key)s is not a user field of this "
                                                      "form", key=quoted(key)))]
        return []

    def enter(self, ctx):
        return Outcome(effects=(Effect("assign", dict(ctx.config)),))


class SendMessageNode(NodeType):
    type = "send_message"
    description = "send a message: in the app, by e-mail or SMS (once notify has them)"
    config_schema = obj({"to": RECIPIENTS, "channel": {"enum": ["in_app", "email", "sms"]},
                         "title": LABEL, "message": TEXT, "template": KEY,
                         "priority": {"enum": ["normal", "high"]}},
                        ["to", "title"], "`{field}` in the title and message is the "
                                         "record's value; `channel` in_app by default.")

    def check(self, node, at, ctx):
        return recipient_problems((node.get("config") or {}).get("to"), at + "/config/to",
                                  ctx)

    def formulas(self, node):
        yield from recipient_sites(node.get("config") or {}, "to")

    def enter(self, ctx):
        config = ctx.config
        return Outcome(effects=(Effect("send_message", {
            "to": list(config["to"]), "channel": config.get("channel", "in_app"),
            "resolved": {str(i): ctx.value(f"to/{i}/formula")
                         for i, who in enumerate(config["to"]) if "formula" in who},
            "title": fill(config["title"], ctx.record),
            "message": fill(config.get("message"), ctx.record),
            "template": config.get("template"),
            "priority": config.get("priority", "normal")}),))


class CallWebhookNode(NodeType):
    type = "call_webhook"
    description = "call an outbound webhook (signed, retried; private addresses refused)"
    outside = True
    config_schema = obj({"url": {"type": "string", "pattern": "^https?://", "maxLength": 2000},
                         "method": {"enum": ["POST", "PUT", "PATCH"]},
                         "body": FORMULAS,
                         "secret": {"type": "string", "pattern": "^[A-Za-z0-9_]{1,64}$"}},
                        ["url"], "`body`: key → formula (the whole record when left out).")

    def formulas(self, node):
        for site in formula_map(node.get("config") or {}, "body"):
            yield Site(site.name, site.source, any_type=True)

    def enter(self, ctx):
        config = ctx.config
        body = ctx.values("body") if config.get("body") else dict(ctx.record)
        return Outcome(effects=(Effect("call_webhook", {
            "url": config["url"], "method": config.get("method", "POST"), "body": body,
            "secret": config.get("secret")}),))


class SubWorkflowNode(NodeType):
    type = "sub_workflow"
    description = "run another workflow of the app on the record (and wait for it to end)"
    waits = True
    config_schema = obj({"workflow": KEY, "wait": {"type": "boolean"}}, ["workflow"],
                        "`wait` (true by default): go on when the sub-workflow ends.")

    def check(self, node, at, ctx):
        key = (node.get("config") or {}).get("workflow")
        if ctx.workflows is not None and key not in ctx.workflows:
            return [Problem(at + "/config/workflow", msg(
                "%(key)s is not a workflow of this app", key=quoted(key)))]
        return []

    def enter(self, ctx):
        start = Effect("start_workflow", {"workflow": ctx.config["workflow"],
                                          "parent": ctx.config.get("wait", True)})
        if ctx.config.get("wait", True):
            return Outcome.wait(effects=[start])
        return Outcome(effects=(start,))

    def resume(self, ctx, signal):
        if signal.kind == "child":
            return Outcome()
        return Outcome.wait(ctx.state)
