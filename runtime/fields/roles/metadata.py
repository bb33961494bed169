"""The metadata role of a field type: what it is called, the JSON Schema of its options, and
the checks of a field's definition beyond that schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from metadata.errors import Problem

if TYPE_CHECKING:
    from metadata.checks import CheckContext

EMPTY_CONFIG: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}


class MetadataRole:
    """How a field of a type is defined: names, options (``config``) and their checks."""

    type: ClassVar[str]
    label: ClassVar[dict[str, str]]
    description: ClassVar[str] = ""
    config_schema: ClassVar[dict[str, Any]] = EMPTY_CONFIG
    icon: ClassVar[str] = "•"  # shown in the builder's palette and property panel
    sub_field_allowed: ClassVar[bool] = True  # may be used inside a sub-table

    def bind(self, registry: Mapping[str, Any]) -> None:
        """Called once the registry is complete, for types built from other types."""

    def check(self, fld: dict, path: str, ctx: CheckContext) -> list[Problem]:
        """Semantic checks of the field's definition beyond its config schema."""
        return []

    def default_choices(self, fld: Mapping, lang: str) -> list[tuple[Any, str]] | None:
        """The (value, label) pairs a fixed default is picked from, when it is one of a list
        (None: the default is typed in)."""
        return None
