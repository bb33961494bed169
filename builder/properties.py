"""The property panel of one field, generated from its type's config schema.

Python decides every input (kind, label, value shown, options, where its errors go); the
template prints them and builder.js writes each input back into the draft document at
``path`` (dot-separated inside the field).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _

from builder.switching import may_be_unique, switch_targets
from builder.wording import ENUM_LABELS, prop_help, prop_label
from metadata.labels import is_placeholder
from runtime.fields.base import FieldType, config, formula_default, label_text

VALIDATION = frozenset({"min", "max", "min_length", "max_length", "pattern", "pattern_message",
                        "min_items", "max_items", "min_rows", "max_rows", "max_files",
                        "max_size_mb", "accept"})
# what a field cleans and keeps: the panel's "Cleaning" group
CLEANING = frozenset({"invalid", "keep_extension", "flag_free_mail", "collapse_spaces",
                      "half_width", "case"})
PLAIN_DEFAULT = {"string": "string", "integer": "integer", "number": "number",
                 "boolean": "boolean"}
HEX_COLOR = "^#[0-9a-fA-F]{6}$"
COLUMN_ORDER = {"color": 0, "label": 1}


@dataclass
class Prop:
    """One input of the panel."""

    path: str  # dot path inside the field: "config.min_length"
    label: str
    kind: str  # string integer number decimal boolean enum list label text key formula ...
    value: Any = ""
    help: str = ""
    lang: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    expect: str = "value"  # formulas: "boolean" or "value"
    locked: bool = False
    columns: list[Prop] = field(default_factory=list)  # array editors: the cells of a row
    rows: list[dict] = field(default_factory=list)  # array editors: {"item": json, "cells"}
    sortable: bool = False
    variant: str = ""  # tells apart two inputs of one path (a default value and its formula)

    @property
    def pointer(self) -> str:
        return "/" + self.path.replace(".", "/")

    @property
    def dom_id(self) -> str:
        return "p-" + "-".join(part for part in (self.path.replace(".", "-"), self.lang,
                                                 self.variant) if part)


@dataclass
class Group:
    title: str
    props: list[Prop]


@dataclass
class Panel:
    index: int
    type: str
    type_label: str
    type_description: str
    icon: str
    groups: list[Group]
    # the types the field may become, its own first: (type, label); empty: none
    type_options: list[tuple[str, str]] = field(default_factory=list)
    stored: bool = False  # its data is stored: only types the values convert to are offered


@dataclass
class PanelContext:
    lang: str
    forms: Mapping[str, dict]  # the app's form drafts, by key (relation pickers)
    locked_keys: frozenset[str]  # keys whose column exists (published)
    types: Any  # the field-type registry: iterable, and indexed by type
    widgets: Any  # the widget registry: which widgets print a placeholder
    published: Mapping[str, Any] | None = None  # the field as published (None: it is not)


@dataclass
class Placement:
    """Where the field sits: its section's columns and how many of them it spans."""

    columns: int = 1
    span: int = 1


def build_panel(fld: dict, index: int, ctx: PanelContext,
                placement: Placement | None = None) -> Panel:
    ftype = ctx.types[fld["type"]]
    width = width_prop(placement or Placement())
    groups = [Group(_("Basics"), basics(fld, ftype, ctx) + ([width] if width else [])),
              Group(_("Options"), [p for name, p in config_props(fld, ftype, ctx)
                                   if name not in VALIDATION | CLEANING]),
              Group(_("Cleaning"), [p for name, p in config_props(fld, ftype, ctx)
                                    if name in CLEANING]),
              Group(_("Validation"), validation(fld, ftype, ctx)),
              Group(_("Rules"), rules(fld, ftype, ctx))]
    stored = fld.get("key") in ctx.locked_keys
    targets = switch_targets(fld, ctx.types, stored)
    options = [(t.type, label_text(t.label, ctx.lang)) for t in [ftype, *targets]]
    return Panel(index=index, type=ftype.type, type_label=label_text(ftype.label, ctx.lang),
                 type_description=ftype.description if ctx.lang == "en" else "",
                 icon=ftype.icon, groups=[g for g in groups if g.props],
                 type_options=options if targets else [], stored=stored)


def basics(fld: dict, ftype: FieldType, ctx: PanelContext) -> list[Prop]:
    label = fld.get("label")
    props = [Prop("label", _("Label (Chinese)"), "label", _lang_text(label, "zh"), lang="zh"),
             Prop("label", _("Label (English)"), "label", _lang_text(label, "en"), lang="en")]
    locked = fld.get("key") in ctx.locked_keys
    props.append(Prop("key", _("Key"), "key", fld.get("key", ""), locked=locked,
                      help=_("Locked since the form was published: formulas, filters and "
                             "the API find the field by it.") if locked
                      else _("Derived from the label; used by the API and in formulas.")))
    props.append(Prop("help", _("Help text"), "text", _lang_text(fld.get("help"), ctx.lang),
                      lang=ctx.lang))
    if ctx.widgets[ftype.widget].placeholder:
        props.append(Prop("placeholder", _("Placeholder"), "text",
                          _lang_text(fld.get("placeholder"), ctx.lang), lang=ctx.lang))
    return props


