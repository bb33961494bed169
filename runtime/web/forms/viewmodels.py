"""View models of the generated form pages: everything a widget template prints, decided here.

A field becomes a ``FieldVM``: its input name, label, value as the input shows it, error,
required/read-only flags, help and placeholder texts, and the type's ``widget_context`` plus
what its widget (``runtime.web.forms.widgets``) adds around it (search URLs, picked options,
uploaded files, sub-table rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from metadata.errors import Problem
from runtime.fields.base import FieldValueError, label_text
from runtime.fields.roles.presentation import PresentationRole
from runtime.fields.roles.value import ValueRole
from runtime.forms.plan import FormPlan
from runtime.permissions import Access
from runtime.web import current_widgets
from runtime.web.forms.layout import TabVM
from runtime.web.forms.references import References
from runtime.web.messages import translate

if TYPE_CHECKING:
    from metadata.registry import Registry
    from runtime.web.forms.widgets.base import Widget


@dataclass
class FieldVM:
    key: str
    name: str
    dom_id: str
    label: str
    widget: str
    template: str
    error_id: str
    value: str = ""
    error: str = ""
    error_link: tuple[str, str] | None = None  # (url, text): the record an error is about
    required: bool = False
    readonly: bool = False
    calculated: bool = False  # its formula gives the value: badged "calculated"
    hidden: bool = False  # by the field's visibility formula (the page can show it later)
    help: str = ""
    placeholder: str = ""
    validate_url: str | None = None
    ctx: dict[str, Any] = field(default_factory=dict)


@dataclass
class FormVM:
    title: str
    action: str
    cancel_url: str
    validate_url: str
    fields: list[FieldVM]
    errors: list[str] = field(default_factory=list)
    version: int | None = None
    conflict: bool = False
    reload_url: str = ""
    submit_label: str = ""
    state_url: str = ""  # where the live form asks for its formula-driven state
    tabs: list[TabVM] = field(default_factory=list)  # fields arranged by the form's layout


@dataclass
class PageContext:
    """What every field of one form page shares."""

    plan: FormPlan
    access: Access
    refs: References
    lang: str
    validate_url: str | None
    errors: dict[str, str] = field(default_factory=dict)
    # the record an error of a field is about (another one holding a unique value): (url, text)
    error_links: dict[str, tuple[str, str]] = field(default_factory=dict)
    widgets: Registry[Widget] = field(default_factory=current_widgets)  # the app's


def error_map(plan: FormPlan, problems: list[Problem], lang: str
              ) -> tuple[dict[str, str], list[str]]:
    """Problems by field key, and the ones that belong to no field."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for problem in problems:
        key = problem.path.lstrip("/").split("/", 1)[0]
        fld = plan.by_key.get(key)
        if fld is None:
            general.append(translate(problem.message))
            continue
        subs = {s["key"]: label_text(s.get("label"), lang)
                for s in plan.types[fld["type"]].row_fields(fld)}
        by_field.setdefault(key, translate(problem.message, subs))
    return by_field, general


def error_records(problems: list[Problem]) -> dict[str, int]:
    """The other record each field's first problem is about (a unique value it holds)."""
    out: dict[str, int] = {}
    for problem in problems:
        key = problem.path.lstrip("/").split("/", 1)[0]
        if problem.record is not None and key:
            out.setdefault(key, problem.record)
    return out


def posted_value(ftype: ValueRole, fld: Mapping, parsed: Any) -> tuple[Any, Any]:
    """(canonical value, None) when a posted value coerces, else (None, what was posted)."""
    if parsed is None or parsed == []:
        return None, None
    try:
        return ftype.coerce(parsed, fld), None
    except FieldValueError:
        return None, parsed


def input_text(value: Any) -> str:
    """A value as a plain input shows it."""
    if value is None or isinstance(value, list | dict):
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)


def field_vm(page: PageContext, fld: Mapping, value: Any, *, name: str | None = None,
             dom_id: str | None = None, error_key: str | None = None, raw: Any = None,
             readonly: bool = False) -> FieldVM:
    """The view model of one input; ``raw`` is a posted value that did not coerce."""
    ftype = page.plan.types[fld["type"]]
    widget = page.widgets[ftype.widget]
    key = error_key or fld["key"]
    vm = FieldVM(
        key=fld["key"], name=name or fld["key"], dom_id=dom_id or f"f-{fld['key']}",
        label=label_text(fld.get("label"), page.lang) or fld["key"], widget=ftype.widget,
        template=widget.template(), error_id=f"err-{key}",
        value=input_text(raw if raw is not None else value), error=page.errors.get(fld["key"], ""),
        error_link=page.error_links.get(fld["key"]),
        required=bool(fld.get("required")) and not ftype.generated,
        readonly=readonly or ftype.generated,
        calculated=ftype.calculated,
        help=label_text(fld.get("help"), page.lang),
        placeholder=label_text(fld.get("placeholder"), page.lang),
        validate_url=None if readonly else page.validate_url)
    vm.ctx = widget_context(ftype, fld, value if raw is None else None, page.lang)
    widget.extend(page, fld, vm, value, raw)
    return vm


def widget_context(ftype: PresentationRole, fld: Mapping, value: Any, lang: str
                   ) -> dict[str, Any]:
    """The type's context for its widget; for a value it cannot show, that of no value."""
    try:
        return dict(ftype.widget_context(fld, value, lang))
    except (FieldValueError, TypeError, ValueError, KeyError):
        return dict(ftype.widget_context(fld, None, lang))


# -- whole forms ------------------------------------------------------------------------------
def form_fields(page: PageContext, values: Mapping[str, Any], posted: Mapping[str, Any] | None
                ) -> list[FieldVM]:
    """Every field the person may see, from stored ``values`` or from a ``posted`` form."""
    out = []
    for fld in page.plan.fields:
        key = fld["key"]
        if key in page.access.hidden:
            continue
        readonly = key in page.access.readonly
        value, raw = values.get(key), None
        if posted is not None and not readonly and key in posted:
            ftype = page.plan.types[fld["type"]]
            value, raw = page.widgets[ftype.widget].posted(ftype, fld, posted[key])
        out.append(field_vm(page, fld, value, raw=raw, readonly=readonly))
    return out


def collect_posted(refs: References, plan: FormPlan, posted: Mapping[str, Any]) -> None:
    """Let ``refs`` know the ids a posted form points at, so pickers show their titles."""
    for key, parsed in posted.items():
        fld = plan.by_key.get(key)
        if fld is None:
            continue
        ftype = plan.types[fld["type"]]
        if ftype.holds_rows:
            for row in parsed or []:
                for sub in ftype.row_fields(fld):
                    value, _raw = posted_value(plan.types[sub["type"]], sub, row.get(sub["key"]))
                    refs.add(sub, value)
        else:
            refs.add(fld, posted_value(ftype, fld, parsed)[0])
