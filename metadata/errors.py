"""Errors that name where in a document (or request) something is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One error: a JSON Pointer to the offending place and a message a person can act on."""

    path: str
    message: str
    # where inside a text value (a formula) it is: {"position", "line", "column"}
    where: dict | None = None
    # the stored record the problem is about (one holding a value that must be unique)
    record: int | None = None

    def as_dict(self) -> dict:
        out = {"path": self.path, "message": self.message, **(self.where or {})}
        if self.record is not None:
            out["record"] = self.record
        return out


class TrellisError(Exception):
    """Base for errors that carry a list of problems and an HTTP-ish status."""

    status = 400

    def __init__(self, problems: list[Problem] | Problem | str, status: int | None = None):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        if status is not None:
            self.status = status
        super().__init__("; ".join(f"{p.path or '/'}: {p.message}" for p in self.problems))

    def as_dict(self) -> dict:
        return {"errors": [p.as_dict() for p in self.problems]}


class InvalidDocument(TrellisError):
    status = 422


class NotFound(TrellisError):
    status = 404


class Conflict(TrellisError):
    status = 409


class StaleDraft(Conflict):
    """A draft saved over a revision that is no longer the latest: who saved the latest, and
    when (for a message that can say "you, in another tab" or name the person)."""

    def __init__(self, problems: list[Problem], revision: int, updated_by: int | None,
                 updated_at: object):
        super().__init__(problems)
        self.revision = revision
        self.updated_by = updated_by
        self.updated_at = updated_at


class Forbidden(TrellisError):
    status = 403


def pointer(*parts: object) -> str:
    """Build a JSON Pointer (RFC 6901) from path parts."""
    out = []
    for part in parts:
        text = str(part).replace("~", "~0").replace("/", "~1")
        out.append(text)
    return "/" + "/".join(out) if out else ""
