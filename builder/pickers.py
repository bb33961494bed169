"""What the designers' pickers show for what a document chose before: the names of the users
it names by id (a user picker shows "王芳", not 7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from runtime.directory import Directory


def named_users(doc: Any) -> set[int]:
    """The ids under a ``"user"`` key anywhere in a document (recipients, fallbacks; rules
    write them as text)."""
    found: set[int] = set()
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            user = item.get("user")
            if isinstance(user, int) and not isinstance(user, bool):
                found.add(user)
            elif isinstance(user, str) and user.isdigit():
                found.add(int(user))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def people(session: Session, directory: Directory, doc: Any) -> dict[str, str]:
    """id (as JSON keys are: text) -> display name, for the users ``doc`` names."""
    ids = named_users(doc)
    return {str(i): name for i, name in directory.names(session, ids).items()} if ids else {}
