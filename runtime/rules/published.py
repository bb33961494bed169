"""The published rulesets of an app, compiled once per version and found without reading a
document while the metadata stamp stands (``metadata.stamps.Kept``): for each form, the
rulesets over it; for each form, the forms whose rules a new record of it concerns (related
records and behaviour points) through which relation field."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata import stamps
from metadata.errors import NotFound, Problem
from metadata.models import Document, DocumentVersion
from runtime.rules.engine import DEFAULT_DEPTH, CompileContext, CompiledRuleset, compile_ruleset
from runtime.rules.scoring import ScoreModel, compile_models

if TYPE_CHECKING:
    from runtime.context import Runtime

log = logging.getLogger(__name__)
MAX_DEPTH = 12  # the deepest chain an app may allow (the event hub stops writes at 16)


@dataclass(frozen=True)
class LoadedRuleset:
    key: str
    version: int
    form: str
    doc: Mapping
    compiled: CompiledRuleset
    models: tuple[ScoreModel, ...]

    @property
    def schedules(self) -> list[Mapping]:
        return [r for r in self.doc.get("rules") or []
                if (r.get("trigger") or {}).get("on") == "schedule"
                and r.get("enabled", True) and self.doc.get("enabled", True)]


@dataclass(frozen=True)
class AppRules:
    by_form: dict[str, tuple[LoadedRuleset, ...]] = field(default_factory=dict)
    # form of a new record -> (form whose rules it concerns, the relation field linking it)
    related: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    max_depth: int = DEFAULT_DEPTH
    broken: tuple[str, ...] = ()  # published rulesets that no longer compile


class RulesCache:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._kept: stamps.Kept[str, AppRules] = stamps.Kept(stamps.METADATA)
        self._compiled: dict[tuple, LoadedRuleset | None] = {}
        self._lock = threading.Lock()

    def app(self, session: Session, app_key: str) -> AppRules:
        kept = self._kept.get(session, app_key)
        if kept is None:
            kept = self._kept.keep(session, app_key, self._load(session, app_key))
        return kept

    def _load(self, session: Session, app_key: str) -> AppRules:
        query = (sa.select(Document.key, Document.published_version, DocumentVersion.body)
                 .join(DocumentVersion, sa.and_(DocumentVersion.document_id == Document.id,
                                                DocumentVersion.number
                                                == Document.published_version))
                 .where(Document.app_key == app_key, Document.kind == "ruleset")
                 .order_by(Document.id))
        found = session.execute(query).all()
        if not found:
            return AppRules()
        forms = self.runtime.published_forms(session, app_key)
        depth = _max_depth(self.runtime, session, app_key)
        by_form: dict[str, list[LoadedRuleset]] = {}
        broken = []
        for key, version, body in found:
            loaded = self._compile(app_key, key, version, body, forms, depth)
            if loaded is None:
                broken.append(key)
            else:
                by_form.setdefault(loaded.form, []).append(loaded)
        return AppRules({k: tuple(v) for k, v in by_form.items()},
                        _related(by_form, forms, self.runtime.fields), depth, tuple(broken))

    def _compile(self, app_key: str, key: str, version: int, body: Mapping,
                 forms: Mapping[str, Mapping], depth: int) -> LoadedRuleset | None:
        cache_key = (app_key, key, version, depth, _forms_key(forms))
        if cache_key in self._compiled:
            return self._compiled[cache_key]
        rt = self.runtime
        ctx = CompileContext(forms, rt.fields, rt.ruleset_check, rt.clock.now, rt.timezone,
                             app_key)
        try:
            compiled = compile_ruleset(body, ctx, depth)
        except Exception as exc:  # the forms changed under it: it runs no more, and says so
            log.error("published ruleset %s/%s version %s does not compile: %s", app_key, key,
                      version, exc)
            loaded = None
        else:
            form = forms.get(body["form"]) or {}
            loaded = LoadedRuleset(key, version, body["form"], body, compiled, compile_models(
                body, compiled.formulas, compiled.tables, whole_field(form, rt.fields),
                compiled.reads))
        with self._lock:
            self._compiled[cache_key] = loaded
        return loaded


def _forms_key(forms: Mapping[str, Mapping]) -> tuple:
    """What of the forms a compiled ruleset depends on (their fields, by identity of the
    published bodies' field lists' content)."""
    return tuple(sorted((k, repr(v.get("fields"))) for k, v in forms.items()))


def whole_field(form: Mapping, field_types: Any):
    def whole(key: str) -> bool:
        fld = next((f for f in form.get("fields", []) if f.get("key") == key), None)
        ftype = field_types.get(fld.get("type")) if fld else None
        return getattr(ftype, "formula_type", None) == "integer"
    return whole


def _max_depth(runtime: Runtime, session: Session, app_key: str) -> int:
    app = next((p.body for p in runtime.published_documents(session, "app")
                if p.key == app_key), None)
    if app is None:  # apps are documents too; a draft-only app keeps the default
        doc = session.scalar(sa.select(Document).where(Document.app_key == app_key,
                                                       Document.kind == "app"))
        app = doc.draft if doc is not None else {}
    wanted = (app.get("rules") or {}).get("max_depth", DEFAULT_DEPTH)
    return max(1, min(int(wanted), MAX_DEPTH))


def _related(by_form: Mapping[str, list[LoadedRuleset]], forms: Mapping[str, Mapping],
             field_types: Any) -> dict[str, tuple[tuple[str, str], ...]]:
    """For each form, the (target form, relation field) pairs whose rulesets take its new
    records as related records (``related_created`` triggers, behaviour rules)."""
    out: dict[str, set[tuple[str, str]]] = {}
    for target, loaded in by_form.items():
        for ls in loaded:
            wanted = [(t.get("form"), t.get("link")) for t in
                      ((r.get("trigger") or {}) for r in ls.doc.get("rules") or [])
                      if t.get("on") == "related_created"]
            wanted += [(b.form, b.link) for m in ls.models for b in m.behaviours]
            for source, link in wanted:
                for key in _links(forms.get(source) or {}, target, link, field_types):
                    out.setdefault(source, set()).add((target, key))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _links(form: Mapping, target: str, link: str | None, field_types: Any) -> list[str]:
    keys = []
    for fld in form.get("fields", []):
        ftype = field_types.get(fld.get("type"))
        linked = getattr(ftype, "formula_link", None)
        if linked is not None and linked(fld) == target and link in (None, fld.get("key")):
            keys.append(fld["key"])
    return keys


def manual_rule(loaded: tuple, wanted: str) -> tuple[Any, str]:
    """The ruleset and key of a manual rule named ``rule`` or ``ruleset.rule``."""
    ruleset, _, key = wanted.rpartition(".")
    for ls in loaded:
        if ruleset and ls.key != ruleset:
            continue
        found = next((r for r in ls.compiled.rules if r.key == key), None)
        if found is not None and found.enabled and found.trigger.get("on") == "manual":
            return ls, key
    raise NotFound([Problem("", f"no manual rule {wanted!r} runs on this form")])


def manual_rules(loaded: tuple) -> list[dict]:
    """The enabled manual rules of a form's rulesets (for its pages' buttons)."""
    return [{"key": f"{ls.key}.{r['key']}", "label": r.get("label") or r["key"]}
            for ls in loaded for r in ls.doc.get("rules") or []
            if (r.get("trigger") or {}).get("on") == "manual" and r.get("enabled", True)]
