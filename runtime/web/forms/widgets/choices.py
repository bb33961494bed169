"""Choices from a list: a dropdown, or buttons when the field's config says so."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from runtime.web.forms.widgets.base import Widget


class ChoicesWidget(Widget):
    placeholder = False
    inline: ClassVar[dict[str, str]] = {}  # the config's display → template of buttons

    def extend(self, page, fld: Mapping, vm, value: Any, raw: Any) -> None:
        buttons = self.inline.get(vm.ctx.get("display"))
        if buttons:
            vm.template = f"runtime/fields/{buttons}"


class SelectWidget(ChoicesWidget):
    key = "select"
    inline = {"radio": "_radio.html"}


class MultiSelectWidget(ChoicesWidget):
    key = "multiselect"
    inline = {"checkboxes": "_checkboxes.html"}
