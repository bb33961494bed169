"""What publishing a form body does to its stored data, in a business user's words.

The runtime plans a publish (``MigrationPlan.summary()``: fields added, archived, restored,
converted with their counts, values shared in fields made unique); this module words it for the
publish dialog, the rollback page and package import, with the table and column names kept for
a folded-away "technical details".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from runtime.context import Runtime
from runtime.fields.base import FieldType, label_text
from runtime.forms.formulas import with_result_types
from runtime.storage.migrate import check_conversions, plan_migration
from runtime.storage.models import FormTable
from runtime.storage.names import form_table_name
from runtime.web.messages import translate

SEP = "、"


@dataclass
class RecordLink:
    """A stored record named in a summary: its number, page and what it holds."""

    id: int
    url: str
    value: str = ""
    message: str = ""


@dataclass
class ConversionVM:
    """A field whose stored values are converted: to another type, or to new settings."""

    field: str
    old_type: str
    new_type: str
    converted: int | None  # None: not counted (nothing was checked)
    failed: int = 0
    examples: list[RecordLink] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.failed - len(self.examples)

    @property
    def more_text(self) -> str:
        return ngettext("and %(num)d more record", "and %(num)d more records", self.more)

    @property
    def sentence(self) -> str:
        if self.old_type == self.new_type:
            return _("checks the stored values of “%(field)s” against its new settings",
                     field=self.field)
        return _("converts %(field)s from %(old)s to %(new)s", field=f"“{self.field}”",
                 old=self.old_type, new=self.new_type)

    @property
    def text(self) -> str:
        """The sentence and, once counted, how many records convert."""
        outcome = self.outcome
        return _("%(change)s: %(outcome)s", change=self.sentence, outcome=outcome) \
            if outcome else self.sentence

    @property
    def outcome(self) -> str:
        """How many records convert and how many do not."""
        if self.converted is None:
            return ""
        if not self.failed:
            return ngettext("the value of %(num)d record converts",
                            "the values of all %(num)d records convert", self.converted)
        return ngettext("the value of %(num)d record does not convert (%(ok)s convert)",
                        "the values of %(num)d records do not convert (%(ok)s convert)",
                        self.failed, ok=self.converted)


@dataclass
class SharedValue:
    value: str
    count: int
    records: list[RecordLink]

    @property
    def more(self) -> int:
        return self.count - len(self.records)


@dataclass
class SharedVM:
    """Values records share in a field the publish makes unique."""

    field: str
    values: int
    records: int
    examples: list[SharedValue]

    @property
    def more(self) -> int:
        return self.values - len(self.examples)

    @property
    def heading(self) -> str:
        return ngettext("“%(field)s” is to take no duplicates, but %(records)s records share "
                        "%(num)d value:",
                        "“%(field)s” is to take no duplicates, but %(records)s records share "
                        "%(num)d values:", self.values, field=self.field, records=self.records)

    @property
    def more_text(self) -> str:
        return ngettext("and %(num)d more value", "and %(num)d more values", self.more)


@dataclass
class TableEffect:
    """What publishing a form body does: sentences, the technical details, conversions,
    shared values; ``problems`` (and conversions that fail) refuse it."""

    lines: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    conversions: list[ConversionVM] = field(default_factory=list)
    duplicates: list[SharedVM] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (self.lines or self.conversions or self.duplicates)

    @property
    def sentences(self) -> list[str]:
        """Everything it does in one list of sentences (package import lists them so)."""
        return [*self.lines, *(c.sentence for c in self.conversions)] or [nothing()]

    @property
    def refused(self) -> bool:
        return bool(self.problems) or any(c.failed for c in self.conversions)

    @property
    def state(self) -> str:
        """What the publish dialog offers: refused, duplicates (fix first or publish anyway)
        or ok."""
        return "refused" if self.refused else "duplicates" if self.duplicates else "ok"


def nothing() -> str:
    return _("The stored data stays as it is: only labels, rules or layout change.")


class Names:
    """Field labels (and types) by key, from the bodies and table layout that have them."""

    def __init__(self, sources: Sequence[Sequence[Mapping]], lang: str):
        self.labels: dict[str, str] = {}
        self.fields: dict[str, Mapping] = {}
        for fields in reversed(sources):  # the first source that has a field wins
            for fld in fields:
                self.fields[fld["key"]] = fld
                self.labels[fld["key"]] = label_text(fld.get("label"), lang) or fld["key"]

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def quoted(self, keys: Sequence[str]) -> str:
        return SEP.join(f"“{self.label(k)}”" for k in keys)



def type_label(types: Mapping[str, FieldType], key: str, lang: str) -> str:
    ftype = types.get(key)
    return (label_text(ftype.label, lang) if ftype is not None else "") or key


def effect_vm(summary: Mapping[str, Any], names: Names, types: Mapping[str, FieldType],
              lang: str, record_url: Callable[[int], str]) -> TableEffect:
    """A plan's summary (``MigrationPlan.summary()``) in sentences and view models."""
    vm = TableEffect(lines=effect_lines(summary, names), details=technical_lines(summary))
    for conv in summary.get("converts") or []:
        item = conversion_vm(conv, names, types, lang, record_url)
        if item is not None:
            vm.conversions.append(item)
    for shared in summary.get("duplicates") or []:
        vm.duplicates.append(shared_vm(shared, names, types, lang, record_url))
    return vm


