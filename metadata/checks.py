"""Validation of documents: the JSON Schema of the kind, then the semantic checks beyond it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from metadata.errors import InvalidDocument, Problem, pointer
from metadata.identity_checks import identity_problems
from metadata.keys import field_key_problem, key_problem
from metadata.messages import msg, quoted
from metadata.models import KINDS
from metadata.rulesets import ruleset_problems
from metadata.workflows import workflow_problems


class CheckedFieldType(Protocol):
    type: str

    def check(self, fld: dict, path: str, ctx: CheckContext) -> list[Problem]: ...


class CheckedChannel(Protocol):
    """A capture channel's semantic checks of its configuration (``capture.<key>``)."""

    key: str

    def check(self, config: Any, form: Mapping, path: str, ctx: CheckContext
              ) -> list[Problem]: ...


# checks the formulas of a document (a service of the runtime, which owns the formula
# language): (kind, document, context) -> (problems, {pointer: {source, ast, type}})
FormulaCheck = Callable[[str, dict, "CheckContext"], tuple[list[Problem], dict]]


@dataclass
class CheckContext:
    """What semantic checks may look at: the other documents of the app and the field types."""

    app_key: str
    forms: Mapping[str, dict]
    field_types: Mapping[str, CheckedFieldType]
    problems: list[Problem] = field(default_factory=list)
    formulas: FormulaCheck | None = None
    channels: Mapping[str, CheckedChannel] = field(default_factory=dict)  # capture channels

    def check_fields(self, fields: Iterable[dict], path: str) -> list[Problem]:
        """Check a list of fields: keys, uniqueness and each type's own rules."""
        problems: list[Problem] = []
        seen: dict[str, int] = {}
        for i, fld in enumerate(fields):
            at = f"{path}/{i}"
            key = fld.get("key")
            why = field_key_problem(key)
            if why:
                problems.append(Problem(at + "/key", why))
            elif key.lower() in seen:
                problems.append(Problem(at + "/key", f"field key {key!r} is already used by "
                                                     f"field {seen[key.lower()]}"))
            else:
                seen[key.lower()] = i
            ftype = self.field_types.get(fld.get("type"))
            if ftype is not None:
                problems.extend(ftype.check(fld, at, self))
        return problems


def _whole_number(checker: Any, instance: Any) -> bool:
    """JSON Schema's ``integer`` takes 9.0; a setting read as a count or a number of places
    must be a whole number as written, or code reading it gets a float."""
    return isinstance(instance, int) and not isinstance(instance, bool)


StrictValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _whole_number))


class Validators:
    """Compiled JSON Schema validators, one per kind."""

    def __init__(self, schemas: Mapping[str, dict]):
        self.schemas = dict(schemas)
        self._validators = {kind: StrictValidator(s) for kind, s in schemas.items()}

    def schema_problems(self, kind: str, doc: Any) -> list[Problem]:
        validator = self._validators[kind]
        return [p for e in sorted(validator.iter_errors(doc), key=_error_order)
                for p in _problems(e)]


def _error_order(error: ValidationError) -> tuple:
    return (list(map(str, error.absolute_path)), error.message)


