"""Record endpoints: list, create, bulk create, read, update, delete, history."""

from __future__ import annotations

from flask import Response, jsonify, request

from metadata.errors import NotFound, Problem, TrellisError
from metadata.orm import whole_number
from runtime.api.access import require
from runtime.api.errors import if_match, json_body
from runtime.api.idempotency import idempotent, remember
from runtime.api.params import list_query
from runtime.arrivals import PARTS, Touch, channel_label
from runtime.capture.intake import CREATED, MERGED, submit
from runtime.identity.history import merged_into
from runtime.permissions import Principal
from runtime.storage.query import COUNT_CAP, MAX_PER_PAGE, list_records
from runtime.storage.records import InvalidRecord, Records, iso
from runtime.web import current_runtime, db_session, transaction
from runtime.web.routes import GET, POST, Route

BULK_LIMIT = 1000
TOUCH_KEY = "_touch"  # in a created record: the campaign that brought it (not a field)
BASE = "/apps/<app_key>/forms/<form_key>/records"


def records_for(app_key: str, form_key: str, principal: Principal, via: str = "api") -> Records:
    rt, session = current_runtime(), db_session()
    plan = rt.plan(session, app_key, form_key)
    return rt.records(session, plan, principal, via)


def expected_version() -> int | None:
    return if_match("version", "must be the record's version number")


def body_version(payload: object) -> int | None:
    """The ``version`` a PATCH body carries (what the client read), if any."""
    raw = payload.get("version") if isinstance(payload, dict) else None
    if raw is None:
        return None
    if isinstance(raw, str) and whole_number(raw.strip()) is not None:
        return whole_number(raw.strip())
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise TrellisError([Problem("/version", "must be the record's version number, as "
                                                "read (a whole number)")], status=422)
    return raw


def list_(app_key: str, form_key: str) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    cap = current_runtime().settings.get("list_count_cap", COUNT_CAP)
    return jsonify(list_records(records, list_query(request.args, cap)).as_dict())


def arrival(payload: object, at: str = "") -> Touch | None:
    """The touch a created record's ``_touch`` names (taken out of the record's values):
    the campaign that brought it, by its parts or their utm_* names."""
    if not isinstance(payload, dict) or TOUCH_KEY not in payload:
        return None
    given = payload.pop(TOUCH_KEY)
    if given is None:
        return None
    allowed = {*PARTS, *(names[0] for names in PARTS.values())}
    if not isinstance(given, dict) or not set(given) <= allowed or \
            not all(isinstance(v, str | None) for v in given.values()):
        raise TrellisError([Problem(f"{at}/{TOUCH_KEY}", "must be an object of texts: "
                                    + ", ".join(sorted(allowed)))], status=422)
    return Touch.from_params("api", given)


@idempotent
def create(app_key: str, form_key: str) -> Response:
    records = records_for(app_key, form_key, require("records:write"))
    payload = json_body(current_runtime().settings["max_json_bytes"])
    touch = arrival(payload)
    with transaction():
        [outcome] = submit(records, [payload], [touch])
        if outcome.outcome is None:
            raise InvalidRecord([Problem(e["path"], e["message"], record=e.get("record"))
                                 for e in outcome.errors])
        record = outcome.record or {}
        response = jsonify(record)
        # 201: a new record; 200: the payload matched stored records and merged into this one
        response.status_code = 201 if outcome.outcome == CREATED else 200
        response.headers["Location"] = f"/api/v1/apps/{app_key}/forms/{form_key}/records/" \
                                       f"{record['id']}"
        if "version" in record:
            response.headers["ETag"] = f'"{record["version"]}"'
        remember(response)  # with an Idempotency-Key: stored with the record, in its write
    return response


def bulk_rows(payload: object) -> list[dict]:
    """The records of a bulk request (``{"records": [...]}`` or a bare list), each an object;
    a malformed request is refused whole, unlike a record that fails its checks."""
    rows = payload.get("records") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        raise TrellisError([Problem("/records", "must be a list of records")])
    if len(rows) > BULK_LIMIT:
        raise TrellisError([Problem("/records", f"at most {BULK_LIMIT} records per "
                                                f"request (got {len(rows)})")], status=413)
    at = "/records" if isinstance(payload, dict) else ""
    not_records = [Problem(f"{at}/{i}", "must be a record: a JSON object of field values")
                   for i, row in enumerate(rows) if not isinstance(row, dict)]
    if not_records:
        raise TrellisError(not_records[:20], status=422)
    return rows


