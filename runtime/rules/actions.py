"""Rule actions: one small class per type, each owning the JSON Schema of its options, its
checks at save, the formulas it holds, and what it plans to do (data, not effects: the
executors that carry plans out are separate, and some come later).

``sync`` actions run in the transaction of the write that fired the rule (so an API client
sees their result in the response); the others run afterwards as idempotent jobs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from metadata.errors import Problem, pointer
from metadata.messages import msg, quoted
from metadata.registry import Registry

KEY = {"$ref": "#/$defs/key"}
FORMULAS = {"type": "object", "propertyNames": KEY, "additionalProperties": {"$ref":
                                                                             "#/$defs/formula"},
            "minProperties": 1, "maxProperties": 200}
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
SYSTEM = ("id", "created_at", "updated_at", "owner", "created_by", "version")


@dataclass(frozen=True)
class FormulaSite:
    """A formula an action holds: where, over which form's record (None: the ruleset's
    form), and the field of ``target`` (or of the ruleset's form) its value goes into."""

    pointer: str
    source: str
    field: str | None = None  # None: a TRUE/FALSE condition
    target: str | None = None
    any_type: bool = False  # a value of any type (a webhook's body)


@dataclass(frozen=True)
class ActionContext:
    """What an action's checks see: the ruleset's form, the app's forms, the field types,
    and the ruleset itself (its models and tables)."""

    form: Mapping
    forms: Mapping[str, Mapping]
    field_types: Mapping
    ruleset: Mapping

    def field(self, key: str, form: Mapping | None = None) -> Mapping | None:
        return next((f for f in (form or self.form).get("fields", []) if f.get("key") == key),
                    None)

    def user_field(self, key: str) -> bool:
        """Whether ``key`` is a field of the form holding people (or the record's owner)."""
        fld = self.field(key)
        ftype = self.field_types.get(fld.get("type")) if fld is not None else None
        return key == "owner" or bool(getattr(ftype, "holds_users", False))


def _obj(type_: str, properties: dict, required: list[str], description: str = "") -> dict:
    return {"type": "object", "required": ["type", *required], "additionalProperties": False,
            "properties": {"type": {"const": type_}, **properties}, "description": description}


def settable(ctx: ActionContext, form: Mapping, key: str, at: str) -> list[Problem]:
    """A field a rule may write: it exists and is neither calculated nor generated."""
    fld = ctx.field(key, form)
    if fld is None:
        return [Problem(at, msg("%(key)s is not a field of %(form)s", key=quoted(key),
                                form=quoted(form.get("key"))))]
    ftype = ctx.field_types.get(fld.get("type"))
    if ftype is None or ftype.calculated or ftype.generated or ftype.formula_type is None:
        return [Problem(at, msg("a rule cannot set %(key)s: a %(type)s field is not set by "
                                "hand", key=quoted(key), type=fld.get("type")))]
    return []


class ActionType:
    type = ""
    description = ""
    config_schema: dict[str, Any] = {}
    sync = False

    def check(self, action: Mapping, at: str, ctx: ActionContext) -> list[Problem]:
        return []

    def formulas(self, action: Mapping, at: str) -> Iterator[FormulaSite]:
        return iter(())

    def plan(self, action: Mapping, at: str, values: Mapping, env: PlanEnv) -> dict[str, Any]:
        """What the action would do to the record whose ``values`` fired it (data, not an
        effect): the options it was given, its formulas worked out."""
        return {k: v for k, v in action.items() if k != "type"}


class PlanEnv(Protocol):
    """What planning an action needs: the compiled formulas (by pointer in the ruleset) and
    decision tables (by key) of the ruleset's version."""

    default_model: str | None  # the scoring model add_points uses when it names none

    def formula(self, at: str) -> Callable[[Mapping], Any]: ...
    def table(self, key: str) -> Any: ...


def worked_out(formulas: Mapping[str, str], at: str, values: Mapping, env: PlanEnv
               ) -> dict[str, Any]:
    """Each formula of ``formulas`` (key -> source, at ``at``/key) worked out on ``values``."""
    return {key: env.formula(f"{at}/{pointer(key)[1:]}")(values) for key in formulas}


class SetFieldsAction(ActionType):
    type = "set_fields"
    description = "set fields of the record to the values of formulas"
    sync = True
    config_schema = _obj(type, {"values": FORMULAS}, ["values"],
                         "`values`: field key → formula giving its new value.")

    def check(self, action, at, ctx):
        return [p for key in action.get("values", {})
                for p in settable(ctx, ctx.form, key, f"{at}/values/{pointer(key)[1:]}")]

    def formulas(self, action, at):
        for key, source in action.get("values", {}).items():
            yield FormulaSite(f"{at}/values/{pointer(key)[1:]}", source, key)

    def plan(self, action, at, values, env):
        return {"values": worked_out(action.get("values", {}), at + "/values", values, env)}


class AddPointsAction(ActionType):
    type = "add_points"
    description = "add (or with a negative number take away) points of a scoring model"
    sync = True
    config_schema = _obj(type, {"points": {"type": "number", "minimum": -100000,
                                           "maximum": 100000},
                                "model": KEY, "reason": {"$ref": "#/$defs/label"}},
                         ["points"], "`model`: the scoring model (the only one when left out); "
                                     "`reason`: shown in the point ledger.")

    def check(self, action, at, ctx):
        models = [m.get("key") for m in ctx.ruleset.get("scoring") or []]
        model = action.get("model")
        if model is None and len(models) != 1:
            return [Problem(at + "/model", msg("name the scoring model the points go to"))]
        if model is not None and model not in models:
            return [Problem(at + "/model", msg("%(key)s is not a scoring model of this ruleset",
                                               key=quoted(model)))]
        if action.get("points") == 0:
            return [Problem(at + "/points", msg("0 points change nothing"))]
        return []

    def plan(self, action, at, values, env):
        return {"model": action.get("model") or env.default_model, "points": action["points"],
                "reason": action.get("reason")}


STRATEGY = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$",
            "description": "A routing strategy (runtime.routing): by_table, round_robin, "
                           "weighted_round_robin, least_loaded, user."}


