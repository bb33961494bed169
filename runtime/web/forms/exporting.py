"""Exports of the list a person is looking at: the same records (the view's filters, the
reader's filters, formula and search, the sort, the reader's row scope), the visible columns,
and each value as the list shows it (choice labels, names, titles, regions, local times) in
the reader's language. Short lists are written at once; longer ones by a background job."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from runtime.exports.cells import Cell
from runtime.exports.formats import ExportFormat
from runtime.fields.base import label_text
from runtime.storage.query import ListQuery, list_records
from runtime.storage.records import Records
from runtime.web.forms.display import local_time
from runtime.web.forms.list_vm import system_labels
from runtime.web.forms.listing import ListBuilder
from runtime.web.forms.preferences import SYSTEM_COLUMNS
from runtime.web.forms.references import References

if TYPE_CHECKING:
    from runtime.context import Runtime

INLINE_ROWS = 5000  # lists up to this long download at once; longer ones run in the background
PAGE_ROWS = 1000  # records read (and written) per query
FILE_NAME_BAD = re.compile(r'[\x00-\x1f\\/:*?"<>|]+')


@dataclass
class ExportSpec:
    """Which records in which order, and which columns: what an export job needs to find
    the same list again (JSON, kept on the export)."""

    columns: list[str]
    filters: list[dict] = field(default_factory=list)
    formulas: list[list[str]] = field(default_factory=list)  # [source, error path]
    view_filters: list[dict] = field(default_factory=list)
    view_formulas: list[list[str]] = field(default_factory=list)
    sort: list[list[str]] = field(default_factory=list)  # [field, "asc" | "desc"]
    q: str = ""

    def query(self, cursor: str | None = None, per_page: int = PAGE_ROWS,
              count_cap: int | None = None, exact: bool = False) -> ListQuery:
        """The list query of one page; with ``count_cap``, the matches are counted up to it
        (``exact``: all of them)."""
        return ListQuery(filters=self.filters, formulas=[tuple(f) for f in self.formulas],
                         view_filters=self.view_filters,
                         view_formulas=[tuple(f) for f in self.view_formulas],
                         sort=[tuple(s) for s in self.sort], q=self.q, per_page=per_page,
                         cursor=cursor, with_total=count_cap is not None or exact,
                         exact_total=exact, count_cap=count_cap or 1)

    def as_json(self) -> dict:
        return asdict(self)


def spec_of_list(builder: ListBuilder) -> ExportSpec:
    """The list page's records and columns, as the page's parameters ask for them."""
    view = builder.view or {}
    fx = builder.state["fx"]
    return ExportSpec(columns=builder.column_keys(), filters=builder.user_filters(),
                      formulas=[[fx, "/fx"]] if fx else [],
                      view_filters=list(view.get("filters", [])),
                      view_formulas=[list(f) for f in builder.view_formulas()],
                      sort=[list(s) for s in builder.sort()], q=builder.state["q"])


class ExportTable:
    """The header and the cells of an export, as the reader sees the list."""

    def __init__(self, runtime: Runtime, records: Records, columns: list[str], lang: str):
        self.plan = records.plan
        self.lang = lang
        hidden = records.access.hidden
        self.columns = [k for k in columns if k in SYSTEM_COLUMNS
                        or (k in self.plan.by_key and k not in hidden)]
        self.refs = References(runtime, records.session, self.plan, records.principal, lang)

    def header(self) -> list[str]:
        system = system_labels()
        return [system[k] if k in SYSTEM_COLUMNS
                else label_text(self.plan.by_key[k].get("label"), self.lang) or k
                for k in self.columns]

    def rows(self, found: list[dict]) -> list[list[Cell]]:
        fields = [self.plan.by_key[k] for k in self.columns if k in self.plan.by_key]
        self.refs.add_records(fields, found)
        for record in found:
            self.refs.add_user(record.get("owner"))
        self.refs.load()
        return [[self.cell(key, record) for key in self.columns] for record in found]

    def cell(self, key: str, record: dict) -> Cell:
        value = record.get(key)
        if key == "id":
            return value
        if key in ("created_at", "updated_at"):
            return local_time(value)
        if key == "owner":
            return self.refs.user_name(value) if value else None
        fld = self.plan.by_key[key]
        if self.plan.types[fld["type"]].numeric and value is not None:
            number = _number(value)  # a number stays a number: sums work in a spreadsheet
            if number is not None:
                return number
        return self.refs.text(fld, value) or None


def _number(value: Any) -> int | Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def pages(records: Records, spec: ExportSpec) -> Iterator[list[dict]]:
    """The records of the list, a page at a time (keyset cursors: no page is read twice)."""
    cursor = None
    while True:
        page = list_records(records, spec.query(cursor))
        yield page.records
        cursor = page.next_cursor
        if cursor is None:
            return


def longer_than(records: Records, spec: ExportSpec, rows: int) -> bool:
    """Whether the list holds more than ``rows`` records (counting stops past them)."""
    page = list_records(records, spec.query(per_page=1, count_cap=rows))
    return not page.total_exact


def file_name(title: str, fmt: ExportFormat, now: datetime) -> str:
    """``<list>-<local date and time>.<ext>``, safe on every file system."""
    stamp = local_time(now).replace("-", "").replace(":", "").replace(" ", "-")
    base = FILE_NAME_BAD.sub(" ", title).strip()[:100] or "export"
    return f"{base}-{stamp}.{fmt.extension}"


def write_now(runtime: Runtime, records: Records, spec: ExportSpec, fmt: ExportFormat,
              lang: str, title: str) -> bytes:
    """The whole export, written in this request (short lists)."""
    table = ExportTable(runtime, records, spec.columns, lang)
    out = io.BytesIO()
    fmt.write(out, title, table.header(),
              (row for found in pages(records, spec) for row in table.rows(found)))
    return out.getvalue()
