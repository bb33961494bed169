"""Formulas while a form is being filled in: which fields show, are required or read-only, and
the calculated values — computed on the server from what has been typed so far.

The page renders with the state of its starting values; ``form_state`` answers the browser's
requests as the person types (static/js/form-behaviour.js applies the answer). Saving runs the
same formulas again (runtime.forms.behaviour): the page only shows what the server will do.
Related values come from ``load_related``, the person's (``Records.reader_related``): a person
who can vary the inputs must not read related records through them that they may not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import jsonify, request

from runtime.forms.behaviour import FormState, RelatedLoader
from runtime.forms.plan import FormPlan
from runtime.permissions import Access
from runtime.web.forms.formdata import parse_post
from runtime.web.forms.viewmodels import FieldVM, posted_value


def typed_values(plan: FormPlan, posted: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs of a posted form (parse_post) that make sense so far; what does not (yet)
    coerce counts as empty."""
    return {key: posted_value(plan.ftype(key), plan.by_key[key], parsed)[0]
            for key, parsed in posted.items()}


def state_of(plan: FormPlan, record: Mapping[str, Any], load_related: RelatedLoader
             ) -> FormState | None:
    if plan.behaviour is None:
        return None
    return plan.behaviour.state(dict(record), load_related)


def formula_defaults(plan: FormPlan, values: dict[str, Any], load_related: RelatedLoader
                     ) -> dict[str, Any]:
    """A new record's starting values with its default formulas worked out."""
    if plan.behaviour is None:
        return values
    values = dict(values)
    plan.behaviour.fill_defaults(values, set(), load_related)
    return values


def apply_state(plan: FormPlan, fields: list[FieldVM], state: FormState | None,
                lang: str) -> None:
    """Mark the field view models hidden, required or read-only, and show calculated values."""
    if state is None:
        return
    for vm in fields:
        vm.hidden = vm.key in state.hidden
        vm.required = vm.required or vm.key in state.required
        vm.readonly = vm.readonly or vm.key in state.readonly
        if vm.key in state.values:
            vm.value = display(plan, vm.key, state.values[vm.key], lang)


def display(plan: FormPlan, key: str, value: Any, lang: str) -> str:
    return plan.ftype(key).display(value, plan.by_key[key], lang)


def state_response(plan: FormPlan, record: Mapping[str, Any] | None, access: Access,
                   lang: str, load_related: RelatedLoader):
    """The JSON answer to the live form: its state for the posted inputs."""
    values = {**(record or {}), **typed_values(plan, parse_post(plan, request.form, access))}
    state = state_of(plan, values, load_related)
    if state is None:
        return jsonify({"hidden": [], "required": [], "readonly": [], "values": {}})
    visible = {f["key"] for f in plan.fields} - access.hidden
    return jsonify({
        "hidden": sorted(state.hidden & visible),
        "required": sorted(state.required & visible),
        "readonly": sorted(state.readonly & visible),
        "values": {k: display(plan, k, v, lang) for k, v in state.values.items()
                   if k in visible},
    })


def hidden_keys(plan: FormPlan, record: Mapping[str, Any], load_related: RelatedLoader
                ) -> set[str]:
    """Fields hidden by formula for the stored record (a conditional field whose condition
    does not hold): a page showing the record leaves them out, as the form does."""
    state = state_of(plan, record, load_related)
    return set() if state is None else set(state.hidden)


def locked_keys(plan: FormPlan, record: Mapping[str, Any], load_related: RelatedLoader
                ) -> set[str]:
    """Fields read-only by formula for the stored record: their inputs are not posted."""
    state = state_of(plan, record, load_related)
    return set() if state is None else set(state.readonly)
