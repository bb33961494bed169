"""Reading a posted HTML form into a record payload, through each field type's parse_form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from runtime.forms.plan import FormPlan
from runtime.permissions import Access

# sub-table inputs are named <key>[<row>][<sub>]
SUB_NAME = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)\[(?P<row>\d{1,4})\]\[(?P<sub>[a-z][a-z0-9_]*)\]$")
BLANK = (None, "", [], False)


def field_key(name: str) -> str:
    """The field an input belongs to: ``items[2][qty]`` belongs to ``items``."""
    match = SUB_NAME.match(name)
    return match["key"] if match else name.split("[", 1)[0]


def editable_fields(plan: FormPlan, access: Access) -> list[dict]:
    """Fields a person may type into: neither hidden, read-only nor assigned by the system."""
    return [f for f in plan.fields
            if f["key"] not in access.hidden and f["key"] not in access.readonly
            and not plan.types[f["type"]].generated]


def _sub_rows(form: MultiDict) -> dict[str, dict[int, dict[str, list[str]]]]:
    rows: dict[str, dict[int, dict[str, list[str]]]] = {}
    for name in form:
        match = SUB_NAME.match(name)
        if match:
            row = rows.setdefault(match["key"], {}).setdefault(int(match["row"]), {})
            row[match["sub"]] = form.getlist(name)
    return rows


def parse_rows(plan: FormPlan, fld: Mapping, rows: dict[int, dict[str, list[str]]]
               ) -> list[dict]:
    """Posted sub-table rows, in their order on the page; rows left blank are dropped."""
    subs = plan.types[fld["type"]].row_fields(fld)
    out = []
    for n in sorted(rows):
        raw = rows[n]
        row = {sub["key"]: plan.types[sub["type"]].parse_form(raw.get(sub["key"], []), sub)
               for sub in subs}
        # a row left blank posts only empty inputs (and unticked boxes): not a line item
        if any(value not in BLANK for value in row.values()):
            out.append(row)
    return out


def parse_post(plan: FormPlan, form: MultiDict, access: Access) -> dict[str, Any]:
    """The payload of a posted form: every editable field, blank ones as None."""
    payload: dict[str, Any] = {}
    rows = _sub_rows(form)
    for fld in editable_fields(plan, access):
        ftype = plan.types[fld["type"]]
        if ftype.holds_rows:
            payload[fld["key"]] = parse_rows(plan, fld, rows.get(fld["key"], {}))
        else:
            payload[fld["key"]] = ftype.parse_form(form.getlist(fld["key"]), fld)
    return payload
