"""The list's bulk action "Run rule…": a manual rule run on the chosen records (at most
``MAX_RUN``), each checked as the record page's button checks it; the page then says how many
matched, changed and failed, and what the rule did to each record, with links."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from metadata.errors import TrellisError
from runtime.rules.manual import MAX_RUN, ManualRun, RunOutcome, counts
from runtime.web import current_runtime, transaction
from runtime.web.forms.bulk import CHANGED, posted_ids, problem_text, record_titles
from runtime.web.forms.context import FormContext, form_context
from runtime.web.forms.list_actions import runnable_rules
from runtime.web.messages import translate
from runtime.web.routes import POST, Route


@dataclass
class RunLine:
    title: str
    url: str  # empty: the reader may not open it
    result: str  # in words
    failed: bool


@dataclass
class RuleRunVM:
    message: str = ""
    lines: list[RunLine] = field(default_factory=list)
    failed: int = 0
    error: str = ""  # the whole request was refused (nothing was run)


def bulk_rule(app_key: str, form_key: str):
    ctx = form_context(app_key, form_key)
    wanted = request.form.get("_rule", "")
    rule = next((r for r in runnable_rules(ctx) if r["key"] == wanted), None)
    try:
        if rule is None:
            raise TrellisError([], 422)
        ids = posted_ids(MAX_RUN)
        run = ManualRun(current_runtime(), ctx.records, rule["key"], ctx.principal.user_id)
        with transaction():
            outcomes = run.run_chosen(ids)
    except TrellisError as exc:
        error = "; ".join(problem_text(ctx, p) for p in exc.problems) or _("Choose a rule.")
        return render_template("runtime/_rule_run_summary.html",
                               summary=RuleRunVM(error=error)), 422
    return Response(render_template("runtime/_rule_run_summary.html",
                                    summary=summary_vm(ctx, rule["label"], outcomes)),
                    headers={"HX-Trigger": CHANGED})


def summary_vm(ctx: FormContext, label: str, outcomes: list[RunOutcome]) -> RuleRunVM:
    n = counts(outcomes)
    message = ngettext(
        "%(rule)s ran on %(num)s record: %(matched)s matched, %(changed)s changed, "
        "%(failed)s failed.",
        "%(rule)s ran on %(num)s records: %(matched)s matched, %(changed)s changed, "
        "%(failed)s failed.", len(outcomes), rule=label, **n)
    titles = record_titles(ctx, [o.id for o in outcomes])
    keys = {"app_key": ctx.plan.app_key, "form_key": ctx.plan.form_key}
    return RuleRunVM(message=message, failed=n["failed"], lines=[
        RunLine(titles.get(o.id, f"#{o.id}"),
                url_for("forms.record_detail", record_id=o.id, **keys) if o.id in titles
                else "", result_words(o), o.failed) for o in outcomes])


def result_words(outcome: RunOutcome) -> str:
    if outcome.failed:
        why = translate(outcome.reason) if outcome.reason else ""
        return _("failed: %(why)s", why=why) if why else _("failed")
    if not outcome.matched:
        return _("the condition does not hold: nothing done")
    return _("matched, record changed") if outcome.changed else _("matched, record unchanged")


ROUTES: tuple[Route, ...] = (
    ("/<app_key>/<form_key>/_bulk/rule", "bulk_rule", bulk_rule, POST),
)
