"""The field-type contract: the roles of ``runtime.fields.roles`` combined into one base class.

A type is one small class (``runtime/fields/number.py``) that sets its ``type`` and overrides
what differs from the roles' defaults; each consumer depends on the role it uses. The names
below are re-exported for the type modules: ``from runtime.fields.base import ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from metadata.errors import Problem
from metadata.labels import label_text
from metadata.messages import msg
from runtime.fields.roles.cleaning import FLAG_OPS, CleaningRole
from runtime.fields.roles.files import FilesRole, UploadRules
from runtime.fields.roles.metadata import EMPTY_CONFIG, MetadataRole
from runtime.fields.roles.presentation import (
    USERS,
    PresentationRole,
    RecordTitles,
    UserNames,
    ids_of,
)
from runtime.fields.roles.query import (
    EQUALITY_OPS,
    ORDER_OPS,
    TEXT_OPS,
    QueryRole,
    compare,
    like_escape,
)
from runtime.fields.roles.storage import StorageRole
from runtime.fields.roles.value import (
    REQUIRED,
    CoercedField,
    FieldValueError,
    References,
    ValueRole,
    formula_default,
)

if TYPE_CHECKING:
    from metadata.checks import CheckContext

__all__ = [
    "EMPTY_CONFIG", "EQUALITY_OPS", "ORDER_OPS", "REQUIRED", "TEXT_OPS", "USERS",
    "CoercedField", "FieldType", "FieldValueError", "RecordTitles", "References",
    "UploadRules", "UserNames", "compare", "config", "formula_default", "ids_of",
    "label_text", "like_escape",
]


class FieldType(MetadataRole, ValueRole, StorageRole, QueryRole, FilesRole, PresentationRole,
                CleaningRole):
    """Base of every field type. Subclasses set ``type`` and override what differs."""

    def operators(self, fld: Mapping) -> tuple[str, ...]:
        ops = super().operators(fld)
        return (*ops, *FLAG_OPS) if self.flag_codes(fld) else ops

    def check(self, fld: dict, path: str, ctx: CheckContext) -> list[Problem]:
        """The checks every type shares: a fixed default must be a value of the field, a
        generated field takes none, and only a value in one column can be unique."""
        problems = []
        if formula_default(fld) is None and fld.get("default") is not None and not self.generated:
            try:
                self.coerce(fld["default"], fld)
            except FieldValueError as exc:
                problems.append(Problem(path + "/default", msg("default value: %(message)s",
                                                               message=exc.message)))
        if self.generated and "default" in fld:
            problems.append(Problem(path + "/default", msg("a generated field takes no default")))
        if fld.get("unique") and not self.single_column(fld):
            problems.append(Problem(path + "/unique", msg("a %(type)s field cannot be unique",
                                                          type=self.type)))
        return problems


def config(fld: Mapping) -> Mapping[str, Any]:
    return fld.get("config") or {}
