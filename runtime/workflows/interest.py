"""Which record events the workflows need, per form: a write nothing listens to owes the
workflows' consumer no delivery (and a worker no job). Kept while the metadata stamp stands.

A form's deletes and merges matter when any version of a workflow runs on it (its instances
are cancelled, or follow the record merged into); its updates when a published trigger
starts on them, or when any version (running instances stay on theirs) has an exit condition
or a node that listens to its record; its creates when a published trigger starts on
them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.models import Document, DocumentVersion

if TYPE_CHECKING:
    from metadata.registry import Registry
    from runtime.workflows.nodes.base import NodeType

Interest = Mapping[tuple[str, str], frozenset[str]]  # (app, form) -> event kinds

# what each trigger starts on: threshold crossings and webhooks come with creates and updates
STARTS = {"created": {"create"}, "updated": {"update"}, "field_changed": {"update"},
          "threshold": {"create", "update"}, "webhook": {"create", "update"}}


def interest(rt, session: Session) -> Interest:
    kept = rt.workflow_interest.get(session, "kinds")
    if kept is not None:
        return kept
    query = (sa.select(Document.app_key, Document.published_version, DocumentVersion.number,
                       DocumentVersion.body)
             .join(DocumentVersion, DocumentVersion.document_id == Document.id)
             .where(Document.kind == "workflow"))
    return rt.workflow_interest.keep(session, "kinds", needs(session.execute(query), rt.nodes))


def needs(versions: Iterable, types: Registry[NodeType]) -> Interest:
    """(app, published version, number, body) of every workflow version -> the interest."""
    found: dict[tuple[str, str], set[str]] = {}
    for app_key, published, number, body in versions:
        form = body.get("form")
        if not isinstance(form, str):
            continue
        kinds = found.setdefault((app_key, form), {"delete", "merge"})
        if body.get("exit") or any(_listens(n, types) for n in body.get("nodes") or ()):
            kinds.add("update")
        if number == published and body.get("enabled") is not False:
            for node in body.get("nodes") or ():
                if node.get("type") == "trigger":
                    kinds |= STARTS.get((node.get("config") or {}).get("on"), set())
    return {key: frozenset(kinds) for key, kinds in found.items()}


def _listens(node: Mapping, types: Registry[NodeType]) -> bool:
    kind = types.get(node.get("type")) if isinstance(node.get("type"), str) else None
    return kind is not None and kind.listens(node)
