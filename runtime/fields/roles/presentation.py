"""The presentation role of a field type: a value as text, what its widget needs, and whether
a field can name its record.

Values that hold ids of records or users are shown by the linked record's title or the user's
name: the type says what its ids name (``names``), a page looks all ids of one kind up at once
through a ``NameBook``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol


class NameBook(Protocol):
    """Looks up how ids are shown, in batches: titles of records, names of users."""

    def record_titles(self, titles: RecordTitles, ids: set[int]) -> dict[int, str]: ...
    def user_names(self, ids: set[int]) -> dict[int, str]: ...


class Named(Protocol):
    """What the ids of a value name: hashable, so that a page collects the ids of all values
    naming the same things and looks them up in one go."""

    def lookup(self, book: NameBook, ids: set[int]) -> dict[int, str]: ...


@dataclass(frozen=True)
class RecordTitles:
    """Ids of records of ``form``, shown by their ``display_field`` (None: the form's title
    field)."""

    form: str
    display_field: str | None = None

    def lookup(self, book: NameBook, ids: set[int]) -> dict[int, str]:
        return book.record_titles(self, ids)

    def title_field(self, title_field: str | None) -> str | None:
        """The field that shows a record, given the linked form's own ``title_field``."""
        return self.display_field or title_field


@dataclass(frozen=True)
class UserNames:
    """Ids of users, shown by their names."""

    def lookup(self, book: NameBook, ids: set[int]) -> dict[int, str]:
        return book.user_names(ids)


USERS = UserNames()


def ids_of(value: Any) -> list[int]:
    """The whole numbers in a value that holds one id or a list of ids."""
    items = value if isinstance(value, list) else [value]
    return [i for i in items if isinstance(i, int) and not isinstance(i, bool)]


class PresentationRole:
    """How values of a type are shown: as text, and to the widget that edits them."""

    widget: ClassVar[str] = "text"  # the page's widget (runtime.web.forms.widgets) that edits it
    can_be_title: ClassVar[bool] = False  # may name its record (the default title field)
    numeric: ClassVar[bool] = False  # a number: lists align it to the right
    # a column of a form's default list (long texts, files and rows of a sub-table are not:
    # they do not fit a table's cell)
    default_column: ClassVar[bool] = True
    # a stranger may fill it in on a public form: its input shows nothing stored and needs
    # no look-up of stored records or people (pickers and uploads do)
    public_input: ClassVar[bool] = True

    def display(self, value: Any, fld: Mapping, lang: str) -> str:
        """Plain text of a value, for lists, titles and the audit timeline."""
        if value is None:
            return ""
        return str(value)

    def filter_input(self, fld: Mapping, lang: str) -> dict[str, Any]:
        """How a list's filter bar asks for a value of this field: ``{"kind": "text" |
        "number" | "date" | "datetime" | "choice" | "user" | "relation"}``, with ``choices``
        (``[{"value", "label"}]``) for a choice."""
        return {"kind": "number" if self.numeric else "text"}

    def widget_context(self, fld: Mapping, value: Any, lang: str) -> dict[str, Any]:
        """Extra view-model entries the widget template needs (choices, limits, ...)."""
        return {}

    def names(self, fld: Mapping) -> Named | None:
        """What the ids in this field's values name, shown by title or name instead of
        ``display`` (None: the value shows itself)."""
        return None

    def named_ids(self, fld: Mapping, value: Any) -> list[int]:
        """The ids in a value that ``names`` speaks of, in the value's order."""
        return ids_of(value) if self.names(fld) is not None else []
