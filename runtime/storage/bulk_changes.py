"""Changes to many chosen records at once: one field's value, a soft delete, a new owner.

Each record goes through the records service exactly as a single write does (row scope,
hidden and read-only fields, coercion, validation and calculated formulas, references, unique
values, audit entry, record event), inside a savepoint of its own: a record is changed whole
or not at all, and one refused record never stops the others. What was refused comes back
with the reasons, per record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from metadata.errors import InvalidDocument, Problem, TrellisError
from metadata.messages import Message, msg
from metadata.orm import MAX_INTEGER
from runtime.storage.records import InvalidRecord, Records

MAX_IDS = 1000  # records per bulk change: a request's work stays within its time limit
ACTIONS = ("update", "delete", "assign")


@dataclass
class Outcome:
    """What happened to one chosen record: ``status`` is updated, deleted, unchanged or
    refused; a refusal says why (``problems``)."""

    id: int
    status: str
    version: int | None = None
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.version is not None:
            out["version"] = self.version
        if self.problems:
            out["errors"] = [p.as_dict() for p in self.problems]
        return out


@dataclass
class Summary:
    action: str
    outcomes: list[Outcome]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "refused"]

    def as_dict(self) -> dict[str, Any]:
        done = "deleted" if self.action == "delete" else "updated"
        return {"action": self.action, done: self.count(done),
                "unchanged": self.count("unchanged"), "refused": self.count("refused"),
                "results": [o.as_dict() for o in self.outcomes]}


def chosen_ids(raw: Any, at: str = "/ids", limit: int = MAX_IDS) -> list[int]:
    """The record ids of a bulk request, each once, in the order given; a malformed list is
    refused whole: no list 400, past ``limit`` 413, an item that is no id 422."""
    if not isinstance(raw, list) or not raw:
        raise InvalidDocument([Problem(at, msg("must be a non-empty list of record ids"))],
                              status=400)
    if len(raw) > limit:
        raise TrellisError([Problem(at, msg("at most %(n)s records per request (got "
                                            "%(got)s)", n=limit, got=len(raw)))], status=413)
    bad = [Problem(f"{at}/{i}", msg("must be a record id (a whole number from 1 to %(n)s)",
                                    n=MAX_INTEGER))
           for i, v in enumerate(raw)
           if isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= MAX_INTEGER]
    if bad:
        raise InvalidDocument(bad[:20])
    return list(dict.fromkeys(raw))


def not_allowed(action: str) -> Message:
    """Why a record the reader may see cannot be changed: one sentence per action."""
    match action:
        case "delete":
            return msg("you may read this record but not delete it")
        case "assign":
            return msg("you may read this record but not change its owner")
    return msg("you may read this record but not change it")


NOT_VISIBLE = msg("the record does not exist or is not visible to you")


class BulkChanges:
    """One principal's bulk changes to one form's records, in the records service's session;
    the caller commits (a record refused is rolled back to its savepoint, the rest stay)."""

    def __init__(self, records: Records):
        self.records = records

    def update(self, ids: Sequence[int], changes: Mapping[str, Any]) -> Summary:
        """Set the same ``changes`` (field key -> value, as the API takes them) on each."""
        self.check_changes(changes)
        return self._each("update", ids, lambda rid, v: self._update(rid, v, dict(changes)))

    def delete(self, ids: Sequence[int]) -> Summary:
        return self._each("delete", ids, self._delete)

    def assign(self, ids: Sequence[int], owner: Any) -> Summary:
        """Give each record to ``owner`` (a user id)."""
        problems: list[Problem] = []
        if owner is None:  # a record without an owner is nobody's: not what assigning means
            problems.append(Problem("/owner", msg("must be the id of a user")))
        else:
            self.records._owner({"owner": owner}, problems)
        if problems:
            raise InvalidRecord(problems)
        return self._each("assign", ids, lambda rid, v: self._update(rid, v, {"owner": owner}))

    def check_changes(self, changes: Any) -> None:
        """Refuse at once what no record could take: no object, no field, a field the
        principal may not set, a value its type refuses."""
        plan, access = self.records.plan, self.records.access
        if not isinstance(changes, dict) or not changes:
            raise InvalidRecord([Problem("/changes", msg("must be an object of field values, "
                                                         "such as {\"stage\": \"won\"}"))])
        unknown = [Problem(f"/changes/{k}", msg("is not a field of %(form)s",
                                                 form=plan.form_key))
                   for k in changes if k not in plan.by_key or k in access.hidden]
        if unknown:
            raise InvalidRecord(unknown)
        calculated = [Problem(f"/changes/{k}", msg("is calculated by its formula and cannot "
                                                    "be set"))
                      for k in changes if plan.types[plan.by_key[k]["type"]].calculated]
        if calculated:  # a single update ignores them (a record as read may be sent back)
            raise InvalidRecord(calculated)
        _values, problems = plan.load(changes, partial=True, access=access)
        if problems:
            raise InvalidRecord([Problem("/changes" + p.path, p.message, p.where)
                                 for p in problems])

    # -- one record at a time -------------------------------------------------------------------
    def _each(self, action: str, ids: Sequence[int], write: Callable[[int, int], Outcome]
              ) -> Summary:
        scope = "delete" if action == "delete" else "update"
        self.records.access.require(scope, self.records.plan.label("en")
                                    or self.records.plan.form_key)
        allowed = self._versions(ids, scope)
        readable = self._versions([i for i in ids if i not in allowed], "read")
        outcomes = []
        for record_id in ids:
            if record_id not in allowed:
                reason = not_allowed(action) if record_id in readable else NOT_VISIBLE
                outcomes.append(Outcome(record_id, "refused", problems=[Problem("", reason)]))
                continue
            try:
                with self.records.session.begin_nested():
                    outcomes.append(write(record_id, allowed[record_id]))
            except TrellisError as exc:  # rolled back to the savepoint: nothing of it stays
                outcomes.append(Outcome(record_id, "refused", problems=exc.problems))
        return Summary(action, outcomes)

    def _versions(self, ids: Sequence[int], action: str) -> dict[int, int]:
        """The versions of the records among ``ids`` the principal may ``action``."""
        if not ids:
            return {}
        table = self.records.table
        query = sa.select(table.c.id, table.c.version).where(table.c.id.in_(sorted(ids)),
                                                             self.records.visible(action))
        return {row[0]: row[1] for row in self.records.conn.execute(query)}

    def _update(self, record_id: int, version: int, changes: dict) -> Outcome:
        # the version read above: changed since, the record is refused (409), not overwritten
        record = self.records.update(record_id, changes, version)
        status = "updated" if record["version"] != version else "unchanged"
        return Outcome(record_id, status, record["version"])

    def _delete(self, record_id: int, version: int) -> Outcome:
        self.records.delete(record_id, version)
        return Outcome(record_id, "deleted", version + 1)
