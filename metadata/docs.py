"""The metadata reference (docs/metadata.md), rendered from the JSON Schemas of the kinds.

Pure: schemas and field types come in as plain data, Markdown text goes out. ``python -m app.docs``
gathers the inputs from the field-type registry and writes the file; a test renders it again and
fails when the file is stale.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

GENERATOR = "python -m app.docs"

# What the example documents look like: the contact form, grown to use every field type.
EXAMPLE_APP: dict[str, Any] = {
    "kind": "app", "key": "crm", "label": {"zh": "客户管理", "en": "CRM"},
    "description": "Contacts and the companies they work for.",
    "color": "#2f6f4f",
    "navigation": [{"form": "contact", "view": "open_contacts"}, {"form": "company"}],
}
EXAMPLE_COMPANY_FORM: dict[str, Any] = {
    "kind": "form", "key": "company", "label": {"zh": "公司", "en": "Company"},
    "title_field": "name",
    "fields": [
        {"key": "name", "type": "text", "label": "公司名称", "required": True},
        {"key": "website", "type": "url", "label": "网址"},
    ],
}
EXAMPLE_FORM: dict[str, Any] = {
    "kind": "form", "key": "contact", "label": {"zh": "联系人", "en": "Contact"},
    "description": {"zh": "销售线索的联系人", "en": "People we sell to"},
    "title_field": "name",
    "fields": [
        {"key": "name", "type": "text", "label": "姓名", "required": True,
         "config": {"max_length": 100}},
        {"key": "phone", "type": "phone", "label": "手机", "config": {"default_region": "CN"}},
        {"key": "stage", "type": "select", "label": "阶段", "default": "new",
         "config": {"choices": [{"value": "new", "label": "新建"},
                                {"value": "won", "label": "成交", "color": "#2e7d32"}]}},
        {"key": "company", "type": "relation", "label": "公司",
         "config": {"target_form": "company", "display_field": "name"}},
        {"key": "notes", "type": "textarea", "label": {"zh": "备注", "en": "Notes"},
         "config": {"rows": 4}},
        {"key": "employees", "type": "number", "label": "员工数", "config": {"min": 0}},
        {"key": "budget", "type": "decimal", "label": "预算",
         "config": {"precision": 2, "min": "0", "currency": "CNY"}},
        {"key": "birthday", "type": "date", "label": "生日"},
        {"key": "next_call", "type": "datetime", "label": "下次联系",
         "config": {"timezone": "Asia/Shanghai"}},
        {"key": "subscribed", "type": "boolean", "label": "订阅资讯", "default": False},
        {"key": "interests", "type": "multiselect", "label": "感兴趣的产品",
         "config": {"choices": [{"value": "crm", "label": "CRM"},
                                {"value": "erp", "label": "ERP"}],
                    "display": "checkboxes"}},
        {"key": "email", "type": "email", "label": "邮箱",
         "placeholder": "name@example.com"},
        {"key": "website", "type": "url", "label": "个人主页"},
        {"key": "region", "type": "region", "label": "地区",
         "config": {"levels": 3, "countries": ["CN"]}},
        {"key": "sales_rep", "type": "user", "label": "负责销售",
         "config": {"roles": ["member"]}},
        {"key": "files", "type": "attachment", "label": "附件",
         "help": {"zh": "名片或合同，PDF 或图片", "en": "Business card or contract"},
         "config": {"max_files": 5, "max_size_mb": 10, "accept": [".pdf", "image/*"]}},
        {"key": "code", "type": "auto_number", "label": "编号",
         "config": {"prefix": "C{YYYY}{MM}-", "digits": 4}},
        {"key": "items", "type": "sub_table", "label": "意向产品",
         "config": {"fields": [
             {"key": "product", "type": "text", "label": "产品", "required": True},
             {"key": "quantity", "type": "number", "label": "数量", "config": {"min": 1}},
             {"key": "price", "type": "decimal", "label": "单价", "config": {"precision": 2}},
         ], "max_rows": 50}},
    ],
    "permissions": {"roles": {
        "member": {"create": "all", "read": "team", "update": "own", "delete": "none",
                   "readonly_fields": ["stage"]},
        "intern": {"create": "own", "read": "own", "update": "own", "delete": "none",
                   "hidden_fields": ["budget"]},
    }},
}
EXAMPLE_VIEW: dict[str, Any] = {
    "kind": "view", "key": "open_contacts", "form": "contact",
    "label": {"zh": "跟进中的联系人", "en": "Open contacts"},
    "columns": ["code", "name", "company", "stage", "sales_rep", "updated_at"],
    "sort": [{"field": "updated_at", "direction": "desc"}],
    "filters": [{"field": "stage", "op": "ne", "value": "won"}],
    "per_page": 50,
}

KIND_INTROS = {
    "form": ("A form defines a record type: publishing it creates (or migrates) the real table "
             "`<app>__<form>`, one typed column per field (sub-tables and multiple relations get "
             "child tables), plus the system columns `id`, `version`, `created_at`, "
             "`updated_at`, `created_by`, `owner_id` and `deleted_at`."),
}

# Prose for the properties of each kind, keyed by "<kind or definition>.<property path>".
NOTES = {
    "app.kind": "Always `app`.",
    "app.key": "The app's key; the prefix of its tables. Never changes after publishing.",
    "app.label": "The app's name.",
    "app.description": "What the app is for.",
    "app.icon": "Name of the app's icon.",
    "app.color": "The app's colour, `#rrggbb`.",
    "app.navigation": "Menu entries, in order.",
    "app.navigation[].form": "A form of this app.",
    "app.navigation[].view": "A view of that form to open.",
    "app.navigation[].label": "Menu text, in place of the form's label.",
    "form.kind": "Always `form`.",
    "form.key": "The form's key; its table is `<app>__<form>`. Never changes after publishing.",
    "form.label": "The form's name.",
    "form.description": "What the form is for.",
    "form.icon": "Name of the form's icon.",
    "form.title_field": ("The field whose value names a record (in lists, pickers and the "
                         "timeline); default: the first text, auto-number, email or phone "
                         "field."),
    "form.fields": "The fields, in display order. See [field entry](#field-entry).",
    "form.permissions": "Who may do what with the records. See "
                        "[permission policy](#permission-policy).",
    "field.key": ("The column name and the record's JSON key. Unique within the form "
                  "(case-insensitive), no double underscore, and none of the system names "
                  "`id`, `version`, `created_at`, `updated_at`, `created_by`, `owner`, "
                  "`owner_id`, `deleted_at`. Never changes after publishing."),
    "field.type": "The field type; see [field types](#field-types).",
    "field.label": "The field's caption.",
    "field.help": "Help text shown with the input.",
    "field.placeholder": "Text shown in the empty input.",
    "field.required": "A record must have a non-empty value.",
    "field.unique": ("No two live records may hold the same value (checked on create and "
                     "update, and within one bulk request); only types stored in one column "
                     "may be unique."),
    "field.default": ("The value of a new record when none is sent; it must be a valid value "
                      "of the field. Generated fields take none."),
    "field.config": ("The options of the field type, checked against that type's config "
                     "schema; see [field types](#field-types)."),
    "permissions.roles": "A policy per role key.",
    "permissions.roles.*.create": "Scope of records the role may create.",
    "permissions.roles.*.read": "Scope of records the role may see (lists, counts, search, "
                                "history).",
    "permissions.roles.*.update": "Scope of records the role may change.",
    "permissions.roles.*.delete": "Scope of records the role may delete.",
    "permissions.roles.*.hidden_fields": "Fields the role never sees (and cannot set).",
    "permissions.roles.*.readonly_fields": "Fields the role sees but cannot set.",
    "view.kind": "Always `view`.",
    "view.key": "The view's key.",
    "view.form": "The form whose records are listed (a form of the same app).",
    "view.label": "The view's name.",
    "view.columns": ("Columns, in order: field keys, or the system columns `id`, `version`, "
                     "`created_at`, `updated_at`, `owner`."),
    "view.sort": "Sort keys, most significant first.",
    "view.sort[].field": "A field key or system column.",
    "view.sort[].direction": "`asc` (default) or `desc`.",
    "view.filters": "Conditions every listed record meets (all of them). See [filter](#filter).",
    "view.per_page": "Records per page.",
    "filter.field": "A field key or system column.",
    "filter.op": "The operator; see the table below.",
    "filter.value": "The value to compare with, in the field's JSON form; a list for `in` and "
                    "`nin`; none for `isnull` and `notnull`.",
}

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
}
SCOPES = {
    "none": "no records",
    "own": "records the user owns (`owner`)",
    "team": "records owned by the user or by members of the user's teams",
    "all": "every record",
}
# Where a local ``$ref`` leads in this document.
REF_LINKS = {
    "key": "[key](#definition-key)",
    "label": "[label](#definition-label)",
    "text": "[text](#definition-text)",
    "field": "[field](#field-entry)",
    "permissions": "[permission policy](#permission-policy)",
    "filter": "[filter](#filter)",
}
FLAG_ROWS = (
    ("searchable", "full-text search (`q`)"),
    ("sortable", "sortable"),
    ("can_group_by", "group by in reports"),
    ("generated", "value assigned by the system"),
    ("separate_storage", "stored outside the record's row"),
    ("sub_field_allowed", "allowed inside a sub-table"),
)


def render_metadata_reference(schemas: Mapping[str, dict], field_types: Sequence[Mapping],
                              *, default_policy: Mapping[str, Mapping] | None = None) -> str:
    """The Markdown reference of the document kinds and field types.

    ``field_types`` are plain dicts with the keys ``type``, ``label`` ({"zh", "en"}),
    ``description``, ``config_schema``, the capability flags (``searchable``, ``sortable``,
    ``can_group_by``, ``aggregations``, ``filter_ops``, ``generated``, ``separate_storage``,
    ``sub_field_allowed``) and optionally ``time_grains``, ``widget`` and ``value_schema``.
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
        "- field keys are unique within their form (case-insensitive) and are not system names;",
        "- references resolve: `title_field`, the fields a permission policy names, a relation's "
        "`target_form` (and `display_field`), a view's `form`, `columns`, `sort` and `filters`, "
        "an app's navigation;",
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
            lines += [_sentence(node["title"]), ""]
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
        inner = ", ".join(f"`{name}`: {_type(sub)}" + _paren(_constraints(sub))
                          for name, sub in node["properties"].items())
        extra = _constraints({k: v for k, v in node.items() if k != "additionalProperties"})
        return f"an object with {inner}" + (f"; {', '.join(extra)}" if extra else "") + \
            ("; no other properties" if node.get("additionalProperties") is False else "")
    return f"{_type(node)}" + _paren(_constraints(node))


