"""What one person sees of a form and of the forms its relations reach.

Formulas evaluated for a person see a related record only as that person may: a form the
person may not read has no fields to name, its hidden fields cannot be named, and a related
record outside the person's row scope reads as empty. Calculated fields that read what the
person may not see are hidden from the person too (``runtime.permissions.reader_accesses``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import TrellisError
from runtime.directory import Directory
from runtime.forms.formulas import reader_scope
from runtime.forms.plan import FormPlan
from runtime.formula.types import Scope
from runtime.permissions import Access, FormFacts, Principal, ReaderAccesses, row_clause


def plan_facts(plan: FormPlan) -> FormFacts:
    """The facts derived hiding needs, from a compiled plan."""
    links = {}
    for fld in plan.fields:
        link = plan.ftype(fld["key"]).formula_link(fld)
        if link is not None:
            links[fld["key"]] = link
    reads = plan.behaviour.reads if plan.behaviour is not None else {}
    return FormFacts(plan.doc, reads, links)


class ReaderView:
    """One principal's sight of ``plan`` and of the published forms its relations reach."""

    def __init__(self, session: Session, plan: FormPlan, principal: Principal,
                 directory: Directory):
        self.session = session
        self.plan = plan
        self.principal = principal
        self.directory = directory  # whose teams the row scope "team" reaches
        self._plans: dict[str, FormPlan | None] = {plan.form_key: plan}
        # a form that is not published has no facts: nothing of it can be seen
        self.access_of = ReaderAccesses(principal, self._facts)

    def plan_of(self, form_key: str) -> FormPlan | None:
        """The plan of a form of the app (this one as given), None when not published."""
        if form_key not in self._plans:
            try:
                self._plans[form_key] = (self.plan.plan_of(self.session, form_key)
                                         if self.plan.plan_of is not None else None)
            except TrellisError:
                self._plans[form_key] = None
        return self._plans[form_key]

    def _facts(self, form_key: str) -> FormFacts | None:
        plan = self.plan_of(form_key)
        return None if plan is None else plan_facts(plan)

    @property
    def access(self) -> Access:
        return self.access_of(self.plan.form_key)

    def target(self, relation: str) -> FormPlan | None:
        """The published form ``{relation.…}`` reaches, if ``relation`` is a single relation."""
        fld = self.plan.by_key.get(relation)
        link = self.plan.ftype(relation).formula_link(fld) if fld is not None else None
        return None if link is None else self.plan_of(link)

    def rows(self, target: FormPlan, table: sa.FromClause) -> sa.ColumnElement[bool]:
        """The rows of ``target`` (``table``: its table or an alias of it) the principal may
        read: live ones within the read scope; none of a form the principal may not read."""
        scope = self.access_of(target.form_key).scope("read")
        return sa.and_(table.c.deleted_at.is_(None),
                       row_clause(table, self.principal, scope,
                                  self.directory.members_query))

    def scope(self) -> Scope | None:
        """The fields a formula the principal writes may name (list filters)."""
        if self.plan.scope is None:
            return None

        def related_hidden(relation: str) -> frozenset[str] | None:
            target = self.target(relation)
            if target is None:
                return frozenset()
            access = self.access_of(target.form_key)
            return None if access.scope("read") == "none" else access.hidden

        return reader_scope(self.plan.scope, self.access.hidden, related_hidden)
