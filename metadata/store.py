"""The versioned document store: drafts with optimistic locking, immutable published versions."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from metadata.checks import CheckContext, FormulaCheck, Validators, check_document
from metadata.errors import Conflict, InvalidDocument, NotFound, Problem, StaleDraft
from metadata.models import Document, DocumentVersion
from metadata.orm import MAX_INTEGER

Now = Callable[[], datetime]


class DocumentStore:
    """Reads and writes documents inside a caller's session; the caller owns the transaction."""

    def __init__(self, validators: Validators, field_types: Mapping, now: Now,
                 formulas: FormulaCheck | None = None, channels: Mapping | None = None):
        self.validators = validators
        self.field_types = field_types
        self.channels = channels or {}  # capture channels, by key (their checks)
        self.now = now
        self.formulas = formulas

    # -- reading -----------------------------------------------------------------------------
    def find(self, session: Session, app_key: str, kind: str, key: str, lock: bool = False
             ) -> Document | None:
        """The document, or None; ``lock`` re-reads it under a row lock (see ``lock``)."""
        query = sa.select(Document).filter_by(app_key=app_key, kind=kind, key=key)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return session.scalar(query)

    def get(self, session: Session, app_key: str, kind: str, key: str, lock: bool = False
            ) -> Document:
        doc = self.find(session, app_key, kind, key, lock)
        if doc is None:
            where = f"app {app_key!r}" if kind != "app" else "this installation"
            raise NotFound([Problem("", f"{kind} {key!r} does not exist in {where}")])
        return doc

    def list(self, session: Session, app_key: str | None = None, kind: str | None = None
             ) -> list[Document]:
        query = sa.select(Document).order_by(Document.app_key, Document.kind, Document.id)
        if app_key is not None:
            query = query.filter_by(app_key=app_key)
        if kind is not None:
            query = query.filter_by(kind=kind)
        return list(session.scalars(query))

    def lock(self, session: Session, doc: Document) -> None:
        """Re-read ``doc`` under a row lock until the transaction ends, so that concurrent
        writers of one document take turns and each sees what the one before it wrote (on
        SQLite every writing transaction already holds the database's write lock)."""
        session.refresh(doc, with_for_update=True)

    def versions(self, session: Session, doc: Document) -> list[DocumentVersion]:
        query = (sa.select(DocumentVersion).filter_by(document_id=doc.id)
                 .order_by(DocumentVersion.number))
        return list(session.scalars(query))

    def version(self, session: Session, doc: Document, number: int) -> DocumentVersion:
        found = session.scalar(sa.select(DocumentVersion)
                               .filter_by(document_id=doc.id, number=number)
                               ) if 0 < number <= MAX_INTEGER else None
        if found is None:
            raise NotFound([Problem("", f"{doc.kind} {doc.key!r} has no version {number}")])
        return found

    def published_body(self, session: Session, doc: Document) -> dict | None:
        if doc.published_version is None:
            return None
        return self.version(session, doc, doc.published_version).body

    def context(self, session: Session, app_key: str, overrides: Mapping[str, dict] = ()
                ) -> CheckContext:
        """The check context of an app: its forms' drafts, with ``overrides`` taking precedence."""
        forms = {d.key: d.draft for d in self.list(session, app_key, "form")}
        forms.update(overrides)
        return CheckContext(app_key=app_key, forms=forms, field_types=self.field_types,
                            formulas=self.formulas, channels=self.channels)

    # -- writing -----------------------------------------------------------------------------
    def check(self, kind: str, body: object, ctx: CheckContext) -> dict:
        """Raise InvalidDocument, or return the checked formulas of ``body``."""
        return check_document(self.validators, kind, body, ctx)

    def save_draft(self, session: Session, app_key: str, kind: str, key: str, body: object,
                   base_revision: int | None = None, user_id: int | None = None,
                   forms: Mapping[str, dict] | None = None) -> Document:
        """Validate ``body`` and store it as the draft; a stale ``base_revision`` is a 409.

        ``forms`` are form bodies that references may resolve to beside the stored drafts (the
        other forms of a package being imported).
        """
        _check_identity(kind, key, body)
        overrides = {**(forms or {}), key: body} if kind == "form" else dict(forms or {})
        formulas = self.check(kind, body, self.context(session, app_key, overrides))
        body = with_sources(body, formulas)
        doc = self.find(session, app_key, kind, key, lock=True)
        if doc is None:
            if kind != "app" and self.find(session, app_key, "app", app_key) is None:
                raise NotFound([Problem("", f"app {app_key!r} does not exist")])
            if base_revision not in (None, 0):
                raise Conflict([Problem("", f"{kind} {key!r} does not exist yet; "
                                            "save it without a base version")])
            doc = Document(app_key=app_key, kind=kind, key=key, draft=copy.deepcopy(body),
                           formulas=formulas, revision=1, updated_at=self.now(),
                           updated_by=user_id)
            doc.created_now = True
            session.add(doc)
            try:
                session.flush()
            except IntegrityError:
                raise Conflict([Problem("", f"{kind} {key!r} was created by someone else at "
                                            "the same time; reload it")]) from None
            return doc
        if base_revision is not None and base_revision != doc.revision:
            raise StaleDraft([Problem("", f"{kind} {key!r} was changed since you read it "
                                          f"(you edited revision {base_revision}, it is now "
                                          f"at revision {doc.revision}); reload and apply "
                                          "your change again")],
                             doc.revision, doc.updated_by, doc.updated_at)
        if doc.draft == body:
            return doc  # saving what is there already changes nothing (autosaves repeat)
        doc.draft = copy.deepcopy(body)
        doc.formulas = formulas
        doc.revision += 1
        doc.updated_at = self.now()
        doc.updated_by = user_id
        session.flush()
        return doc

    def publish(self, session: Session, doc: Document, user_id: int | None = None,
                note: str = "", body: dict | None = None,
                forms: Mapping[str, dict] | None = None) -> DocumentVersion:
        """Make the draft (or ``body``) the next immutable version (``forms``: as in
        ``save_draft``); publishing what is already the published version changes nothing
        and returns that version."""
        self.lock(session, doc)
        body = copy.deepcopy(doc.draft if body is None else body)
        if doc.published_version is not None:
            current = self.version(session, doc, doc.published_version)
            if current.body == body:
                return current
        overrides = {**(forms or {}), doc.key: body} if doc.kind == "form" else dict(forms or {})
        formulas = self.check(doc.kind, body, self.context(session, doc.app_key, overrides))
        body = with_sources(body, formulas)
        number = (doc.published_version or 0) + 1
        latest = session.scalar(sa.select(sa.func.max(DocumentVersion.number))
                                .filter_by(document_id=doc.id))
        number = max(number, (latest or 0) + 1)
        version = DocumentVersion(document_id=doc.id, number=number, body=body,
                                  formulas=formulas, note=note[:500], published_at=self.now(),
                                  published_by=user_id)
        session.add(version)
        doc.published_version = number
        if doc.draft != body:
            doc.draft = copy.deepcopy(body)
            doc.formulas = formulas
            doc.revision += 1
        doc.updated_at = self.now()
        session.flush()
        return version

    def rollback(self, session: Session, doc: Document, number: int, user_id: int | None = None
                 ) -> DocumentVersion:
        """Publish a copy of version ``number`` as the newest version."""
        old = self.version(session, doc, number)
        return self.publish(session, doc, user_id, note=f"rollback to version {number}",
                            body=old.body)