def _problems(error: ValidationError) -> list[Problem]:
    """One problem per schema error; an unknown property is named at its own path."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        patterns = error.schema.get("patternProperties", {})
        extra = [k for k in error.instance if k not in known
                 and not any(re.search(p, k) for p in patterns)]
        if extra:
            return [Problem(pointer(*error.absolute_path, k), f"unknown property {k!r}")
                    for k in extra]
    return [_problem(error)]


def _problem(error: ValidationError) -> Problem:
    path = pointer(*error.absolute_path)
    if error.validator in ("oneOf", "anyOf") and "title" in error.schema:
        return Problem(path, f"must be {error.schema['title']}")
    if error.validator == "pattern" and "title" in error.schema:
        return Problem(path, f"{error.instance!r} is not {error.schema['title']}")
    if error.validator == "additionalProperties":
        return Problem(path, f"unknown property: {error.message.split('(')[-1].rstrip(')')}")
    if error.validator == "type" and error.validator_value == "integer":
        return Problem(path, f"{error.instance!r} is not a whole number")
    if error.validator == "minimum":  # jsonschema's words, translated for the reader
        return Problem(path, msg("%(value)s is less than the minimum of %(n)s",
                                 value=repr(error.instance), n=repr(error.validator_value)))
    if error.validator == "maximum":
        return Problem(path, msg("%(value)s is greater than the maximum of %(n)s",
                                 value=repr(error.instance), n=repr(error.validator_value)))
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        if missing:  # jsonschema's words, translated for the reader
            return Problem(path, msg("%(key)s is required", key=quoted(missing[0])))
    if error.validator == "enum":
        allowed = ", ".join(map(repr, error.validator_value))
        return Problem(path, f"{error.instance!r} is not one of {allowed}")
    return Problem(path, error.message)


def semantic_problems(kind: str, doc: dict, ctx: CheckContext) -> list[Problem]:
    if kind not in KINDS:
        return [Problem("/kind", f"unknown document kind {kind!r}")]
    problems: list[Problem] = []
    why = key_problem(doc.get("key"), f"{kind} key")
    if why:
        problems.append(Problem("/key", why))
    if kind == "form":
        problems += _form_problems(doc, ctx)
    elif kind == "view":
        problems += _view_problems(doc, ctx)
    elif kind == "app":
        problems += _app_problems(doc, ctx)
    elif kind == "ruleset":
        problems += ruleset_problems(doc, ctx)
    elif kind == "workflow":
        problems += workflow_problems(doc, ctx)
    return problems


def _form_problems(doc: dict, ctx: CheckContext) -> list[Problem]:
    fields = doc.get("fields", [])
    problems = ctx.check_fields(fields, "/fields")
    keys = {f.get("key") for f in fields}
    title = doc.get("title_field")
    if title is not None and title not in keys:
        problems.append(Problem("/title_field", f"{title!r} is not a field of this form"))
    for i, rule in enumerate(doc.get("cleaning") or []):
        if rule.get("field") not in keys:
            problems.append(Problem(pointer("cleaning", i, "field"), msg(
                "%(key)s is not a field of this form", key=quoted(rule.get("field")))))
    roles = (doc.get("permissions") or {}).get("roles", {})
    for role, policy in roles.items():
        for which in ("hidden_fields", "readonly_fields"):
            for i, key in enumerate(policy.get(which, [])):
                if key not in keys:
                    problems.append(Problem(pointer("permissions", "roles", role, which, i),
                                            f"{key!r} is not a field of this form"))
    for key, config in (doc.get("capture") or {}).items():
        channel = ctx.channels.get(key)
        if channel is not None:
            problems += channel.check(config, doc, pointer("capture", key), ctx)
    problems += identity_problems(doc, ctx.field_types)
    return problems + _layout_problems(doc.get("layout") or {}, keys)


def _layout_problems(layout: dict, keys: set) -> list[Problem]:
    """Every placed key is a field, placed once; a section's spans name its own fields and
    stay within its columns."""
    problems: list[Problem] = []
    placed: dict[str, str] = {}
    for t, tab in enumerate(layout.get("tabs", [])):
        for s, section in enumerate(tab.get("sections", [])):
            at = pointer("layout", "tabs", t, "sections", s)
            for i, key in enumerate(section.get("fields", [])):
                if key not in keys:
                    problems.append(Problem(f"{at}/fields/{i}", msg(
                        "%(key)s is placed in the layout but is not a field of this form",
                        key=key)))
                elif key in placed:
                    problems.append(Problem(f"{at}/fields/{i}", msg(
                        "%(key)s is placed in the layout twice (also at %(at)s)",
                        key=key, at=placed[key])))
                else:
                    placed[key] = f"{at}/fields/{i}"
            problems += _span_problems(section, at)
    return problems


def _span_problems(section: dict, at: str) -> list[Problem]:
    problems = []
    columns = section.get("columns", 1)
    for key, span in (section.get("spans") or {}).items():
        if key not in section.get("fields", []):
            problems.append(Problem(f"{at}/spans/{key}", msg(
                "%(key)s has a width in a section it is not in", key=key)))
        elif span > columns:
            problems.append(Problem(f"{at}/spans/{key}", msg(
                "%(key)s is %(span)s columns wide but its section has only %(columns)s",
                key=key, span=span, columns=columns)))
    return problems


def _view_problems(doc: dict, ctx: CheckContext) -> list[Problem]:
    form = ctx.forms.get(doc.get("form"))
    if form is None:
        return [Problem("/form", msg("form %(form)s does not exist in app %(app)s",
                                     form=quoted(doc.get("form")), app=quoted(ctx.app_key)))]
    keys = {f["key"] for f in form.get("fields", [])} | {"id", "created_at", "updated_at",
                                                          "owner", "version"}
    problems = []
    for i, col in enumerate(doc.get("columns", [])):
        if col not in keys:
            problems.append(Problem(f"/columns/{i}", f"{col!r} is not a field of {form['key']}"))
    for group in ("sort", "filters"):
        for i, item in enumerate(doc.get(group, [])):
            if item.get("field") not in keys:
                problems.append(Problem(f"/{group}/{i}/field",
                                        f"{item.get('field')!r} is not a field of {form['key']}"))
    return problems


def _app_problems(doc: dict, ctx: CheckContext) -> list[Problem]:
    problems = []
    for i, item in enumerate(doc.get("navigation", [])):
        if item.get("form") not in ctx.forms:
            problems.append(Problem(f"/navigation/{i}/form",
                                    f"form {item.get('form')!r} does not exist in this app"))
    return problems


def check_document(validators: Validators, kind: str, doc: Any, ctx: CheckContext) -> dict:
    """Raise InvalidDocument listing every problem of ``doc``; when it is valid, return its
    checked formulas ({pointer: {source, ast, type}}, kept beside the document)."""
    if not isinstance(doc, dict):
        raise InvalidDocument([Problem("", "a document must be a JSON object")])
    if kind not in validators.schemas:
        raise InvalidDocument([Problem("/kind", f"unknown document kind {kind!r}")])
    problems = validators.schema_problems(kind, doc)
    if not problems:
        problems = semantic_problems(kind, doc, ctx)
    formulas: dict = {}
    if not problems and ctx.formulas is not None:
        problems, formulas = ctx.formulas(kind, doc, ctx)
    if problems:
        raise InvalidDocument(problems)
    return formulas
