"""The per-form part of the OpenAPI document, as one reader sees it: for each published form
whose records the reader may read, the record as read, as created and as changed (fields hidden
from the reader left out: not even their names show) and the form's own record endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from metadata.keys import SYSTEM_FIELD_KEYS
from runtime.api.openapi_actions import action_paths
from runtime.api.openapi_imports import import_paths
from runtime.api.openapi_paths import record_paths
from runtime.api.openapi_routing import assignment_paths
from runtime.api.openapi_rules import rules_record_paths
from runtime.api.openapi_schemas import (
    ID,
    arrival_schema,
    bulk_request,
    bulk_result,
    nullable,
    obj,
    record_list,
    ref,
    system_fields,
)
from runtime.api.records import TOUCH_KEY
from runtime.fields.base import label_text
from runtime.forms.plan import FormPlan
from runtime.permissions import Access, Principal
from runtime.storage.reader import ReaderView
from runtime.web import current_runtime, db_session

IGNORED = {"description": "ignored: a record as read can be sent back"}
CALCULATED = {"description": "calculated by the form's formula: what is sent is ignored"}


def readable_forms(principal: Principal | None) -> Iterator[tuple[FormPlan, Access]]:
    """The published forms whose records ``principal`` may read, with the reader's access."""
    if principal is None or not principal.has_scope("records:read"):
        return
    rt, session = current_runtime(), db_session()
    for doc in rt.store.list(session, kind="form"):
        if doc.published_version is None:
            continue
        plan = rt.plan(session, doc.app_key, doc.key)
        # as the records service sees it: calculated fields that read hidden ones hidden too
        access = ReaderView(session, plan, principal, rt.directory).access
        if access.scope("read") != "none":
            yield plan, access


def form_schemas(plan: FormPlan, access: Access) -> dict[str, dict]:
    """``app.form`` (a record as read), ``app.form.new`` and ``app.form.changes``."""
    name = f"{plan.app_key}.{plan.form_key}"
    visible = [f for f in plan.fields if f["key"] not in access.hidden]
    deferred = plan.behaviour.deferred_required if plan.behaviour else frozenset()
    read: dict[str, Any] = dict(system_fields())
    new: dict[str, Any] = {k: IGNORED for k in sorted(SYSTEM_FIELD_KEYS)}
    new["owner"] = {**nullable(ID), "description": "a user id: hand the record to someone "
                                                   "(your role must update all records)"}
    changes = {**new, "version": {"anyOf": [{"type": "integer", "minimum": 1},
                                            {"type": "string", "pattern": "^[0-9]+$"}],
                                  "description": "the version you read: 409 when stale"}}
    new[TOUCH_KEY] = arrival_schema()
    required = []
    for fld in visible:
        key, ftype = fld["key"], plan.types[fld["type"]]
        value = {k: v for k, v in ftype.value_schema(fld).items() if k != "readOnly"}
        title = label_text(fld.get("label"), "en") or key
        read[key] = {**(value if ftype.separate(fld) else nullable(value)), "title": title}
        if ftype.calculated:
            new[key] = changes[key] = CALCULATED
        elif ftype.generated:
            new[key] = {"type": "null", "description": "assigned automatically"}
            changes[key] = {**nullable(value), "description": "may only be sent back unchanged"}
        elif key not in access.readonly:
            new[key] = changes[key] = {**nullable(value), "title": title}
            if fld.get("required") and key not in deferred and fld.get("default") is None:
                required.append(key)
    return {name: obj(read), f"{name}.new": obj(new, required=required),
            f"{name}.changes": obj(changes, required=[])}


def form_paths(plan: FormPlan) -> dict[str, dict]:
    """The record endpoints of one form, with its own schemas."""
    name = f"{plan.app_key}.{plan.form_key}"
    schemas = {"read": ref(name), "new": ref(f"{name}.new"), "changes": ref(f"{name}.changes"),
               "list": record_list(ref(name)), "bulk": bulk_request(f"{name}.new"),
               "bulk_result": bulk_result(ref(name))}
    base = f"/apps/{plan.app_key}/forms/{plan.form_key}/records"
    return {**record_paths(base, name + ".{verb}", schemas, [], tag=f"records of {name}"),
            **action_paths(base, name + ".{verb}", [], f"records of {name}",
                           ref(f"{name}.changes")),
            **import_paths(base.rsplit("/", 1)[0], name + ".{verb}", [],
                           f"records of {name}"),
            **assignment_paths(base, name + ".{verb}", [], f"records of {name}"),
            **rules_record_paths(base, name + ".{verb}", [], f"records of {name}")}
