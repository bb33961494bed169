"""Which uploaded files a principal may read, and which files records still reference.

A file may be read by its uploader, an admin, or anyone who may read a record (or a sub-table
row of one) that references it in a field they can see. The field types say which of their
values reference files (``holds_files``, ``file_ids``, ``file_mentions``); this module only
walks the forms.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.models import Document, DocumentVersion
from runtime.directory import Directory
from runtime.fields.base import FieldType
from runtime.permissions import Principal, access_for, row_clause
from runtime.storage.models import Attachment, FormTable
from runtime.storage.tables import FormTables, build_tables

BATCH = 1000  # records read at a time while collecting referenced files


@dataclass
class FormFiles:
    """A form whose table has fields that may reference files."""

    app_key: str
    form_key: str
    tables: FormTables
    fields: list[dict]  # the layout's file-holding fields, archived ones included


def forms_with_files(session: Session, field_types: Mapping[str, FieldType]
                     ) -> Iterator[FormFiles]:
    for layout in session.scalars(sa.select(FormTable).order_by(FormTable.id)):
        fields = [f for f in layout.fields if field_types[f["type"]].holds_files(f)]
        if fields:
            yield FormFiles(layout.app_key, layout.form_key,
                            build_tables(layout.table_name, layout.fields, field_types), fields)


def readable_files(session: Session, principal: Principal, ids: set[str],
                   field_types: Mapping[str, FieldType], directory: Directory) -> set[str]:
    """The existing files among ``ids`` that ``principal`` may read."""
    if not ids:
        return set()
    uploaders = dict(session.execute(sa.select(Attachment.id, Attachment.uploaded_by)
                                     .where(Attachment.id.in_(sorted(ids)))).all())
    if principal.is_admin:
        return set(uploaders)
    readable = {i for i, by in uploaders.items()
                if by is not None and by == principal.user_id}
    rest = sorted(set(uploaders) - readable)
    if not rest:
        return readable
    bodies = _published_bodies(session)
    for form in forms_with_files(session, field_types):
        body = bodies.get((form.app_key, form.form_key))
        if body is not None:
            found = _referenced_in_readable(session, principal, form, body, rest, field_types,
                                            directory)
            readable |= found
            rest = [i for i in rest if i not in found]
        if not rest:
            break
    return readable


def _published_bodies(session: Session) -> dict[tuple[str, str], dict]:
    query = (sa.select(Document.app_key, Document.key, DocumentVersion.body)
             .join(DocumentVersion, sa.and_(DocumentVersion.document_id == Document.id,
                                            DocumentVersion.number
                                            == Document.published_version))
             .where(Document.kind == "form"))
    return {(app, key): body for app, key, body in session.execute(query)}


def _referenced_in_readable(session: Session, principal: Principal, form: FormFiles,
                            body: dict, ids: list[str], field_types: Mapping[str, FieldType],
                            directory: Directory) -> set[str]:
    """The files among ``ids`` that a record of ``form`` the principal may read references
    in a live field they can see."""
    access = access_for(principal, body)
    scope = access.scope("read")
    if scope == "none":
        return set()
    live = {f["key"] for f in body.get("fields", [])} - access.hidden
    fields = [f for f in form.fields if f["key"] in live and not f.get("archived")]
    main = form.tables.main
    visible = sa.and_(main.c.deleted_at.is_(None),
                      row_clause(main, principal, scope, directory.members_query))
    checks = {}
    for file_id in ids:
        clauses = [c for f in fields if (c := field_types[f["type"]].file_mentions(
            main, f, file_id)) is not None]
        if clauses:
            checks[file_id] = sa.exists(sa.select(main.c.id).where(visible, sa.or_(*clauses)))
    if not checks:
        return set()
    # one round trip for every file asked about
    row = session.execute(sa.select(*(c.label(f"f{n}") for n, c in
                                      enumerate(checks.values())))).one()
    return {file_id for file_id, hit in zip(checks, row, strict=True) if hit}


def referenced_files(session: Session, field_types: Mapping[str, FieldType]) -> set[str]:
    """Every file a record references, deleted records and archived fields included (their
    data is kept, so are their files)."""
    found: set[str] = set()
    conn = session.connection()
    for form in forms_with_files(session, field_types):
        main = form.tables.main
        typed = [(f, field_types[f["type"]]) for f in form.fields]
        in_row = [main.c[c.name] for f, t in typed if not t.separate(f) for c in t.columns(f)]
        last = 0
        while True:
            rows = conn.execute(sa.select(main.c.id, *in_row).where(main.c.id > last)
                                .order_by(main.c.id).limit(BATCH)).mappings().all()
            if not rows:
                break
            last = rows[-1]["id"]
            record_ids = [r["id"] for r in rows]
            for fld, ftype in typed:
                if ftype.separate(fld):
                    children = form.tables.children.get(fld["key"], [])
                    values = ftype.load_separate(conn, children, record_ids, fld).values()
                else:
                    values = [ftype.from_row(r, fld) for r in rows]
                for value in values:
                    found |= ftype.file_ids(value, fld)
    return found
