"""Inputs whose values the record page shows as links: web addresses, e-mail and phone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from runtime.web.forms.widgets.base import Widget


class LinkWidget(Widget):
    scheme: ClassVar[str] = ""  # put before the value to make the link's address

    def show(self, item, page, fld: Mapping, value: Any) -> None:
        item.kind, item.href = "link", self.scheme + str(value)


class UrlWidget(LinkWidget):
    key = "url"


class EmailWidget(LinkWidget):
    key = "email"
    scheme = "mailto:"


class PhoneWidget(LinkWidget):
    key = "phone"
    scheme = "tel:"

    def extend(self, page, fld: Mapping, vm, value: Any, raw: Any) -> None:
        if raw is None and value:  # the number as people write it; it is stored as E.164
            vm.value = page.plan.types[fld["type"]].display(value, fld, page.lang)
