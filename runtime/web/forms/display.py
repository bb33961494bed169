"""View models that show stored values: the record detail page and its audit timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import to_user_timezone

from runtime.arrivals import PARTS, channel_label
from runtime.fields.base import FieldType, label_text
from runtime.forms.plan import FormPlan
from runtime.permissions import Access
from runtime.web.forms.references import References
from runtime.web.forms.viewmodels import PageContext
from runtime.web.messages import translate


@dataclass
class Shown:
    """One value as the detail page prints it."""

    key: str
    label: str
    kind: str  # text | multiline | link | links | table | empty
    text: str = ""
    href: str = ""
    links: list[dict] = field(default_factory=list)
    table: dict | None = None
    flag: str = ""  # what cleaning noted about the value (kept as written, free mail, ...)


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    when: str
    who: str
    action: str
    action_label: str
    via: str
    changes: list[Change]


def local_time(moment: str | datetime | None) -> str:
    """A stored UTC moment in the UI's time zone, to the minute."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_user_timezone(moment).replace(tzinfo=None).isoformat(" ", "minutes")


def flag_text(ftype: FieldType, fld: Mapping, value: Any) -> str:
    """What cleaning noted about a value (kept as written, free mail...), in the page's
    language; "" when nothing."""
    if value in (None, "", []) or not ftype.flag_codes(fld):
        return ""
    code = ftype.flag_of(value, fld)
    return translate(ftype.flag_label(code)) if code else ""


def shown(page: PageContext, fld: Mapping, value: Any) -> Shown:
    """A value as the record page prints it: its text, in the form its widget shows it."""
    item = Shown(fld["key"], label_text(fld.get("label"), page.lang) or fld["key"], "text",
                 page.refs.text(fld, value))
    if value is None or value == [] or item.text == "":
        item.kind = "empty"
        return item
    ftype = page.plan.types[fld["type"]]
    page.widgets[ftype.widget].show(item, page, fld, value)
    item.flag = flag_text(ftype, fld, value)
    return item


def detail_fields(plan: FormPlan, access: Access, record: Mapping, refs: References,
                  lang: str, conditional: set[str] = frozenset()) -> list[Shown]:
    """The fields of a record's page: those the reader may see, less those ``conditional``
    hides for this record (by formula, as its form does)."""
    page = PageContext(plan, access, refs, lang, validate_url=None)
    return [shown(page, fld, record.get(fld["key"])) for fld in plan.fields
            if fld["key"] not in access.hidden and fld["key"] not in conditional]


def collect_history(refs: References, plan: FormPlan, history: list[dict]) -> None:
    for entry in history:
        refs.add_user(entry.get("user"))
        for change in entry["changes"]:
            fld = plan.by_key.get(change["field"])
            if change["field"] == "owner":
                refs.add_user(change.get("old"))
                refs.add_user(change.get("new"))
            elif fld is not None:
                refs.add(fld, change.get("old"))
                refs.add(fld, change.get("new"))


def _change(plan: FormPlan, change: Mapping, refs: References, lang: str) -> Change:
    key = change["field"]
    if key == "owner":
        def text(v: Any) -> str:
            return "" if v is None else refs.user_name(v)
        return Change(_("Owner"), text(change.get("old")), text(change.get("new")))
    if key in ("merged", "merged_into"):  # identity resolution: records by their number
        def ids(v: Any) -> str:
            return ", ".join(f"#{i}" for i in (v if isinstance(v, list) else [v]) if i)
        return Change(_("Records merged into this one") if key == "merged" else
                      _("Merged into"), ids(change.get("old")), ids(change.get("new")))
    fld = plan.by_key.get(key)
    if fld is None:  # a field removed from the form since: its table keeps its label
        entry = next((e for e in plan.layout if e["key"] == key), {})
        return Change(label_text(entry.get("label"), lang) or key, _plain(change.get("old")),
                      _plain(change.get("new")))
    return Change(label_text(fld.get("label"), lang) or key, refs.text(fld, change.get("old")),
                  refs.text(fld, change.get("new")))


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def timeline(plan: FormPlan, history: list[dict], refs: References, lang: str
             ) -> list[TimelineEntry]:
    """The audit entries of a record, newest first, with labels and display texts."""
    actions = {"create": _("created the record"), "update": _("changed"),
               "delete": _("deleted the record"), "merge": _("merged records"),
               "unmerge": _("undid a merge")}
    vias = {"ui": _("web"), "api": _("API"), "import": _("import"), "rules": _("rules")}
    out = []
    for entry in reversed(history):
        who = entry.get("user_name") or (refs.user_name(entry["user"]) if entry.get("user")
                                         else _("System"))
        out.append(TimelineEntry(
            when=local_time(entry["at"]), who=who, action=entry["action"],
            action_label=actions.get(entry["action"], entry["action"]),
            via=vias.get(entry.get("via") or "") or channel_label(entry.get("via"), lang),
            changes=[_change(plan, c, refs, lang) for c in entry["changes"]]))
    return out


@dataclass
class TouchLine:
    """One arrival of a record as its page lists it."""

    when: str
    channel: str
    parts: list[tuple[str, str]]  # (what, value) of the campaign parts it carried
    merged_from: int | None  # the record it arrived as, when that one was merged into this


def touch_lines(touches: list[dict], record_id: int, lang: str) -> list[TouchLine]:
    """A record's arrivals, newest first; none when it only has the one it was entered with
    (the history says that already)."""
    names = {"source": _("Source"), "medium": _("Medium"), "campaign": _("Campaign"),
             "term": _("Keyword"), "content": _("Content")}
    lines = [TouchLine(when=local_time(t["at"]), channel=channel_label(t["channel"], lang),
                       parts=[(names[p], t[p]) for p in PARTS if t.get(p)],
                       merged_from=t["arrived_as"] if t["arrived_as"] != record_id else None)
             for t in reversed(touches)]
    if len(lines) == 1 and not lines[0].parts:
        return []
    return lines
