"""The record list page: columns, sort, filters, search and paging from view metadata."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from flask import url_for
from werkzeug.datastructures import MultiDict

from metadata.errors import InvalidDocument, Problem
from metadata.messages import msg
from metadata.orm import whole_number
from runtime.fields.base import FieldValueError, label_text
from runtime.formula.names import labelled_source
from runtime.storage.query import COUNT_CAP, MAX_PAGE, ListQuery, Page, list_records
from runtime.storage.records import Records
from runtime.storage.transactions import QueryStopped
from runtime.web import current_runtime
from runtime.web.forms.display import flag_text, local_time
from runtime.web.forms.list_vm import (
    DEFAULT_COLUMNS,
    DEFAULT_PER_PAGE,
    LIST_OPS,
    NO_VALUE_OPS,
    Chip,
    Column,
    ListVM,
    Row,
    formula_example,
    op_labels,
    system_labels,
)
from runtime.web.forms.navigation import published
from runtime.web.forms.preferences import DEFAULT, SYSTEM_COLUMNS, views_menu
from runtime.web.forms.references import References
from runtime.web.identity.review import open_count
from runtime.web.messages import translate


def identity_links(vm: ListVM, records: Records) -> None:
    """The review queue (with the number of pairs waiting) and the merge history, for a form
    with match rules."""
    plan = records.plan
    if not (plan.doc.get("identity") or {}).get("match"):
        return
    keys = {"app_key": plan.app_key, "form_key": plan.form_key}
    vm.merges_url = url_for("forms.merge_history", **keys)
    if records.may("update"):
        vm.review_url = url_for("forms.review_queue", **keys)
        vm.review_count = open_count(records)


def shared_views(records: Records) -> list[dict]:
    """The published views of the records' form."""
    plan = records.plan
    return [doc.body for doc in published(records.session, "view", plan.app_key)
            if doc.body.get("form") == plan.form_key]


def find_view(views: list[dict], wanted: str | None) -> dict | None:
    """The shared view asked for by key, else the form's first one, else None."""
    for body in views:
        if body["key"] == wanted:
            return body
    return views[0] if views else None


