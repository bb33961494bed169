"""View models of the rule editor (/build/<app>/rulesets/<key>): what the editor's scripts
need besides the ruleset draft — the form's fields with what each allows (a condition kind,
its choices, whether a rule may set it), the app's other forms with their links back, teams,
routing strategies, action types, each rule's condition read into rows — and the words they
print. Python decides all of it; the template hands it over as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.rules_conditions import condition_tree
from builder.rules_words import rules_strings
from metadata.labels import label_text
from runtime.fields.base import FieldType

# how the condition builder asks for a value, by the formula type of a field
VALUE_KINDS = {"integer": "number", "number": "number", "date": "date",
               "datetime": "date", "boolean": "boolean", "text": "text",
               "list of text": "list"}
SYSTEM = (("id", "number"), ("created_at", "date"), ("updated_at", "date"))


@dataclass
class RulesVM:
    app_key: str
    key: str
    form_key: str
    form_label: str
    label: str
    revision: int
    published_version: int | None
    draft_dirty: bool
    document_json: str
    config_json: str
    urls: dict[str, str] = field(default_factory=dict)


@dataclass
class RulesetCard:
    key: str
    label: str
    url: str
    rules: int
    published_version: int | None


def settable(ftype: FieldType | None) -> bool:
    """May a rule write this field (stored by hand, seen by formulas)?"""
    return ftype is not None and not (ftype.calculated or ftype.generated) \
        and ftype.formula_type is not None


def field_entry(fld: Mapping, ftype: FieldType, lang: str) -> dict[str, Any]:
    """A field as the editor offers it: its value kind in conditions (None: not in
    conditions), its choices, whether rules may set it and whether it holds people."""
    kind = VALUE_KINDS.get(ftype.formula_type or "")
    shown = ftype.filter_input(fld, lang)
    choices = shown.get("choices") if shown.get("kind") == "choice" else None
    if choices:  # a formula may name a choice by its label in either language
        other = ftype.filter_input(fld, "en" if lang.startswith("zh") else "zh")["choices"]
        choices = [{**c, "other": o.get("label")} for c, o in zip(choices, other, strict=False)]
    if choices and kind == "text":
        kind = "choice"
    return {"key": fld.get("key"), "label": label_text(fld.get("label"), lang) or fld.get("key"),
            "kind": kind, "choices": choices or [], "settable": settable(ftype),
            "users": bool(ftype.holds_users), "numeric": kind == "number",
            "link": ftype.formula_link(fld)}


def form_fields(form: Mapping, types: Mapping[str, FieldType], lang: str) -> list[dict]:
    out = []
    for fld in form.get("fields") or []:
        ftype = types.get(fld.get("type"))
        if ftype is not None and not fld.get("archived") and not ftype.holds_rows:
            out.append(field_entry(fld, ftype, lang))
    return out


def other_forms(forms: Mapping[str, Mapping], own: str, types: Mapping[str, FieldType],
                lang: str) -> list[dict]:
    """The app's forms a rule may create records of or count events from: their fields and
    the relations that link them to the ruleset's form."""
    out = []
    for key, form in forms.items():
        fields = form_fields(form, types, lang)
        out.append({"key": key, "label": label_text(form.get("label"), lang) or key,
                    "fields": fields,
                    "links": [f["key"] for f in fields if f["link"] == own]})
    return out


def condition_fields(fields: list[dict]) -> dict[str, dict]:
    """The fields rows may name (those formulas see), with the label and choices a row shows."""
    return {f["key"]: {"label": f["label"], "choices": f["choices"]}
            for f in fields if f["kind"] is not None}


def rules_config(draft: Mapping, forms: Mapping[str, Mapping], types: Mapping[str, FieldType],
                 lang: str, teams: list[str], strategies: list[tuple[str, str]],
                 actions: list[str]
                 ) -> dict[str, Any]:
    form_key = draft.get("form") or ""
    fields = form_fields(forms.get(form_key) or {}, types, lang)
    system = [{"key": k, "label": k, "kind": kind, "choices": [], "settable": False,
               "users": k == "owner", "numeric": kind == "number", "link": None}
              for k, kind in SYSTEM]
    names = condition_fields(fields)
    return {
        "fields": fields, "system": system, "forms": other_forms(forms, form_key, types, lang),
        "teams": teams, "strategies": strategies, "actionTypes": actions,
        "trees": [condition_tree(r.get("condition"), names) if isinstance(r, Mapping) else None
                  for r in draft.get("rules") or []],
        "t": rules_strings(), "lang": lang,
    }


def rules_vm(draft: Mapping, published: Mapping | None, config: dict[str, Any],
             form_label: str, lang: str, **doc: Any) -> RulesVM:
    """``doc``: app_key, key, revision, published_version and urls."""
    return RulesVM(
        form_key=draft.get("form") or "", form_label=form_label,
        label=label_text(draft.get("label"), lang) or doc["key"],
        draft_dirty=published != draft,
        document_json=json.dumps(draft, ensure_ascii=False),
        config_json=json.dumps(config, ensure_ascii=False), **doc)


def new_ruleset_doc(form_key: str, label: str, taken: list[str], lang: str) -> dict:
    """An empty ruleset for a form, under a key no other ruleset of the app has."""
    base = f"{form_key}_rules"[:60]
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return {"kind": "ruleset", "key": key, "form": form_key,
            "label": {lang: label}, "rules": []}
