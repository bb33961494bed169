"""The OpenAPI operations and schemas of workflows at work: instances, starting and
cancelling one, workflow incidents, human tasks and the to-do list."""

from __future__ import annotations

from metadata.orm import MAX_INTEGER
from runtime.api.openapi_paths import answer, op, param, pref
from runtime.api.openapi_schemas import ID, KEY, UTC_TIME, nullable, obj, ref
from runtime.api.workflows import MIGRATION, STATUSES

INSTANCE = param("instance_id", schema={"type": "integer", "minimum": 1,
                                        "maximum": MAX_INTEGER}, description="the instance's id")
TASK = param("task_id", schema={"type": "integer", "minimum": 1, "maximum": MAX_INTEGER},
             description="the task's id")
INCIDENT = param("incident_id", schema={"type": "integer", "minimum": 1,
                                        "maximum": 2**31 - 1}, description="the incident's id")

MIGRATED = obj({"from_version": {"type": "integer"}, "to_version": {"type": "integer"},
                "instances": {"type": "integer"}, "reentered": {"type": "integer"},
                "kept": {"type": "integer"}, "dry_run": {"type": "boolean"}})


def later_paths() -> dict[str, dict]:
    """The to-do list's own task actions: snooze, follow-up."""
    paths: dict[str, dict] = {}
    paths["/tasks/{task_id}/snooze"] = {"post": op(
        "post", "snoozeTask", "Keep a task of yours out of your to-do list until a time",
        "workflows", {"200": answer(ref("WorkflowTask"))}, scope="records:write",
        params=[TASK], body=obj({"until": UTC_TIME}), errors=["409"])}
    paths["/tasks/{task_id}/follow_up"] = {"post": op(
        "post", "followUpTask", "Log a follow-up on a task of yours (a record of the app's "
        "follow-up form when it names one, and a note on the task)", "workflows",
        {"200": answer(ref("WorkflowTask"))}, scope="records:write", params=[TASK],
        body=obj({"text": {"type": "string", "minLength": 1, "maxLength": 2000}}),
        errors=["409"])}
    return paths


def migrate_paths() -> dict[str, dict]:
    """Moving running instances to another version (admins)."""
    keys = [pref("app_key"), pref("workflow_key")]
    return {"/apps/{app_key}/workflows/{workflow_key}/migrate": {"post": op(
        "post", "migrateWorkflowInstances", "Move the running instances of one version to "
        "another (the published one by default) with a node mapping (admins); dry_run says "
        "what would move", "workflows", {"200": answer(MIGRATED)}, scope="metadata:write",
        params=keys, body=MIGRATION)}}


