"""The API's own request schemas (marshmallow): query arguments of record lists.

Records themselves go through the compiled form plan; these schemas check what the API
defines for itself, and turn every mistake into a ``{path, message}`` problem.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from metadata.errors import Problem, TrellisError
from runtime.storage.query import COUNT_CAP, MAX_PER_PAGE, ListQuery

FILTER_HELP = ('must be a formula like {employees} > 500, a JSON object like {"stage": "new"} '
               'or a list like [{"field": "stage", "op": "eq", "value": "new"}]')


class FilterArg(ma.fields.Field):
    """``filter``: a JSON list of {field, op, value}, or an object {"field": value | {op: v}}."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> list[dict] | str:
        if not isinstance(value, str):
            raise ma.ValidationError(FILTER_HELP)
        if not value.strip():
            return []
        if not is_json_filter(value):
            return value.strip()  # a formula: checked against the form when listing
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ma.ValidationError(f"is not valid JSON (column {exc.colno}: {exc.msg})"
                                     ) from None
        if isinstance(parsed, dict):
            out = []
            for key, cond in parsed.items():
                if isinstance(cond, dict) and cond:
                    out += [{"field": key, "op": op, "value": v} for op, v in cond.items()]
                else:
                    out.append({"field": key, "op": "eq", "value": cond})
            return out
        if isinstance(parsed, list) and all(isinstance(v, dict) and "field" in v
                                            for v in parsed):
            return [{"op": "eq", **v} for v in parsed]
        raise ma.ValidationError(FILTER_HELP)


def is_json_filter(text: str) -> bool:
    """JSON filters start with ``[`` or ``{"``; anything else (``{employees} > 500``,
    ``ISBLANK({email})``) is a formula."""
    text = text.lstrip()
    return text.startswith("[") or (text.startswith("{") and text[1:].lstrip()[:1] in ('"', "}"))


class SortArg(ma.fields.Field):
    """``sort``: comma-separated field keys, ``-`` in front for descending."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> list[tuple[str, str]]:
        if not isinstance(value, str):
            raise ma.ValidationError("must be field keys separated by commas")
        out = []
        for part in (p.strip() for p in value.split(",")):
            if part:
                out.append((part[1:], "desc") if part.startswith("-")
                           else (part.lstrip("+"), "asc"))
        return out


TOTALS = ("1", "true", "exact", "0", "false")


class ListArgs(ma.Schema):
    filter = FilterArg(load_default=list)
    sort = SortArg(load_default=list)
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1),
                             error_messages={"invalid": "must be a whole number"})
    per_page = ma.fields.Integer(load_default=50,
                                 validate=ma.validate.Range(min=1, max=MAX_PER_PAGE),
                                 error_messages={"invalid": "must be a whole number"})
    cursor = ma.fields.String(load_default=None)
    total = ma.fields.String(load_default="1", validate=ma.validate.OneOf(
        TOTALS, error="must be 1 (count up to 10,000), exact or 0 (do not count)"))

    class Meta:
        unknown = ma.EXCLUDE  # other query arguments (cache busters, ...) are ignored


LIST_ARGS = ListArgs()


def list_query(args: Mapping[str, str], count_cap: int = COUNT_CAP) -> ListQuery:
    """A ListQuery from request arguments, or a 400 naming each bad argument."""
    try:
        # an empty page, per_page or total is a mistake; an empty filter, q, sort or cursor
        # means none
        loaded = LIST_ARGS.load(dict(args.items()))
    except ma.ValidationError as exc:
        raise TrellisError([Problem(f"/{name}", " ".join(map(str, messages)))
                            for name, messages in sorted(exc.messages.items())]) from None
    formula = loaded["filter"] if isinstance(loaded["filter"], str) else None
    return ListQuery(filters=[] if formula else loaded["filter"],
                     formulas=[(formula, "/filter")] if formula else [],
                     sort=loaded["sort"], q=loaded["q"],
                     page=loaded["page"], per_page=loaded["per_page"],
                     cursor=loaded["cursor"] or None,
                     with_total=loaded["total"] not in ("0", "false"),
                     exact_total=loaded["total"] == "exact", count_cap=count_cap)
