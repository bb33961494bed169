"""Schema nodes as reference text: types, constraints, tables of properties."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

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
    "form.cleaning": ("Cleaning rules: formulas that rewrite a field's value on every write "
                      "(pages, API, bulk, imports, public forms, webhooks), in order, after "
                      "each field's own cleaning (phone numbers to E.164, e-mail domains, place "
                      "names, texts as the field's options ask) and before the required checks "
                      "and validation formulas. Each rule's result goes through its field's "
                      "own cleaning; a result the field cannot take leaves the value as it "
                      "was. See [cleaning rules](#cleaning-rules)."),
    "form.cleaning[].field": "The field the rule writes (not a calculated or generated one).",
    "form.cleaning[].formula": ("What the field becomes; it sees the record as cleaned so far "
                                "(earlier rules included) and gives a value of the field's "
                                "kind (a place is given as text, e.g. `PHONE_REGION({phone})`)."),
    "form.cleaning[].if_blank": ("Only when the field is blank (and the formula gives a "
                                 "value): fills in, never overwrites."),
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
                     "update, and within one bulk request; the error names the record that "
                     "holds it as `record`, to those who may read it); only types stored in "
                     "one column may be unique. Records that shared a value before the field "
                     "became unique keep it (the publish lists them) and may be saved with "
                     "it."),
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
                    "`nin`; none for `isnull` and `notnull`; for `flagged` and `unflagged`, "
                    "none (any flag) or a flag's code or a list of them (`invalid`, "
                    "`free_mail`, `unresolved`).",
}

REF_LINKS = {
    "key": "[key](#definition-key)",
    "label": "[label](#definition-label)",
    "text": "[text](#definition-text)",
    "field": "[field](#field-entry)",
    "permissions": "[permission policy](#permission-policy)",
    "filter": "[filter](#filter)",
}


def object_tables(context: str, schema: Mapping, title: str, heading_level: int = 4
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
            f"| `{name}` | {cell(type_text(node, name if inline else None))} | "
            f"{'yes' if name in required else ''} | {cell('; '.join(constraints(node)))} |"
            + (f" {cell(notes[name])} |" if described else ""))
        if inline is not None:
            suffix, sub = inline
            nested.append((f"{context}.{name}{suffix}", f"{name}{suffix}", sub))
    if schema.get("additionalProperties") is False:
        lines += ["", "No other properties are allowed."]
    lines.append("")
    for sub_context, path, sub in nested:
        lines += [f"{'#' * heading_level} {title} → `{path}`", ""]
        lines += object_tables(sub_context, sub, title, heading_level)
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
    return sentence(text) if text else ""


def type_text(node: Any, inline_name: str | None = None) -> str:
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
            return " or ".join(dict.fromkeys(type_text(alt) for alt in node[combo]))
    kind = node.get("type")
    if kind == "array":
        items = node.get("items")
        if inline_name and isinstance(items, Mapping) and items.get("properties"):
            return f"array of objects (`{inline_name}[]` below)"
        return f"array of {type_text(items)}" if items else "array"
    if kind == "object":
        values = node.get("additionalProperties")
        if isinstance(values, Mapping):
            names = node.get("propertyNames")
            key = type_text(names) if names else "string"
            value = f"object (`{inline_name}.*` below)" if inline_name and values.get(
                "properties") else type_text(values)
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


def constraints(node: Any) -> list[str]:
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
        out += [f"each {c}" for c in constraints(items)]
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
def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def paren(parts: Iterable[str]) -> str:
    parts = list(parts)
    return f" ({', '.join(parts)})" if parts else ""


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, even inside code spans)."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(value: Any) -> str:
    return f"`{value}`" if isinstance(value, str) else f"`{json.dumps(value)}`"


def codes(values: Iterable[Any] | None) -> str:
    values = list(values or ())
    return ", ".join(_code(v) for v in values) if values else "—"


def yes(flag: Any) -> str:
    return "yes" if flag else "no"


def dump(value: Any, indent: int = 0, width: int = 100, used: int = 0) -> str:
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
            members.append(f"{inner}{key}{dump(v, indent + 2, width, len(key))}")
        return "{\n" + ",\n".join(members) + f"\n{pad}}}"
    members = [f"{inner}{dump(v, indent + 2, width)}" for v in value]
    return "[\n" + ",\n".join(members) + f"\n{pad}]"
