"""The field-type contract: value, storage, presentation and metadata roles of one type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import marshmallow as ma
import sqlalchemy as sa

from metadata.errors import Problem
from metadata.messages import msg, quoted

if TYPE_CHECKING:
    from metadata.checks import CheckContext

EMPTY_CONFIG: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
EQUALITY_OPS = ("eq", "ne", "in", "nin", "isnull", "notnull")
ORDER_OPS = (*EQUALITY_OPS, "lt", "lte", "gt", "gte")
TEXT_OPS = (*EQUALITY_OPS, "contains", "startswith")
REQUIRED = msg("is required")


class FieldValueError(ValueError):
    """A value a field cannot take; the message is shown to the person who entered it."""

    @property
    def message(self) -> str:
        """The message as raised: a ``Message`` that the page translates (``str(exc)`` would
        lose its template)."""
        return self.args[0] if self.args else ""


class References(Protocol):
    """What a field type may ask about stored things while checking values (batched)."""

    def linkable_record_ids(self, app_key: str, form_key: str, ids: set[int]) -> set[int]:
        """Those of ``ids`` that are live records the person saving may link to: records the
        person may read, and those the record links to already."""
        ...
    def existing_user_ids(self, ids: set[int]) -> set[int]: ...
    def attachments(self, ids: set[str]) -> dict[str, dict]:
        """Name, size and type of the files among ``ids`` that exist and that the writer may
        read (a file id is no download key); the others are left out."""
    sequence_scope: str  # "<app>.<form>": auto numbers count per form

    def next_in_sequence(self, name: str) -> int: ...
    def now(self) -> datetime: ...


class FieldType:
    """Base of every field type. Subclasses set ``type`` and override what differs."""

    type: ClassVar[str]
    label: ClassVar[dict[str, str]]
    description: ClassVar[str] = ""
    config_schema: ClassVar[dict[str, Any]] = EMPTY_CONFIG
    widget: ClassVar[str] = "text"
    icon: ClassVar[str] = "•"  # shown in the builder's palette and property panel
    # capability flags: what lists, filters, search and reports may do with the field
    searchable: ClassVar[bool] = False
    sortable: ClassVar[bool] = True
    can_group_by: ClassVar[bool] = False
    aggregations: ClassVar[tuple[str, ...]] = ("count",)
    filter_ops: ClassVar[tuple[str, ...]] = EQUALITY_OPS
    time_grains: ClassVar[tuple[str, ...]] = ()  # day, week, month, ... for reports
    # how formulas see the value: "text", "integer", "number", "boolean", "date", "datetime",
    # "list of text"; None: formulas cannot name the field (yet)
    formula_type: ClassVar[str | None] = None
    generated: ClassVar[bool] = False  # the system assigns the value (auto numbers)
    calculated: ClassVar[bool] = False  # a formula gives the value on every save
    separate_storage: ClassVar[bool] = False  # the value lives in child/link tables
    sub_field_allowed: ClassVar[bool] = True  # may be used inside a sub-table

    def bind(self, registry: Mapping[str, FieldType]) -> None:
        """Called once the registry is complete, for types built from other types."""

    # -- value role ---------------------------------------------------------------------------
    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        """JSON Schema of a non-null value of this field, as the API carries it."""
        return {}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        """Turn an incoming non-null JSON value into the canonical stored value, or raise."""
        return value

    def parse_form(self, raw: Sequence[str], fld: Mapping) -> Any:
        """Turn the strings an HTML form posted for this field into a JSON value (None: blank)."""
        text = raw[-1].strip() if raw else ""
        return text or None

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == [] or value == {}

    def default(self, fld: Mapping) -> Any:
        return fld.get("default")

    def unknown_references(self, fld: Mapping, values: Sequence[Any], refs: References,
                           app_key: str) -> dict[int, str]:
        """Messages for values (by index) that point at things that do not exist.

        Types whose stored value carries details of what it points at (attachments) complete
        the freshly coerced values in place here.
        """
        return {}

    def linked_records(self, fld: Mapping, value: Any) -> list[tuple[str, int]]:
        """The records of other forms a stored value links to, as (form key, record id)."""
        return []

    def generate(self, fld: Mapping, refs: References) -> Any:
        """The value of a generated field for a new record."""
        raise NotImplementedError

    def formula_link(self, fld: Mapping) -> str | None:
        """The form whose fields a formula reaches through this field ({field.other}), if any."""
        return None

    def marshmallow_field(self, fld: Mapping) -> ma.fields.Field:
        """A marshmallow field that coerces and validates exactly as ``coerce`` does."""
        return CoercedField(self, fld, allow_none=True)

    # -- storage role -------------------------------------------------------------------------
    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.Text()

    def columns(self, fld: Mapping) -> list[sa.Column]:
        return [sa.Column(fld["key"], self.column_type(fld), nullable=True)]

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

    def sort_expression(self, table: sa.Table, fld: Mapping) -> sa.ColumnElement:
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

    def search_expression(self, table: sa.Table, fld: Mapping, pattern: str
                          ) -> sa.ColumnElement | None:
        if not self.searchable:
            return None
        return table.c[fld["key"]].ilike(pattern, escape="\\")

    # -- files role: which uploads a stored value keeps alive and lets its readers download --
    def holds_files(self, fld: Mapping) -> bool:
        """Whether values of this field may reference uploaded files."""
        return False

    def file_ids(self, value: Any, fld: Mapping) -> set[str]:
        """The ids of the uploaded files a value (as a read gives it) references."""
        return set()

    def file_mentions(self, table: sa.Table, fld: Mapping, file_id: str
                      ) -> sa.ColumnElement[bool] | None:
        """A WHERE clause over the form's main ``table``: the record's value of this field
        references ``file_id`` (None: it never does)."""
        return None

    # -- presentation role --------------------------------------------------------------------
    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        """Plain text of a value, for lists, titles and the audit timeline."""
        if value is None:
            return ""
        return str(value)

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        """Extra view-model entries the widget template needs (choices, limits, ...)."""
        return {}

    # -- metadata role ------------------------------------------------------------------------
    def check(self, fld: dict, path: str, ctx: CheckContext) -> list[Problem]:
        """Semantic checks of the field's definition beyond its config schema."""
        problems = []
        if formula_default(fld) is None and fld.get("default") is not None and not self.generated:
            try:
                self.coerce(fld["default"], fld)
            except FieldValueError as exc:
                problems.append(Problem(path + "/default", msg("default value: %(message)s",
                                                               message=exc.message)))
        if self.generated and "default" in fld:
            problems.append(Problem(path + "/default", msg("a generated field takes no default")))
        if fld.get("unique") and (self.separate(fld) or len(self.columns(fld)) != 1):
            problems.append(Problem(path + "/unique", msg("a %(type)s field cannot be unique",
                                                          type=self.type)))
        return problems


class CoercedField(ma.fields.Field):
    """marshmallow field delegating to a field type's ``coerce``."""

    def __init__(self, ftype: FieldType, fld: Mapping, **kwargs: Any):
        super().__init__(**kwargs)
        self.ftype = ftype
        self.fld = fld

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return self.ftype.coerce(value, self.fld)
        except FieldValueError as exc:
            raise ma.ValidationError(exc.message) from exc


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


def formula_default(fld: Mapping) -> str | None:
    """The formula of a default written as ``{"formula": ...}``, else None (a plain value)."""
    default = fld.get("default")
    if isinstance(default, dict) and isinstance(default.get("formula"), str):
        return default["formula"]
    return None


def label_text(label: Any, lang: str) -> str:
    """The text of a label in ``lang``, falling back to the other language."""
    if isinstance(label, dict):
        other = "en" if lang.startswith("zh") else "zh"
        return label.get("zh" if lang.startswith("zh") else "en") or label.get(other) or ""
    return "" if label is None else str(label)


def config(fld: Mapping) -> Mapping[str, Any]:
    return fld.get("config") or {}
