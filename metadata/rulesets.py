"""Semantic checks of ``ruleset`` documents beyond their JSON Schema: what the rules, scoring
models and decision tables name exists and is of the right kind, keys are unique, tables do
not feed each other in a circle. (Formulas, cell tests and actions are checked by the
runtime, which owns the formula language and the action types: ``runtime.rules.document``.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from metadata.errors import Problem, pointer
from metadata.messages import msg, quoted
from metadata.ruleset_schema import trigger_options

SYSTEM_FIELDS = ("id", "created_at", "updated_at", "owner", "created_by", "version")
CRON_FIELD = r"^[0-9*/,\-]+$"


def ruleset_problems(doc: Mapping, ctx: Any) -> list[Problem]:
    form = ctx.forms.get(doc.get("form"))
    if form is None:
        return [Problem("/form", msg("form %(form)s does not exist in app %(app)s",
                                     form=quoted(doc.get("form")), app=quoted(ctx.app_key)))]
    checker = _Checker(doc, form, ctx)
    return checker.run()


def duplicates(items: Iterable[Mapping], at: str, what: str) -> list[Problem]:
    """A problem at each item whose ``key`` an earlier item already has."""
    seen: dict[str, int] = {}
    problems = []
    for i, item in enumerate(items):
        key = item.get("key")
        if key in seen:
            problems.append(Problem(pointer(*at.split("/")[1:], i, "key"), msg(
                "%(what)s key %(key)s is already used by %(what)s %(n)s", what=what,
                key=quoted(key), n=seen[key] + 1)))
        else:
            seen[key] = i
    return problems


class _Checker:
    def __init__(self, doc: Mapping, form: Mapping, ctx: Any):
        self.doc, self.form, self.ctx = doc, form, ctx
        self.fields = {f.get("key"): f for f in form.get("fields", [])}
        self.models = {m.get("key"): m for m in doc.get("scoring") or []}
        self.tables = {t.get("key"): t for t in doc.get("tables") or []}
        self.problems: list[Problem] = []

    def run(self) -> list[Problem]:
        self.problems += duplicates(self.doc.get("rules") or [], "/rules", msg("rule"))
        self.problems += duplicates(self.doc.get("scoring") or [], "/scoring", msg("model"))
        self.problems += duplicates(self.doc.get("tables") or [], "/tables", msg("table"))
        for i, rule in enumerate(self.doc.get("rules") or []):
            self.trigger(rule.get("trigger") or {}, pointer("rules", i, "trigger"))
        for i, model in enumerate(self.doc.get("scoring") or []):
            self.model(model, pointer("scoring", i))
        for i, table in enumerate(self.doc.get("tables") or []):
            self.table(table, pointer("tables", i))
        self.problems += self.table_cycles()
        return self.problems

    def add(self, at: str, message: str) -> None:
        self.problems.append(Problem(at, message))

    def ftype(self, fld: Mapping | None) -> Any:
        return self.ctx.field_types.get(fld.get("type")) if fld else None

    def field_of_kind(self, key: str, at: str, kinds: tuple[str, ...], what: str) -> None:
        """``key`` is a field whose formula type is one of ``kinds`` (a number, text, ...)."""
        fld = self.fields.get(key)
        if fld is None:
            self.add(at, msg("%(key)s is not a field of this form", key=quoted(key)))
        elif getattr(self.ftype(fld), "formula_type", None) not in kinds:
            self.add(at, msg("%(key)s is a %(type)s field; %(what)s", key=quoted(key),
                             type=fld.get("type"), what=what))

    def link(self, form_key: str, link: str | None, at: str) -> None:
        """``form_key`` exists and links to this form (through ``link``, or one relation)."""
        other = self.ctx.forms.get(form_key)
        if other is None:
            self.add(at + "/form", msg("form %(form)s does not exist in this app",
                                       form=quoted(form_key)))
            return
        links = [f.get("key") for f in other.get("fields", []) if self._links_here(f)]
        if link is not None and link not in links:
            self.add(at + "/link", msg("%(key)s is not a relation of %(form)s to this form",
                                       key=quoted(link), form=quoted(form_key)))
        elif link is None and len(links) != 1:
            self.add(at + "/form", msg(
                "%(form)s has %(n)s relations to this form: name the one in link",
                form=quoted(form_key), n=len(links)) if links else msg(
                "%(form)s has no relation to this form", form=quoted(form_key)))

    def _links_here(self, fld: Mapping) -> bool:
        ftype = self.ftype(fld)
        linked = getattr(ftype, "formula_link", None)
        return linked is not None and linked(fld) == self.doc.get("form")

    def trigger(self, trigger: Mapping, at: str) -> None:
        on = trigger.get("on")
        allowed = trigger_options(on)
        for name in trigger:
            if name != "on" and name not in allowed:
                self.add(f"{at}/{pointer(name)[1:]}", msg(
                    "%(name)s does not belong to a %(on)s trigger", name=quoted(name), on=on))
        if on == "field_changed":
            for i, key in enumerate(trigger.get("fields", [])):
                if key not in self.fields and key not in SYSTEM_FIELDS:
                    self.add(f"{at}/fields/{i}", msg("%(key)s is not a field of this form",
                                                     key=quoted(key)))
        elif on == "related_created":
            self.link(trigger.get("form"), trigger.get("link"), at)
        elif on == "schedule":
            self.schedule(trigger, at)
        elif on == "threshold":
            model = self.models.get(trigger.get("model"))
            if model is None:
                self.add(at + "/model", msg("%(key)s is not a scoring model of this ruleset",
                                            key=quoted(trigger.get("model"))))
            elif trigger.get("threshold") not in {t.get("key") for t in
                                                  model.get("thresholds") or []}:
                self.add(at + "/threshold", msg("%(key)s is not a threshold of model %(model)s",
                                                key=quoted(trigger.get("threshold")),
                                                model=quoted(model.get("key"))))

    def schedule(self, trigger: Mapping, at: str) -> None:
        cron, every = trigger.get("cron"), trigger.get("every")
        if (cron is None) == (every is None):
            self.add(at, msg("a schedule has either every (hourly, daily, weekly) or cron"))
        elif cron is not None:
            parts = cron.split()
            if len(parts) != 5 or not all(re.match(CRON_FIELD, p) for p in parts):
                self.add(at + "/cron", msg("%(cron)s is not five cron fields (minute hour day "
                                           "month weekday), e.g. 0 8 * * 1-5",
                                           cron=quoted(cron)))
        elif any(k in trigger for k in ("at", "weekday")) and every == "hourly":
            self.add(at + "/every", msg("an hourly schedule takes no time of day"))

    def model(self, model: Mapping, at: str) -> None:
        self.field_of_kind(model.get("field"), at + "/field", ("integer", "number"),
                           msg("a score is kept in a number field"))
        for part, what in (("attributes", msg("attribute rule")),
                           ("behaviours", msg("behaviour rule")),
                           ("thresholds", msg("threshold"))):
            self.problems += duplicates(model.get(part) or [], f"{at}/{part}", what)
        for i, attr in enumerate(model.get("attributes") or []):
            self.attribute(attr, f"{at}/attributes/{i}")
        for i, rule in enumerate(model.get("behaviours") or []):
            self.link(rule.get("form"), rule.get("link"), f"{at}/behaviours/{i}")
        self.decay(model.get("decay"), at + "/decay")
        self.thresholds(model, at)
        if model.get("min") is not None and model.get("max") is not None \
                and model["min"] >= model["max"]:
            self.add(at + "/max", msg("the highest score must be above the lowest"))

    def attribute(self, attr: Mapping, at: str) -> None:
        table = attr.get("table")
        if (table is None) == (attr.get("when") is None) or (table is None) == (
                attr.get("points") is None):
            self.add(at, msg("an attribute rule has when and points, or a decision table"))
        elif table is not None and table not in self.tables:
            self.add(at + "/table", msg("%(key)s is not a decision table of this ruleset",
                                        key=quoted(table)))
        elif table is not None and attr.get("output") is not None and attr["output"] not in {
                o.get("key") for o in self.tables[table].get("outputs", [])}:
            self.add(at + "/output", msg("%(key)s is not an output of table %(table)s",
                                         key=quoted(attr["output"]), table=quoted(table)))

    def decay(self, decay: Mapping | None, at: str) -> None:
        if decay is None:
            return
        if ("points" in decay) == ("percent" in decay):
            self.add(at, msg("decay takes away points or a percent, one of the two"))
        elif decay.get("points", -1) >= 0:
            self.add(at + "/points", msg("decay points must be below 0"))
        if decay.get("since") is not None:
            self.field_of_kind(decay["since"], at + "/since", ("date", "datetime"),
                               msg("the time of the last interaction is a date"))

    def thresholds(self, model: Mapping, at: str) -> None:
        stage = model.get("stage_field")
        fld = self.fields.get(stage) if stage else None
        if stage is not None:
            self.field_of_kind(stage, at + "/stage_field", ("text",),
                               msg("a stage is kept in a select or text field"))
        choices = {c.get("value") for c in ((fld or {}).get("config") or {}).get("choices", [])}
        for i, th in enumerate(model.get("thresholds") or []):
            where = f"{at}/thresholds/{i}"
            if th.get("min") is None and th.get("max") is None:
                self.add(where, msg("a threshold has a min, a max or both"))
            elif th.get("min") is not None and th.get("max") is not None \
                    and th["min"] > th["max"]:
                self.add(where + "/max", msg("the max must not be below the min"))
            if th.get("stage") is not None and stage is None:
                self.add(where + "/stage", msg("set the model's stage_field to set a stage"))
            elif th.get("stage") is not None and choices and th["stage"] not in choices:
                self.add(where + "/stage", msg("%(value)s is not a choice of %(field)s",
                                               value=quoted(th["stage"]), field=quoted(stage)))

    def table(self, table: Mapping, at: str) -> None:
        seen: set = set()
        for part in ("inputs", "outputs"):
            for i, column in enumerate(table.get(part, [])):
                if column.get("key") in seen:
                    self.add(f"{at}/{part}/{i}/key", msg(
                        "column key %(key)s is already used in this table",
                        key=quoted(column.get("key"))))
                seen.add(column.get("key"))
        for i, column in enumerate(table.get("inputs", [])):
            self.input(column, f"{at}/inputs/{i}", table.get("key"))
        width, outs = len(table.get("inputs", [])), len(table.get("outputs", []))
        for r, row in enumerate(table.get("rows", [])):
            if len(row.get("when") or []) > width:
                self.add(f"{at}/rows/{r}/when", msg("the row has more cells than inputs"))
            if len(row.get("then") or []) > outs:
                self.add(f"{at}/rows/{r}/then", msg("the row has more cells than outputs"))
        self.policy(table, at)

    def input(self, column: Mapping, at: str, own: str) -> None:
        given = [k for k in ("field", "formula", "table") if column.get(k) is not None]
        if len(given) != 1:
            self.add(at, msg("an input column reads a field, a formula or another table's "
                             "output: one of the three"))
        elif given == ["field"] and column["field"] not in self.fields \
                and column["field"] not in SYSTEM_FIELDS:
            self.add(at + "/field", msg("%(key)s is not a field of this form",
                                        key=quoted(column["field"])))
        elif given == ["table"]:
            other = self.tables.get(column["table"])
            if other is None:
                self.add(at + "/table", msg("%(key)s is not a decision table of this ruleset",
                                            key=quoted(column["table"])))
            elif column.get("output") not in {o.get("key") for o in other.get("outputs", [])}:
                self.add(at + "/output", msg("%(key)s is not an output of table %(table)s",
                                             key=quoted(column.get("output")),
                                             table=quoted(column["table"])))

    def policy(self, table: Mapping, at: str) -> None:
        policy, aggregation = table.get("hit_policy", "unique"), table.get("aggregation")
        if aggregation is not None and policy != "collect":
            self.add(at + "/aggregation", msg("only the collect hit policy aggregates"))
        elif aggregation in ("sum", "min", "max") and len(table.get("outputs", [])) != 1:
            self.add(at + "/aggregation", msg("%(agg)s works on a table of one output",
                                              agg=aggregation))
        if policy in ("priority", "output_order") and not any(
                o.get("values") for o in table.get("outputs", [])):
            self.add(at + "/outputs", msg("%(policy)s ranks by the order of an output's values:"
                                          " list them", policy=policy))

    def table_cycles(self) -> list[Problem]:
        """Tables whose inputs read each other's outputs in a circle."""
        reads = {key: [c.get("table") for c in t.get("inputs", []) if c.get("table")]
                 for key, t in self.tables.items()}
        order = list(self.tables)
        problems = []
        for key in order:
            path = _circle(key, reads, [])
            if path and path[0] == key:
                problems.append(Problem(pointer("tables", order.index(key)), msg(
                    "decision tables read each other's outputs in a circle: %(circle)s",
                    circle=" → ".join([*path, key]))))
        return problems


def _circle(key: str, reads: Mapping[str, list], visiting: list[str]) -> list[str] | None:
    if key in visiting:
        return visiting[visiting.index(key):]
    for other in reads.get(key, []):
        found = _circle(other, reads, [*visiting, key])
        if found:
            return found
    return None
