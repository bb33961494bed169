"""View models of the generated form pages: everything a widget template prints, decided here.

A field becomes a ``FieldVM``: its input name, label, value as the input shows it, error,
required/read-only flags, help and placeholder texts, and the type's ``widget_context`` plus
what the page needs around it (search URLs, picked options, uploaded files, sub-table rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from metadata.errors import Problem
from runtime.fields.base import FieldType, FieldValueError, config, label_text
from runtime.forms.formdata import SUB_TABLE
from runtime.forms.layout import TabVM
from runtime.forms.messages import translate
from runtime.forms.plan import FormPlan
from runtime.forms.references import References
from runtime.permissions import Access

NEW_ROW = "__n__"  # the row number placeholder of a sub-table's template row


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
        subs = {s["key"]: label_text(s.get("label"), lang) for s in config(fld).get("fields", [])}
        by_field.setdefault(key, translate(problem.message, subs))
    return by_field, general


def posted_value(ftype: FieldType, fld: Mapping, parsed: Any) -> tuple[Any, Any]:
    """(canonical value, None) when a posted value coerces, else (None, what was posted)."""
    if parsed is None or parsed == []:
        return None, None
    try:
        return ftype.coerce(parsed, fld), None
    except FieldValueError:
        return None, parsed


def _text(value: Any) -> str:
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
    key = error_key or fld["key"]
    vm = FieldVM(
        key=fld["key"], name=name or fld["key"], dom_id=dom_id or f"f-{fld['key']}",
        label=label_text(fld.get("label"), page.lang) or fld["key"], widget=ftype.widget,
        template=f"runtime/fields/_{ftype.widget}.html", error_id=f"err-{key}",
        value=_text(raw if raw is not None else value), error=page.errors.get(fld["key"], ""),
        required=bool(fld.get("required")) and not ftype.generated,
        readonly=readonly or ftype.generated,
        calculated=ftype.calculated,
        help=label_text(fld.get("help"), page.lang),
        placeholder=label_text(fld.get("placeholder"), page.lang),
        validate_url=None if readonly else page.validate_url)
    vm.ctx = _context(ftype, fld, value if raw is None else None, page.lang)
    WIDGET_EXTRAS.get(ftype.widget, _no_extras)(page, fld, vm, value, raw)
    return vm


def _context(ftype: FieldType, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
    try:
        return dict(ftype.widget_context(fld, value, lang))
    except (FieldValueError, TypeError, ValueError, KeyError):
        return dict(ftype.widget_context(fld, None, lang))


# -- per widget extras ------------------------------------------------------------------------
def _no_extras(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    return None


def _checkbox(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    vm.ctx["checked"] = value is True


def _datetime(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    if raw is not None:
        vm.ctx["local_value"] = _text(raw)


def _choices(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    """Choices shown as buttons when the field's config asks for it, else a dropdown."""
    inline = CHOICE_TEMPLATES.get((vm.widget, vm.ctx.get("display")))
    if inline:
        vm.template = f"runtime/fields/{inline}"


CHOICE_TEMPLATES = {("select", "radio"): "_radio.html",
                    ("multiselect", "checkboxes"): "_checkboxes.html"}