def _kind_section(kind: str, schema: Mapping, default_policy: Mapping | None) -> list[str]:
    lines = [f"## Kind `{kind}`", ""]
    if schema.get("description"):
        lines += [_sentence(schema["description"]), ""]
    if kind in KIND_INTROS:
        lines += [KIND_INTROS[kind], ""]
    lines += _object_tables(kind, schema, kind, heading_level=3)
    if kind == "form":
        field = schema.get("$defs", {}).get("field")
        if field is not None:
            lines += ["### Field entry", "",
                      "Each item of `fields` (and of a sub-table's `config.fields`):", ""]
            lines += _object_tables("field", field, "field entry")
        lines += _permissions_section(schema, default_policy)
    if kind == "view":
        lines += _filter_section(schema)
    return lines


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
    lines += _object_tables("permissions", schema, "permission policy")
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
    lines += _object_tables("filter", schema, "filter")
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
            f"| [`{ft['type']}`](#field-type-{ft['type']}) | {_cell(label.get('zh', ''))} | "
            f"{_cell(label.get('en', ''))} | {_yes(ft.get('searchable'))} | "
            f"{_yes(ft.get('sortable'))} | {_yes(ft.get('can_group_by'))} | "
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
        lines += [f"**{names}**" + (f" — {_sentence(ft['description'])}"
                                    if ft.get("description") else ""), ""]
    elif ft.get("description"):
        lines += [_sentence(ft["description"]), ""]
    lines += ["| Capability | |", "|---|---|"]
    for key, title in FLAG_ROWS:
        if key in ft:
            lines.append(f"| {title} | {_yes(ft.get(key))} |")
    lines.append(f"| aggregations | {_codes(ft.get('aggregations'))} |")
    lines.append(f"| filter operators | {_codes(ft.get('filter_ops'))} |")
    if "time_grains" in ft:
        lines.append(f"| time grains in reports | {_codes(ft.get('time_grains'))} |")
    if ft.get("widget"):
        lines.append(f"| widget | `{ft['widget']}` |")
    lines.append("")
    config = ft.get("config_schema") or {}
    if config.get("properties"):
        required = config.get("required")
        lines += ["Options (`config`)" + (f", required: {_codes(required)}" if required else "")
                  + ":", ""]
        lines += _object_tables(f"config_{ft['type']}", config, f"`{ft['type']}` config")
    else:
        lines += ["Options: none (`config` may be left out, or be `{}`).", ""]
    if ft.get("value_schema"):
        lines += ["Value in records and the API (for its field in the [example](#examples)), "
                  "as JSON Schema:",
                  "", "```json", _dump(ft["value_schema"], width=96), "```", ""]
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
        "```json", _dump(EXAMPLE_FORM), "```",
        "",
        "### Example `form`: company",
        "",
        "```json", _dump(EXAMPLE_COMPANY_FORM), "```",
        "",
        "### Example `view`",
        "",
        "```json", _dump(EXAMPLE_VIEW), "```",
        "",
        "### Example `app`",
        "",
        "```json", _dump(EXAMPLE_APP), "```",
        "",
    ]


