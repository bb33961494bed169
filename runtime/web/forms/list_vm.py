"""What the record list page shows, as data for its template: columns, rows, filter chips, the
words of its conditions, and a formula filter to hint at (``runtime.web.forms.listing``
builds it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from runtime.fields.base import label_text

DEFAULT_COLUMNS = 8  # fields a list without a view shows (then the time of the last change)
DEFAULT_PER_PAGE = 20
NO_VALUE_OPS = ("isnull", "notnull", "flagged", "unflagged")
LIST_OPS = ("in", "nin")


def op_labels() -> dict[str, str]:
    return {"eq": _("equals"), "ne": _("does not equal"), "lt": _("less than"),
            "lte": _("at most"), "gt": _("greater than"), "gte": _("at least"),
            "in": _("is one of"), "nin": _("is none of"), "contains": _("contains"),
            "startswith": _("starts with"), "isnull": _("is empty"),
            "notnull": _("is not empty"), "flagged": _("is flagged"),
            "unflagged": _("is not flagged")}


def system_labels() -> dict[str, str]:
    return {"id": _("No."), "created_at": _("Created"), "updated_at": _("Updated"),
            "owner": _("Owner")}


@dataclass
class Column:
    key: str
    label: str
    sortable: bool
    sort_url: str = ""
    direction: str = ""  # "asc" or "desc" when the list is sorted by this column
    numeric: bool = False  # printed right-aligned


@dataclass
class Row:
    id: int
    url: str
    cells: list[tuple[str, bool, str]]  # (text, numeric, cleaning flag shown beside it)


@dataclass
class Chip:
    text: str
    remove_url: str = ""  # empty: a filter of the view, which stays
    failed: bool = False  # a filter of the reader's that could not be applied (see the error)


@dataclass
class ListVM:
    title: str
    url: str
    q: str
    total: int
    columns: list[Column]
    rows: list[Row]
    total_exact: bool = True  # False: more than ``total`` records match
    more: bool = False  # records follow this page
    pages: list[dict] = field(default_factory=list)
    prev_url: str = ""
    next_url: str = ""
    chips: list[Chip] = field(default_factory=list)
    filter_fields: list[dict] = field(default_factory=list)
    ops: list[dict] = field(default_factory=list)
    hidden: list[tuple[str, str]] = field(default_factory=list)  # state kept by the search form
    error: str = ""
    new_url: str = ""
    import_url: str = ""
    review_url: str = ""  # the pairs waiting for review, for those who may update records
    review_count: int = 0
    merges_url: str = ""
    view_label: str = ""
    fx: str = ""  # the formula filter typed into the list's filter bar
    fx_example: str = ""  # a formula filter over this form's own fields, as a hint
    menu: Any = None  # preferences.ViewsMenu: shared and personal views, the column chooser


def formula_example(fields: list[Mapping], types: Mapping, lang: str) -> str:
    """A formula filter a reader of this list could type, in its fields' labels: a number
    field compared, else a choice field equal to its first choice, else a text not blank."""
    def named(fld: Mapping) -> str:
        return "{" + (label_text(fld.get("label"), lang) or fld["key"]) + "}"
    kinds = [(types[f["type"]].formula_type, f) for f in fields]
    for kind, fld in kinds:
        if kind in ("integer", "number"):
            return f"{named(fld)} > 100"
    for kind, fld in kinds:
        choices = types[fld["type"]].formula_choices(fld) if kind == "text" else None
        if choices:
            return f'{named(fld)} = "{choices[0].label(lang)}"'
    for kind, fld in kinds:
        if kind == "text":
            return f'{named(fld)} <> ""'
    return '{created_at} > DATEADD(NOW(), -7, "day")'
