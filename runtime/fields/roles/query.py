"""The query role of a field type: how lists sort, filter and search by a field, and what
reports may do with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa

from metadata.messages import msg, quoted
from runtime.fields.roles.value import FieldValueError

EQUALITY_OPS = ("eq", "ne", "in", "nin", "isnull", "notnull")
ORDER_OPS = (*EQUALITY_OPS, "lt", "lte", "gt", "gte")
TEXT_OPS = (*EQUALITY_OPS, "contains", "startswith")


class QueryRole:
    """Sort, filter and search SQL over a form's table, and the capability flags of lists,
    filters, search and reports. Combined with the value role: filter values go through its
    ``coerce`` unless ``coerce_filter`` says otherwise."""

    searchable: ClassVar[bool] = False
    sortable: ClassVar[bool] = True
    can_group_by: ClassVar[bool] = False
    aggregations: ClassVar[tuple[str, ...]] = ("count",)
    filter_ops: ClassVar[tuple[str, ...]] = EQUALITY_OPS
    time_grains: ClassVar[tuple[str, ...]] = ()  # day, week, month, ... for reports

    def sort_expression(self, table: sa.Table, fld: Mapping) -> sa.ColumnElement | None:
        return table.c[fld["key"]]

    def coerce_filter(self, value: Any, fld: Mapping) -> Any:
        """A value to compare with; unlike ``coerce`` it need not satisfy entry limits."""
        return self.coerce(value, fld)

    def operators(self, fld: Mapping) -> tuple[str, ...]:
        """The filter operators this field takes (most types: the same for every field)."""
        return self.filter_ops

    def filter_expression(self, table: sa.Table, fld: Mapping, op: str, value: Any
                          ) -> sa.ColumnElement:
        """A WHERE clause for ``op``; values arrive coerced by this type."""
        return compare(table.c[fld["key"]], op, value)

    def search_text(self, value: Any, fld: Mapping) -> list[str]:
        """The texts a person may type to find ``value`` (as a read gives it), one or several:
        search looks for what is typed inside them, in any case (empty: nothing to find)."""
        if not self.searchable or value is None or value == "":
            return []
        return [str(value)]

    def search_terms(self, q: str, fld: Mapping) -> list[str]:
        """What to look for in this field's search texts when a person searches ``q`` (in
        lower case, white space made single spaces); any of them matches. Empty: ``q`` cannot
        match this field (a phone number is not found by a word)."""
        return [q]

    def search_basis(self, fld: Mapping) -> Any:
        """What this field's search texts depend on besides the value (a select's labels): when
        it changes, publishing rebuilds the form's search index. None: the value alone."""
        return None


def compare(column: sa.ColumnElement, op: str, value: Any) -> sa.ColumnElement:
    """The generic comparison of one column with a (coerced) value."""
    match op:
        case "eq":
            return column.is_(None) if value is None else column == value
        case "ne":
            return column.is_not(None) if value is None else sa.or_(column != value,
                                                                    column.is_(None))
        case "lt":
            return column < value
        case "lte":
            return column <= value
        case "gt":
            return column > value
        case "gte":
            return column >= value
        case "in":
            return column.in_(list(value))
        case "nin":
            return sa.or_(column.not_in(list(value)), column.is_(None))
        case "contains":
            return column.ilike(f"%{like_escape(str(value))}%", escape="\\")
        case "startswith":
            return column.ilike(f"{like_escape(str(value))}%", escape="\\")
        case "isnull":
            return column.is_(None)
        case "notnull":
            return column.is_not(None)
    raise FieldValueError(msg("unknown operator %(op)s", op=quoted(op)))


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
