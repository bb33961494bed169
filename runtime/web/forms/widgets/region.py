"""A place: country, then province/city/district lists for China, or text elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for

from runtime.fields.region import CHINA
from runtime.web.forms.viewmodels import widget_context
from runtime.web.forms.widgets.base import Widget


class RegionWidget(Widget):
    key = "region"
    placeholder = False

    def extend(self, page, fld: Mapping, vm, value: Any, raw: Any) -> None:
        if raw is not None and isinstance(raw, dict):  # the lists of what was posted
            vm.ctx = widget_context(page.plan.types[fld["type"]], fld, raw, page.lang)
        countries = vm.ctx.get("countries") or []
        vm.ctx["other_countries"] = [c for c in countries if c != CHINA]
        vm.ctx["china"] = vm.ctx.get("country", CHINA) == CHINA
        vm.ctx["show_city"] = vm.ctx.get("levels", 3) >= 2
        vm.ctx["show_district"] = vm.ctx.get("levels", 3) >= 3
        vm.ctx["options_url"] = url_for("forms.region_options")
