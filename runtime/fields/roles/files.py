"""The files role of a field type: which uploads a stored value keeps alive and lets its
readers download, and what a field takes when a file is uploaded into it."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


def accepts(accept: Sequence[str], name: str, content_type: str) -> bool:
    """Whether a file matches an accept list like [".pdf", "image/*"] (empty: anything)."""
    if not accept:
        return True
    lower = name.lower()
    for pattern in accept:
        pattern = pattern.lower()
        if pattern.startswith(".") and lower.endswith(pattern):
            return True
        if "/" in pattern and fnmatch.fnmatch(content_type.lower(), pattern):
            return True
    return False


@dataclass(frozen=True)
class UploadRules:
    """What a field takes when a file is uploaded into it."""

    accept: tuple[str, ...]  # extensions (.pdf) and MIME patterns (image/*); empty: any
    max_mb: float

    def accepts(self, name: str, content_type: str) -> bool:
        return accepts(self.accept, name, content_type)


class FilesRole:
    """Which uploaded files a field's values reference, in Python and in SQL."""

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

    def upload_rules(self, fld: Mapping) -> UploadRules | None:
        """The limits of a file uploaded straight into this field (None: files are not
        uploaded into it; a sub-table's files go into its attachment sub-fields)."""
        return None
