"""Display texts for values that point elsewhere: titles of linked records, names of users.

Ids are collected first and looked up in batches: one query per linked form (and title field),
one query for all users, however many records or history entries are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from metadata.errors import TrellisError
from runtime.fields.base import config
from runtime.forms.plan import FormPlan
from runtime.permissions import Principal

if TYPE_CHECKING:
    from runtime.context import Runtime

RELATION, USER, SUB_TABLE = "relation", "user", "sub_table"


def ids_of(value: Any) -> list[int]:
    items = value if isinstance(value, list) else [value]
    return [i for i in items if isinstance(i, int) and not isinstance(i, bool)]


class References:
    """Collects linked ids of one form's values, then resolves them for display."""

    def __init__(self, runtime: Runtime, session: Session, plan: FormPlan,
                 principal: Principal, lang: str):
        self.runtime = runtime
        self.session = session
        self.plan = plan
        self.principal = principal
        self.lang = lang
        self._records: dict[tuple[str, str | None], set[int]] = {}
        self._users: set[int] = set()
        self.titles: dict[tuple[str, str | None], dict[int, str]] = {}
        self.users: dict[int, str] = {}

    # -- collecting ---------------------------------------------------------------------------
    def add(self, fld: Mapping, value: Any) -> None:
        widget = self.plan.types[fld["type"]].widget
        if value is None:
            return
        if widget == RELATION:
            self._records.setdefault(self._target(fld), set()).update(ids_of(value))
        elif widget == USER:
            self._users.update(ids_of(value))
        elif widget == SUB_TABLE and isinstance(value, list):
            for row in value:
                for sub in config(fld).get("fields", []):
                    if isinstance(row, dict):
                        self.add(sub, row.get(sub["key"]))

    def add_records(self, fields: Iterable[Mapping], records: Iterable[Mapping]) -> None:
        fields = list(fields)
        for record in records:
            for fld in fields:
                self.add(fld, record.get(fld["key"]))

    def add_user(self, user_id: Any) -> None:
        self._users.update(ids_of(user_id))

    @staticmethod
    def _target(fld: Mapping) -> tuple[str, str | None]:
        cfg = config(fld)
        return cfg["target_form"], cfg.get("display_field")

    # -- resolving ----------------------------------------------------------------------------
    def load(self) -> References:
        for target, ids in self._records.items():
            missing = ids - set(self.titles.get(target, {}))
            if missing:
                self.titles.setdefault(target, {}).update(self._titles(target, missing))
        missing_users = self._users - set(self.users)
        if missing_users:
            self.users.update(self.runtime.directory.names(self.session, missing_users))
        return self

    def _titles(self, target: tuple[str, str | None], ids: set[int]) -> dict[int, str]:
        form_key, display_field = target
        try:
            plan = self.runtime.plan(self.session, self.plan.app_key, form_key)
        except TrellisError:  # not published
            return {}
        records = self.runtime.records(self.session, plan, self.principal, via="ui")
        key = display_field or plan.title_field
        fld = plan.by_key.get(key) if key else None
        if fld is None or key in records.access.hidden or plan.types[fld["type"]].separate(fld):
            return {}
        ftype = plan.types[fld["type"]]
        return {row["id"]: ftype.display(ftype.from_row(row, fld), fld, self.lang)
                for row in records.readable_rows(ids)}

    # -- display ------------------------------------------------------------------------------
    def record_title(self, fld: Mapping, record_id: int) -> str:
        return self.titles.get(self._target(fld), {}).get(record_id) or f"#{record_id}"

    def user_name(self, user_id: int) -> str:
        return self.users.get(user_id) or f"#{user_id}"

    def items(self, fld: Mapping, value: Any) -> list[tuple[int, str]]:
        """(id, text) of each record or user a relation or user value points at."""
        widget = self.plan.types[fld["type"]].widget
        if widget == RELATION:
            return [(i, self.record_title(fld, i)) for i in ids_of(value)]
        if widget == USER:
            return [(i, self.user_name(i)) for i in ids_of(value)]
        return []

    def text(self, fld: Mapping, value: Any) -> str:
        """The plain display text of a value, with titles and names instead of ids."""
        ftype = self.plan.types[fld["type"]]
        if value is None or value == []:
            return ""
        if ftype.widget in (RELATION, USER):
            return ", ".join(text for _i, text in self.items(fld, value))
        try:
            return ftype.display(value, fld, self.lang)
        except (TypeError, ValueError, KeyError, AttributeError):
            # a value stored by an older version of the field: show it as it is
            return str(value)