def width_prop(placement: Placement) -> Prop | None:
    """Buttons for the field's width in a section of several columns: 1/3, 2/3, full row."""
    columns = max(1, min(placement.columns, 4))
    if columns < 2:
        return None
    options = [(str(n), _("Full row") if n == columns else _fraction(n, columns))
               for n in range(1, columns + 1)]
    return Prop("span", _("Width"), "span", str(max(1, min(placement.span, columns))),
                options=options, help=_("How many of its section's columns the field takes."))


def _fraction(n: int, columns: int) -> str:
    part = Fraction(n, columns)
    return f"{part.numerator}/{part.denominator}"


def validation(fld: dict, ftype: FieldType, ctx: PanelContext) -> list[Prop]:
    props = []
    if not ftype.generated:
        props.append(Prop("required", _("Required"), "boolean", bool(fld.get("required"))))
    if may_be_unique(ftype, fld):
        props.append(Prop("unique", _("No duplicates"), "boolean", bool(fld.get("unique")),
                          help=_("Two records may not have the same value.")))
    props += [p for name, p in config_props(fld, ftype, ctx) if name in VALIDATION]
    if not ftype.generated:
        props.append(validate_rules(fld))
    return props


def validate_rules(fld: dict) -> Prop:
    columns = [Prop("formula", _("Condition that must hold"), "formula", expect="boolean"),
               Prop("message", _("Message when it does not"), "text")]
    rows = [{"item": _json(item), "cells": [
        Prop("formula", columns[0].label, "formula", item.get("formula", ""), expect="boolean"),
        Prop("message", columns[1].label, "label", _lang_text(item.get("message"), "")),
    ]} for item in fld.get("validate") or []]
    return Prop("validate", _("Validation formulas"), "array", columns=columns, rows=rows,
                help=_("Each formula must be true for the record to be saved."))


def rules(fld: dict, ftype: FieldType, ctx: PanelContext) -> list[Prop]:
    props = [Prop("visible_if", _("Visible when"), "formula", fld.get("visible_if", ""),
                  expect="boolean", help=_("Leave empty to always show the field."))]
    if not ftype.generated:
        props.append(Prop("required_if", _("Required when"), "formula",
                          fld.get("required_if", ""), expect="boolean"))
        props.append(Prop("readonly_if", _("Read-only when"), "formula",
                          fld.get("readonly_if", ""), expect="boolean"))
        props += default_props(fld, ftype, ctx)
    return props


def default_props(fld: dict, ftype: FieldType, ctx: PanelContext) -> list[Prop]:
    props = []
    plain = fld.get("default") if formula_default(fld) is None else None
    kind = PLAIN_DEFAULT.get(_value_type(ftype, fld))
    choices = ftype.default_choices(fld, ctx.lang)
    if choices is not None:
        options = [("", "—")] + [(_json(value), label) for value, label in choices]
        props.append(Prop("default", _("Default value"), "enum",
                          _json(plain) if plain is not None else "", options=options))
    elif kind == "boolean":
        props.append(Prop("default", _("Checked by default"), "boolean", plain is True))
    elif kind:
        props.append(Prop("default", _("Default value"), kind, "" if plain is None
                          else str(plain)))
    props.append(Prop("default", _("Default formula"), "default-formula",
                      formula_default(fld) or "", expect="value", variant="formula",
                      help=_("Computed for each new record; wins over a fixed default.")))
    return props


def _value_type(ftype: FieldType, fld: dict) -> str | None:
    try:
        kind = ftype.value_schema(fld).get("type")
    except (KeyError, TypeError, ValueError):
        return None
    return kind if isinstance(kind, str) else None


# -- the type's own options ---------------------------------------------------------------
def config_props(fld: dict, ftype: FieldType, ctx: PanelContext) -> list[tuple[str, Prop]]:
    schema = ftype.config_schema
    cfg = config(fld)
    out = []
    for name, prop in schema.get("properties", {}).items():
        if prop.get("readOnly"):
            continue  # the runtime fills it in (a calculated field's result type)
        built = config_prop(name, prop, cfg, ftype, ctx)
        if built is not None:
            out.append((name, built))
    return out


def config_prop(name: str, schema: dict, cfg: Mapping, ftype: FieldType, ctx: PanelContext
                ) -> Prop | None:
    path, value = f"config.{name}", cfg.get(name)
    label, hint = prop_label(name), prop_help(name) or _schema_title(schema)
    ref = schema.get("$ref", "")
    if name == "formula" or ref.endswith("/formula"):
        return Prop(path, label, "formula", value or "", help=hint, expect="value")
    if name == "target_form":
        options = [(_json(k), label_text(d.get("label"), ctx.lang) or k)
                   for k, d in ctx.forms.items()]
        return Prop(path, label, "enum", _json(value) if value else "", options=options,
                    help=hint)
    if name == "display_field":
        target = ctx.forms.get(cfg.get("target_form"), {})
        options = [("", "—")] + [(_json(f["key"]), label_text(f.get("label"), ctx.lang))
                                 for f in target.get("fields", [])]
        return Prop(path, label, "enum", _json(value) if value else "", options=options,
                    help=hint)
    if "enum" in schema:
        options = [("", "—")] + [(_json(v), ENUM_LABELS.get(str(v)) and _(ENUM_LABELS[str(v)])
                                  or str(v)) for v in schema["enum"]]
        return Prop(path, label, "enum", _json(value) if value is not None else "",
                    options=options, help=hint)
    return typed_prop(path, label, hint, schema, value, ctx)


