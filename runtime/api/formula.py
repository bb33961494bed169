"""Formula endpoints for editors: the function list, the fields a formula may name, and a check
that types a formula against a form's draft and, given a sample record, evaluates it.

Each caller sees only the fields the caller may see, on the form and one hop away: those hidden
by the policies of the drafts or of the published versions (calculated fields reading hidden
fields included) are neither listed nor nameable, and a form the caller may not read has no
fields to name."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, jsonify

from metadata.errors import Problem, TrellisError, pointer
from metadata.messages import msg
from runtime.api.access import require
from runtime.api.errors import for_reader, json_body
from runtime.fields.base import FieldValueError, label_text
from runtime.forms.behaviour import Behaviour, evaluate
from runtime.forms.formulas import (
    SYSTEM_FIELDS,
    Analysis,
    analyze_form,
    document_facts,
    reader_scope,
    refs,
    with_result_types,
)
from runtime.formula.checker import Checked, check
from runtime.formula.errors import FormulaError
from runtime.formula.names import field_name
from runtime.formula.python import compile_python
from runtime.formula.types import Choice, FType, Scope, describe
from runtime.permissions import Principal, ReaderAccesses
from runtime.storage.reader import ReaderView
from runtime.web import current_runtime, db_session, read_only
from runtime.web.messages import ui_lang
from runtime.web.routes import GET, POST, Route

SYSTEM_LABELS = {"created_at": msg("Created"), "updated_at": msg("Updated"),
                 "owner": msg("Owner"), "created_by": msg("Created by"), "id": msg("Record id")}
EXPECT = {"boolean": FType.BOOLEAN, "value": None, None: None}
MAX_FORMULA = 4000


def formula_functions() -> Response:
    require("metadata:read")
    functions = [{"name": fn.name, "aliases": list(fn.aliases), "signature": fn.signature,
                  "description": for_reader(fn.description), "sql": bool(fn.sql)}
                 for fn in current_runtime().functions]
    return jsonify({"functions": sorted(functions, key=lambda f: f["name"])})


def formula_fields(app_key: str, form_key: str) -> Response:
    principal = require("metadata:read")
    draft, analysis = _draft_analysis(app_key, form_key)
    forms = _forms(app_key)
    scope = editor_scope(principal, app_key, form_key, draft, analysis, forms)
    return jsonify({"fields": field_list(draft, scope, forms, ui_lang())})


@read_only  # a check: it never takes the write lock
def formula_check(app_key: str, form_key: str) -> Response:
    principal = require("metadata:read")
    rt = current_runtime()
    body = json_body(rt.settings["max_json_bytes"])
    source, expect, sample = _check_arguments(body)
    draft, analysis = _draft_analysis(app_key, form_key)
    forms = _forms(app_key)
    scope = editor_scope(principal, app_key, form_key, draft, analysis, forms)
    try:
        checked = check(source, scope, rt.functions, EXPECT[expect])
    except FormulaError as exc:
        return jsonify({"ok": False, "error": {**exc.to_json(),
                                               "message": for_reader(exc.message)}})
    answer: dict[str, Any] = {"ok": True, "source": checked.keyed_source or source,
                              "type": str(checked.type),
                              "type_label": for_reader(describe(checked.type)),
                              "refs": sorted(refs(checked.node))}
    if sample is not None:
        answer["value"] = _try_it(checked, draft, analysis, sample_record(draft, scope, sample,
                                                                          forms))
    return jsonify(answer)


def _try_it(checked: Checked, draft: dict, analysis: Analysis, record: dict[str, Any]) -> Any:
    """The formula's value on a sample record (its calculated fields calculated first)."""
    rt = current_runtime()
    behaviour = Behaviour(draft["fields"], rt.fields, analysis, rt.functions, rt.clock.now,
                          rt.timezone)
    behaviour.calculate(record)
    value = evaluate(compile_python(checked, rt.clock.now, rt.functions, rt.timezone), record)
    return value.isoformat() if isinstance(value, date | datetime) else value


def _check_arguments(body: Any) -> tuple[str, str | None, dict | None]:
    if not isinstance(body, dict):
        raise TrellisError([Problem("", "send a JSON object: {\"formula\": ...}")], status=422)
    source, expect, sample = body.get("formula"), body.get("expect"), body.get("record")
    problems = [Problem(pointer(key), f"unknown property {key!r}") for key in body
                if key not in ("formula", "expect", "record")]
    if not isinstance(source, str) or not source.strip():
        problems.append(Problem("/formula", "must be the formula's text"))
    elif len(source) > MAX_FORMULA:
        problems.append(Problem("/formula", f"is longer than {MAX_FORMULA} characters"))
    if not isinstance(expect, str | None) or expect not in EXPECT:
        problems.append(Problem("/expect", "must be \"boolean\", \"value\" or null"))
    if sample is not None and not isinstance(sample, dict):
        problems.append(Problem("/record", "must be an object of field values"))
    if problems:
        raise TrellisError(problems, status=422)
    return source, expect, sample


def _forms(app_key: str) -> dict[str, dict]:
    rt = current_runtime()
    return rt.store.context(db_session(), app_key).forms


def _draft_analysis(app_key: str, form_key: str) -> tuple[dict, Analysis]:
    rt = current_runtime()
    draft = rt.store.get(db_session(), app_key, "form", form_key).draft
    forms = _forms(app_key)
    analysis = analyze_form(draft, forms.get, rt.fields, rt.functions)
    return with_result_types(draft, analysis.result_types), analysis