# a team by its name as the Teams page shows it (大客户销售组), or its id
TEAM = {"type": "string", "minLength": 1, "maxLength": 100}


class AssignAction(ActionType):
    type = "assign"
    description = "assign the record to a person chosen by a routing strategy"
    sync = True
    config_schema = _obj(type, {
        "strategy": STRATEGY, "team": TEAM, "table": KEY, "output": KEY,
        "user": {"type": "string", "minLength": 1, "maxLength": 150},
        "field": KEY, "open": {"$ref": "#/$defs/formula"},
        "fallback": {"type": "object", "additionalProperties": False, "minProperties": 1,
                     "properties": {"team": TEAM, "user": {"type": "string", "minLength": 1,
                                                          "maxLength": 150}}}},
        ["strategy"], "`team` to choose among, or a decision `table` whose `output` column "
                      "names the team; `field`: the user field assigned (owner when left "
                      "out); `open`: which records count as open (least_loaded); `fallback`: "
                      "who gets it when nobody qualifies.")

    def check(self, action, at, ctx):
        problems = []
        key = action.get("field")
        if key is not None and not ctx.user_field(key):
            problems.append(Problem(at + "/field", msg(
                "%(key)s is not a user field of this form", key=quoted(key))))
        table = action.get("table")
        tables = {t.get("key"): t for t in ctx.ruleset.get("tables") or []}
        if table is not None and table not in tables:
            problems.append(Problem(at + "/table", msg(
                "%(key)s is not a decision table of this ruleset", key=quoted(table))))
        elif table is not None and action.get("output") not in (
                None, *(o.get("key") for o in tables[table].get("outputs", []))):
            problems.append(Problem(at + "/output", msg(
                "%(key)s is not an output of table %(table)s", key=quoted(action["output"]),
                table=quoted(table))))
        if action.get("strategy") == "by_table" and table is None:
            problems.append(Problem(at + "/table", msg("by_table needs a decision table")))
        return problems

    def formulas(self, action, at):
        if isinstance(action.get("open"), str):
            yield FormulaSite(at + "/open", action["open"])

    def plan(self, action, at, values, env):
        out = {k: v for k, v in action.items() if k not in ("type", "open")}
        out["field"] = action.get("field", "owner")
        table = action.get("table")
        if table is not None:
            result = env.table(table).evaluate(values)
            if isinstance(result, list):  # a table of several hits: the first
                result = result[0] if result else None
            key = action.get("output")
            out["team"] = (result.get(key) if key else next(iter(result.values()), None)
                           ) if isinstance(result, Mapping) else result
        return out


