"""The rule editor: a form's rulesets (/build/<app>/forms/<form>/rules) and the editor of one
(/build/<app>/rulesets/<key>): its rules (trigger, condition rows or formula, actions, order,
on/off), scoring models and decision tables, and a test against a record.

The page prints the ruleset draft and what the scripts need (builder/rules_vm.py);
builder-rules*.js edit the draft and autosave it through the documents API (PUT with If-Match:
409 keeps the edits, 422 marks the control each problem's JSON Pointer names), read the
decision tables' analysis after each save, test with the dry run, follow the re-score a
publish starts and read how often each scoring rule fired. The one route here that
answers JSON reads a formula back into condition rows (the formula language is Python's)."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.pickers import people
from builder.rules_conditions import condition_tree
from builder.rules_vm import (
    RulesetCard,
    condition_fields,
    form_fields,
    new_ruleset_doc,
    rules_config,
    rules_vm,
)
from metadata.labels import label_text
from runtime.web import current_runtime, db_session, transaction
from runtime.web.messages import ui_lang
from runtime.web.routes import GET, POST, Route

MAX_FORMULA = 10_000


def _form_rulesets(app_key: str, form_key: str) -> list:
    rt, session = current_runtime(), db_session()
    return [d for d in rt.store.list(session, app_key, "ruleset")
            if d.draft.get("form") == form_key]


def form_rules(app_key: str, form_key: str):
    """The form's rulesets; with exactly one, its editor."""
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    form = rt.store.get(session, app_key, "form", form_key)
    docs = _form_rulesets(app_key, form_key)
    if len(docs) == 1 and request.args.get("list") is None:
        return redirect(url_for("builder.ruleset_editor", app_key=app_key, key=docs[0].key))
    cards = [RulesetCard(d.key, label_text(d.draft.get("label"), lang) or d.key,
                         url_for("builder.ruleset_editor", app_key=app_key, key=d.key),
                         len(d.draft.get("rules") or []), d.published_version) for d in docs]
    form_label = label_text(form.draft.get("label"), lang) or form_key
    return render_template(
        "builder/rules_index.html", cards=cards, app_key=app_key, form_key=form_key,
        form_label=form_label,
        designer=url_for("builder.form_designer", app_key=app_key, form_key=form_key),
        create=url_for("builder.ruleset_new", app_key=app_key, form_key=form_key))


def new_ruleset(app_key: str, form_key: str):
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    form = rt.store.get(session, app_key, "form", form_key)
    taken = [d.key for d in rt.store.list(session, app_key, "ruleset")]
    form_label = label_text(form.draft.get("label"), lang) or form_key
    doc = new_ruleset_doc(form_key, _("%(form)s rules", form=form_label), taken, lang)
    with transaction():
        rt.store.save_draft(session, app_key, "ruleset", doc["key"], doc, None,
                            current_user.id)
    return redirect(url_for("builder.ruleset_editor", app_key=app_key, key=doc["key"]))


def editor(app_key: str, key: str):
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    doc = rt.store.get(session, app_key, "ruleset", key)
    forms = {d.key: d.draft for d in rt.store.list(session, app_key, "form")}
    form_key = doc.draft.get("form") or ""
    api = f"/api/v1/apps/{app_key}/rulesets/{key}"
    urls = {"api": api, "publish": api + "/publish", "analysis": api + "/analysis",
            "dryRun": api + "/dry-run", "fired": api + "/fired", "rescores": api + "/rescores",
            "home": url_for("builder.home"),
            "condition": url_for("builder.ruleset_condition", app_key=app_key, key=key),
            "history": url_for("builder.history", app_key=app_key, kinds="rulesets", key=key),
            "records": f"/api/v1/apps/{app_key}/forms/{form_key}/records",
            "users": url_for("forms.user_search")}
    if form_key in forms:
        urls["designer"] = url_for("builder.form_designer", app_key=app_key,
                                   form_key=form_key)
        urls["rulesets"] = url_for("builder.form_rules", app_key=app_key, form_key=form_key,
                                   list=1)
    teams = list(rt.directory.teams(session).values())
    strategies = [("by_table", _("By decision table")),
                  *((s.key, _(s.label)) for s in rt.routing.strategies)]
    config = rules_config(doc.draft, forms, rt.fields, lang, teams, strategies,
                          rt.actions.keys())
    config["people"] = people(session, rt.directory, doc.draft)
    form_label = label_text((forms.get(form_key) or {}).get("label"), lang) or form_key
    vm = rules_vm(doc.draft, rt.store.published_body(session, doc), config, form_label, lang,
                  app_key=app_key, key=key, revision=doc.revision,
                  published_version=doc.published_version, urls=urls)
    return render_template("builder/rules.html", vm=vm)


def condition(app_key: str, key: str):
    """The rows of a formula (``{"tree": null}``: it is not expressible as rows)."""
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    doc = rt.store.get(session, app_key, "ruleset", key)
    body = request.get_json(silent=True)
    source = body.get("formula") if isinstance(body, dict) else None
    if not isinstance(source, str) or len(source) > MAX_FORMULA:
        abort(400)
    form = rt.store.find(session, app_key, "form", doc.draft.get("form") or "")
    names = condition_fields(form_fields(form.draft if form else {}, rt.fields, lang))
    return jsonify({"tree": condition_tree(source, names)})


ROUTES: tuple[Route, ...] = (
    ("/<app_key>/forms/<form_key>/rules", "form_rules", form_rules, GET),
    ("/<app_key>/forms/<form_key>/rules/new", "ruleset_new", new_ruleset, POST),
    ("/<app_key>/rulesets/<key>", "ruleset_editor", editor, GET),
    ("/<app_key>/rulesets/<key>/condition", "ruleset_condition", condition, POST),
)
