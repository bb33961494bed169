"""Who may download an uploaded file: its uploader, an admin, or anyone who may read a record
(or a sub-table row of one) that references it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import Forbidden
from runtime.context import Runtime
from runtime.permissions import Principal
from runtime.storage.models import Attachment, FormTable
from runtime.storage.records import Records


def _mentions(column: sa.ColumnElement, file_id: str) -> sa.ColumnElement[bool]:
    # file ids are 32 hex digits: no LIKE wildcards to escape
    return sa.cast(column, sa.Text).like(f'%"{file_id}"%')


def attachment_visible(runtime: Runtime, session: Session, principal: Principal,
                       attachment: Attachment) -> bool:
    if principal.is_admin or attachment.uploaded_by == principal.user_id:
        return True
    for layout in session.scalars(sa.select(FormTable)):
        live = [f for f in layout.fields if not f.get("archived")]
        direct = [f["key"] for f in live if f["type"] == "attachment"]
        nested = [(f["key"], s["key"]) for f in live if f["type"] == "sub_table"
                  for s in f["config"].get("fields", []) if s["type"] == "attachment"]
        if not direct and not nested:
            continue
        plan = runtime.plan(session, layout.app_key, layout.form_key)
        records = Records(session, plan, principal, runtime.clock.now())
        try:
            visible = records.visible("read")
        except Forbidden:
            continue
        main = plan.table
        conditions = [_mentions(main.c[k], attachment.id) for k in direct
                      if k not in records.access.hidden]
        for parent, sub in nested:
            if parent in records.access.hidden:
                continue
            child = plan.tables.children[parent][0]
            conditions.append(sa.exists(sa.select(child.c.id).where(
                child.c.parent_id == main.c.id, _mentions(child.c[sub], attachment.id))))
        if conditions and session.execute(
                sa.select(main.c.id).where(visible, sa.or_(*conditions)).limit(1)).first():
            return True
    return False
