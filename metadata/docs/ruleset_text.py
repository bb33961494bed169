"""The reference of the ``ruleset`` kind beyond its property tables: what rules, triggers,
scoring models and decision tables mean, and each rule action type's options."""

from __future__ import annotations

from collections.abc import Mapping

from metadata.docs.schema_text import object_tables, sentence

RULESET_INTRO = ("A ruleset belongs to one form (`form`). Its `rules` are considered in order for "
        "each event their `trigger` names (`created`, `updated`, `field_changed` with "
        "`fields`, `related_created` with the related `form` and its `link`, `schedule` "
        "with `every`/`at`/`weekday` or `cron`, `threshold` with a scoring `model`, its "
        "`threshold` and a `direction`, `manual`); a rule whose `condition` (a formula "
        "giving TRUE/FALSE) holds runs its `actions` in order; `enabled: false` keeps a rule "
        "without running it; `stop` on a rule, or `stop_after_first_match` on the ruleset, "
        "ends the pass at the first rule that matches. In the formulas of rules "
        "`{old.<field>}` is the value a field had before the write that fired the rule "
        "(allowed only for `updated` and `field_changed` triggers; blank on a new record) "
        "and `{new.<field>}` the value after it, the same as `{<field>}`; a field or "
        "relation of the form named `old` or `new` wins over these names. A scoring model "
        "(`scoring`) keeps a score in a number `field`: `attributes` give `points` while "
        "`when` holds (or the points a decision `table` gives), `behaviours` give `points` "
        "for each related record of `form` that `when` (over the related record) accepts, at "
        "most `cap` points in all; `min`/`max` bound the score; `decay` takes `points` or a "
        "`percent` off every `every_days` days without an interaction; `thresholds` set the "
        "`stage_field` to `stage` while the score is within `min`..`max` and fire threshold "
        "events (up and down). A decision table (`tables`) has `inputs` (a field, a formula "
        "or another table's output), `outputs`, `rows` of cell tests (`when`: `-`, "
        "`\"华东\"`, `= 5`, `> 500`, `IN [\"金融\", \"制造\"]`, `[500..1000)`, "
        "`NOT(...)`) and output values (`then`: a value or `{\"formula\": ...}`), and a DMN "
        "`hit_policy` (`unique`, `any`, `first`, `priority` and `output_order` by the order "
        "of an output's `values`, `rule_order`, `collect` with an optional `aggregation`).")


def ruleset_sections(schema: Mapping) -> list[str]:
    """The parts of a ruleset (rule, trigger, scoring model, decision table) and each rule
    action type's options."""
    defs = schema.get("$defs", {})
    lines: list[str] = []
    for name, title in (("rule", "Rule"), ("trigger", "Trigger"),
                        ("score_model", "Scoring model"),
                        ("decision_table", "Decision table")):
        if name in defs:
            lines += [f"### {title}", ""]
            lines += object_tables(name, defs[name], title.lower())
    actions = sorted(k for k in defs if k.startswith("action_"))
    if actions:
        lines += ["### Rule actions", "",
                  "Each item of a rule's `actions` is an object whose `type` is one of these.",
                  ""]
    for key in actions:
        action = defs[key]
        lines += [f"#### Action `{key[len('action_'):]}`", ""]
        if action.get("description"):
            lines += [sentence(action["description"]), ""]
        lines += object_tables(key, action, f"action {key[len('action_'):]}", 5)
    return lines
