"""Files uploaded to the instance folder and attached to a record, with size and type limits."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from metadata.orm import JSONValue
from runtime.fields.base import FieldType, FieldValueError, UploadRules, config
from runtime.fields.roles.files import accepts

ATTACHMENT_ID = r"^[0-9a-f]{32}$"
_FILE_ID = re.compile(ATTACHMENT_ID)
DEFAULT_MAX_MB = 20


class AttachmentField(FieldType):
    default_column = False
    type = "attachment"
    matchable = False  # files identify nobody
    label = {"zh": "附件", "en": "Attachment"}
    icon = "⇪"
    description = ("Files uploaded with POST /api/v1/files and linked by id; limits on count, "
                   "size (MB) and type (extensions like .pdf or MIME patterns like image/*).")
    config_schema = {
        "type": "object",
        "properties": {
            "max_files": {"type": "integer", "minimum": 1, "maximum": 100},
            "max_size_mb": {"type": "number", "exclusiveMinimum": 0, "maximum": 1024},
            "accept": {"type": "array", "maxItems": 50,
                       "items": {"type": "string", "pattern": r"^(\.[A-Za-z0-9]{1,10}|"
                                                            r"[a-z]+/[A-Za-z0-9.+*-]+)$"}},
        },
        "additionalProperties": False,
    }
    widget = "attachment"
    public_input = False
    sortable = False
    filter_ops = ("isnull", "notnull")

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        ref = {"oneOf": [{"type": "string", "pattern": ATTACHMENT_ID},
                         {"type": "object", "required": ["id"],
                          "properties": {"id": {"type": "string", "pattern": ATTACHMENT_ID}}}]}
        return {"type": "array", "items": ref}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not isinstance(value, list):
            value = [value]
        out, seen = [], set()
        for item in value:
            ident = item.get("id") if isinstance(item, dict) else item
            if not isinstance(ident, str) or len(ident) != 32 or not ident.isalnum():
                raise FieldValueError(msg("must list uploaded files by their id"))
            if ident not in seen:
                seen.add(ident)
                out.append({"id": ident.lower()})
        limit = config(fld).get("max_files", 10)
        if len(out) > limit:
            raise FieldValueError(msg("takes at most %(n)s files", n=limit))
        return out

    def parse_form(self, raw: Sequence[str], fld: Mapping) -> Any:
        return [r for r in raw if r.strip()]

    def unknown_references(self, fld: Mapping, values: Sequence[Any], refs, app_key: str
                           ) -> dict[int, str]:
        ids = {a["id"] for v in values if v for a in v}
        found = refs.attachments(ids) if ids else {}
        cfg = config(fld)
        max_bytes = int(cfg.get("max_size_mb", DEFAULT_MAX_MB) * 1024 * 1024)
        problems = {}
        for i, v in enumerate(values):
            for item in v or []:
                meta = found.get(item["id"])
                if meta is None:
                    problems[i] = msg("file %(n)s does not exist or is not visible to you",
                                      n=item["id"])
                    break
                if meta["size"] > max_bytes:
                    problems[i] = msg("%(name)s is larger than %(n)s MB", name=meta["name"],
                                      n=cfg.get("max_size_mb", DEFAULT_MAX_MB))
                    break
                if not accepts(cfg.get("accept", []), meta["name"], meta["content_type"]):
                    problems[i] = msg("%(name)s is not an accepted type (%(types)s)",
                                      name=meta["name"], types=", ".join(cfg["accept"]))
                    break
                item.update(name=meta["name"], size=meta["size"],
                            content_type=meta["content_type"])
        return problems

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return JSONValue

    def holds_files(self, fld: Mapping) -> bool:
        return True

    def file_ids(self, value: Any, fld: Mapping) -> set[str]:
        return {item["id"] for item in value or []}

    def upload_rules(self, fld: Mapping) -> UploadRules:
        cfg = config(fld)
        return UploadRules(tuple(cfg.get("accept", [])),
                           float(cfg.get("max_size_mb", DEFAULT_MAX_MB)))

    def file_mentions(self, table: sa.Table, fld: Mapping, file_id: str):
        if not _FILE_ID.match(file_id):
            return sa.false()
        # the stored JSON holds {"id": "<32 hex digits>"}: no LIKE wildcards to escape
        return sa.cast(table.c[fld["key"]], sa.Text).like(f'%"{file_id}"%')

    def is_empty(self, value: Any) -> bool:
        return not value

    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        return ", ".join(a.get("name", a["id"]) for a in value or [])

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        cfg = config(fld)
        return {"files": value or [], "accept": ",".join(cfg.get("accept", [])),
                "multiple": cfg.get("max_files", 10) > 1,
                "max_size_mb": cfg.get("max_size_mb", DEFAULT_MAX_MB)}

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any):
        col = table.c[fld["key"]]
        text = sa.cast(col, sa.Text)
        empty = sa.or_(col.is_(None), text.in_(["[]", "null"]))
        return empty if op == "isnull" else sa.not_(empty)
