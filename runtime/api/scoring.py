"""Scoring endpoints of a ruleset: its re-scores (started at publish when the scoring changed,
or on demand) with their progress, and how often each attribute and behaviour rule booked
points (the scoring table's "fired" column)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, jsonify

from metadata.errors import NotFound, Problem, TrellisError
from runtime.api.access import DESIGNERS, require
from runtime.rules import rescore
from runtime.rules.ledger import L
from runtime.web import current_runtime, db_session, transaction
from runtime.web.routes import GET, POST, Route


def rescores(app_key: str, key: str) -> Response:
    require("metadata:read", DESIGNERS)
    current_runtime().store.get(db_session(), app_key, "ruleset", key)
    return jsonify({"rescores": rescore.progress(db_session(), app_key, key)})


def rescore_run(app_key: str, key: str, run_id: int) -> Response:
    require("metadata:read", DESIGNERS)
    current_runtime().store.get(db_session(), app_key, "ruleset", key)
    found = rescore.progress(db_session(), app_key, key, run_id)
    if not found:
        raise NotFound([Problem("", f"no re-score {run_id} of ruleset {key!r}")])
    return jsonify(found[0])


def start_rescore(app_key: str, key: str) -> tuple[Response, int]:
    principal = require("metadata:write", DESIGNERS)
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, "ruleset", key)
    if doc.published_version is None:
        raise TrellisError([Problem("", f"ruleset {key!r} is not published")], 409)
    body = rt.store.version(session, doc, doc.published_version).body
    if not body.get("scoring"):
        raise TrellisError([Problem("", f"ruleset {key!r} has no scoring model")], 409)
    with transaction():
        run_id = rescore.start(rt, session, app_key, key, body["form"], doc.published_version,
                               None, principal.user_id)
    return jsonify(rescore.progress(session, app_key, key, run_id)[0]), 202


def fired(app_key: str, key: str) -> Response:
    """Per model, how many lines each attribute and behaviour rule booked that gave its
    points (an attribute taking its points back is not counted)."""
    require("metadata:read", DESIGNERS)
    rt, session = current_runtime(), db_session()
    doc = rt.store.get(session, app_key, "ruleset", key)
    form = doc.draft.get("form")
    gives = sa.case((L.points > 0, "up"), else_="down")
    query = (sa.select(L.model, L.kind, L.key, gives, sa.func.count())
             .where(L.app_key == app_key, L.form_key == form, L.ruleset == key,
                    L.kind.in_(("attribute", "behaviour")))
             .group_by(L.model, L.kind, L.key, gives))
    counts: dict[str, dict[str, dict[str, int]]] = {}
    signs = _signs(doc.draft)
    for model, kind, rule, direction, count in session.execute(query):
        part = "attributes" if kind == "attribute" else "behaviours"
        wanted = "down" if signs.get((model, part, rule), 1) < 0 else "up"
        bucket = counts.setdefault(model, {"attributes": {}, "behaviours": {}})[part]
        bucket[rule] = bucket.get(rule, 0) + (count if direction == wanted else 0)
    return jsonify({"models": counts})


def _signs(body: dict) -> dict[tuple[str, str, str], float]:
    """The sign of each rule's points (a negative rule fires when it takes points)."""
    return {(m.get("key"), part, r.get("key")): -1 if (r.get("points") or 0) < 0 else 1
            for m in body.get("scoring") or [] for part in ("attributes", "behaviours")
            for r in m.get(part) or []}


BASE = "/apps/<app_key>/rulesets/<key>"
ROUTES: tuple[Route, ...] = (
    (BASE + "/rescores", "ruleset_rescores", rescores, GET),
    (BASE + "/rescores", "ruleset_start_rescore", start_rescore, POST),
    (BASE + "/rescores/<int:run_id>", "ruleset_rescore", rescore_run, GET),
    (BASE + "/fired", "ruleset_fired", fired, GET),
)
