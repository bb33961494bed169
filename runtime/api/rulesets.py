"""Ruleset endpoints beyond the document ones: the decision-table analysis the editor shows at
save (gaps, overlaps, shadowed rows), and the dry run (which rules an event on a record would
match and what each would do, changing nothing)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from metadata.errors import InvalidDocument, NotFound, Problem, TrellisError, pointer
from metadata.labels import label_text
from metadata.orm import whole_number
from runtime.api.access import DESIGNERS, require
from runtime.api.errors import for_reader, json_body
from runtime.api.rules_runtime import reader_lang
from runtime.rules.decisions import DecisionError
from runtime.rules.engine import (
    TRIGGER_EVENTS,
    CompileContext,
    Event,
    RulesetError,
    compile_ruleset,
)
from runtime.rules.ledger import Ledger
from runtime.rules.preview import score_preview
from runtime.rules.published import whole_field
from runtime.rules.scoring import compile_models
from runtime.web import current_runtime, db_session
from runtime.web.routes import GET, POST, Route

EVENT_KEYS = {"event", "record", "record_id", "old", "changed", "rule", "model", "threshold",
              "direction", "related_form", "link", "related", "version"}


def _body(doc, wanted: str | None) -> dict:
    """The draft, or published version ``wanted``."""
    if wanted in (None, "", "draft"):
        return doc.draft
    number = whole_number(wanted)
    if number is None:
        raise TrellisError([Problem("/version", "must be a version number or draft")])
    return current_runtime().store.version(db_session(), doc, number).body


def _context(app_key: str) -> CompileContext:
    rt, session = current_runtime(), db_session()
    forms = rt.store.context(session, app_key).forms
    return CompileContext(forms, rt.fields, rt.ruleset_check, rt.clock.now,
                          rt.timezone, app_key)


def analysis(app_key: str, key: str) -> Response:
    require("metadata:read", DESIGNERS)
    rt = current_runtime()
    doc = rt.store.get(db_session(), app_key, "ruleset", key)
    body = _body(doc, request.args.get("version"))
    out = [{"key": table["key"], "findings": [
        {"kind": f.kind, "severity": f.severity, "path": at + f.path,
         "message": for_reader(f.message), "rows": list(f.rows)} for f in findings]}
        for at, table, findings in rt.ruleset_check.analysis(body, _context(app_key))]
    return jsonify({"tables": out})


def dry_run(app_key: str, key: str) -> Response:
    require("metadata:read", DESIGNERS)
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, "ruleset", key)
    options = json_body(256 * 1024)
    event = _event(options, app_key, doc.draft.get("form"))
    body = _body(doc, options.get("version"))
    context = _context(app_key)
    try:
        compiled = compile_ruleset(body, context)
    except RulesetError as exc:  # a draft the forms changed under: its problems, as at save
        raise InvalidDocument(exc.problems) from None
    except DecisionError as exc:
        raise InvalidDocument([Problem("/tables", str(exc))]) from None
    evaluation = compiled.evaluate(event)
    models = compile_models(body, compiled.formulas, compiled.tables,
                            whole_field(context.forms.get(body["form"]) or {}, rt.fields),
                            compiled.reads)
    held = _held(app_key, body["form"], options, event, models)
    lang = reader_lang()
    scoring = score_preview(models, event, evaluation, held, options.get("related"),
                            lambda label: label_text(label, lang))
    return jsonify({"rules": [
        {"rule": o.rule, "status": o.status, "reason": for_reader(o.reason),
         "actions": [{"type": a.type, "sync": a.sync, "details": a.details}
                     for a in o.actions]} for o in evaluation.outcomes], "scoring": scoring})


def _held(app_key: str, form_key: str, options: dict, event: Event, models) -> dict:
    """What the stored record's lines hold per model (a new record: nothing)."""
    if options.get("record_id") is None or event.kind == "created":
        return {}
    rt, session = current_runtime(), db_session()
    ledger = Ledger(session, app_key, form_key, rt.clock.now())
    return {m.key: ledger.totals(int(options["record_id"]), m.key) for m in models}


def _event(options: Any, app_key: str, form_key: str) -> Event:
    if not isinstance(options, dict):
        raise TrellisError([Problem("", "send a JSON object")], 422)
    problems = [Problem(pointer(k), f"unknown property {k!r}") for k in options
                if k not in EVENT_KEYS]
    kind = options.get("event", "created")
    if kind not in TRIGGER_EVENTS:
        problems.append(Problem("/event", "must be one of " + ", ".join(TRIGGER_EVENTS)))
    for name in ("record", "old", "related"):
        if not isinstance(options.get(name, {}), dict):
            problems.append(Problem(f"/{name}", "must be an object of field values"))
    changed = options.get("changed", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        problems.append(Problem("/changed", "must be a list of field keys"))
    if problems:
        raise TrellisError(problems, 422)
    record = dict(options.get("record") or {})
    if options.get("record_id") is not None:
        record = {**_stored(app_key, form_key, options["record_id"]), **record}
    texts = {k: options.get(k) for k in ("rule", "model", "threshold", "related_form", "link")}
    return Event(kind, record, options.get("old"), frozenset(changed),
                 direction=options.get("direction", "up"),
                 **{k: v if isinstance(v, str) else None for k, v in texts.items()})


def _stored(app_key: str, form_key: str, record_id: Any) -> dict:
    rt, session = current_runtime(), db_session()
    number = record_id if isinstance(record_id, int) and not isinstance(record_id, bool) \
        else whole_number(record_id)
    if number is None:
        raise TrellisError([Problem("/record_id", "must be a record id")], 422)
    principal = require("records:read")
    try:
        plan = rt.plan(session, app_key, form_key)
    except NotFound:
        raise TrellisError([Problem("/record_id", "the ruleset's form is not published")],
                           422) from None
    return rt.records(session, plan, principal).get(number)


BASE = "/apps/<app_key>/rulesets/<key>"
ROUTES: tuple[Route, ...] = (
    (BASE + "/analysis", "ruleset_analysis", analysis, GET),
    (BASE + "/dry-run", "ruleset_dry_run", dry_run, POST),
)