def with_sources(body: object, formulas: Mapping[str, dict]) -> object:
    """``body`` with the source of each checked formula as the check wrote it (a formula that
    names fields by their labels is stored naming them by their keys); a copy if any changed."""
    changes = []
    for ptr, checked in formulas.items():
        source = checked.get("source") if isinstance(checked, dict) else None
        parts = [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]]
        if isinstance(source, str) and parts and _at(body, parts) not in (None, source):
            changes.append((parts, source))
    if not changes:
        return body
    out = copy.deepcopy(body)
    for parts, source in changes:
        holder = _at(out, parts[:-1])
        holder[int(parts[-1]) if isinstance(holder, list) else parts[-1]] = source
    return out


def _at(doc: object, parts: list[str]) -> object:
    """What ``doc`` holds at the path ``parts`` (None: nothing there)."""
    try:
        for part in parts:
            doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return doc


def _check_identity(kind: str, key: str, body: object) -> None:
    if not isinstance(body, dict):
        raise InvalidDocument([Problem("", "a document must be a JSON object")])
    problems = []
    if body.get("kind") != kind:
        problems.append(Problem("/kind", f"must be {kind!r} here, got {body.get('kind')!r}"))
    if body.get("key") != key:
        problems.append(Problem("/key", f"must be {key!r} (the key in the address), got "
                                        f"{body.get('key')!r}; keys never change"))
    if problems:
        raise InvalidDocument(problems)