def effect_lines(summary: Mapping[str, Any], names: Names) -> list[str]:
    adds, archives = summary.get("adds") or [], summary.get("archives") or []
    restores = summary.get("restores") or []
    lines = []
    if adds:
        lines.append(ngettext("adds %(num)d field (saved to the database): %(names)s",
                              "adds %(num)d fields (saved to the database): %(names)s",
                              len(adds), names=names.quoted(adds)))
    if archives:
        lines.append(ngettext("removes %(num)d field from the form; its data is kept and "
                              "comes back if you add it again: %(names)s",
                              "removes %(num)d fields from the form; their data is kept and "
                              "comes back if you add them again: %(names)s",
                              len(archives), names=names.quoted(archives)))
    if restores:
        lines.append(ngettext("brings back %(num)d removed field with its data: %(names)s",
                              "brings back %(num)d removed fields with their data: %(names)s",
                              len(restores), names=names.quoted(restores)))
    return lines


def technical_lines(summary: Mapping[str, Any]) -> list[str]:
    """The same in database terms: the table, its columns (named by the field keys)."""
    adds, archives = summary.get("adds") or [], summary.get("archives") or []
    converts = summary.get("converts") or []
    lines = []
    if summary.get("creates_table"):
        lines.append(_("creates the table %(table)s", table=summary.get("table", "")))
    elif adds or archives or converts:
        lines.append(_("changes the table %(table)s", table=summary.get("table", "")))
    if adds:
        lines.append(ngettext("adds %(num)d column: %(names)s", "adds %(num)d columns: %(names)s",
                              len(adds), names=", ".join(adds)))
    if archives:
        lines.append(_("keeps the columns of: %(fields)s", fields=", ".join(archives)))
    for conv in converts:
        lines.append(_("converts the column %(field)s (%(old)s → %(new)s)", field=conv["field"],
                       old=conv["from"], new=conv["to"]))
    return lines


def conversion_vm(conv: Mapping[str, Any], names: Names, types: Mapping[str, FieldType],
                  lang: str, record_url: Callable[[int], str]) -> ConversionVM | None:
    """A converted field; a calculated field keeping its type is calculated again, which is
    nothing to say (None)."""
    ftype = types.get(conv["to"])
    if conv["from"] == conv["to"] and (ftype is None or ftype.calculated):
        return None
    fld = names.fields.get(conv["field"], {"key": conv["field"], "type": conv["from"]})
    old_type = types.get(conv["from"])
    examples = [RecordLink(e["record"], record_url(e["record"]),
                           shown(old_type, fld, e.get("value"), lang),
                           translate(e.get("message", "")))
                for e in conv.get("examples") or []]
    return ConversionVM(names.label(conv["field"]), type_label(types, conv["from"], lang),
                        type_label(types, conv["to"], lang), conv.get("records"),
                        conv.get("failed") or 0, examples)


def shared_vm(shared: Mapping[str, Any], names: Names, types: Mapping[str, FieldType],
              lang: str, record_url: Callable[[int], str]) -> SharedVM:
    fld = names.fields.get(shared["field"], {"key": shared["field"]})
    ftype = types.get(fld.get("type", ""))
    examples = [SharedValue(shown(ftype, fld, e["value"], lang), e["count"],
                            [RecordLink(i, record_url(i)) for i in e["records"]])
                for e in shared.get("examples") or []]
    return SharedVM(names.label(shared["field"]), shared["values"], shared["records"], examples)


def shown(ftype: FieldType | None, fld: Mapping, value: Any, lang: str) -> str:
    """A stored value as people read it (as it is when its type cannot show it)."""
    if value is None:
        return ""
    try:
        return ftype.display(value, fld, lang) if ftype is not None else str(value)
    except (TypeError, ValueError, KeyError, AttributeError):
        return str(value)


def record_links(app_key: str, form_key: str) -> Callable[[int], str]:
    return lambda record_id: url_for("forms.record_detail", app_key=app_key,
                                     form_key=form_key, record_id=record_id)


def table_effect(rt: Runtime, session: Session, app_key: str, form_key: str, body: dict,
                 lang: str, before: dict | None = None,
                 result_types: Mapping[str, str] | None = None) -> TableEffect:
    """What publishing ``body`` as form ``form_key`` would do to its table (``before``: the
    body published now, for the labels of fields it archives; ``result_types``: those of its
    calculated fields, worked out from its formulas when not given); writes nothing."""
    existing = session.scalar(sa.select(FormTable).filter_by(app_key=app_key, form_key=form_key))
    name = existing.table_name if existing else form_table_name(app_key, form_key)
    old_layout = existing.fields if existing else None
    if result_types is None:
        result_types = rt.analyze(session, app_key, body).result_types
    fields = with_result_types(body, result_types).get("fields", [])
    plan = plan_migration(name, old_layout, fields, rt.fields, rt.engine.dialect)
    problems = check_conversions(session.connection(), plan, old_layout, rt.fields)
    names = Names([fields, (before or {}).get("fields", []), old_layout or []], lang)
    effect = effect_vm(plan.summary(), names, rt.fields, lang, record_links(app_key, form_key))
    effect.problems = [translate(p.message) for p in problems]
    return effect
