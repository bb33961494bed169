"""The runtime's services, built once per app: engine, registries, store, clock, plan cache."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from metadata import stamps
from metadata.checks import Validators
from metadata.errors import InvalidDocument, NotFound, Problem
from metadata.messages import msg, quoted
from metadata.models import Document, DocumentVersion
from metadata.registry import Registry
from metadata.schemas import build_schemas
from metadata.store import DocumentStore
from runtime.capture.channels import build_channel_registry
from runtime.clock import Clock
from runtime.directory import Directory
from runtime.events.consumers import Consumer, build_consumer_registry
from runtime.events.hub import EventHub, EventSettings
from runtime.fields.base import FieldType
from runtime.forms.formulas import (
    Analysis,
    analyze_form,
    document_formulas,
    layout_types,
    stored_types,
    with_result_types,
)
from runtime.forms.plan import FormPlan, PlanSettings, compile_plan
from runtime.formula.registry import build_function_registry
from runtime.notify.service import Notifier
from runtime.permissions import SYSTEM, Principal
from runtime.routing.registry import build_strategy_registry
from runtime.routing.service import Router
from runtime.rules.actions import build_action_registry
from runtime.rules.checks import RulesetCheck
from runtime.rules.published import RulesCache
from runtime.storage.checks import duplicates
from runtime.storage.migrate import (
    MigrationPlan,
    apply_migration,
    check_conversions,
    ensure_list_indexes,
    plan_migration,
    signature,
)
from runtime.storage.models import FormTable
from runtime.storage.names import form_table_name
from runtime.storage.recalculate import needs_recalculation, recalculate_all
from runtime.storage.records import Records
from runtime.storage.search_sync import ensure as ensure_search
from runtime.storage.tables import build_tables
from runtime.storage.transactions import TransactionKind
from runtime.workflows.check import WorkflowCheck
from runtime.workflows.nodes import build_node_registry


class Published(NamedTuple):
    """A published document: its app, key and published body."""

    app_key: str
    key: str
    body: dict


@dataclass
class Runtime:
    engine: sa.Engine
    fields: Registry[FieldType]
    clock: Clock
    upload_dir: Path
    directory: Directory  # the users and teams (app.auth's)
    settings: dict = field(default_factory=dict)
    # who receives record events (runtime.events): built in the app factory
    consumers: Registry[Consumer] = field(default_factory=build_consumer_registry)
    # set by the app: who is making the current request (None: nobody logged in)
    authenticate: Callable[[], Principal | None] = lambda: None
    # set by the app: hands background work to a worker, by kind ("import": an import's id)
    background: dict[str, Callable[[str], None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.functions = build_function_registry()
        # the capture channels a form may open (public form, webhooks): built here, with
        # the formula functions their transforms call
        self.channels = build_channel_registry(self.functions)
        # the actions a rule may take (set fields, points, assign, notify, ...)
        self.actions = build_action_registry()
        # the node types a workflow may hold (trigger, approval, wait, ...)
        self.nodes = build_node_registry()
        self.schemas = build_schemas(self.fields, self.channels, self.actions, self.nodes)
        self.validators = Validators(self.schemas)
        # the installation's time zone: TODAY() in formulas is the date there
        self.timezone = ZoneInfo(self.settings.get("timezone", "UTC"))
        self.plan_settings = PlanSettings(self.fields, self.functions, self.clock.now,
                                          self.timezone)
        # checks a ruleset's formulas, actions and tables (and finds them for compiling)
        self.ruleset_check = RulesetCheck(self.functions, self.actions)
        self.workflow_check = WorkflowCheck(self.functions, self.nodes)
        # published workflow versions compiled into graphs: (app, key, version) -> graph
        self.workflow_graphs: dict = {}
        # which record events of which forms the workflows need (runtime.workflows.interest)
        self.workflow_interest: stamps.Kept[str, dict] = stamps.Kept(stamps.METADATA)
        self.store = DocumentStore(self.validators, self.fields, self.clock.now,
                                   document_formulas(self.functions, self.ruleset_check,
                                                     self.workflow_check),
                                   {c.key: c for c in self.channels})
        # routing: its strategies, working hours read in the installation's time zone
        self.routing = Router(build_strategy_registry(), self.timezone)
        self._sessions: dict[TransactionKind, sessionmaker] = {}
        # every session carries the event sink: no record write can skip its event; deliveries
        # run in write sessions under the background statement limit
        self.events = EventHub(self.consumers, self.session, self.plan, self.clock.now,
                               EventSettings.from_settings(self.settings),
                               directory=self.directory)
        self.events.services = self  # consumers (the rules) reach the runtime through it
        # the published rulesets, compiled once per version (runtime.rules.published)
        self.rules = RulesCache(self)
        # notify: the channels (in-app, e-mail, SMS, webhook), the outbox's settings
        self.notify = Notifier(self)
        self._plans: dict[tuple[str, str, int], FormPlan] = {}
        # what is published, kept while the metadata stamp stands: (app, form) -> its plan,
        # kind -> the published documents
        self._current: stamps.Kept[tuple[str, str], FormPlan] = stamps.Kept(stamps.METADATA)
        self._published: stamps.Kept[str, tuple[Published, ...]] = stamps.Kept(stamps.METADATA)
        self._lock = threading.Lock()

    def session(self, read_only: bool = False, timeout: float | None = None,
                lock_wait: float | None = None, late_write: bool = False) -> Session:
        """A session whose transactions write (taking the write lock up front) or, with
        ``read_only``, only read; each statement may run ``timeout`` seconds (0: no limit),
        by default the limit of background work (jobs, the scheduler, the CLI)."""
        if timeout is None:
            timeout = self.settings.get("background_statement_timeout") or 0
        kind = TransactionKind(read_only, float(timeout), lock_wait, late_write)
        maker = self._sessions.get(kind)
        if maker is None:
            bind = self.engine.execution_options(**kind.options())
            maker = sessionmaker(bind, expire_on_commit=False)
            with self._lock:
                if kind not in self._sessions:
                    self.events.attach(maker)
                    self._sessions[kind] = maker
                maker = self._sessions[kind]
        return maker()

    def launch_rule_job(self, job_id: int) -> None:
        """Hand a rule's asynchronous action to a worker (without one, the periodic task
        ``run_rule_jobs`` runs it)."""
        launch = self.background.get("rule_job")
        if launch is not None:
            launch(str(job_id))

    def request_session(self, read_only: bool) -> Session:
        """A session for a web request: its statements run at most the request limit; one
        that may write takes the write lock at its first write (storage.transactions)."""
        return self.session(read_only, self.settings.get("statement_timeout") or 0,
                            late_write=not read_only)

    # -- plans --------------------------------------------------------------------------------
    def plan(self, session: Session, app_key: str, form_key: str) -> FormPlan:
        """The compiled plan of a form's published version (compiled once per version; found
        without reading the documents while the metadata stamp stands: see metadata.stamps)."""
        plan = self._current.get(session, (app_key, form_key))
        if plan is None:
            plan = self._current.keep(session, (app_key, form_key),
                                      self._published_plan(session, app_key, form_key))
        return plan

    def _published_plan(self, session: Session, app_key: str, form_key: str) -> FormPlan:
        doc = self.store.get(session, app_key, "form", form_key)
        if doc.published_version is None:
            raise NotFound([Problem("", msg("form %(form)s has not been published yet",
                                            form=quoted(form_key)))])
        cache_key = (app_key, form_key, doc.published_version)
        plan = self._plans.get(cache_key)
        if plan is not None:
            return plan
        version = self.store.version(session, doc, doc.published_version)
        table = self.form_table(session, app_key, form_key)
        body = with_result_types(version.body, layout_types(table.fields))
        analysis = analyze_form(body, self.published_forms(session, app_key).get, self.fields,
                                self.functions, version.formulas)
        plan = self.compile_plan(app_key, form_key, doc.published_version, body, analysis,
                                 table.table_name, table.fields)
        with self._lock:
            self._plans[cache_key] = plan
        return plan

    def compile_plan(self, app_key: str, form_key: str, version: int, body: dict,
                     analysis: Analysis, table_name: str, layout: list[dict]) -> FormPlan:
        """A plan as every plan of this installation is compiled (published forms and the
        builder's preview alike): its field types, functions, clock and time zone, and the
        app's published forms for what relations reach."""
        return compile_plan(self.plan_settings, app_key, form_key, version, body, analysis,
                            table_name, layout, lambda s, key: self.plan(s, app_key, key))

    def records(self, session: Session, plan: FormPlan, principal: Principal,
                via: str = "api") -> Records:
        """``principal``'s records service for a form, at the clock's now."""
        return Records(session, plan, principal, self.clock.now(), via,
                       directory=self.directory)

    def published_forms(self, session: Session, app_key: str) -> dict[str, dict]:
        """The published bodies of an app's forms (what formulas reach through relations)."""
        query = (sa.select(Document.key, DocumentVersion.body)
                 .join(DocumentVersion, sa.and_(DocumentVersion.document_id == Document.id,
                                                DocumentVersion.number
                                                == Document.published_version))
                 .where(Document.app_key == app_key, Document.kind == "form"))
        return {key: body for key, body in session.execute(query)}

    def published_documents(self, session: Session, kind: str) -> tuple[Published, ...]:
        """Every published document of ``kind`` with its published body, in app order; kept
        while the metadata stamp stands (pages read them for navigation on every request).
        The bodies are shared: read them, never change them."""
        kept = self._published.get(session, kind)
        if kept is not None:
            return kept
        query = (sa.select(Document.app_key, Document.key, DocumentVersion.body)
                 .join(DocumentVersion, sa.and_(DocumentVersion.document_id == Document.id,
                                                DocumentVersion.number
                                                == Document.published_version))
                 .where(Document.kind == kind).order_by(Document.app_key, Document.id))
        return self._published.keep(session, kind,
                                    tuple(Published(*row) for row in session.execute(query)))

    def analyze(self, session: Session, app_key: str, body: dict) -> Analysis:
        """The formulas of a form body, checked against the app's drafts."""
        forms = self.store.context(session, app_key, {body["key"]: body}).forms
        return analyze_form(body, forms.get, self.fields, self.functions)

    def form_table(self, session: Session, app_key: str, form_key: str) -> FormTable:
        row = session.scalar(sa.select(FormTable).filter_by(app_key=app_key, form_key=form_key))
        if row is None:
            raise NotFound([Problem("", f"form {form_key!r} has no table yet")])
        return row

    def ensure_list_indexes(self, session: Session) -> list[str]:
        """Give every form table the list indexes its fields call for (``trellis init-db``,
        for tables published before an index existed); returns the names created."""
        created = []
        for row in session.scalars(sa.select(FormTable)):
            main = build_tables(row.table_name, row.fields, self.fields).main
            created += ensure_list_indexes(session.connection(), main)
        return created

    def ensure_search_indexes(self, session: Session) -> list[str]:
        """Build the search index of every form table that lacks it (``trellis init-db``, for
        tables published before search had one); returns the tables indexed."""
        built = []
        for row in session.scalars(sa.select(FormTable)):
            tables = build_tables(row.table_name, row.fields, self.fields)
            if ensure_search(session.connection(), tables.main, tables.search, self.fields):
                built.append(row.table_name)
        return built

    # -- publishing ---------------------------------------------------------------------------
    def existing_table(self, session: Session, doc: Document) -> FormTable | None:
        return session.scalar(sa.select(FormTable).filter_by(app_key=doc.app_key,
                                                             form_key=doc.key))

    def migration_plan(self, doc: Document, body: dict, result_types: dict[str, str],
                       existing: FormTable | None) -> MigrationPlan:
        """What ``body`` (its calculated fields of ``result_types``) does to the table."""
        name = existing.table_name if existing else form_table_name(doc.app_key, doc.key)
        fields = with_result_types(body, result_types)["fields"]
        return plan_migration(name, existing.fields if existing else None, fields,
                              self.fields, self.engine.dialect)

    def publish_preview(self, session: Session, doc: Document
                        ) -> tuple[MigrationPlan, list[Problem]]:
        """What publishing the draft would do to the table, with how its stored data converts
        (counts and the first records that do not) and the values records share in fields it
        makes unique; and the problems that would refuse it. Writes nothing."""
        analysis = self.analyze(session, doc.app_key, doc.draft)  # against today's forms
        if analysis.problems:
            raise InvalidDocument(analysis.problems)
        existing = self.existing_table(session, doc)
        plan = self.migration_plan(doc, doc.draft, analysis.result_types, existing)
        problems = check_conversions(session.connection(), plan,
                                     existing.fields if existing else None, self.fields)
        plan.duplicates = self.new_duplicates(session, doc, existing)
        return plan, problems

    def dry_run(self, session: Session, doc: Document) -> MigrationPlan:
        """The publish preview; refuses like the publish would when stored values do not
        convert."""
        plan, problems = self.publish_preview(session, doc)
        if problems:
            raise InvalidDocument(problems)
        return plan

    def new_duplicates(self, session: Session, doc: Document, existing: FormTable | None
                       ) -> list[dict]:
        """The values live records share in the fields the draft makes unique and the
        published version does not (``storage.checks.duplicates``), for stored fields whose
        storage stays as it is."""
        if existing is None or doc.kind != "form":
            return []
        published = (self.store.version(session, doc, doc.published_version).body
                     if doc.published_version is not None else {})
        was_unique = {f["key"] for f in published.get("fields", []) if f.get("unique")}
        stored = {e["key"]: e for e in existing.fields}
        tables = build_tables(existing.table_name, existing.fields, self.fields)
        out = []
        for fld in doc.draft.get("fields", []):
            entry = stored.get(fld["key"])
            if (not fld.get("unique") or fld["key"] in was_unique or entry is None
                    or entry["type"] != fld["type"] or fld["type"] not in self.fields
                    or signature(entry, self.fields, self.engine.dialect)
                    != signature(fld, self.fields, self.engine.dialect)):
                continue
            found = duplicates(session.connection(), tables.main, entry,
                               self.fields[entry["type"]])
            if found:
                out.append(found)
        return out

    def on_publish(self, session: Session, doc: Document, version: DocumentVersion
                   ) -> MigrationPlan | None:
        """Create or migrate the real table of a form that was just published."""
        if doc.kind != "form":
            return None
        existing = self.existing_table(session, doc)
        # the publish has just checked the body: its formulas' types are kept beside it
        plan = self.migration_plan(doc, version.body,
                                   stored_types(version.body, version.formulas or {}), existing)
        existing_before = list(existing.fields) if existing else None
        apply_migration(session.connection(), plan, existing_before, self.fields)
        if existing is None:
            session.add(FormTable(app_key=doc.app_key, form_key=doc.key,
                                  table_name=plan.table_name, form_version=version.number,
                                  fields=plan.layout, updated_at=self.clock.now()))
        else:
            existing.fields = plan.layout
            existing.form_version = version.number
            existing.updated_at = self.clock.now()
        session.flush()
        if needs_recalculation(plan, existing_before, self.fields):
            recalculate_all(self.records(session, self.plan(session, doc.app_key, doc.key),
                                         SYSTEM, via="publish"))
        return plan

    def publish(self, session: Session, doc: Document, user_id: int | None = None,
                note: str = "") -> tuple[DocumentVersion, MigrationPlan | None]:
        """Publish the draft; the plan carries the values records share in fields the
        publish makes unique (the publish goes ahead: they stay, and keep them)."""
        self.store.lock(session, doc)
        before = doc.published_version
        shared = self.new_duplicates(session, doc, self.existing_table(session, doc))
        version = self.store.publish(session, doc, user_id, note)
        if version.number == before:
            return version, None  # nothing changed
        plan = self.on_publish(session, doc, version)
        self._rescore(session, doc, before, version, user_id)
        if plan is not None:
            plan.duplicates = shared
        return version, plan

    def rollback(self, session: Session, doc: Document, number: int, user_id: int | None = None
                 ) -> tuple[DocumentVersion, MigrationPlan | None]:
        self.store.lock(session, doc)
        before = doc.published_version
        version = self.store.rollback(session, doc, number, user_id)
        if version.number == before:
            return version, None
        plan = self.on_publish(session, doc, version)
        self._rescore(session, doc, before, version, user_id)
        return version, plan

    def _rescore(self, session: Session, doc: Document, before: int | None,
                 version: DocumentVersion, user_id: int | None) -> None:
        """A ruleset whose scoring changed re-scores the form's records (runtime.rules)."""
        if doc.kind == "ruleset":
            from runtime.rules.rescore import on_publish

            on_publish(self, session, doc, before, version, user_id)
