"""What the list page offers beside its rows: bulk actions on chosen records (those the reader
may take) and exporting the list, with the reader's background exports of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _

from runtime.fields.base import label_text
from runtime.rules.manual import MAX_RUN
from runtime.rules.published import manual_rules
from runtime.web import current_runtime
from runtime.web.forms.bulk import bulk_fields
from runtime.web.forms.context import FormContext
from runtime.web.forms.exports import ExportVM, recent_exports


@dataclass
class ListActions:
    bulk_url: str
    value_url: str
    export_url: str
    users_url: str
    fields: list[dict] = field(default_factory=list)  # [{key, label}] a bulk edit may set
    can_update: bool = False
    can_delete: bool = False
    can_assign: bool = False  # give records to someone else: the reader may update all
    formats: list[dict] = field(default_factory=list)  # [{key, label}]
    exports: list[ExportVM] = field(default_factory=list)
    rule_url: str = ""
    rules: list[dict] = field(default_factory=list)  # [{key, label}] manual rules to run
    max_rule_run: int = MAX_RUN

    @property
    def selectable(self) -> bool:
        return self.can_update or self.can_delete or self.can_assign or bool(self.rules)


def list_actions(ctx: FormContext) -> ListActions:
    keys = {"app_key": ctx.plan.app_key, "form_key": ctx.plan.form_key}
    fields = [{"key": f["key"], "label": label_text(f.get("label"), ctx.lang) or f["key"]}
              for f in bulk_fields(ctx)]
    return ListActions(
        bulk_url=url_for("forms.bulk_action", **keys),
        value_url=url_for("forms.bulk_value", **keys),
        export_url=url_for("forms.record_export", **keys),
        users_url=url_for("forms.user_search"),
        fields=fields, can_update=bool(fields),
        can_delete=ctx.access.allows("delete"),
        can_assign=ctx.access.scope("update") == "all",
        formats=[{"key": "xlsx", "label": _("Excel (.xlsx)")},
                 {"key": "csv", "label": _("CSV (.csv)")}],
        exports=recent_exports(ctx),
        rule_url=url_for("forms.bulk_rule", **keys), rules=runnable_rules(ctx))


def runnable_rules(ctx: FormContext) -> list[dict]:
    """The form's manual rules, when the reader may change records (each chosen record is
    checked again when they run)."""
    if not ctx.access.allows("update"):
        return []
    loaded = current_runtime().rules.app(ctx.records.session, ctx.plan.app_key).by_form.get(
        ctx.plan.form_key, ())
    return [{"key": r["key"], "label": label_text(r["label"], ctx.lang) or r["key"]}
            for r in manual_rules(loaded)] if loaded else []
