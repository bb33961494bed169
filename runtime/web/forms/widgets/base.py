"""The base of every widget: the defaults a plain input needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from runtime.web.forms.viewmodels import posted_value

if TYPE_CHECKING:
    from runtime.fields.roles.value import ValueRole
    from runtime.web.forms.display import Shown
    from runtime.web.forms.viewmodels import FieldVM, PageContext


class Widget:
    """Page-side knowledge of one widget. Subclasses set ``key`` and override what differs."""

    key: ClassVar[str]
    placeholder: ClassVar[bool] = True  # prints the field's placeholder (the builder offers it)

    def template(self) -> str:
        return f"runtime/fields/_{self.key}.html"

    def extend(self, page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any
               ) -> None:
        """Complete an input's view model: ``value`` is canonical (or None), ``raw`` is a
        posted value that did not coerce (or None)."""

    def posted(self, ftype: ValueRole, fld: Mapping, parsed: Any) -> tuple[Any, Any]:
        """(value, raw) of a posted value shown again: its canonical value when it coerces,
        else what was posted."""
        return posted_value(ftype, fld, parsed)

    def show(self, item: Shown, page: PageContext, fld: Mapping, value: Any) -> None:
        """Complete how the record page shows a value that is not empty (plain text unless a
        widget says otherwise)."""


def field_path(fld: Mapping, vm: FieldVM) -> str:
    """How a widget's helper (search, upload) names its field: ``company``, or ``items.product``
    for the input ``items[3][product]`` of a sub-table row."""
    if vm.name == fld["key"]:
        return fld["key"]
    parent, _sep, rest = vm.name.partition("[")
    return f"{parent}.{rest.rsplit('[', 1)[-1].rstrip(']')}"
