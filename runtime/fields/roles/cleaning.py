"""The cleaning role of a field type: what it notes about the values it keeps although they
did not clean (a phone number that is no number, a place that is no place we know) or that it
classifies (an address at a free-mail provider).

A value's flag depends on the value and the field's config alone (``flag_of``). Types whose
flag cannot be read from their columns keep it in a companion column ``<key>__flag`` (see
``FlagColumn``), present only when the field's config asks for flags, so publishing adds it
(and works out the flags of stored values) when a designer turns flags on. Lists show a
value's flag beside it; the filter operators ``flagged`` and ``unflagged`` find them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import Message, msg

FLAG_OPS = ("flagged", "unflagged")
FLAG_LENGTH = 16
REFUSE, KEEP = "refuse", "keep"
# the config option of the types that may keep values that do not clean
INVALID_OPTION = {"enum": [REFUSE, KEEP],
                  "title": "what to do with a value that does not clean: refuse it (the "
                           "record is not saved) or keep it as written and flag it"}
FLAG_LABELS: dict[str, Message] = {
    "invalid": msg("needs checking"),
    "free_mail": msg("free mail"),
    "unresolved": msg("place not recognised"),
}


class CleaningRole:
    """Flags of kept or classified values; by default a type flags nothing."""

    def flag_codes(self, fld: Mapping) -> tuple[str, ...]:
        """The flags values of this field may carry (empty: none; no flag filters)."""
        return ()

    def flag_of(self, value: Any, fld: Mapping) -> str | None:
        """The flag of a canonical (coerced or stored) value, None when it has none."""
        return None

    def cleaning_input(self) -> str | None:
        """The formula type a cleaning rule gives a field of this type (None: no rule may set
        it); by default what formulas see of its values."""
        return getattr(self, "formula_type", None)

    def flag_label(self, code: str) -> Message:
        return FLAG_LABELS.get(code) or msg(code)

    def flag_expression(self, table: sa.Table, fld: Mapping, op: str,
                        codes: Sequence[str] | None) -> sa.ColumnElement[bool]:
        """Records whose value is (``flagged``) or is not (``unflagged``) flagged, with one of
        ``codes`` (None: any flag)."""
        raise NotImplementedError


def keeps_invalid(fld: Mapping, default: str = REFUSE) -> bool:
    """Whether a field keeps (and flags) values that do not clean."""
    return ((fld.get("config") or {}).get("invalid") or default) == KEEP


MAX_FLAGGED_KEY = 63 - len("__flag")  # a column name within PostgreSQL's 63 characters


class FlagColumn:
    """The companion column of types whose flags their values' columns cannot show; mixed in
    before ``FieldType``. The type's own ``columns``/``to_row``/``from_row`` keep the value in
    the column named by the field's key, as every single-column type does."""

    flag_suffix: ClassVar[str] = "__flag"

    def flag_column(self, fld: Mapping) -> str | None:
        return fld["key"] + self.flag_suffix if self.flag_codes(fld) else None  # type: ignore[attr-defined]

    def columns(self, fld: Mapping) -> list[sa.Column]:
        columns = super().columns(fld)  # type: ignore[misc]
        name = self.flag_column(fld)
        if name is not None:
            columns.append(sa.Column(name, sa.String(FLAG_LENGTH), nullable=True, index=True))
        return columns

    def check(self, fld: dict, path: str, ctx: Any) -> list[Problem]:
        problems = super().check(fld, path, ctx)  # type: ignore[misc]
        if self.flag_codes(fld) and len(fld.get("key", "")) > MAX_FLAGGED_KEY:  # type: ignore[attr-defined]
            problems.append(Problem(path + "/key", msg(
                "a field that flags values keeps them in a column of its own: its key must "
                "be at most %(n)s characters long", n=MAX_FLAGGED_KEY)))
        return problems

    def value_columns(self, fld: Mapping) -> list[sa.Column]:
        return super().columns(fld)  # type: ignore[misc]

    def to_row(self, value: Any, fld: Mapping) -> dict[str, Any]:
        row = {fld["key"]: value}
        name = self.flag_column(fld)
        if name is not None:
            row[name] = None if value is None else self.flag_of(value, fld)  # type: ignore[attr-defined]
        return row

    def from_row(self, row: Mapping[str, Any], fld: Mapping) -> Any:
        return row[fld["key"]]

    def flag_expression(self, table: sa.Table, fld: Mapping, op: str,
                        codes: Sequence[str] | None) -> sa.ColumnElement[bool]:
        column = table.c[self.flag_column(fld)]
        found = column.is_not(None) if codes is None else column.in_(list(codes))
        if op == "flagged":
            return found
        return column.is_(None) if codes is None else sa.or_(column.is_(None),
                                                            column.not_in(list(codes)))
