"""What rules show on a record's page: "why this score" (each model's ledger in words, newest
first) and a button per manual rule the reader may run; and the route those buttons post to."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from metadata.errors import Forbidden
from metadata.labels import label_text
from runtime.rules.engine import Event
from runtime.rules.executor import Executor, Pass
from runtime.rules.ledger import Ledger
from runtime.rules.published import manual_rule, manual_rules
from runtime.storage.records import Records
from runtime.web import current_runtime, transaction
from runtime.web.forms.display import local_time


@dataclass(frozen=True)
class ScoreLine:
    when: str
    points: str  # "+15", "-10"
    reason: str
    kind: str  # in words


@dataclass(frozen=True)
class ScorePanel:
    model: str
    total: str
    lines: list[ScoreLine]


def kind_words() -> dict[str, str]:
    return {"attribute": _("while the record is so"), "behaviour": _("an activity"),
            "rule": _("a rule"), "clamp": _("kept within the model's limits"),
            "manual": _("set by hand"), "decay": _("no interaction for a while"),
            "rescore": _("the model changed")}


def _points(value: float) -> str:
    number = int(value) if float(value).is_integer() else round(value, 2)
    return f"+{number}" if number > 0 else str(number)


def score_panels(records: Records, record_id: int, lang: str) -> list[ScorePanel]:
    """The record's ledger per model, in words (the caller has checked it may be read)."""
    plan = records.plan
    entries = Ledger(records.session, plan.app_key, plan.form_key, records.now
                     ).entries(record_id)
    if not entries:
        return []
    rules = current_runtime().rules.app(records.session, plan.app_key)
    labels = {m.key: m.label for ls in rules.by_form.get(plan.form_key, ()) for m in ls.models}
    words = kind_words()
    panels: dict[str, list] = {}
    for e in entries:
        panels.setdefault(e["model"], []).append(e)
    return [ScorePanel(
        label_text(labels.get(model, model), lang),
        _points(sum(e["points"] for e in lines)),
        [ScoreLine(local_time(e["at"]), _points(e["points"]),
                   label_text(e["reason"], lang) or words.get(e["kind"], e["kind"]),
                   words.get(e["kind"], e["kind"])) for e in reversed(lines)])
        for model, lines in panels.items()]


def rule_buttons(records: Records, record_id: int, lang: str) -> list[tuple[str, str]]:
    """(label, url) per manual rule of the form, when the reader may change the record."""
    plan = records.plan
    loaded = current_runtime().rules.app(records.session, plan.app_key).by_form.get(
        plan.form_key, ())
    if not loaded or not records.may("update", record_id):
        return []
    return [(label_text(r["label"], lang),
             url_for("forms.run_rule", app_key=plan.app_key, form_key=plan.form_key,
                     record_id=record_id, rule=r["key"])) for r in manual_rules(loaded)]


def run_rule_page(ctx, record_id: int, rule: str):
    """Run a manual rule from the record page, then show the record again."""
    records, rt = ctx.records, current_runtime()
    records.get(record_id)
    if not records.may("update", record_id):
        raise Forbidden(_("you may not change this record"))
    plan = ctx.plan
    ls, key = manual_rule(rt.rules.app(records.session, plan.app_key).by_form.get(
        plan.form_key, ()), rule)
    with transaction():
        executor = Executor(rt, records.session, plan.app_key, records.now)
        record = executor.read(plan.form_key, record_id)
        executor.run_rules_only(Pass(ls, Event("manual", record, rule=key), record_id, None,
                                     ctx.principal.user_id))
    flash(_("The rule ran."), "info")
    return redirect(url_for("forms.record_detail", app_key=plan.app_key,
                            form_key=plan.form_key, record_id=record_id), 303)