def workflow_paths() -> dict[str, dict]:
    keys = [pref("app_key"), pref("workflow_key")]
    base = "/apps/{app_key}/workflows/{workflow_key}"
    status = param("status", "query", {"enum": list(STATUSES)}, "only instances of this status")
    decision = obj({"comment": {"type": "string", "maxLength": 4000},
                    "values": {"type": "object", "description": "fields the step lets you "
                                                               "change"}}, required=[])
    paths = {
        base + "/instances": {"get": op(
            "get", "listWorkflowInstances", "The workflow's instances, newest first: record, "
            "status, version and the nodes each is at", "workflows",
            {"200": answer(ref("WorkflowInstances"))}, scope="metadata:read",
            params=[*keys, status])},
        base + "/instances/{instance_id}": {"get": op(
            "get", "getWorkflowInstance", "An instance with its history (every step) and its "
            "human tasks", "workflows", {"200": answer(ref("WorkflowInstanceDetail"))},
            scope="metadata:read", params=[*keys, INSTANCE])},
        base + "/instances/{instance_id}/cancel": {"post": op(
            "post", "cancelWorkflowInstance", "Cancel a running instance (admins)",
            "workflows", {"200": answer(ref("WorkflowInstance"))}, scope="metadata:write",
            params=[*keys, INSTANCE], errors=["409"])},
        base + "/start": {"post": op(
            "post", "startWorkflow", "Start the published workflow on a record (a manual "
            "trigger); 409 when it runs there already", "workflows",
            {"201": answer(ref("WorkflowInstance"), "started")}, scope="records:write",
            params=keys, body=obj({"record_id": ID}), errors=["409"])},
        "/todo": {"get": op(
            "get", "todo", "Your open tasks, overdue first, then by priority, then by due "
            "time", "workflows", {"200": answer(ref("Todo"))}, scope="records:read")},
    }
    for action in ("approve", "reject", "return", "complete"):
        paths[f"/tasks/{{task_id}}/{action}"] = {"post": op(
            "post", f"{action}Task", f"{action.title()} a task of yours", "workflows",
            {"200": answer(ref("WorkflowTask"))}, scope="records:write", params=[TASK],
            body=decision, body_required=False, errors=["409"])}
    paths["/tasks/{task_id}/reassign"] = {"post": op(
        "post", "reassignTask", "Hand a task of yours to someone else", "workflows",
        {"200": answer(ref("WorkflowTask"))}, scope="records:write", params=[TASK],
        body=obj({"user": ID}), errors=["409"])}
    paths.update(later_paths())
    paths.update(migrate_paths())
    for action in ("retry", "skip", "cancel"):
        paths[f"/apps/{{app_key}}/workflow-incidents/{{incident_id}}/{action}"] = {"post": op(
            "post", f"{action}WorkflowIncident", f"A workflow step that kept failing: {action} "
            "(retry: its attempts again; skip: go on past the node; cancel: the instance)",
            "workflows", {"200": answer(obj({"id": ID, "action": {"type": "string"},
                                             "status": {"type": "string"}}))},
            scope="metadata:write", params=[pref("app_key"), INCIDENT], errors=["409"])}
    return paths


def workflow_schemas() -> dict[str, dict]:
    text = nullable({"type": "string"})
    record = obj({"app": KEY, "form": KEY, "id": ID})
    instance = obj({"id": ID, "workflow": KEY, "version": {"type": "integer"},
                    "record": record, "status": {"enum": list(STATUSES)},
                    "current": {"type": "array", "items": KEY}, "reason": text,
                    "started_at": UTC_TIME, "ended_at": nullable(UTC_TIME)})
    task = obj({"id": ID, "kind": {"enum": ["approval", "task"]}, "node": KEY, "instance": ID,
                "title": {"type": "string"}, "record": record, "assignee": ID,
                "status": {"enum": ["open", "done", "cancelled"]}, "outcome": text,
                "due_at": nullable(UTC_TIME), "priority": {"type": "number"}, "hint": text,
                "escalated": {"type": "boolean"},
                "editable": {"type": "array", "items": KEY}, "reminded": {"type": "boolean"},
                "snoozed_until": nullable(UTC_TIME)})
    step = obj({"step": ID, "node": KEY, "kind": {"type": "string"},
                "status": {"type": "string"}, "attempts": {"type": "integer"},
                "due_at": UTC_TIME, "done_at": nullable(UTC_TIME), "error": text,
                "result": {"type": ["object", "null"]}})
    todo_item = {**task, "properties": {**task["properties"], "overdue": {"type": "boolean"},
                                        "workflow": KEY},
                 "required": [*task["required"], "overdue", "workflow"]}
    return {
        "WorkflowInstance": instance,
        "WorkflowInstances": obj({"instances": {"type": "array", "items": instance}}),
        "WorkflowInstanceDetail": {**instance, "properties": {
            **instance["properties"], "history": {"type": "array", "items": step},
            "tasks": {"type": "array", "items": task}},
            "required": [*instance["required"], "history", "tasks"]},
        "WorkflowTask": task,
        "Todo": obj({"tasks": {"type": "array", "items": todo_item},
                     "count": {"type": "integer"}}),
    }
