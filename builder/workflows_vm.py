"""View models of the workflow designer (/build/<app>/workflows...): the list of an app's
workflows, the palette of node types (every type of the runtime's registry, named and with an
icon), the properties panel of each type generated from its config schema, the form's fields
and the other choices the controls offer, and what the instance view shows. Python decides
all of it; the templates hand it over as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.rules_vm import form_fields
from builder.workflows_words import (
    ICONS,
    designer_strings,
    node_help,
    node_words,
    option_words,
)
from metadata.labels import label_text

REF = "#/$defs/"
# options naming something of the app: which list the control picks from
PICKS = {"field": "user_fields", "until_field": "date_fields", "link": "fields",
         "form": "forms", "workflow": "workflows", "strategy": "strategies", "team": "teams",
         "escalate_strategy": "strategies", "escalate_team": "teams"}


@dataclass
class WorkflowCard:
    key: str
    label: str
    form: str
    url: str
    instances_url: str
    history_url: str
    nodes: int
    published_version: int | None
    changed: bool


@dataclass
class DesignerVM:
    app_key: str
    key: str
    label: str
    form_key: str
    form_label: str
    revision: int
    published_version: int | None
    document_json: str
    config_json: str
    urls: dict[str, str] = field(default_factory=dict)


def control(name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """How the properties panel edits one option, read from its JSON Schema."""
    ref = str(schema.get("$ref", ""))
    if ref.startswith(REF):
        kind = ref[len(REF):]
        if kind == "key":
            return {"kind": "pick", "from": PICKS[name]} if name in PICKS \
                else {"kind": "string"}
        return {"kind": {"formula": "formula", "label": "label", "text": "text"}.get(
            kind, "string")}
    if "enum" in schema:
        return {"kind": "select", "options": list(schema["enum"])}
    if "const" in schema:
        return {"kind": "boolean"}
    kind = schema.get("type")
    props = schema.get("properties") or {}
    if kind == "object" and "days" in props:
        return {"kind": "duration"}
    if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
        return {"kind": "formulas"}
    if kind == "array" and "minProperties" in (schema.get("items") or {}):
        return {"kind": "recipients", "options": list((schema["items"].get("properties")
                                                       or {}).keys())}
    if kind == "array":
        return {"kind": "fields"}
    if kind in ("number", "integer", "boolean"):
        return {"kind": kind}
    if name in PICKS:
        return {"kind": "pick", "from": PICKS[name]}
    return {"kind": "string"}


def node_palette(nodes: Iterable[Any]) -> list[dict[str, Any]]:
    """Every node type: its name, icon, the options of its panel (in the schema's order,
    required ones marked), the outcomes its edges may leave on, and how it sits in a graph."""
    names, options, helps = node_words(), option_words(), node_help()
    out = []
    for kind in nodes:
        schema = kind.config_schema
        required = set(schema.get("required") or [])
        out.append({
            "type": kind.type, "label": names.get(kind.type, kind.type),
            "icon": ICONS.get(kind.type, "•"),
            "description": helps.get(kind.type, kind.description),
            "outcomes": list(kind.outcomes), "exclusive": kind.exclusive,
            "trigger": kind.trigger, "ends": kind.ends,
            "options": [{"name": name, "label": options.get(name, name),
                         "required": name in required, **control(name, sub)}
                        for name, sub in (schema.get("properties") or {}).items()]})
    return out


def designer_config(form: Mapping, forms: Mapping[str, Mapping], types: Mapping, lang: str,
                    nodes: Iterable[Any], choices: Mapping[str, list]) -> dict[str, Any]:
    """What the designer's scripts need: the palette, the form's fields by what they may
    hold, the app's forms, workflows, routing strategies and teams, and the words."""
    fields = form_fields(form, types, lang)
    date_fields = [f for f in fields if f["kind"] == "date"]
    system_dates = [{"key": k, "label": k} for k in ("created_at", "updated_at")]
    return {
        "lang": lang, "palette": node_palette(nodes), "t": designer_strings(),
        "fields": [[f["key"], f["label"]] for f in fields],
        "user_fields": [["owner", designer_strings()["values"].get("owner", "owner")]]
        + [[f["key"], f["label"]] for f in fields if f["users"]],
        "date_fields": [[f["key"], f["label"]] for f in date_fields]
        + [[f["key"], f["label"]] for f in system_dates],
        "forms": [[k, label_text(f.get("label"), lang) or k] for k, f in forms.items()],
        **choices}


def designer_vm(doc: Any, forms: Mapping[str, Mapping], config: dict[str, Any], lang: str,
                urls: dict[str, str]) -> DesignerVM:
    draft = doc.draft
    form_key = draft.get("form") or ""
    return DesignerVM(
        app_key=doc.app_key, key=doc.key, label=label_text(draft.get("label"), lang) or doc.key,
        form_key=form_key,
        form_label=label_text((forms.get(form_key) or {}).get("label"), lang) or form_key,
        revision=doc.revision, published_version=doc.published_version,
        document_json=json.dumps(draft, ensure_ascii=False),
        config_json=json.dumps(config, ensure_ascii=False), urls=urls)


def new_workflow_doc(form_key: str, label: str, taken: Iterable[str], lang: str) -> dict:
    """A workflow that checks: a trigger on created records going to an end."""
    base = f"{form_key}_flow"[:60]
    key, n, taken = base, 1, set(taken)
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return {"kind": "workflow", "key": key, "form": form_key, "label": {lang: label},
            "nodes": [{"key": "start", "type": "trigger", "config": {"on": "created"},
                       "position": {"x": 220, "y": 40}},
                      {"key": "end", "type": "end", "position": {"x": 220, "y": 180}}],
            "edges": [{"from": "start", "to": "end"}]}
