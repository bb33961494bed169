"""Line items: a table of rows, each an input per sub-field, and a template row to add more."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from runtime.fields.base import label_text
from runtime.web.forms.viewmodels import FieldVM, field_vm, posted_value
from runtime.web.forms.widgets.base import Widget

NEW_ROW = "__n__"  # the row number placeholder of a sub-table's template row


class SubTableWidget(Widget):
    key = "sub_table"
    placeholder = False

    def posted(self, ftype, fld: Mapping, parsed: Any) -> tuple[Any, Any]:
        # the rows as posted: each cell is shown again (or its error) by the row's inputs
        return None, parsed

    def extend(self, page, fld: Mapping, vm, value: Any, raw: Any) -> None:
        subs = page.plan.types[fld["type"]].row_fields(fld)
        rows = value if raw is None else raw
        rows = rows if isinstance(rows, list) else []
        vm.ctx["columns"] = [{"label": label_text(s.get("label"), page.lang) or s["key"],
                              "required": bool(s.get("required"))} for s in subs]
        vm.ctx["rows"] = [self.row(page, fld, subs, n, row, vm.readonly)
                          for n, row in enumerate(rows) if isinstance(row, dict)]
        vm.ctx["template_row"] = self.row(page, fld, subs, NEW_ROW, {}, vm.readonly)
        vm.ctx["next_index"] = len(vm.ctx["rows"])
        vm.ctx["add_label"] = _("Add row")

    @staticmethod
    def row(page, fld: Mapping, subs: list[dict], n: int | str, row: dict, readonly: bool
            ) -> list[FieldVM]:
        cells = []
        for sub in subs:
            value, raw = posted_value(page.plan.types[sub["type"]], sub, row.get(sub["key"]))
            cells.append(field_vm(page, sub, value, raw=raw,
                                  name=f"{fld['key']}[{n}][{sub['key']}]",
                                  dom_id=f"f-{fld['key']}-{n}-{sub['key']}",
                                  error_key=fld["key"], readonly=readonly))
        for cell in cells:
            cell.error = ""  # the table shows its error once, above the rows
        return cells

    def show(self, item, page, fld: Mapping, value: Any) -> None:
        subs = page.plan.types[fld["type"]].row_fields(fld)
        item.kind = "table"
        item.table = {"columns": [label_text(s.get("label"), page.lang) or s["key"]
                                  for s in subs],
                      "rows": [[page.refs.text(s, row.get(s["key"])) for s in subs]
                               for row in value]}
