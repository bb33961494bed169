"""The app's ranking and hints worked out on each task's record when the list is read: a
priority formula per form, and the first hint rule whose condition holds on the record and
whose count of related records (e.g. visits of the pricing page on each of the last 3 days)
is reached. Formulas compile once per text and form version."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.labels import label_text
from runtime.forms.formulas import SYSTEM_FIELDS
from runtime.formula.python import compile_python
from runtime.permissions import SYSTEM
from runtime.rules.actions import fill
from runtime.rules.document import Site, check_site
from runtime.storage.formula_filter import formula_clause

if TYPE_CHECKING:
    from runtime.context import Runtime

_COMPILED: dict[tuple, Callable[[Mapping], Any] | None] = {}


def app_settings(rt: Runtime, session: Session, app_key: str) -> Mapping:
    """The ``todo`` settings of the app's published document ({} without)."""
    for doc in rt.published_documents(session, "app"):
        if doc.app_key == app_key:
            return doc.body.get("todo") or {}
    return {}


def formula(rt: Runtime, plan, source: str) -> Callable[[Mapping], Any] | None:
    """The formula compiled over records of ``plan``'s form (None: it no longer checks)."""
    key = (plan.app_key, plan.form_key, plan.version, source)
    if key not in _COMPILED:
        scope = replace(plan.scope, fields={**SYSTEM_FIELDS, **plan.scope.fields})
        checked, problem = check_site(Site("", source, None), scope, plan.functions)
        _COMPILED[key] = None if problem else compile_python(checked, rt.clock.now,
                                                             tz=rt.timezone)
    return _COMPILED[key]


def related_count(rt: Runtime, session: Session, app_key: str, related: Mapping,
                  record_id: int) -> int:
    """How many related records (or days with one) the last ``days`` days saw."""
    plan = rt.plan(session, app_key, related["form"])
    records = rt.records(session, plan, SYSTEM)
    table, now = records.table, rt.clock.now()
    where = [table.c[related["link"]] == record_id,
             table.c.created_at >= now - timedelta(days=related["days"])]
    if related.get("when"):
        where.append(formula_clause(records, related["when"], "/when", designed=True))
    times = session.execute(sa.select(table.c.created_at).where(*where)).scalars().all()
    if related.get("per") == "day":
        return len({(t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(rt.timezone).date()
                    for t in times})
    return len(times)


@dataclass
class Worked:
    priority: float | None = None  # None: the task's own (the node's formula)
    hint: str | None = None  # None: the task's own
    rule: int | None = None  # the index of the hint rule that gave ``hint``


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _hint(rt: Runtime, session: Session, plan, hint: Mapping, record: Mapping,
          lang: str) -> str | None:
    if hint.get("when"):
        check = formula(rt, plan, hint["when"])
        if check is None or check(record) is not True:
            return None
    count = None
    if hint.get("related"):
        count = related_count(rt, session, plan.app_key, hint["related"], record["id"])
        if count < hint["related"].get("min", 1):
            return None
    return label_text(fill(hint["text"], {**record, "related": count}), lang) or None


def work_out(rt: Runtime, session: Session, settings: Mapping, plan, record: Mapping,
             lang: str) -> Worked:
    """The app's priority and hint for a task on ``record`` (of ``plan``'s form)."""
    worked = Worked()
    source = (settings.get("priority") or {}).get(plan.form_key)
    if source and (fn := formula(rt, plan, source)) is not None:
        worked.priority = _number(fn(record))
    for i, hint in enumerate(settings.get("hints") or []):
        if hint["form"] == plan.form_key:
            text = _hint(rt, session, plan, hint, record, lang)
            if text:
                worked.hint, worked.rule = text, i
                break
    return worked
