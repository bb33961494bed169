"""Pickers that search the server: users, and records of another form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for

from runtime.web.forms.widgets.base import Widget, field_path


def options(page, fld: Mapping, value: Any, raw: Any) -> list[dict]:
    """The options a picker starts with: what is picked, by title or name."""
    if raw is not None:
        return [{"value": str(v), "text": str(v)} for v in (raw if isinstance(raw, list)
                                                            else [raw])]
    return [{"value": str(i), "text": text} for i, text in page.refs.items(fld, value)]


class UserWidget(Widget):
    key = "user"

    def extend(self, page, fld: Mapping, vm, value: Any, raw: Any) -> None:
        vm.ctx["options"] = options(page, fld, value, raw)
        roles = ",".join(vm.ctx.get("roles", []))
        vm.ctx["search_url"] = url_for("forms.user_search",
                                       **({"roles": roles} if roles else {}))


class RelationWidget(Widget):
    key = "relation"

    def extend(self, page, fld: Mapping, vm, value: Any, raw: Any) -> None:
        vm.ctx["options"] = options(page, fld, value, raw)
        vm.ctx["search_url"] = url_for("forms.relation_lookup", app_key=page.plan.app_key,
                                       form_key=page.plan.form_key,
                                       field_path=field_path(fld, vm))

    def show(self, item, page, fld: Mapping, value: Any) -> None:
        target = page.plan.types[fld["type"]].names(fld).form
        item.kind = "links"
        item.links = [{"text": text, "href": url_for("forms.record_detail",
                                                     app_key=page.plan.app_key,
                                                     form_key=target, record_id=i)}
                      for i, text in page.refs.items(fld, value)]
