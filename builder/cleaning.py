"""The form's cleaning rules in the designer's form settings: which field each rule writes,
its formula, whether only a blank field. Python decides the rows; the template prints them;
builder-cleaning.js writes them back into the draft's ``cleaning``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, render_template, request

from runtime.fields.base import FieldType, label_text
from runtime.forms.formulas import cleaning_pointer
from runtime.web import current_runtime
from runtime.web.messages import ui_lang
from runtime.web.routes import POST, Route


@dataclass
class RuleRow:
    index: int
    field: str
    formula: str
    if_blank: bool
    item: str  # the rule as JSON: what the row writes back, less what its inputs change
    pointer: str  # where the formula's errors point


@dataclass
class CleaningVM:
    rows: list[RuleRow]
    targets: list[tuple[str, str]]  # (key, label) of the fields a rule may write
    app_key: str
    form_key: str


def may_be_cleaned(ftype: FieldType | None) -> bool:
    return (ftype is not None and ftype.cleaning_input() is not None
            and not ftype.calculated and not ftype.generated)


def cleaning_vm(fields: list[Mapping], rules: list[Any], types: Mapping[str, FieldType],
                lang: str, app_key: str, form_key: str) -> CleaningVM:
    """The editor's rows for ``rules`` over a draft's ``fields``."""
    targets = [(f["key"], label_text(f.get("label"), lang) or f["key"]) for f in fields
               if isinstance(f, Mapping) and may_be_cleaned(types.get(f.get("type")))]
    rows = [RuleRow(i, str(rule.get("field", "")), str(rule.get("formula", "")),
                    rule.get("if_blank") is True, json.dumps(rule, ensure_ascii=False),
                    cleaning_pointer(i))
            for i, rule in enumerate(rules) if isinstance(rule, Mapping)]
    return CleaningVM(rows, targets, app_key, form_key)


def cleaning_rules(app_key: str, form_key: str):
    """The cleaning-rules editor for a draft's ``fields`` and ``cleaning`` (JSON, posted)."""
    try:
        fields = json.loads(request.form.get("fields") or "[]")
        rules = json.loads(request.form.get("cleaning") or "[]")
    except ValueError:
        abort(400)
    if not isinstance(fields, list) or not isinstance(rules, list):
        abort(400)
    vm = cleaning_vm(fields, rules, current_runtime().fields, ui_lang(), app_key, form_key)
    return render_template("builder/_cleaning_rules.html", vm=vm)


ROUTES: tuple[Route, ...] = (
    ("/<app_key>/forms/<form_key>/_cleaning", "form_cleaning", cleaning_rules, POST),
)