def _phone(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    if raw is None and value:  # the number as people write it; it is stored as E.164
        vm.value = page.plan.types[fld["type"]].display(value, fld, page.lang)


def _readonly(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    vm.ctx["pending"] = _("assigned on save") if value is None else ""


def _region(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    if raw is not None and isinstance(raw, dict):
        vm.ctx = _context(page.plan.types[fld["type"]], fld, raw, page.lang)
    countries = vm.ctx.get("countries") or []
    vm.ctx["other_countries"] = [c for c in countries if c != "CN"]
    vm.ctx["china"] = vm.ctx.get("country", "CN") == "CN"
    vm.ctx["show_city"] = vm.ctx.get("levels", 3) >= 2
    vm.ctx["show_district"] = vm.ctx.get("levels", 3) >= 3
    vm.ctx["options_url"] = url_for("forms.region_options")


def _options(page: PageContext, fld: Mapping, value: Any, raw: Any) -> list[dict]:
    if raw is not None:
        return [{"value": str(v), "text": str(v)} for v in (raw if isinstance(raw, list)
                                                            else [raw])]
    return [{"value": str(i), "text": text} for i, text in page.refs.items(fld, value)]


def _user(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    vm.ctx["options"] = _options(page, fld, value, raw)
    roles = ",".join(config(fld).get("roles", []))
    vm.ctx["search_url"] = url_for("forms.user_search", **({"roles": roles} if roles else {}))


def _relation(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    vm.ctx["options"] = _options(page, fld, value, raw)
    path = fld["key"] if vm.name == fld["key"] else _sub_path(vm.name)
    vm.ctx["search_url"] = url_for("forms.relation_lookup", app_key=page.plan.app_key,
                                   form_key=page.plan.form_key, field_path=path)


def _sub_path(name: str) -> str:
    """``items[3][product]`` → ``items.product``."""
    parent, _sep, rest = name.partition("[")
    return f"{parent}.{rest.rsplit('[', 1)[-1].rstrip(']')}"


def _attachment(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    files = []
    for item in value or []:
        files.append({"id": item["id"], "name": item.get("name") or item["id"],
                      "size": human_size(item.get("size")),
                      "url": url_for("api.download", file_id=item["id"])})
    path = fld["key"] if vm.name == fld["key"] else _sub_path(vm.name)
    vm.ctx.update(files=files, upload_url=url_for(
        "forms.upload", app_key=page.plan.app_key, form_key=page.plan.form_key,
        field_path=path))


def _sub_table(page: PageContext, fld: Mapping, vm: FieldVM, value: Any, raw: Any) -> None:
    subs = config(fld).get("fields", [])
    rows = value if raw is None else raw
    rows = rows if isinstance(rows, list) else []
    vm.ctx["columns"] = [{"label": label_text(s.get("label"), page.lang) or s["key"],
                          "required": bool(s.get("required"))} for s in subs]
    vm.ctx["rows"] = [_sub_row(page, fld, subs, n, row, vm.readonly)
                      for n, row in enumerate(rows) if isinstance(row, dict)]
    vm.ctx["template_row"] = _sub_row(page, fld, subs, NEW_ROW, {}, vm.readonly)
    vm.ctx["next_index"] = len(vm.ctx["rows"])
    vm.ctx["add_label"] = _("Add row")


def _sub_row(page: PageContext, fld: Mapping, subs: list[dict], n: int | str, row: dict,
             readonly: bool) -> list[FieldVM]:
    cells = []
    for sub in subs:
        ftype = page.plan.types[sub["type"]]
        value, raw = posted_value(ftype, sub, row.get(sub["key"]))
        cells.append(field_vm(page, sub, value, raw=raw, name=f"{fld['key']}[{n}][{sub['key']}]",
                              dom_id=f"f-{fld['key']}-{n}-{sub['key']}", error_key=fld["key"],
                              readonly=readonly))
    for cell in cells:
        cell.error = ""
    return cells


def human_size(size: Any) -> str:
    if not isinstance(size, int):
        return ""
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


WIDGET_EXTRAS = {
    "checkbox": _checkbox, "datetime": _datetime, "phone": _phone, "readonly": _readonly,
    "select": _choices, "multiselect": _choices,
    "region": _region, "user": _user, "relation": _relation, "attachment": _attachment,
    SUB_TABLE: _sub_table,
}


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
            if ftype.widget == SUB_TABLE:
                value, raw = None, posted[key]
            else:
                value, raw = posted_value(ftype, fld, posted[key])
        out.append(field_vm(page, fld, value, raw=raw, readonly=readonly))
    return out


def collect_posted(refs: References, plan: FormPlan, posted: Mapping[str, Any]) -> None:
    """Let ``refs`` know the ids a posted form points at, so pickers show their titles."""
    for key, parsed in posted.items():
        fld = plan.by_key.get(key)
        if fld is None:
            continue
        ftype = plan.types[fld["type"]]
        if ftype.widget == SUB_TABLE:
            for row in parsed or []:
                for sub in config(fld).get("fields", []):
                    value, _raw = posted_value(plan.types[sub["type"]], sub, row.get(sub["key"]))
                    refs.add(sub, value)
        else:
            refs.add(fld, posted_value(ftype, fld, parsed)[0])