@idempotent
def bulk(app_key: str, form_key: str) -> Response:
    records = records_for(app_key, form_key, require("records:write"))
    payload = json_body(current_runtime().settings["max_json_bytes"])
    rows = bulk_rows(payload)
    at = "/records" if isinstance(payload, dict) else ""
    touches = [arrival(row, f"{at}/{i}") for i, row in enumerate(rows)]
    with transaction():
        results = [o.as_dict() for o in submit(records, rows, touches)]
        created = sum(1 for r in results if r.get("outcome") == CREATED)
        merged = sum(1 for r in results if r.get("outcome") == MERGED)
        response = jsonify({"created": created, "merged": merged,
                            "failed": len(results) - created - merged, "results": results})
        remember(response)  # with an Idempotency-Key: stored with the records
    return response


def record(app_key: str, form_key: str, record_id: int) -> Response:
    """One rule for the three methods of a record (see ROUTES)."""
    handler = {"GET": read, "PATCH": update, "DELETE": delete}[request.method]
    return handler(app_key, form_key, record_id)


def read(app_key: str, form_key: str, record_id: int) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    try:
        record = records.get(record_id)
    except NotFound:
        survivor = merged_into(records, record_id) if records.may("read") else None
        if survivor is None:
            raise
        return gone_to(app_key, form_key, record_id, survivor)
    response = jsonify(record)
    response.headers["ETag"] = f'"{record["version"]}"'
    return response


def gone_to(app_key: str, form_key: str, record_id: int, survivor: int) -> Response:
    """404 for a merged-away record, saying where it went (``merged_into``, ``Location``)."""
    response = jsonify({"errors": [{"path": "", "message": f"record {record_id} was merged "
                                    f"into record {survivor}"}], "merged_into": survivor})
    response.status_code = 404
    response.headers["Location"] = f"/api/v1/apps/{app_key}/forms/{form_key}/records/" \
                                   f"{survivor}"
    return response


def update(app_key: str, form_key: str, record_id: int) -> Response:
    records = records_for(app_key, form_key, require("records:write"))
    payload = json_body(current_runtime().settings["max_json_bytes"])
    expected = expected_version()
    if expected is None:
        expected = body_version(payload)
    with transaction():
        record = records.update(record_id, payload, expected)
    response = jsonify(record)
    response.headers["ETag"] = f'"{record["version"]}"'
    return response


def delete(app_key: str, form_key: str, record_id: int) -> Response:
    records = records_for(app_key, form_key, require("records:write"))
    with transaction():
        records.delete(record_id, expected_version())
    return Response(status=204)


def history(app_key: str, form_key: str, record_id: int) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    return jsonify({"entries": records.history(record_id)})


def touches(app_key: str, form_key: str, record_id: int) -> Response:
    records = records_for(app_key, form_key, require("records:read"))
    records.get(record_id)  # 404 unless the reader may read it
    return jsonify({"touches": [touch_json(t) for t in records.touches.of(record_id)]})


def touch_json(row: dict) -> dict:
    return {"at": iso(row["at"]), "channel": row["channel"],
            "channel_label": channel_label(row["channel"], "en"),
            **{name: row[name] for name in PARTS}, "ref": row["ref"],
            "detail": row["detail"] or {}, "arrived_as": row["arrived_as"]}


ROUTES: tuple[Route, ...] = (
    (BASE, "list_", list_, GET),
    (BASE, "create", create, POST),
    (BASE + "/bulk", "bulk", bulk, POST),
    # one rule for the three methods: werkzeug answers 405 instead of 404 when an id that
    # no record can have fails the converter of one of several rules on the same path
    (BASE + "/<int:record_id>", "record", record, ("GET", "PATCH", "DELETE")),
    (BASE + "/<int:record_id>/history", "history", history, GET),
    (BASE + "/<int:record_id>/touches", "touches", touches, GET),
)


__all__ = ["MAX_PER_PAGE", "ROUTES", "records_for"]
