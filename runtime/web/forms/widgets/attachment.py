"""Files: the ones attached, an upload button, and links to download them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for

from runtime.web.forms.widgets.base import Widget, field_path


def human_size(size: Any) -> str:
    if not isinstance(size, int):
        return ""
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


class AttachmentWidget(Widget):
    key = "attachment"
    placeholder = False

    def extend(self, page, fld: Mapping, vm, value: Any, raw: Any) -> None:
        files = [{"id": item["id"], "name": item.get("name") or item["id"],
                  "size": human_size(item.get("size")),
                  "url": url_for("api.download", file_id=item["id"])} for item in value or []]
        vm.ctx.update(files=files, upload_url=url_for(
            "forms.upload", app_key=page.plan.app_key, form_key=page.plan.form_key,
            field_path=field_path(fld, vm)))

    def show(self, item, page, fld: Mapping, value: Any) -> None:
        item.kind = "links"
        item.links = [{"text": a.get("name") or a["id"],
                       "href": url_for("api.download", file_id=a["id"])} for a in value]
