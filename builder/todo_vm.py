"""View models of the to-do settings editor (/build/<app>/todo): what its scripts need besides
the app draft's ``todo`` — each form with its fields, the relation fields that link it to
each other form (a hint's related count, a follow-up's link), the text fields a follow-up's
note may go to and the placeholders a hint's text may name — and the words they print.
Python decides all of it; the template hands it over as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.rules_vm import form_fields
from builder.todo_words import todo_strings
from metadata.labels import label_text
from runtime.fields.base import FieldType

RECORD_ID = "id"  # a placeholder every form has


@dataclass
class TodoVM:
    app_key: str
    app_label: str
    revision: int
    published_version: int | None
    draft_dirty: bool
    document_json: str
    config_json: str
    urls: dict[str, str] = field(default_factory=dict)


def form_entry(key: str, form: Mapping, types: Mapping[str, FieldType], lang: str
               ) -> dict[str, Any]:
    """A form as the editor offers it: its relation fields by the form they link to, the text
    fields a note may go to, and the placeholders a hint's text may name."""
    fields = form_fields(form, types, lang)
    links: dict[str, list[list[str]]] = {}
    for f in fields:
        if f["link"]:
            links.setdefault(f["link"], []).append([f["key"], f["label"]])
    return {
        "key": key, "label": label_text(form.get("label"), lang) or key,
        "links": links,
        "relations": [[f["key"], f["label"]] for f in fields if f["link"]],
        "notes": [[f["key"], f["label"]] for f in fields
                  if f["kind"] == "text" and not f["link"]],
        "placeholders": [[f["key"], f["label"]] for f in fields if f["kind"] is not None]
        + [[RECORD_ID, RECORD_ID]],
    }


def todo_config(forms: Mapping[str, Mapping], types: Mapping[str, FieldType], lang: str
                ) -> dict[str, Any]:
    return {"forms": [form_entry(k, f, types, lang) for k, f in forms.items()],
            "t": todo_strings(), "lang": lang}


def todo_vm(draft: Mapping, published: Mapping | None, config: dict[str, Any], lang: str,
            **doc: Any) -> TodoVM:
    """``doc``: app_key, revision, published_version and urls."""
    return TodoVM(
        app_label=label_text(draft.get("label"), lang) or doc["app_key"],
        draft_dirty=published != draft,
        document_json=json.dumps(draft, ensure_ascii=False),
        config_json=json.dumps(config, ensure_ascii=False), **doc)