class CreateRecordAction(ActionType):
    type = "create_record"
    description = "create a record of another form (a to-do, an activity), linked back"
    config_schema = _obj(type, {"form": KEY, "values": FORMULAS, "link": KEY}, ["form"],
                         "`values`: field of the new record → formula over this record; "
                         "`link`: the new record's relation field set to this record.")

    def check(self, action, at, ctx):
        target = ctx.forms.get(action.get("form"))
        if target is None:
            return [Problem(at + "/form", msg("form %(form)s does not exist in this app",
                                              form=quoted(action.get("form"))))]
        problems = [p for key in action.get("values", {})
                    for p in settable(ctx, target, key, f"{at}/values/{pointer(key)[1:]}")]
        link = action.get("link")
        if link is not None:
            fld = ctx.field(link, target)
            if fld is None or (fld.get("config") or {}).get("target_form") != ctx.form.get("key"):
                problems.append(Problem(at + "/link", msg(
                    "%(key)s is not a relation of %(form)s to this form", key=quoted(link),
                    form=quoted(action.get("form")))))
        return problems

    def formulas(self, action, at):
        for key, source in action.get("values", {}).items():
            yield FormulaSite(f"{at}/values/{pointer(key)[1:]}", source, key, action.get("form"))

    def plan(self, action, at, values, env):
        out = {"form": action["form"],
               "values": worked_out(action.get("values", {}), at + "/values", values, env)}
        if action.get("link"):
            out["values"][action["link"]] = values.get("id")
        return out


RECIPIENT = {"type": "object", "minProperties": 1, "maxProperties": 1,
             "additionalProperties": False,
             "properties": {"user": {"type": "string", "minLength": 1, "maxLength": 150},
                            "role": KEY, "team": TEAM, "field": KEY,
                            "address": {"type": "string", "minLength": 3, "maxLength": 320,
                                        "description": "an e-mail address or a phone "
                                                       "number"}}}
TEMPLATE = {"type": "string", "minLength": 1, "maxLength": 20000,
            "description": "A Jinja template (sandboxed) over the record's fields."}
CHANNELS = ("in_app", "email", "sms")


class NotifyAction(ActionType):
    type = "notify"
    description = "notify people in the app, by e-mail or by SMS"
    config_schema = _obj(type, {
        "to": {"type": "array", "items": RECIPIENT, "minItems": 1, "maxItems": 20},
        "title": {"$ref": "#/$defs/label"}, "message": {"$ref": "#/$defs/text"},
        "priority": {"enum": ["normal", "high"]},
        "channels": {"type": "array", "items": {"enum": list(CHANNELS)},
                     "uniqueItems": True, "minItems": 1},
        "body": TEMPLATE, "html": TEMPLATE},
        ["to", "title"], "`to`: users, roles, teams, the user in a `field` of the record, an "
                         "e-mail or phone `field` of the record, or an `address`; "
                         "`channels`: in_app (the default), email, sms; `{field}` in the "
                         "title or message is the record's value; `body` and `html`: the "
                         "e-mail's (or SMS's) text and HTML as sandboxed Jinja templates "
                         "(`{{ field }}`), the message when left out.")

    def check(self, action, at, ctx):
        problems = []
        reach: set[str] = set()
        for i, who in enumerate(action.get("to", [])):
            found = _reaches(who, ctx)
            if found is None:
                problems.append(Problem(f"{at}/to/{i}/field", msg(
                    "%(key)s is not a user, e-mail or phone field of this form",
                    key=quoted(who.get("field")))))
            reach |= found or set()
        for i, channel in enumerate(action.get("channels") or ["in_app"]):
            if channel not in reach and not problems:
                problems.append(Problem(f"{at}/channels/{i}", msg(
                    "no recipient can be reached by %(channel)s", channel=channel)))
        for part in ("title", "message"):
            problems += _placeholders(action.get(part), f"{at}/{part}", ctx)
        return problems + _templates(action, at, ctx)

    def plan(self, action, at, values, env):
        out = {k: v for k, v in action.items() if k != "type"}
        for part in ("title", "message"):
            if part in action:
                out[part] = fill(action[part], values)
        out.setdefault("priority", "normal")
        out.setdefault("channels", ["in_app"])
        return out


