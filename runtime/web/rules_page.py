"""What rules show on a record's page: "why this score" (each model's ledger in words, newest
first) and a button per manual rule the reader may run; and the route those buttons post to."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from metadata.errors import Forbidden
from metadata.labels import label_text
from runtime.rules.ledger import Ledger
from runtime.rules.manual import ManualRun, RunOutcome
from runtime.rules.published import manual_rules
from runtime.storage.records import Records
from runtime.web import current_runtime, transaction
from runtime.web.forms.display import local_time
from runtime.web.messages import translate


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
    return {"attribute": _("record attribute"), "behaviour": _("an activity"),
            "rule": _("a rule"), "clamp": _("kept within the model's limits"),
            "manual": _("set by hand"), "decay": _("no interaction for a while"),
            "rescore": _("the model changed")}


def _number(value: float) -> str:
    return str(int(value) if float(value).is_integer() else round(value, 2))


def _points(value: float) -> str:
    number = _number(value)
    return f"+{number}" if value > 0 else number


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
        _number(sum(e["points"] for e in lines)),
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
    records = ctx.records
    records.get(record_id)
    if not records.may("update", record_id):
        raise Forbidden(_("you may not change this record"))
    run = ManualRun(current_runtime(), records, rule, ctx.principal.user_id)
    with transaction():
        outcome = run.execute(record_id)
    flash(*run_message(outcome))
    return redirect(url_for("forms.record_detail", app_key=ctx.plan.app_key,
                            form_key=ctx.plan.form_key, record_id=record_id), 303)


def run_message(outcome: RunOutcome) -> tuple[str, str]:
    """What the record page says after a rule's button was pressed (message, category)."""
    if outcome.failed:
        return _("The rule failed: %(why)s", why=translate(outcome.reason or "")), "error"
    if not outcome.matched:
        return _("The rule's condition does not hold for this record: nothing was done."), \
            "info"
    if outcome.changed:
        return _("The rule ran and changed this record."), "success"
    return _("The rule ran."), "success"
