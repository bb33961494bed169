"""Widgets of one input each, needing nothing beyond their type's ``widget_context``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from runtime.web.forms.viewmodels import input_text
from runtime.web.forms.widgets.base import Widget


class TextWidget(Widget):
    key = "text"


class NumberWidget(Widget):
    key = "number"


class DecimalWidget(Widget):
    key = "decimal"


class DateWidget(Widget):
    key = "date"


class DateTimeWidget(Widget):
    key = "datetime"

    def extend(self, page, fld: Mapping, vm, value: Any, raw: Any) -> None:
        if raw is not None:  # what was typed, as typed
            vm.ctx["local_value"] = input_text(raw)


class TextAreaWidget(Widget):
    key = "textarea"

    def show(self, item, page, fld: Mapping, value: Any) -> None:
        item.kind = "multiline"


class CheckboxWidget(Widget):
    key = "checkbox"
    placeholder = False

    def extend(self, page, fld: Mapping, vm, value: Any, raw: Any) -> None:
        vm.ctx["checked"] = value is True


class ReadonlyWidget(Widget):
    """A value the system gives (auto numbers, calculated fields): shown, never typed."""

    key = "readonly"
    placeholder = False

    def extend(self, page, fld: Mapping, vm, value: Any, raw: Any) -> None:
        vm.ctx["pending"] = _("assigned on save") if value is None else ""
