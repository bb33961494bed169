"""The review queue of a form (/a/<app>/<form>/duplicates): the pairs a review rule flagged as
maybe the same, side by side, with the rule and score that flagged them and the fields that
differ marked. A person merges them — choosing, field by field, which value the merged record
keeps — or says they are not the same, which is remembered: the pair is never proposed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from metadata.errors import Forbidden, Problem, TrellisError
from runtime.fields.base import label_text
from runtime.identity import candidates
from runtime.identity.merging import Merger
from runtime.identity.store import rules_of
from runtime.identity.survivorship import survive
from runtime.web import current_runtime, db_session, transaction
from runtime.web.forms.context import FormContext, form_context
from runtime.web.forms.display import local_time
from runtime.web.forms.references import References
from runtime.web.identity.scan import panel_for
from runtime.web.messages import translate
from runtime.web.routes import GET, POST, Route

FORM = "/<app_key>/<form_key>"
PAIRS_SHOWN = 50


@dataclass
class Side:
    id: int
    title: str
    url: str
    created: str


@dataclass
class FieldRow:
    key: str
    label: str
    a: str
    b: str
    differs: bool
    kept: str = "a"  # what the merge policy keeps: "a", "b" or "policy" (a third value)
    policy_text: str = ""  # that third value (a sum, both texts joined)


@dataclass
class PairVM:
    id: int
    rule: str
    score: str
    a: Side
    b: Side
    rows: list[FieldRow] = field(default_factory=list)
    differing: int = 0


@dataclass
class QueueVM:
    form_label: str
    pairs: list[PairVM]
    decide_url: str
    list_url: str
    merges_url: str
    more: bool
    scan: Any = None  # the "Find duplicates" panel (scan.ScanVM)


def chosen_policy(ctx: FormContext, chosen: set[str]) -> Callable[[str], str]:
    """The form's merge policy, except that the ``chosen`` fields keep the value the reviewer
    picked (passed as the arrival, the newest of the values)."""
    policy = rules_of(ctx.plan).policy
    return lambda key: "newest" if key in chosen else policy(key)


def open_count(records: Any) -> int:
    """How many pairs of the form wait for review."""
    table, plan = candidates.CANDIDATES, records.plan
    return records.conn.execute(sa.select(sa.func.count()).select_from(table).where(
        table.c.app_key == plan.app_key, table.c.form_key == plan.form_key,
        table.c.status == "open")).scalar_one()


def review_context(app_key: str, form_key: str) -> FormContext:
    """The form's context for someone who may update its records (or refused)."""
    ctx = form_context(app_key, form_key)
    ctx.access.require("update", ctx.plan.label(ctx.lang) or form_key)
    return ctx


def rule_names(ctx: FormContext) -> dict[str, str]:
    """Each match rule's name (its label, else what it compares) by its key."""
    fields = ctx.plan.by_key
    out = {}
    for rule in (ctx.plan.doc.get("identity") or {}).get("match") or []:
        label = label_text(rule.get("label"), ctx.lang)
        keys = list(rule.get("fuzzy") or {}) or list(rule.get("fields") or [])
        names = "、" if ctx.lang == "zh" else ", "
        named = names.join(label_text(fields[k].get("label"), ctx.lang) or k
                           for k in keys if k in fields)
        out[rule["key"]] = label or (_("alike %(fields)s", fields=named) if rule.get("fuzzy")
                                     else _("same %(fields)s", fields=named))
    return out


def compared_fields(ctx: FormContext) -> list[Mapping]:
    """The fields a reviewer compares: those they may see, stored in the record (not
    calculated or numbered by the system)."""
    return [f for f in ctx.plan.fields if f["key"] not in ctx.access.hidden
            and not ctx.plan.types[f["type"]].generated and not f.get("archived")]


def field_rows(ctx: FormContext, refs: References, a: Mapping, b: Mapping) -> list[FieldRow]:
    fields = compared_fields(ctx)
    keys = [f["key"] for f in fields]
    merged = {**a, **survive(keys, [a, b], rules_of(ctx.plan).policy)}
    rows = []
    for fld in fields:
        key = fld["key"]
        row = FieldRow(key, label_text(fld.get("label"), ctx.lang) or key,
                       refs.text(fld, a.get(key)), refs.text(fld, b.get(key)),
                       a.get(key) != b.get(key))
        if row.differs and merged.get(key) == b.get(key):
            row.kept = "b"
        elif row.differs and merged.get(key) != a.get(key):
            row.kept, row.policy_text = "policy", refs.text(fld, merged.get(key))
        rows.append(row)
    return rows


