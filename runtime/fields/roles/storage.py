"""The storage role of a field type: the columns of the record's row that hold a value, and
the child tables of values kept outside the row (sub-table rows, links to several records)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa

FILTER, SORT = "filter", "sort"


class StorageRole:
    """How values of a type are stored: their columns, or their own tables."""

    separate_storage: ClassVar[bool] = False  # the value lives in child/link tables
    # how lists reach the field's column, so its table gets an index lists can use (see
    # runtime.storage.tables): FILTER - compared for equality, then in the default order;
    # SORT - a sort key; None - neither (text is searched, not indexed)
    list_index: ClassVar[str | None] = None

    def list_index_of(self, fld: Mapping) -> str | None:
        """This field's ``list_index``, when its value is one column of the row."""
        if self.list_index is None or not self.single_column(fld):
            return None
        return self.list_index

    def links_to(self, fld: Mapping) -> str | None:
        """The form whose records a value of this field points at (relations); None."""
        return None

    def repoint(self, conn: sa.Connection, table: sa.Table, children: Sequence[sa.Table],
                fld: Mapping, merged: Sequence[int], survivor: int) -> list[list]:
        """Point the links to ``merged`` records at ``survivor`` (a merge); returns what
        ``unpoint`` needs to put them back."""
        return []

    def unpoint(self, conn: sa.Connection, table: sa.Table, children: Sequence[sa.Table],
                fld: Mapping, moved: Sequence[list], survivor: int) -> None:
        """Undo ``repoint``: the links it moved point at their first records again."""

    def single_column(self, fld: Mapping) -> bool:
        """Whether the value sits in one column of the row (only such values are unique)."""
        return not self.separate(fld) and len(self.value_columns(fld)) == 1

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.Text()

    def columns(self, fld: Mapping) -> list[sa.Column]:
        return [sa.Column(fld["key"], self.column_type(fld), nullable=True)]

    def value_columns(self, fld: Mapping) -> list[sa.Column]:
        """The columns that hold the value itself, first of ``columns`` (beside them a type
        may keep what it notes about the value: a cleaning flag)."""
        return self.columns(fld)

    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        return {fld["key"]: value}

    def from_row(self, row: Mapping[str, Any], fld: Mapping) -> Any:
        return row[fld["key"]]

    def child_tables(self, fld: Mapping, parent: sa.Table, field_types: Mapping
                     ) -> list[sa.Table]:
        return []

    def separate(self, fld: Mapping) -> bool:
        """Whether this field's value lives outside the record's row."""
        return self.separate_storage

    def save_separate(self, conn: sa.Connection, tables: Sequence[sa.Table], record_id: int,
                      value: Any, fld: Mapping) -> None:
        """Write a value kept outside the record's row (``separate_storage`` types)."""
        raise NotImplementedError

    def load_separate(self, conn: sa.Connection, tables: Sequence[sa.Table],
                      record_ids: Sequence[int], fld: Mapping) -> dict[int, Any]:
        """Read values kept outside the rows of ``record_ids``; missing ids mean empty."""
        raise NotImplementedError