def _reaches(who: Mapping, ctx: ActionContext) -> set[str] | None:
    """The channels a recipient can be reached by (None: a field that reaches nobody)."""
    if "address" in who:
        return {"email"} if "@" in who["address"] else {"sms"}
    if "field" not in who:
        return {"in_app", "email"}  # people: in the app, and at their e-mail address
    if ctx.user_field(who["field"]):
        return {"in_app", "email"}
    fld = ctx.field(who["field"])
    ftype = ctx.field_types.get(fld.get("type")) if fld is not None else None
    channel = getattr(ftype, "reaches", None)
    return {channel} if channel else None


def _templates(action: Mapping, at: str, ctx: ActionContext) -> list[Problem]:
    from runtime.notify.templates import check as check_template

    keys = {f.get("key") for f in ctx.form.get("fields", [])} | set(SYSTEM)
    return [Problem(f"{at}/{part}", msg("line %(line)s: %(message)s", line=p.line,
                                        message=p.message) if p.line else p.message)
            for part in ("body", "html") if isinstance(action.get(part), str)
            for p in check_template(action[part], keys)]


def fill(text: Any, values: Mapping) -> Any:
    """``text`` (or each language's text) with ``{field}`` replaced by the record's value."""
    if isinstance(text, Mapping):
        return {lang: fill(t, values) for lang, t in text.items()}
    def value(found: re.Match) -> str:
        got = values.get(found.group(1).strip())
        return "" if got is None else str(got)
    return PLACEHOLDER.sub(value, text) if isinstance(text, str) else text


def _placeholders(text: Any, at: str, ctx: ActionContext) -> list[Problem]:
    texts = text.values() if isinstance(text, Mapping) else [text]
    keys = {f.get("key") for f in ctx.form.get("fields", [])} | set(SYSTEM)
    return [Problem(at, msg("{%(key)s} is not a field of this form", key=name))
            for t in texts if isinstance(t, str) for name in PLACEHOLDER.findall(t)
            if name.strip() not in keys]


class WebhookAction(ActionType):
    type = "webhook"
    description = "call an outbound webhook (signed, retried; private addresses refused)"
    config_schema = _obj(type, {
        "url": {"type": "string", "pattern": "^https?://", "maxLength": 2000},
        "method": {"enum": ["POST", "PUT", "PATCH"]},
        "body": FORMULAS,
        "secret": {"type": "string", "pattern": "^[A-Za-z0-9_]{1,64}$",
                   "description": "The name of the secret that signs the body."},
        "retries": {"type": "integer", "minimum": 0, "maximum": 10}},
        ["url"], "`body`: key → formula (the whole record when left out).")

    def formulas(self, action, at):
        for key, source in (action.get("body") or {}).items():
            yield FormulaSite(f"{at}/body/{pointer(key)[1:]}", source, any_type=True)

    def plan(self, action, at, values, env):
        body = action.get("body")
        return {"url": action["url"], "method": action.get("method", "POST"),
                "body": worked_out(body, at + "/body", values, env) if body else None,
                "secret": action.get("secret"), "retries": action.get("retries", 5)}


class StartWorkflowAction(ActionType):
    type = "start_workflow"
    description = "start a workflow on the record"
    config_schema = _obj(type, {"workflow": KEY}, ["workflow"])


class StopWorkflowAction(ActionType):
    type = "stop_workflow"
    description = "stop the record's running instances of a workflow"
    config_schema = _obj(type, {"workflow": KEY}, ["workflow"])


ACTION_TYPES = (SetFieldsAction, AddPointsAction, AssignAction, CreateRecordAction, NotifyAction,
                WebhookAction, StartWorkflowAction, StopWorkflowAction)


def build_action_registry(types: tuple = ACTION_TYPES) -> Registry[ActionType]:
    return Registry("rule action", types)