def pair_vms(ctx: FormContext, pairs: list[dict]) -> list[PairVM]:
    ids = {i for p in pairs for i in (p["record_a"], p["record_b"])}
    records = {r["id"]: r for r in ctx.records.to_json(ctx.records.readable_rows(ids))}
    refs = References(current_runtime(), db_session(), ctx.plan, ctx.principal, ctx.lang)
    refs.add_records(ctx.plan.fields, records.values())
    refs.load()
    names = rule_names(ctx)
    out = []
    for pair in pairs:
        a, b = records.get(pair["record_a"]), records.get(pair["record_b"])
        if a is None or b is None:  # one the reader may not see, or gone meanwhile
            continue
        vm = PairVM(pair["id"], names.get(pair["rule"], pair["rule"]),
                    f"{pair['score']:.0%}", _side(ctx, refs, a), _side(ctx, refs, b),
                    field_rows(ctx, refs, a, b))
        vm.differing = sum(1 for row in vm.rows if row.differs)
        out.append(vm)
    return out


def _side(ctx: FormContext, refs: References, record: Mapping) -> Side:
    key = ctx.plan.title_field
    title = refs.text(ctx.plan.by_key[key], record.get(key)) \
        if key and key not in ctx.access.hidden else ""
    return Side(record["id"], title or f"#{record['id']}",
                url_for("forms.record_detail", app_key=ctx.plan.app_key,
                        form_key=ctx.plan.form_key, record_id=record["id"]),
                local_time(record.get("created_at")))


def queue(app_key: str, form_key: str):
    ctx = review_context(app_key, form_key)
    pairs = candidates.open_pairs(ctx.records, PAIRS_SHOWN + 1)
    keys = {"app_key": app_key, "form_key": form_key}
    vm = QueueVM(ctx.plan.label(ctx.lang), pair_vms(ctx, pairs[:PAIRS_SHOWN]),
                 url_for("forms.review_decide", **keys),
                 url_for("forms.record_list", **keys), url_for("forms.merge_history", **keys),
                 more=len(pairs) > PAIRS_SHOWN, scan=panel_for(ctx))
    return render_template("runtime/identity_review.html", vm=vm,
                           title=_("Possible duplicates"))


def decide(app_key: str, form_key: str):
    """Merge the pair posted (with the values chosen) or mark it "not the same"."""
    ctx = review_context(app_key, form_key)
    pair_id = request.form.get("pair", type=int)
    verdict = request.form.get("verdict")
    target = redirect(url_for("forms.review_queue", app_key=app_key, form_key=form_key), 303)
    try:
        with transaction():
            text = _decide(ctx, pair_id, verdict)
    except TrellisError as exc:
        for problem in exc.problems:
            flash(translate(problem.message), "error")
        return target
    flash(text, "success")
    return target


def _decide(ctx: FormContext, pair_id: int | None, verdict: str | None) -> str:
    pair = next((p for p in candidates.open_pairs(ctx.records, 10_000) if p["id"] == pair_id),
                None)
    if pair is None or verdict not in ("merge", "distinct"):
        raise TrellisError([Problem("", _("This pair was decided meanwhile."))], 409)
    ids = [pair["record_a"], pair["record_b"]]
    if not all(ctx.records.may("update", i) for i in ids):
        raise Forbidden([Problem("", _("you may not change these records"))])
    if verdict == "distinct":
        candidates.decide(ctx.records, pair["id"], "distinct")
        return _("Kept apart: #%(a)s and #%(b)s will not be proposed again.", a=ids[0], b=ids[1])
    chosen = _chosen(ctx, ids)
    merged = Merger(ctx.records).merge(ids, chosen or None, pair["rule"],
                                       policy=chosen_policy(ctx, set(chosen)))
    if merged is None:
        raise TrellisError([Problem("", _("These records are gone."))], 409)
    candidates.decide(ctx.records, pair["id"], "merged", merged[1])
    return _("Merged: #%(gone)s is now part of #%(kept)s.", gone=ids[1], kept=merged[0])


def _chosen(ctx: FormContext, ids: list[int]) -> dict[str, Any]:
    """The values the reviewer picked for the fields that differ (radio ``choice_<key>``:
    ``a``, ``b``, or ``policy`` to let the merge policy decide), as the form loads them."""
    records = {r["id"]: r for r in ctx.records.to_json(ctx.records.readable_rows(ids))}
    picked = {}
    for fld in compared_fields(ctx):
        side = request.form.get(f"choice_{fld['key']}")
        if side in ("a", "b"):
            picked[fld["key"]] = records[ids[0] if side == "a" else ids[1]].get(fld["key"])
    if not picked:
        return {}
    values, problems = ctx.plan.load(picked, partial=True, access=ctx.access)
    if problems:
        raise TrellisError(problems, 422)
    return values


ROUTES: tuple[Route, ...] = (
    (FORM + "/duplicates", "review_queue", queue, GET),
    (FORM + "/duplicates/decide", "review_decide", decide, POST),
)
