"""Display texts for values that point elsewhere: titles of linked records, names of users.

The field types say what the ids of a value name (``names``: records of a form, users); ids are
collected first and looked up in batches: one query per linked form (and title field), one
query for all users, however many records or history entries are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from metadata.errors import TrellisError
from runtime.fields.roles.presentation import USERS, Named, RecordTitles, ids_of
from runtime.forms.plan import FormPlan
from runtime.permissions import Principal

if TYPE_CHECKING:
    from runtime.context import Runtime


class References:
    """Collects the ids one form's values name, then resolves them for display (a NameBook)."""

    def __init__(self, runtime: Runtime, session: Session, plan: FormPlan,
                 principal: Principal, lang: str):
        self.runtime = runtime
        self.session = session
        self.plan = plan
        self.principal = principal
        self.lang = lang
        self._wanted: dict[Named, set[int]] = {}
        self.names: dict[Named, dict[int, str]] = {}  # what ids name → id → text

    # -- collecting ---------------------------------------------------------------------------
    def add(self, fld: Mapping, value: Any) -> None:
        if value is None:
            return
        ftype = self.plan.types[fld["type"]]
        named = ftype.names(fld)
        if named is not None:
            self._wanted.setdefault(named, set()).update(ftype.named_ids(fld, value))
        if ftype.holds_rows and isinstance(value, list):
            for row in value:
                for sub in ftype.row_fields(fld):
                    if isinstance(row, dict):
                        self.add(sub, row.get(sub["key"]))

    def add_records(self, fields: Iterable[Mapping], records: Iterable[Mapping]) -> None:
        fields = list(fields)
        for record in records:
            for fld in fields:
                self.add(fld, record.get(fld["key"]))

    def add_user(self, user_id: Any) -> None:
        self._wanted.setdefault(USERS, set()).update(ids_of(user_id))

    # -- resolving ----------------------------------------------------------------------------
    def load(self) -> References:
        for named, ids in self._wanted.items():
            missing = ids - set(self.names.get(named, {}))
            if missing:
                self.names.setdefault(named, {}).update(named.lookup(self, missing))
        return self

    def user_names(self, ids: set[int]) -> dict[int, str]:
        return self.runtime.directory.names(self.session, ids)

    def record_titles(self, titles: RecordTitles, ids: set[int]) -> dict[int, str]:
        try:
            plan = self.runtime.plan(self.session, self.plan.app_key, titles.form)
        except TrellisError:  # not published
            return {}
        records = self.runtime.records(self.session, plan, self.principal, via="ui")
        key = titles.title_field(plan.title_field)
        fld = plan.by_key.get(key) if key else None
        if fld is None or key in records.access.hidden or plan.types[fld["type"]].separate(fld):
            return {}
        ftype = plan.types[fld["type"]]
        return {row["id"]: ftype.display(ftype.from_row(row, fld), fld, self.lang)
                for row in records.readable_rows(ids)}

    # -- display ------------------------------------------------------------------------------
    def name(self, named: Named, ident: int) -> str:
        return self.names.get(named, {}).get(ident) or f"#{ident}"

    def user_name(self, user_id: int) -> str:
        return self.name(USERS, user_id)

    def items(self, fld: Mapping, value: Any) -> list[tuple[int, str]]:
        """(id, text) of each record or user a value names."""
        ftype = self.plan.types[fld["type"]]
        named = ftype.names(fld)
        if named is None:
            return []
        return [(i, self.name(named, i)) for i in ftype.named_ids(fld, value)]

    def text(self, fld: Mapping, value: Any) -> str:
        """The plain display text of a value, with titles and names instead of ids."""
        ftype = self.plan.types[fld["type"]]
        if value is None or value == []:
            return ""
        if ftype.names(fld) is not None:
            return ", ".join(text for _i, text in self.items(fld, value))
        try:
            return ftype.display(value, fld, self.lang)
        except (TypeError, ValueError, KeyError, AttributeError):
            # a value stored by an older version of the field: show it as it is
            return str(value)