def typed_prop(path: str, label: str, hint: str, schema: dict, value: Any, ctx: PanelContext
               ) -> Prop | None:
    kind = schema.get("type")
    shown = "" if value is None else value
    if kind == "boolean":
        return Prop(path, label, "boolean", value is True, help=hint)
    if kind in ("integer", "number", "string"):
        if kind == "string" and schema.get("pattern") == HEX_COLOR:
            kind = "color"
        return Prop(path, label, kind, str(shown), help=hint)
    if isinstance(kind, list) and "number" in kind:
        return Prop(path, label, "decimal", str(shown), help=hint)
    if kind == "array":
        return array_prop(path, label, hint, schema, value or [], ctx)
    return None


def published_values(path: str, ctx: PanelContext) -> frozenset[str]:
    """The values of the items of the array at ``path`` ("config.choices") as published:
    records may hold them, so they no longer follow their labels."""
    found: Any = ctx.published or {}
    for part in path.split("."):
        found = found.get(part) if isinstance(found, Mapping) else None
    return frozenset(item.get("value") for item in found or []
                     if isinstance(item, Mapping) and isinstance(item.get("value"), str))


def array_prop(path: str, label: str, hint: str, schema: dict, value: list, ctx: PanelContext
               ) -> Prop | None:
    items = schema.get("items", {})
    if items.get("type") == "string" or items.get("$ref", "").endswith("/key"):
        return Prop(path, label, "list", ", ".join(map(str, value)),
                    help=hint or _("Separate entries with commas."))
    if items.get("$ref", "").endswith("/field"):
        columns = sub_field_columns(ctx)
    elif items.get("type") == "object":
        columns = [c for c in (item_column(n, s, ctx)
                               for n, s in items.get("properties", {}).items()) if c]
        columns.sort(key=lambda c: COLUMN_ORDER.get(c.kind, 9))  # colour, label, the rest
    else:
        return None
    kept = published_values(path, ctx)
    # an item's value follows its label until the form is published with it (like keys)
    rows = [{"item": _json(item), "cells": [_cell(c, item, ctx) for c in columns],
             "follows": isinstance(item.get("value"), str) and item["value"] not in kept}
            for item in value if isinstance(item, dict)]
    return Prop(path, label, "array", columns=columns, rows=rows, sortable=True, help=hint)


def item_column(name: str, schema: dict, ctx: PanelContext) -> Prop | None:
    if schema.get("$ref", "").endswith("/label"):
        return Prop(name, prop_label(name), "label", lang=ctx.lang)
    if schema.get("pattern") == HEX_COLOR:
        return Prop(name, prop_label(name), "color")
    if schema.get("type") in ("string", "integer", "number", "boolean"):
        return Prop(name, prop_label(name), schema["type"])
    return None


def sub_field_columns(ctx: PanelContext) -> list[Prop]:
    options = [(t.type, label_text(t.label, ctx.lang)) for t in ctx.types
               if t.sub_field_allowed and not t.separate_storage and not t.generated
               and not t.config_schema.get("required")]
    return [Prop("label", _("Label"), "label", lang=ctx.lang),
            Prop("key", _("Key"), "string"),
            Prop("type", _("Type"), "enum", options=[(_json(v), t) for v, t in options]),
            Prop("required", _("Required"), "boolean")]


def _cell(column: Prop, item: dict, ctx: PanelContext) -> Prop:
    value = item.get(column.path)
    hint = ""
    if column.kind == "label":
        shown: Any = _lang_text(value, column.lang)
        seen = label_text(value, column.lang)
        if is_placeholder(shown) and seen != shown:
            shown = ""  # a placeholder is no translation of what the designer wrote
        # not written in this language yet: what readers of it see meanwhile
        hint = "" if shown else seen
    elif column.kind == "boolean":
        shown = value is True
    elif column.kind == "enum":
        shown = _json(value) if value is not None else ""
    else:
        shown = "" if value is None else str(value)
    return Prop(column.path, column.label, column.kind, shown, lang=column.lang,
                options=column.options, expect=column.expect, help=hint)


def _lang_text(text: Any, lang: str) -> str:
    if isinstance(text, dict):
        return text.get(lang, "") if lang else label_text(text, "zh")
    return "" if text is None else str(text)


def _schema_title(schema: dict) -> str:
    title = schema.get("title", "")
    return title if isinstance(title, str) else ""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
