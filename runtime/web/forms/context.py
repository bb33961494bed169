"""What a form page or widget helper works with for the current request: the form's plan, the
principal, the principal's access and the records service."""

from __future__ import annotations

from dataclasses import dataclass

from runtime.forms.plan import FormPlan
from runtime.permissions import Access, Principal
from runtime.storage.records import Records
from runtime.web import current_principal, current_runtime, db_session
from runtime.web.messages import ui_lang


@dataclass
class FormContext:
    """The plan, principal, access and records of one form for the current request."""

    plan: FormPlan
    principal: Principal
    access: Access
    records: Records
    lang: str


def form_context(app_key: str, form_key: str) -> FormContext:
    rt, session = current_runtime(), db_session()
    plan = rt.plan(session, app_key, form_key)
    principal = current_principal()
    records = rt.records(session, plan, principal, via="ui")
    records.lang = ui_lang()
    return FormContext(plan, principal, records.access, records, ui_lang())
