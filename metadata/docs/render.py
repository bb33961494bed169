"""Sections of the metadata reference, assembled from the kinds' schemas and the field types."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from metadata.docs.cleaning_text import CLEANING
from metadata.docs.examples import (
    EXAMPLE_APP,
    EXAMPLE_COMPANY_FORM,
    EXAMPLE_FORM,
    EXAMPLE_VIEW,
)
from metadata.docs.schema_text import (
    cell,
    codes,
    constraints,
    dump,
    object_tables,
    paren,
    sentence,
    type_text,
    yes,
)

GENERATOR = "python -m app.docs"


KIND_INTROS = {
    "form": ("A form defines a record type: publishing it creates (or migrates) the real table "
             "`<app>__<form>`, one typed column per field (sub-tables and multiple relations get "
             "child tables), plus the system columns `id`, `version`, `created_at`, "
             "`updated_at`, `created_by`, `owner_id` and `deleted_at`."),
    "ruleset": (
        "A ruleset belongs to one form (`form`). Its `rules` are considered in order for "
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
        "of an output's `values`, `rule_order`, `collect` with an optional `aggregation`)."),
}

# Prose for the properties of each kind, keyed by "<kind or definition>.<property path>".
OPERATORS = {
    "eq": "equals (`null` matches an empty value)",
    "ne": "differs from (empty values differ from everything)",
    "lt": "less than",
    "lte": "less than or equal",
    "gt": "greater than",
    "gte": "greater than or equal",
    "in": "is one of a list",
    "nin": "is none of a list (or empty)",
    "contains": "contains the text (case-insensitive)",
    "startswith": "starts with the text (case-insensitive)",
    "isnull": "is empty",
    "notnull": "is not empty",
    "flagged": "was kept and flagged by cleaning (a value may name the flag, e.g. `invalid`)",
    "unflagged": "carries no cleaning flag (or not the one named)",
}
SCOPES = {
    "none": "no records",
    "own": "records the user owns (`owner`)",
    "team": "records owned by the user or by members of the user's teams",
    "all": "every record",
}
# Where a local ``$ref`` points in this document.
FLAG_ROWS = (
    ("searchable", "full-text search (`q`)"),
    ("sortable", "sortable"),
    ("can_group_by", "group by in reports"),
    ("generated", "value assigned by the system"),
    ("calculated", "value calculated by a formula on every save"),
    ("can_be_title", "can name its record (the default `title_field` is the first such field)"),
    ("separate_storage", "stored outside the record's row"),
    ("sub_field_allowed", "allowed inside a sub-table"),
)


def render_metadata_reference(schemas: Mapping[str, dict], field_types: Sequence[Mapping],
                              *, default_policy: Mapping[str, Mapping] | None = None) -> str:
    """The Markdown reference of the document kinds and field types.

    ``field_types`` are plain dicts with the keys ``type``, ``label`` ({"zh", "en"}),
    ``description``, ``config_schema``, the capability flags (``searchable``, ``sortable``,
    ``can_group_by``, ``aggregations``, ``filter_ops``, ``generated``, ``calculated``,
    ``can_be_title``, ``separate_storage``, ``sub_field_allowed``) and optionally
    ``time_grains``, ``widget`` and ``value_schema``.
    ``default_policy`` is the policy a role gets on a form that does not name it.
    """
    out: list[str] = []
    out += _preamble(schemas)
    out += _documents_section(schemas)
    out += _definitions_section(schemas)
    for kind in schemas:
        out += _kind_section(kind, schemas[kind], default_policy)
    out += _field_types_section(field_types)
    out += _examples_section()
    text = "\n".join(out)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"


# -- sections ---------------------------------------------------------------------------------
def _preamble(schemas: Mapping[str, dict]) -> list[str]:
    kinds = ", ".join(f"[`{k}`](#kind-{k})" for k in schemas)
    return [
        "# Metadata reference",
        "",
        f"<!-- Generated by `{GENERATOR}` (make docs) from the JSON Schemas and the field-type "
        "registry. Do not edit by hand: a test fails when this file is stale. -->",
        "",
        "Everything built in Trellis is a JSON metadata document. This page describes the "
        f"document kinds ({kinds}), the [field types](#field-types) a form is made of, and "
        "ends with [complete examples](#examples).",
        "",
    ]


def _documents_section(schemas: Mapping[str, dict]) -> list[str]:
    lines = [
        "## Documents",
        "",
        "Each kind has a JSON Schema (Draft 2020-12), served by the API at "
        "`GET /api/v1/schemas/<kind>` (" + ", ".join(f"`{k}`" for k in schemas) + "). "
        "A document is valid when it passes its schema **and** the checks beyond it:",
        "",
        "- every key (app, form, field, view) matches the [key](#definition-key) pattern, has no "
        "double underscore and is not an SQL keyword (`select`, `order`, `user`, ...);",
        "- field keys are unique within their form (case-insensitive) and are not system names, "
        "nor the columns PostgreSQL keeps in every table (`xmin`, `xmax`, `cmin`, `cmax`, "
        "`ctid`, `tableoid`, `oid`), on every database, so that packages port;",
        "- references resolve: `title_field`, the fields a permission policy names, a relation's "
        "`target_form` (and `display_field`), a view's `form`, `columns`, `sort` and `filters`, "
        "an app's navigation;",
        "- a form's `layout` places only its fields, each at most once, and a section's `spans` "
        "name fields of that section and stay within its `columns`;",
        "- each field type's own rules: a select's `default` must be among its choices, a "
        "sub-table's fields must be types allowed inside a sub-table, minimums must not exceed "
        "maximums, a default must be a valid value.",
        "",
        "Errors come back as a list, each with a JSON Pointer to the offending place:",
        "",
        "```json",
        '{"errors": [{"path": "/fields/2/config/choices", "message": "..."}]}',
        "```",
        "",
        "Documents are versioned: saving writes a **draft**; publishing makes an immutable, "
        "numbered **version** (and, for a form, creates or migrates its table). Versions can be "
        "listed, diffed and rolled back (a rollback publishes a copy of an old version). Keys "
        "never change after publishing; labels change freely.",
        "",
        "An **app package** is one JSON file with every document of an app, in the form "
        '`{"format": "trellis-app-package", "format_version": 1, "app": {...}, '
        '"documents": [...]}`. Importing checks every document first and changes nothing when '
        "any is invalid.",
        "",
    ]
    return lines


def _definitions_section(schemas: Mapping[str, dict]) -> list[str]:
    defs: dict[str, Any] = {}
    for schema in schemas.values():
        defs.update(schema.get("$defs", {}))
    lines = ["## Shared definitions", ""]
    for name in ("key", "label", "text"):
        node = defs.get(name)
        if node is None:
            continue
        lines += [f"### Definition `{name}`", ""]
        if "title" in node:
            lines += [sentence(node["title"]), ""]
        alternatives = node.get("oneOf") or node.get("anyOf") or [node]
        for alt in alternatives:
            lines.append(f"- {_alternative(alt)}")
        lines.append("")
    lines += [
        "A label in both languages is shown in the user's language, falling back to the other.",
        "",
    ]
    return lines


def _alternative(node: Mapping) -> str:
    if node.get("type") == "object" and "properties" in node:
        inner = ", ".join(f"`{name}`: {type_text(sub)}" + paren(constraints(sub))
                          for name, sub in node["properties"].items())
        extra = constraints({k: v for k, v in node.items() if k != "additionalProperties"})
        return f"an object with {inner}" + (f"; {', '.join(extra)}" if extra else "") + \
            ("; no other properties" if node.get("additionalProperties") is False else "")
    return f"{type_text(node)}" + paren(constraints(node))


def _kind_section(kind: str, schema: Mapping, default_policy: Mapping | None) -> list[str]:
    lines = [f"## Kind `{kind}`", ""]
    if schema.get("description"):
        lines += [sentence(schema["description"]), ""]
    if kind in KIND_INTROS:
        lines += [KIND_INTROS[kind], ""]
    lines += object_tables(kind, schema, kind, heading_level=3)
    if kind == "form":
        field = schema.get("$defs", {}).get("field")
        if field is not None:
            lines += ["### Field entry", "",
                      "Each item of `fields` (and of a sub-table's `config.fields`):", ""]
            lines += object_tables("field", field, "field entry")
        lines += CLEANING
        lines += _permissions_section(schema, default_policy)
    if kind == "view":
        lines += _filter_section(schema)
    return lines


RELATION_RULES = [
    "Across relations: every formula evaluated for a person — a list filter (the API's "
    "`filter`, the list page's formula filter), a view's filters, the conditions and "
    "calculated values the live form shows while the person types, the builder's preview — "
    "sees a related record (`{company.city}`) only as that person may. A related record "
    "outside the person's `read` scope reads as empty, and so does every record of a form "
    "the person may not read. A formula the person writes cannot name a field hidden from the "
    "person, on the form or one hop away, nor any field of a form the person may not read: "
    "the answer is 400 with the formula's position, as for a field that does not exist, and "
    "the formula editor lists only the fields the person may see. A relation (single or "
    "multiple, also inside sub-table rows) may link only records the person may read — 422 "
    "at the field otherwise, worded like a record that does not exist — while an update may "
    "keep the links a field already holds.",
    "",
    "Calculated fields are the designer's publication of what they compute. Their stored "
    "value is computed on the whole record, one hop away included, whoever saved it; whoever "
    "may see the field sees that value. But a calculated field whose formula reads a field "
    "hidden from a person — directly, through other calculated fields, or one hop away, any "
    "field of a form the person may not read included — is hidden from that person too (in "
    "records, lists, search, sort, filters and history), so a hidden value never leaks "
    "through a calculated column. Conditions, default and validation formulas are the "
    "designer's too: when a record is saved they see the whole record.",
    "",
    "A view's `filters` and `filter` are written by designers, not by the people reading the "
    "list: they may name fields hidden from the reader (the reader cannot vary them, so they "
    "reveal only what the designer chose to show), but related records in them still read as "
    "the reader may. A view's `sort` by a field hidden from the reader is left out for that "
    "reader.",
    "",
]


def _permissions_section(form_schema: Mapping, default_policy: Mapping | None) -> list[str]:
    schema = form_schema.get("$defs", {}).get("permissions")
    if schema is None:
        return []
    lines = [
        "### Permission policy",
        "",
        "A form's `permissions` give each role a scope per action and field rules. It is "
        "enforced by the runtime for the web UI, the API, lists, counts, search and history.",
        "",
    ]
    lines += object_tables("permissions", schema, "permission policy")
    lines += ["Scopes:", "", "| Scope | Records |", "|---|---|"]
    scope_enum = _find_enum(schema) or list(SCOPES)
    for scope in scope_enum:
        lines.append(f"| `{scope}` | {SCOPES.get(scope, '')} |")
    lines += [
        "",
        "How policies combine: users with the `admin` role may do everything. Otherwise the "
        "policies of all the user's roles are merged: the widest scope per action wins, and a "
        "field is hidden (or read-only) only when every role that can read records hides it "
        "(or makes it read-only). A role the form does not name gets its default policy, and "
        "a user none of whose roles has a policy may do nothing.",
        "",
        *RELATION_RULES,
    ]
    if default_policy:
        lines += ["Default policies (for roles a form does not name):", "",
                  "| Role | create | read | update | delete |", "|---|---|---|---|---|"]
        for role in sorted(default_policy):
            policy = default_policy[role]
            cells = " | ".join(f"`{policy.get(a, 'none')}`"
                               for a in ("create", "read", "update", "delete"))
            lines.append(f"| `{role}` | {cells} |")
        lines.append("")
    return lines


def _find_enum(schema: Any) -> list | None:
    if isinstance(schema, Mapping):
        if "enum" in schema:
            return list(schema["enum"])
        for value in schema.values():
            found = _find_enum(value)
            if found:
                return found
    return None


def _filter_section(view_schema: Mapping) -> list[str]:
    schema = view_schema.get("$defs", {}).get("filter")
    if schema is None:
        return []
    lines = [
        "### Filter",
        "",
        "A condition on one field, used by a view's `filters` and by the API's `filter` "
        "parameter (see [the API guide](api.md#filters)).",
        "",
    ]
    lines += object_tables("filter", schema, "filter")
    ops = schema.get("properties", {}).get("op", {}).get("enum", list(OPERATORS))
    lines += ["| Operator | Matches records whose value ... |", "|---|---|"]
    for op in ops:
        lines.append(f"| `{op}` | {OPERATORS.get(op, '')} |")
    lines += ["", "Which operators a field accepts depends on its type (see each type below).",
              ""]
    return lines


def _field_types_section(field_types: Sequence[Mapping]) -> list[str]:
    lines = [
        "## Field types",
        "",
        "A field's `type` picks one of these; its `config` holds that type's options. Each "
        "type decides how values are checked and normalised, how they are stored, how they are "
        "shown and what lists and reports may do with them.",
        "",
        "| Type | 中文 | English | Search | Sort | Group by | Aggregations |",
        "|---|---|---|---|---|---|---|",
    ]
    for ft in field_types:
        label = ft.get("label") or {}
        lines.append(
            f"| [`{ft['type']}`](#field-type-{ft['type']}) | {cell(label.get('zh', ''))} | "
            f"{cell(label.get('en', ''))} | {yes(ft.get('searchable'))} | "
            f"{yes(ft.get('sortable'))} | {yes(ft.get('can_group_by'))} | "
            f"{', '.join(ft.get('aggregations') or ()) or '—'} |")
    lines.append("")
    for ft in field_types:
        lines += _field_type_section(ft)
    return lines


def _field_type_section(ft: Mapping) -> list[str]:
    label = ft.get("label") or {}
    names = " / ".join(x for x in (label.get("zh"), label.get("en")) if x)
    lines = [f"### Field type `{ft['type']}`", ""]
    if names:
        lines += [f"**{names}**" + (f" — {sentence(ft['description'])}"
                                    if ft.get("description") else ""), ""]
    elif ft.get("description"):
        lines += [sentence(ft["description"]), ""]
    lines += ["| Capability | |", "|---|---|"]
    for key, title in FLAG_ROWS:
        if key in ft:
            lines.append(f"| {title} | {yes(ft.get(key))} |")
    lines.append(f"| aggregations | {codes(ft.get('aggregations'))} |")
    lines.append(f"| filter operators | {codes(ft.get('filter_ops'))} |")
    if "time_grains" in ft:
        lines.append(f"| time grains in reports | {codes(ft.get('time_grains'))} |")
    if ft.get("widget"):
        lines.append(f"| widget | `{ft['widget']}` |")
    lines.append("")
    config = ft.get("config_schema") or {}
    if config.get("properties"):
        required = config.get("required")
        lines += ["Options (`config`)" + (f", required: {codes(required)}" if required else "")
                  + ":", ""]
        lines += object_tables(f"config_{ft['type']}", config, f"`{ft['type']}` config")
    else:
        lines += ["Options: none (`config` may be left out, or be `{}`).", ""]
    if ft.get("value_schema"):
        lines += ["Value in records and the API (for its field in the [example](#examples)), "
                  "as JSON Schema:",
                  "", "```json", dump(ft["value_schema"], width=96), "```", ""]
    return lines


def _examples_section() -> list[str]:
    return [
        "## Examples",
        "",
        "An app with two forms and a view; the `contact` form uses every field type. "
        "Records of it travel as flat JSON objects keyed by field key, plus `id`, `version`, "
        "`created_at`, `updated_at`, `created_by` and `owner`.",
        "",
        "### Example `form`: contact",
        "",
        "```json", dump(EXAMPLE_FORM), "```",
        "",
        "### Example `form`: company",
        "",
        "```json", dump(EXAMPLE_COMPANY_FORM), "```",
        "",
        "### Example `view`",
        "",
        "```json", dump(EXAMPLE_VIEW), "```",
        "",
        "### Example `app`",
        "",
        "```json", dump(EXAMPLE_APP), "```",
        "",
    ]


# -- tables of object schemas -----------------------------------------------------------------