class ListBuilder:
    """Reads the request's list parameters and builds the page's view model."""

    def __init__(self, records: Records, refs: References, args: MultiDict, lang: str,
                 saved: Mapping[str, dict] | None = None):
        self.records = records
        self.plan = records.plan
        self.refs = refs
        self.lang = lang
        self.saved = dict(saved or {})  # the reader's own list states (preferences.saved)
        self.mine = args.get("mine", "") if args.get("mine", "") in self.saved else ""
        if self.mine and not any(args.get(k) for k in ("q", "sort", "f", "fx", "view")):
            args = self._with_saved(args)  # a personal view opened: its filters and sort
        self.shared = shared_views(records)
        self.view = find_view(self.shared, args.get("view"))
        # the filter bar posts its empty row with every search: only rows naming a field stay
        rows = [row for row in zip(args.getlist("f"), args.getlist("o"), args.getlist("v"),
                                   strict=False) if row[0].strip()]
        self.state = {"view": args.get("view", ""), "q": args.get("q", "").strip()[:200],
                      "sort": args.get("sort", ""), "f": [r[0] for r in rows],
                      "o": [r[1] for r in rows], "v": [r[2] for r in rows],
                      "fx": args.get("fx", "").strip()[:2000], "mine": self.mine}
        self.page = whole_number(args.get("page") or "1", MAX_PAGE) or 0
        if self.page < 1:
            raise InvalidDocument([Problem("/page", msg("the page must be a number from 1 to "
                                                        "%(n)s", n=MAX_PAGE))], status=400)
        self.visible = [f for f in self.plan.fields if f["key"] not in records.access.hidden]

    # -- state and URLs -----------------------------------------------------------------------
    def url(self, **overrides: Any) -> str:
        state = {**self.state, **overrides}
        params = []
        for key, value in state.items():
            if isinstance(value, list):  # filter parts: kept aligned, blanks included
                params += [(key, v) for v in value]
            elif value not in ("", None):
                params.append((key, value))
        base = url_for("forms.record_list", app_key=self.plan.app_key,
                       form_key=self.plan.form_key)
        return base + ("?" + urlencode(params) if params else "")

    def label(self, key: str) -> str:
        fld = self.plan.by_key.get(key)
        if fld is None:
            return system_labels().get(key, key)
        return label_text(fld.get("label"), self.lang) or key

    # -- columns and sort ---------------------------------------------------------------------
    def _with_saved(self, args: MultiDict) -> MultiDict:
        state = self.saved[self.mine]
        out = MultiDict(args)
        for key in ("q", "sort", "fx"):
            if state.get(key):
                out[key] = state[key]
        for key in ("f", "o", "v"):
            out.setlist(key, list(state.get(key) or []))
        return out

    def column_keys(self) -> list[str]:
        keys = [f["key"] for f in self.visible]
        chosen = self.saved.get(self.mine or DEFAULT, {}).get("columns")
        if not self.mine and self.state["view"]:
            chosen = None  # a shared view asked for by name: as its designer made it
        wanted = chosen or (self.view or {}).get("columns") or \
            self.default_columns() + ["updated_at"]
        return [k for k in wanted if k in SYSTEM_COLUMNS or k in keys]

    def default_columns(self) -> list[str]:
        """The first fields that fit a table's cell (not long texts, files, sub-tables) and
        show for every record (not conditional ones): status and score included."""
        return [f["key"] for f in self.visible if self.plan.types[f["type"]].default_column
                and not f.get("visible_if")][:DEFAULT_COLUMNS]

    def sortable(self, key: str) -> bool:
        if key in SYSTEM_COLUMNS:
            return True
        fld = self.plan.by_key[key]
        ftype = self.plan.types[fld["type"]]
        return ftype.sortable and ftype.sort_expression(self.plan.table, fld) is not None

    def numeric(self, key: str) -> bool:
        fld = self.plan.by_key.get(key)
        return fld is not None and self.plan.types[fld["type"]].numeric

    def sort(self) -> list[tuple[str, str]]:
        raw = self.state["sort"]
        key = raw.lstrip("-")
        if key and (key in SYSTEM_COLUMNS or key in {f["key"] for f in self.visible}) \
                and self.sortable(key):
            return [(key, "desc" if raw.startswith("-") else "asc")]
        self.state["sort"] = ""
        # the view's order by fields hidden from this reader would show their order: skipped
        hidden = self.records.access.hidden
        return [(s["field"], s.get("direction", "asc")) for s in (self.view or {}).get("sort", [])
                if s["field"] not in hidden]

    def columns(self, sort: list[tuple[str, str]]) -> list[Column]:
        current = dict(sort[:1])
        out = []
        for key in self.column_keys():
            col = Column(key, self.label(key), self.sortable(key), direction=current.get(key, ""),
                         numeric=self.numeric(key))
            if col.sortable:
                flip = "-" + key if col.direction == "asc" else key
                col.sort_url = self.url(sort=flip, page="")
            out.append(col)
        return out

    # -- filters ------------------------------------------------------------------------------
    def user_filters(self) -> list[dict]:
        out = []
        for key, op, value in zip(self.state["f"], self.state["o"], self.state["v"], strict=False):
            if op in NO_VALUE_OPS:
                out.append({"field": key, "op": op})
            elif op in LIST_OPS:
                items = [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
                out.append({"field": key, "op": op, "value": items})
            elif value.strip():
                out.append({"field": key, "op": op, "value": value.strip()})
        return out

    def chips(self, view_filters: list[dict], mine: list[dict], failed: frozenset[str]
              ) -> list[Chip]:
        ops = op_labels()

        def text(flt: Mapping) -> str:
            value = self.value_text(flt["field"], flt.get("value"))
            parts = [self.label(flt["field"]), ops.get(flt["op"], flt["op"])]
            return " ".join(parts + ([value] if value else []))

        out = [Chip(text(f)) for f in view_filters]
        out += [Chip("ƒx " + self.shown_formula(source)) for source, _at in self.view_formulas()]
        if self.state["fx"]:
            out.append(Chip("ƒx " + self.state["fx"], self.url(fx="", page=""),
                            failed="fx" in failed))
        for i, flt in enumerate(mine):
            keep = [j for j in range(len(mine)) if j != i]
            out.append(Chip(text(flt), self.url(
                f=[mine[j]["field"] for j in keep], o=[mine[j]["op"] for j in keep],
                v=[_value_text(mine[j].get("value")) for j in keep], page=""),
                failed="filters" in failed))
        return out

    def value_text(self, key: str, value: Any) -> str:
        """A filter's value as the list shows it: a choice by its label, a user by name."""
        fld = self.plan.by_key.get(key)
        items = value if isinstance(value, list) else [] if value in (None, "") else [value]
        if fld is None:
            return ", ".join(map(str, items))
        ftype, out = self.plan.types[fld["type"]], []
        for item in items:
            try:
                shown = self.refs.text(fld, ftype.coerce_filter(item, fld))
            except (FieldValueError, TypeError, ValueError):
                shown = ""
            out.append(shown or str(item))
        return ", ".join(out)

    def filter_values(self, filters: list[dict]) -> None:
        """Tell the references what the filters' values name (users, linked records)."""
        for flt in filters:
            fld = self.plan.by_key.get(flt["field"])
            value = flt.get("value")
            for item in value if isinstance(value, list) else [value]:
                if fld is None or item in (None, ""):
                    continue
                try:
                    self.refs.add(fld, self.plan.types[fld["type"]].coerce_filter(item, fld))
                except (FieldValueError, TypeError, ValueError):
                    continue

    def shown_formula(self, source: str) -> str:
        """A view's formula as the reader reads it: fields by their labels."""
        scope = self.records.reader.scope()
        return source if scope is None else labelled_source(source, scope, self.lang)

    def filter_fields(self) -> list[dict]:
        """The fields the filter bar offers: their conditions, and how a value is asked for
        (choices to pick from, a date, a person, a related record)."""
        out = []
        for f in self.visible:
            ftype = self.plan.types[f["type"]]
            ask = ftype.filter_input(f, self.lang)
            if ask["kind"] == "relation":
                ask["lookup"] = url_for("forms.relation_lookup", app_key=self.plan.app_key,
                                        form_key=self.plan.form_key, field_path=f["key"])
            elif ask["kind"] == "user":
                ask["lookup"] = url_for("forms.user_search")
            out.append({"key": f["key"], "label": self.label(f["key"]),
                        "ops": ",".join(ftype.operators(f)), "input": ask})
        return out

    # -- the page -----------------------------------------------------------------------------
    def view_formulas(self) -> list[tuple[str, str]]:
        source = (self.view or {}).get("filter")
        return [(source, "/filter")] if source else []

    def query(self, sort: list, filters: list[dict], per_page: int
              ) -> tuple[Page, str, frozenset[str]]:
        """The page of records for the view's filters and the reader's ``filters``, formula
        and search; when the reader's do not hold, as much of them as holds, why, and which
        were left out ("fx": the formula; "filters": the rest too)."""
        formulas = [(self.state["fx"], "/fx")] if self.state["fx"] else []
        view_only = list((self.view or {}).get("filters", []))
        query = ListQuery(filters=filters, formulas=formulas, view_filters=view_only,
                          view_formulas=self.view_formulas(), sort=sort, q=self.state["q"],
                          page=self.page, per_page=per_page,
                          count_cap=current_runtime().settings.get("list_count_cap", COUNT_CAP))
        try:
            return list_records(self.records, query), "", frozenset()
        except (InvalidDocument, QueryStopped) as exc:
            message = self._refused(exc)
            if not isinstance(exc, QueryStopped) and formulas and all(
                    p.path.startswith("/fx") for p in exc.problems):
                # only the typed formula is wrong: the other filters still apply
                try:
                    page = list_records(self.records, replace(query, formulas=[]))
                    return page, message, frozenset({"fx"})
                except (InvalidDocument, QueryStopped) as again:
                    self._refused(again)
            fallback = ListQuery(view_filters=view_only, view_formulas=self.view_formulas(),
                                 sort=[], page=1, per_page=per_page)
            return list_records(self.records, fallback), message, frozenset({"fx", "filters"})

    def _refused(self, exc: InvalidDocument | QueryStopped) -> str:
        """Why a list query was refused (after what a refusal needs: PostgreSQL refuses more
        in the transaction of a stopped statement)."""
        if isinstance(exc, QueryStopped):
            self.records.session.rollback()
        return "; ".join(translate(p.message) for p in exc.problems)

    def build(self, title: str, can_create: bool) -> ListVM:
        sort = self.sort()
        view_filters = list((self.view or {}).get("filters", []))
        mine = self.user_filters()
        per_page = int((self.view or {}).get("per_page") or DEFAULT_PER_PAGE)
        page, error, failed = self.query(sort, mine, per_page)
        columns = self.columns(sort)
        fields = [self.plan.by_key[c.key] for c in columns if c.key in self.plan.by_key]
        self.refs.add_records(fields, page.records)
        for record in page.records:
            self.refs.add_user(record.get("owner"))
        self.filter_values(view_filters + mine)
        self.refs.load()
        vm = ListVM(title=title, url=self.url(q="", page=""), q=self.state["q"],
                    total=page.total or 0, columns=columns, total_exact=page.total_exact,
                    more=page.next_cursor is not None,
                    rows=[self.row(r, columns) for r in page.records], error=error,
                    chips=self.chips(view_filters, mine, failed),
                    filter_fields=self.filter_fields(),
                    ops=[{"value": k, "label": v} for k, v in op_labels().items()],
                    view_label=label_text((self.view or {}).get("label"), self.lang))
        vm.fx = self.state["fx"]
        vm.fx_example = formula_example(self.visible, self.plan.types, self.lang)
        every = [(f["key"], self.label(f["key"])) for f in self.visible]
        every += [(k, self.label(k)) for k in SYSTEM_COLUMNS]
        vm.menu = views_menu(self.plan.app_key, self.plan.form_key, self.shared,
                             self.lang, self.saved, self.state, every,
                             [c.key for c in columns])
        vm.hidden = [(k, self.state[k]) for k in ("view", "sort", "mine") if self.state[k]]
        vm.hidden += [(k, v) for k in ("f", "o", "v") for v in self.state[k]]
        self.paging(vm, per_page)
        if can_create:
            vm.new_url = url_for("forms.record_new", app_key=self.plan.app_key,
                                 form_key=self.plan.form_key)
            vm.import_url = url_for("forms.import_home", app_key=self.plan.app_key,
                                    form_key=self.plan.form_key)
        identity_links(vm, self.records)
        return vm

    def flag(self, key: str, value: Any) -> str:
        fld = self.plan.by_key.get(key)
        return "" if fld is None else flag_text(self.plan.types[fld["type"]], fld, value)

    def row(self, record: Mapping, columns: list[Column]) -> Row:
        cells = []
        for col in columns:
            if col.key in ("created_at", "updated_at"):
                cells.append(local_time(record.get(col.key)))
            elif col.key == "owner":
                owner = record.get("owner")
                cells.append(self.refs.user_name(owner) if owner else "")
            elif col.key == "id":
                cells.append(f"#{record['id']}")
            else:
                cells.append(self.refs.text(self.plan.by_key[col.key], record.get(col.key)))
        url = url_for("forms.record_detail", app_key=self.plan.app_key,
                      form_key=self.plan.form_key, record_id=record["id"])
        return Row(record["id"], url, [(text, col.numeric, self.flag(col.key, record.get(col.key)))
                                       for text, col in zip(cells, columns, strict=True)])

    def paging(self, vm: ListVM, per_page: int) -> None:
        last = max(1, math.ceil(vm.total / per_page))
        if not vm.total_exact:  # past the counted records, pages go on while records follow
            last = max(last, self.page + 1 if vm.more else self.page)
        current = min(self.page, last) if vm.total else self.page
        shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
        previous = 0
        for number in shown:
            if number - previous > 1:
                vm.pages.append({"number": None, "url": "", "current": False})
            vm.pages.append({"number": number, "url": self.url(page=number if number > 1 else ""),
                             "current": number == current})
            previous = number
        if current > 1:
            vm.prev_url = self.url(page=current - 1 if current > 2 else "")
        if current < last:
            vm.next_url = self.url(page=current + 1)
        if last == 1:
            vm.pages = []


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