# -- tables of object schemas -----------------------------------------------------------------
def _object_tables(context: str, schema: Mapping, title: str, heading_level: int = 4
                   ) -> list[str]:
    """A table of an object schema's properties, then tables of its inline sub-objects."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    notes = {name: _note(context, name, node) for name, node in props.items()}
    described = any(notes.values())  # no empty column while a schema describes nothing
    lines = ["| Property | Type | Required | Allowed values and limits |"
             + (" Description |" if described else ""),
             "|---|---|---|---|" + ("---|" if described else "")]
    nested: list[tuple[str, str, Mapping]] = []
    for name, node in props.items():
        inline = _inline_object(node)
        lines.append(
            f"| `{name}` | {_cell(_type(node, name if inline else None))} | "
            f"{'yes' if name in required else ''} | {_cell('; '.join(_constraints(node)))} |"
            + (f" {_cell(notes[name])} |" if described else ""))
        if inline is not None:
            suffix, sub = inline
            nested.append((f"{context}.{name}{suffix}", f"{name}{suffix}", sub))
    if schema.get("additionalProperties") is False:
        lines += ["", "No other properties are allowed."]
    lines.append("")
    for sub_context, path, sub in nested:
        lines += [f"{'#' * heading_level} {title} → `{path}`", ""]
        lines += _object_tables(sub_context, sub, title, heading_level)
    return lines


def _inline_object(node: Mapping) -> tuple[str, Mapping] | None:
    """An object schema written inline under ``node`` (as the node, its items, or its values)."""
    if node.get("type") == "object" and node.get("properties"):
        return "", node
    items = node.get("items")
    if isinstance(items, Mapping) and items.get("type") == "object" and items.get("properties"):
        return "[]", items
    values = node.get("additionalProperties")
    if isinstance(values, Mapping) and values.get("properties"):
        return ".*", values
    return None


def _note(context: str, name: str, node: Mapping) -> str:
    text = node.get("description") or NOTES.get(f"{context}.{name}") or node.get("title") or ""
    return _sentence(text) if text else ""


def _type(node: Any, inline_name: str | None = None) -> str:
    """A short name of the type a schema describes."""
    if not isinstance(node, Mapping) or not node:
        return "any JSON value"
    if "$ref" in node:
        return _ref(node["$ref"])
    if "const" in node:
        return _json_type(node["const"])
    if "enum" in node:
        types = sorted({_json_type(v) for v in node["enum"]})
        return " or ".join(types)
    for combo in ("oneOf", "anyOf"):
        if combo in node:
            return " or ".join(dict.fromkeys(_type(alt) for alt in node[combo]))
    kind = node.get("type")
    if kind == "array":
        items = node.get("items")
        if inline_name and isinstance(items, Mapping) and items.get("properties"):
            return f"array of objects (`{inline_name}[]` below)"
        return f"array of {_type(items)}" if items else "array"
    if kind == "object":
        values = node.get("additionalProperties")
        if isinstance(values, Mapping):
            names = node.get("propertyNames")
            key = _type(names) if names else "string"
            value = f"object (`{inline_name}.*` below)" if inline_name and values.get(
                "properties") else _type(values)
            return f"object: {key} → {value}"
        if inline_name and node.get("properties"):
            return f"object (`{inline_name}` below)"
        return "object"
    if isinstance(kind, list):
        return " or ".join(kind)
    return str(kind) if kind else "any JSON value"


def _ref(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    if name.startswith("config_"):
        return f"[`{name[7:]}` config](#field-type-{name[7:]})"
    return REF_LINKS.get(name, f"`{name}`")


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def _constraints(node: Any) -> list[str]:
    if not isinstance(node, Mapping):
        return []
    out = []
    if "const" in node:
        out.append(f"always {_code(node['const'])}")
    if "enum" in node:
        out.append("one of " + ", ".join(_code(v) for v in node["enum"]))
    out += _range(("character", "characters"), node.get("minLength"), node.get("maxLength"))
    out += _range(("item", "items"), node.get("minItems"), node.get("maxItems"))
    out += _range(("entry", "entries"), node.get("minProperties"), node.get("maxProperties"))
    low, high = node.get("minimum"), node.get("maximum")
    if "exclusiveMinimum" in node:
        out.append(f"more than {node['exclusiveMinimum']}")
    if low is not None and high is not None:
        out.append(f"from {low} to {high}")
    elif low is not None:
        out.append(f"at least {low}")
    elif high is not None:
        out.append(f"at most {high}")
    if "exclusiveMaximum" in node:
        out.append(f"less than {node['exclusiveMaximum']}")
    if node.get("uniqueItems"):
        out.append("no duplicates")
    if "pattern" in node:
        out.append(f"matches `{node['pattern']}`")
    if "format" in node:
        out.append(f"format `{node['format']}`")
    if node.get("readOnly"):
        out.append("read-only")
    items = node.get("items")
    if isinstance(items, Mapping) and not items.get("properties") and "$ref" not in items:
        out += [f"each {c}" for c in _constraints(items)]
    return out


def _range(units: tuple[str, str], low: int | None, high: int | None) -> list[str]:
    if low is not None and high is not None:
        return [f"{low}–{high} {units[1]}"]
    if low is not None and low > 0:
        return [f"at least {low} {units[low != 1]}"]
    if high is not None:
        return [f"at most {high} {units[high != 1]}"]
    return []


# -- small text helpers -----------------------------------------------------------------------
def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _paren(parts: Iterable[str]) -> str:
    parts = list(parts)
    return f" ({', '.join(parts)})" if parts else ""


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, even inside code spans)."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(value: Any) -> str:
    return f"`{value}`" if isinstance(value, str) else f"`{json.dumps(value)}`"


def _codes(values: Iterable[Any] | None) -> str:
    values = list(values or ())
    return ", ".join(_code(v) for v in values) if values else "—"


def _yes(flag: Any) -> str:
    return "yes" if flag else "no"


def _dump(value: Any, indent: int = 0, width: int = 100, used: int = 0) -> str:
    """JSON, on one line where it fits in ``width`` (``used``: columns taken before it on its
    line), otherwise one member per line."""
    flat = json.dumps(value, ensure_ascii=False)
    if indent + used + len(flat) <= width or not isinstance(value, dict | list) or not value:
        return flat
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict):
        members = []
        for k, v in value.items():
            key = json.dumps(k, ensure_ascii=False) + ": "
            members.append(f"{inner}{key}{_dump(v, indent + 2, width, len(key))}")
        return "{\n" + ",\n".join(members) + f"\n{pad}}}"
    members = [f"{inner}{_dump(v, indent + 2, width)}" for v in value]
    return "[\n" + ",\n".join(members) + f"\n{pad}]"
