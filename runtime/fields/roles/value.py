"""The value role of a field type: reading, checking and normalising values, and what they
point at (linked records, users, files) and are calculated from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol

import marshmallow as ma

from metadata.messages import msg
from runtime.arrivals import Touch
from runtime.cleaning.texts import collapse_spaces, half_width
from runtime.formula.types import Choice

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
    def arrival(self) -> Touch | None:
        """How the record being written arrived (its channel and campaign), if it is new."""
        ...


class ValueRole:
    """How values of a type are read from JSON and HTML forms, checked and made canonical."""

    # how formulas see the value: "text", "integer", "number", "boolean", "date", "datetime",
    # "list of text"; None: formulas cannot name the field (yet)
    formula_type: ClassVar[str | None] = None
    generated: ClassVar[bool] = False  # the system assigns the value (auto numbers)
    # its values are people (users' ids): what rules assign records to and notify
    holds_users: ClassVar[bool] = False
    # its values are addresses of a notification channel ("email", "sms"): messages of
    # that channel may go to them (runtime.notify)
    reaches: ClassVar[str | None] = None
    calculated: ClassVar[bool] = False  # a formula gives the value on every save
    holds_rows: ClassVar[bool] = False  # a value is a list of rows of sub-fields (row_fields)
    free_text: ClassVar[bool] = False  # written freely: two values joined are still one
    # the formula types (``formula_type``) of the values a field changed to this type may
    # keep: the builder offers the change, and publishing converts each stored value through
    # ``coerce`` (refused, with the records named, when one does not convert)
    converts_from: ClassVar[frozenset[str]] = frozenset()
    matchable: ClassVar[bool] = True  # identity rules may match records on its values

    def match_key(self, value: Any, fld: Mapping) -> str | None:
        """What identifies a stored value when records are matched (``runtime.identity``):
        equal keys mean the same value; None: blank, which matches nothing."""
        return default_match_key(value)

    def takes_values_of(self, other: ValueRole) -> bool:
        """May a field of type ``other`` be changed to this type, keeping its values?"""
        return other is not self and other.formula_type in self.converts_from

    def holds_one_user(self, fld: Mapping) -> bool:
        """Does a value name one user (a record's assignee routing may set and count by)?"""
        return False

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

    def generate(self, fld: Mapping, refs: References) -> Any:
        """The value of a generated field for a new record."""
        raise NotImplementedError

    def calculation(self, fld: Mapping) -> str | None:
        """The formula that gives the value of a calculated field (None: people enter it)."""
        return None

    def row_fields(self, fld: Mapping) -> list[dict]:
        """The sub-fields of each row, for types that ``holds_rows``; formulas total them."""
        return []

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

    def formula_link(self, fld: Mapping) -> str | None:
        """The form whose fields a formula reaches through this field ({field.other}), if any."""
        return None

    def formula_choices(self, fld: Mapping) -> list[Choice] | None:
        """The choices a text compared with the field in a formula names, by label or value
        (None: the field has no list of choices)."""
        return None

    def marshmallow_field(self, fld: Mapping) -> ma.fields.Field:
        """A marshmallow field that coerces and validates exactly as ``coerce`` does."""
        return CoercedField(self, fld, allow_none=True)


class CoercedField(ma.fields.Field):
    """marshmallow field delegating to a field type's ``coerce``."""

    def __init__(self, ftype: ValueRole, fld: Mapping, **kwargs: Any):
        super().__init__(**kwargs)
        self.ftype = ftype
        self.fld = fld

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return self.ftype.coerce(value, self.fld)
        except FieldValueError as exc:
            raise ma.ValidationError(exc.message) from exc


def formula_default(fld: Mapping) -> str | None:
    """The formula of a default written as ``{"formula": ...}``, else None (a plain value)."""
    default = fld.get("default")
    if isinstance(default, dict) and isinstance(default.get("formula"), str):
        return default["formula"]
    return None


def default_match_key(value: Any) -> str | None:
    """Texts half-width, spaces collapsed, case folded; lists in order; other values as
    written; blanks None."""
    if value is None or value == "" or value == [] or isinstance(value, dict):
        return None
    if isinstance(value, list):
        keys = sorted(k for k in map(default_match_key, value) if k is not None)
        return "|".join(keys) or None
    if isinstance(value, str):
        return collapse_spaces(half_width(value)).casefold() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