def editor_scope(principal: Principal, app_key: str, form_key: str, draft: dict,
                 analysis: Analysis, forms: dict[str, dict]) -> Scope:
    """The draft's scope as ``principal`` sees it: without what the drafts' policies or the
    published ones hide from the principal (derived hiding included)."""
    rt, session = current_runtime(), db_session()
    drafts = {**forms, form_key: draft}
    in_drafts = ReaderAccesses(principal, lambda key: document_facts(drafts[key], rt.fields)
                               if key in drafts else None)
    try:
        published = ReaderView(session, rt.plan(session, app_key, form_key), principal,
                               rt.directory)
    except TrellisError:
        published = None  # never published: the drafts' policies alone

    def hidden(form_key: str) -> frozenset[str] | None:
        """What the principal may not see of a form (None: any of it)."""
        accesses = [in_drafts(form_key)]
        if published is not None and published.plan_of(form_key) is not None:
            accesses.append(published.access_of(form_key))
        if any(a.scope("read") == "none" for a in accesses):
            return None
        return frozenset().union(*(a.hidden for a in accesses))

    own = hidden(form_key)
    if own is None:
        own = frozenset(f["key"] for f in draft.get("fields", []))
    links = document_facts(draft, rt.fields).links
    return reader_scope(analysis.scope, own,
                        lambda key: hidden(links[key]) if key in links else frozenset())


def field_list(draft: dict, scope: Scope, forms: dict[str, dict], lang: str) -> list[dict]:
    """Every field a formula of ``draft`` may name in ``scope``, own fields first, then one
    hop away (labels in ``lang``). ``name`` is how an editor writes the field between braces
    for a reader of ``lang`` (its label, when that names it alone; else its key), and a
    select's entry lists its ``choices``."""
    types = current_runtime().fields
    everything = [*scope.fields, *scope.labels]
    out = []
    for fld in draft.get("fields", []):
        key = fld["key"]
        if key in scope.fields:
            out.append(_entry(key, label_text(fld.get("label"), lang), scope.fields[key],
                              field_name(scope, key, lang), scope.choices.get(key), lang))
    out += [{**_entry(key, for_reader(label), SYSTEM_FIELDS[key]), "system": True}
            for key, label in SYSTEM_LABELS.items()]
    for fld in draft.get("fields", []):
        rows = scope.rows.get(fld["key"])
        if rows is not None:  # a sub-table: its fields are totalled (SUM, AVG, COUNT)
            label = label_text(fld.get("label"), lang)
            subs = {s["key"]: label_text(s.get("label"), lang)
                    for s in types[fld["type"]].row_fields(fld)}
            hop = field_name(scope, fld["key"], lang, everything)
            out += [{**_entry(f"{fld['key']}.{key}", f"{label} › {subs.get(key, key)}", ftype,
                              f"{hop}.{field_name(rows, key, lang)}"), "rows": True}
                    for key, ftype in rows.fields.items()]
    for fld in draft.get("fields", []):
        target = forms.get(types[fld["type"]].formula_link(fld) or "") if \
            fld["type"] in types else None
        related = scope.related(fld["key"]) if target is not None else None
        if related is None:
            continue
        labels = {f["key"]: label_text(f.get("label"), lang) for f in target.get("fields", [])}
        hop = field_name(scope, fld["key"], lang, everything)
        for key, ftype in related.fields.items():
            out.append(_entry(f"{fld['key']}.{key}", f"{label_text(fld.get('label'), lang)} › "
                                                     f"{labels.get(key, key)}", ftype,
                              f"{hop}.{field_name(related, key, lang)}",
                              related.choices.get(key), lang))
    return out


def _entry(ref: str, label: str, ftype: FType, name: str | None = None,
           choices: tuple[Choice, ...] | None = None, lang: str = "zh") -> dict:
    entry = {"ref": ref, "label": label or ref, "name": name or ref, "type": str(ftype),
             "type_label": for_reader(describe(ftype))}
    if choices is not None:
        entry["choices"] = [{"value": c.value, "label": c.label(lang)} for c in choices]
    return entry


def sample_record(draft: dict, scope: Scope, sample: dict, forms: dict[str, dict]
                  ) -> dict[str, Any]:
    """A record from the values people typed for "try it", coerced like a real record's
    (values of fields outside ``scope``, the caller's, are left out)."""
    types = current_runtime().fields
    by_key = {f["key"]: f for f in draft.get("fields", [])}
    record: dict[str, Any] = {}
    problems = []
    for ref, raw in sample.items():
        if not isinstance(ref, str):
            continue
        relation, _, key = ref.rpartition(".")
        fld = by_key.get(ref) if ref in scope.fields else None
        if relation:
            link = by_key.get(relation)
            target = forms.get(types[link["type"]].formula_link(link) or "") if link else None
            related = scope.related(relation) if target is not None else None
            fld = next((f for f in (target or {}).get("fields", []) if f["key"] == key
                        and related is not None and key in related.fields), None)
        if fld is None or fld["type"] not in types or types[fld["type"]].calculated:
            continue
        try:
            record[ref] = None if raw in (None, "") else types[fld["type"]].coerce(raw, fld)
        except FieldValueError as exc:
            problems.append(Problem(f"/record/{ref}", msg("{%(ref)s}: %(message)s", ref=ref,
                                                           message=exc.message)))
    if problems:
        raise TrellisError(problems, status=422)
    return record


FORM = "/apps/<app_key>/forms/<form_key>"
ROUTES: tuple[Route, ...] = (
    ("/formula/functions", "formula_functions", formula_functions, GET),
    (FORM + "/formula/fields", "formula_fields", formula_fields, GET),
    (FORM + "/formula", "formula_check", formula_check, POST),
)
