"""What a public form page shows, decided here (templates print it): the form's title,
description, theme and logo, only the fields it exposes (in its order), their errors — never a
stored record's data — and the URL parameters it keeps with each arrival."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from flask_babel import gettext as _

from metadata.errors import Problem
from metadata.labels import label_text
from metadata.messages import msg
from runtime.arrivals import Touch
from runtime.capture.public import PublicForm
from runtime.fields.base import FieldValueError
from runtime.forms.behaviour import FormState
from runtime.forms.plan import FormPlan
from runtime.permissions import ACTIONS, Access, Principal
from runtime.web import current_runtime, db_session
from runtime.web.forms import live
from runtime.web.forms.references import References
from runtime.web.forms.viewmodels import FormVM, PageContext, error_map, form_fields

HONEYPOT = "website"  # an input people never see; bots fill in every input they find
TOKEN = "_t"
TAKEN = msg("this has already been submitted")


def public_principal(page: PublicForm) -> Principal:
    """Who writes a public form's submissions: the system (no user) on the form's behalf; the
    records are owned by the form's ``owner`` (when set and active)."""
    return Principal(user_id=None, roles=frozenset({"admin"}),
                     name=f"public form {page.slug}")


def public_access(plan: FormPlan, page: PublicForm) -> Access:
    """What the page lets a stranger do: create, with every field it does not expose hidden
    (not shown, not read from the post)."""
    hidden = frozenset(f["key"] for f in plan.fields if f["key"] not in page.fields)
    return Access(dict.fromkeys(ACTIONS, "all"), hidden, hidden)


def nothing_related(record: Mapping[str, Any], paths: frozenset[str]) -> dict[str, Any]:
    """Related records as a stranger's page sees them: not at all."""
    return dict.fromkeys(paths)


def page_lang() -> str:
    asked = request.args.get("lang")
    if asked in ("zh", "en"):
        return asked
    return request.accept_languages.best_match(["zh", "en"]) or "zh"


@dataclass
class PublicVM:
    title: str
    description: str
    color: str
    logo: str
    lang: str
    form: FormVM
    token: str
    honeypot: str = HONEYPOT
    errors: list[str] = field(default_factory=list)


def public_vm(plan: FormPlan, page: PublicForm, lang: str, token: str,
              posted: Mapping[str, Any] | None = None, problems: list[Problem] = (),
              ) -> PublicVM:
    access = public_access(plan, page)
    rt = current_runtime()
    refs = References(rt, db_session(), plan, public_principal(page), lang)
    refs.load()
    errors, general = error_map(plan, scrubbed(problems), lang)
    context = PageContext(plan, access, refs, lang, None, errors)
    values = live.formula_defaults(plan, defaults(plan, page), nothing_related)
    fields = form_fields(context, values, posted)
    order = {key: i for i, key in enumerate(page.fields)}
    fields.sort(key=lambda f: order.get(f.key, len(order)))
    for vm in fields:
        if "options_url" in vm.ctx:
            vm.ctx["options_url"] = url_for("capture.region_options")
    config = page.config
    form = FormVM(title="", action=request.full_path.rstrip("?"), cancel_url="",
                  validate_url="", fields=fields, errors=general,
                  submit_label=label_text(config.get("submit_label"), lang) or _("Submit"))
    typed = live.typed_values(plan, posted) if posted else {}
    live.apply_state(plan, fields, _state(plan, {**values, **typed}), lang)
    if plan.behaviour is not None:
        form.state_url = url_for("capture.public_state", app_key=page.app_key, slug=page.slug)
    theme = config.get("theme") or {}
    return PublicVM(title=label_text(config.get("title"), lang) or plan.label(lang),
                    description=label_text(config.get("description")
                                           or plan.doc.get("description"), lang),
                    color=theme.get("color") or "", logo=theme.get("logo") or "",
                    lang=lang, form=form, token=token)


def _state(plan: FormPlan, values: dict) -> FormState | None:
    return live.state_of(plan, values, nothing_related)


def defaults(plan: FormPlan, page: PublicForm) -> dict[str, Any]:
    out = {}
    for key in page.fields:
        fld = plan.by_key.get(key)
        if fld is not None and fld.get("default") is not None:
            try:
                out[key] = plan.ftype(key).coerce(fld["default"], fld)
            except FieldValueError:
                continue
    return out


def scrubbed(problems: list[Problem]) -> list[Problem]:
    """Problems as a stranger may read them: one about another record (a unique value it
    holds) names no record."""
    return [Problem(p.path, TAKEN) if p.record is not None else p for p in problems]


def param_values(plan: FormPlan, page: PublicForm, args: Mapping[str, str]) -> dict[str, Any]:
    """The values the URL's parameters give the fields ``params`` maps them to; a value a
    field does not take is left out (it stays in the touch)."""
    out = {}
    for name, key in page.params.items():
        fld = plan.by_key.get(key) if key else None
        raw = args.get(name)
        if fld is None or raw in (None, ""):
            continue
        try:
            out[key] = plan.ftype(key).coerce(raw[:2000], fld)
        except (FieldValueError, TypeError, ValueError):
            continue
    return out


def arrival(page: PublicForm, args: Mapping[str, str], referrer: str | None) -> Touch:
    params = dict(args.items())
    named = tuple(page.params)
    if referrer:
        params["referrer"] = referrer
        named = (*named, "referrer")
    return Touch.from_params("public", params, named, ref=f"form:{page.slug}")

