"""Readable changes between two documents (what publishing does to the stored data is in
``builder.effects``).

Shared by the version history (diffs, rollback) and package import (what an import changes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from builder.identity_changes import identity_sentences
from builder.layout_changes import layout_sentences
from metadata.diff import diff
from runtime.fields.base import label_text

MAX_VALUE = 160
WORDED = frozenset({"layout", "identity"})  # parts of a document whose changes are sentences


@dataclass
class Change:
    """One line of a diff: ``op`` is added, removed, changed or moved."""

    op: str
    subject: str
    prop: str = ""
    old: str = ""
    new: str = ""
    text: str = ""  # a sentence that says it all (a change of the layout)


def subject_names() -> dict[str, str]:
    return {"fields": _("Field"), "navigation": _("Menu entry"), "sort": _("Sort"),
            "filters": _("Saved filter"), "columns": _("Columns"), "label": _("Label"),
            "filter": _("Formula filter"), "per_page": _("Rows per page"),
            "form": _("Form"), "title_field": _("Title field"), "layout": _("Layout"),
            "permissions": _("Permissions"), "description": _("Description"),
            "cleaning": _("Cleaning rules"), "identity": _("Duplicates"),
            "rules": _("Rule"),
            "scoring": _("Scoring model"), "tables": _("Decision table"),
            "trigger": _("Trigger"), "condition": _("Condition"), "actions": _("Actions"),
            "attributes": _("Attribute rule"), "behaviours": _("Behaviour rule"),
            "thresholds": _("Threshold"), "decay": _("Decay"), "rows": _("Row"),
            "inputs": _("Input column"), "outputs": _("Output column"),
            "hit_policy": _("Hit policy"), "enabled": _("Enabled"),
            "stop_after_first_match": _("Stop after the first matching rule"),
            "nodes": _("Node"), "edges": _("Connection"), "exit": _("Exit conditions"),
            "multiple": _("Several instances per record")}


def type_names(types, lang: str) -> dict[str, str]:
    """Each field type's palette name in ``lang``, by its key."""
    return {t.type: label_text(t.label, lang) for t in types}


def value_text(value: Any, lang: str) -> str:
    """A value as a person reads it: labels in the UI language, JSON for the rest."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict) and value and set(value) <= {"zh", "en"}:
        text = label_text(value, lang)
    elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        text = ", ".join(map(str, value))
    elif isinstance(value, dict) and "key" in value and "type" in value:
        name = label_text(value.get("label"), lang)
        text = f"{name} ({value['key']}, {value['type']})" if name else value["key"]
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def quoted(text: str, lang: str) -> str:
    """Quotation marks of the UI language (CJK quotes are full width beside Latin text)."""
    return f"“{text}”" if lang.startswith("zh") else f'"{text}"'


def _segments(path: str) -> list[str]:
    return [s.replace("~1", "/").replace("~0", "~") for s in path.split("/")[1:]]


def _step_name(container: Any, seg: str, lang: str) -> tuple[Any, str]:
    """The child of ``container`` at ``seg`` and how to name it."""
    if isinstance(container, list) and seg.isdigit() and int(seg) < len(container):
        item = container[int(seg)]
        if isinstance(item, dict) and ("key" in item or "value" in item):
            ident = item.get("key", item.get("value"))
            name = label_text(item.get("label"), lang)
            return item, (f"{quoted(name, lang)} ({ident})" if name and name != ident
                          else quoted(str(ident), lang))
        if isinstance(item, dict) and "from" in item and "to" in item:  # a workflow's edge
            return item, f"{item['from']} → {item['to']}"
        return item, f"#{int(seg) + 1}"
    if isinstance(container, dict):
        return container.get(seg), seg
    return None, seg


def _is_field_type(path: str) -> bool:
    segs = _segments(path)
    return len(segs) == 3 and segs[0] == "fields" and segs[2] == "type"


def describe_path(doc: Any, path: str, lang: str) -> tuple[str, str]:
    """(subject, property) of a JSON Pointer into ``doc``: ("Field “名称” (name)", "label › en")."""
    segs = _segments(path)
    if not segs:
        return _("Document"), ""
    names = subject_names()
    head = names.get(segs[0], segs[0])
    node = doc.get(segs[0]) if isinstance(doc, dict) else None
    rest = segs[1:]
    if isinstance(node, list) and rest:
        node, item = _step_name(node, rest[0], lang)
        head, rest = f"{head} {item}", rest[1:]
    parts = []
    for seg in rest:
        node, name = _step_name(node, seg, lang)
        parts.append(name)
    return head, " › ".join(parts)


def describe(old: dict, new: dict, lang: str,
             type_names: Mapping[str, str] | None = None) -> list[Change]:
    """The changes turning ``old`` into ``new``, each named by the field or property it touches;
    a field's type by its name in ``type_names`` (palette names) rather than its key."""
    out = []
    type_names = type_names or {}
    for change in diff(old, new):
        if _segments(change["path"])[0:1] and _segments(change["path"])[0] in WORDED:
            continue  # told in words below
        op = change["op"]
        subject, prop = describe_path(old if op == "removed" else new, change["path"], lang)
        item = Change(op, subject, prop)
        if op == "moved":
            item.old = str(int(_segments(change["from"])[-1]) + 1)
            item.new = str(int(_segments(change["path"])[-1]) + 1)
        else:
            item.old = value_text(change["old"], lang) if "old" in change else ""
            item.new = value_text(change["new"], lang) if "new" in change else ""
            if _is_field_type(change["path"]):
                item.prop = _("Field type")
                item.old, item.new = (type_names.get(v, v) for v in (item.old, item.new))
        out.append(item)
    names = {f["key"]: label_text(f.get("label"), lang) or f["key"]
             for f in new.get("fields", []) if isinstance(f, dict) and "key" in f}
    subject = subject_names()["layout"]
    out += [Change("changed", subject, text=sentence)
            for sentence in layout_sentences(old.get("layout"), new.get("layout"), names, lang)]
    subject = subject_names()["identity"]
    out += [Change(op, subject, text=sentence) for op, sentence in identity_sentences(
        old.get("identity"), new.get("identity"), names, lang)]
    return out
