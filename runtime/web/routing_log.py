"""A record's assignment log as its page shows it: newest first, in sentences a sales manager
reads — who was chosen (or nobody), by which strategy (its name, not its key), in which team,
by which rule (its label), why, and why each other member considered was not — in the
reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from metadata.labels import label_text
from runtime.routing.choice import REASONS, Reason
from runtime.routing.store import RoutingStore
from runtime.storage.records import Records
from runtime.web import current_runtime
from runtime.web.forms.display import local_time
from runtime.web.messages import N_

# reasons whose parameters name a user by id: the page names the person instead
NAMED = {"round_robin": N_("next in turn after %(after)s")}


@dataclass(frozen=True)
class AssignmentLine:
    when: str
    assignee: str  # a name; empty: nobody
    strategy: str  # its name in the reader's language
    rule: str | None  # the rule's label
    team: str | None
    previous: str | None  # who had the record before, when someone else did
    reason: str
    fallback: bool
    skipped: list[tuple[str, str]]  # (name, why)


def assignment_lines(records: Records, record_id: int, lang: str) -> list[AssignmentLine]:
    """The record's assignments, newest first (the caller has checked it may be read)."""
    store = RoutingStore(records.session, records.directory, records.now)
    plan = records.plan
    rows, names, teams = store.log_rows(plan.app_key, plan.form_key, record_id)
    if not rows:
        return []
    strategies = current_runtime().routing.strategies
    rules = rule_labels(records, lang)

    def name(user_id: int | None) -> str:
        return names.get(user_id, f"#{user_id}") if user_id is not None else ""

    def value(field: str | None, stored) -> str:
        return value_words(plan.fields, field, stored, lang)

    lines = []
    for row in reversed(rows):
        strategy = strategies.get(row["strategy"])
        previous = row["previous"]
        lines.append(AssignmentLine(
            when=local_time(row["at"]), assignee=name(row["assignee"]),
            strategy=_(strategy.label) if strategy else row["strategy"],
            rule=rules.get(row["rule"], row["rule"]) if row["rule"] else None,
            team=teams.get(row["team_id"]) if row["team_id"] else None,
            previous=name(previous) if previous and previous != row["assignee"] else None,
            reason=reason_words(row["reason"], name, value), fallback=row["fallback"],
            skipped=[(name(c["user"]), reason_words(c["skipped"], name, value))
                     for c in row["candidates"] if c.get("skipped")]))
    return lines


def reason_words(data: Mapping, name, value) -> str:
    """A reason in the reader's words: ``name(user id)``, ``value(field, stored value)``."""
    return _words(Reason.from_json(data), name, value)


def _words(reason: Reason, name, value) -> str:
    params = {k: _words(v, name, value) if isinstance(v, Reason)
              else name(v) if k == "after" and reason.code in NAMED
              else value(reason.params.get("field"), v) if k == "value" else v
              for k, v in reason.params.items()}
    template = NAMED.get(reason.code) or REASONS[reason.code]
    return _(template, **params) if params else _(template)


def value_words(fields, key: str | None, value, lang: str) -> str:
    """A record's value as people read it: a choice's label in the reader's language (of the
    field ``key``; for logs written before reasons named their field, of the one choice field
    that has this value), else the value."""
    def label(fld: Mapping) -> str | None:
        for choice in (fld.get("config") or {}).get("choices") or ():
            if str(choice.get("value")) == str(value):
                return label_text(choice.get("label"), lang) or str(value)
        return None
    candidates = [f for f in fields if f.get("key") == key] if key else list(fields)
    found = [text for f in candidates if (text := label(f)) is not None]
    return found[0] if len(found) == 1 or (key and found) else str(value)


def rule_labels(records: Records, lang: str) -> dict[str, str]:
    """``ruleset.rule`` -> the rule's label, for the form's published rulesets."""
    plan = records.plan
    loaded = current_runtime().rules.app(records.session, plan.app_key).by_form.get(
        plan.form_key, ())
    return {f"{ls.key}.{r['key']}": label_text(r.get("label"), lang) or r["key"]
            for ls in loaded for r in ls.doc.get("rules") or []}
