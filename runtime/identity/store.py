"""The identity keys of one form's records, in the caller's transaction.

Keys of exact merging rules live in ``identity_keys`` under a UNIQUE constraint: whatever
happens around it, two live records never hold the same key. Block keys (and the keys of
review rules) live in ``identity_blocks``, indexed, so candidates are found by index lookups
rather than by reading the form.

Concurrent submissions of the same person are serialised before they look: PostgreSQL takes a
transaction-scoped advisory lock per key, SQLite takes its write lock (one writer at a time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import sqlalchemy as sa

from runtime.forms.plan import FormPlan
from runtime.identity.models import KEY_LENGTH, IdentityBlock, IdentityKey
from runtime.identity.rules import Rule, Rules, compile_rules
from runtime.storage.bulk import BulkInsert
from runtime.storage.transactions import take_write_lock

KEYS = IdentityKey.__table__
BLOCKS = IdentityBlock.__table__
ROW = ("app_key", "form_key", "rule", "value", "record_id")
KEY_INSERT = BulkInsert(KEYS, ROW, skip_conflicts=ROW[:4])  # the unique key
BLOCK_INSERT = BulkInsert(BLOCKS, ROW)
LOCK_ONE = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))")
LOCK_MANY = sa.text("SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT "
                    "hashtextextended(k, 0) AS h FROM unnest(CAST(:keys AS text[])) AS k "
                    "ORDER BY h) AS ordered")
# PostgreSQL: many keys in one statement, as arrays (a statement per row cost a round trip)
KEY_INSERT_PG = sa.text(
    "INSERT INTO identity_keys (app_key, form_key, rule, value, record_id) "
    "SELECT * FROM unnest(CAST(:app_key AS text[]), CAST(:form_key AS text[]), "
    "CAST(:rule AS text[]), CAST(:value AS text[]), CAST(:record_id AS integer[])) "
    "ON CONFLICT (app_key, form_key, rule, value) DO NOTHING")
OWNERS_PG = sa.text(
    "SELECT k.value, k.record_id FROM unnest(CAST(:values AS text[])) AS v(value) "
    "JOIN identity_keys AS k ON k.app_key = :app AND k.form_key = :form AND k.rule = :rule "
    "AND k.value = v.value")
CANDIDATE_LIMIT = 200  # records read per block key: a bound on the work of one match
REBUILD_BATCH = 2000
ONCE_PER = "once_per."  # the rules a public form's once_per makes: once_per.<field>


def rules_of(plan: FormPlan) -> Rules:
    """The form's enabled match rules, with the match key of each field's type; the public
    form's ``once_per`` fields are exact rules of their own for public submissions."""
    keyers = {f["key"]: partial(plan.types[f["type"]].match_key, fld=f) for f in plan.fields}
    identity = plan.doc.get("identity") or {}
    known = {"match": [r for r in identity.get("match") or ()
                       if all(k in keyers for k in [*r.get("fields", ()), *r.get("fuzzy", ()),
                                                    *r.get("block", ())])],
             "merge": identity.get("merge") or {}}
    rules = compile_rules(known, keyers)
    public = (plan.doc.get("capture") or {}).get("public") or {}
    once = tuple(Rule(key=f"{ONCE_PER}{key}"[:63], fields=(key,), via="public")
                 for key in public.get("once_per") or () if key in keyers)
    return replace(rules, rules=rules.rules + once) if once else rules


def stored(value: str) -> str:
    """A key value as the tables keep it: long ones as their SHA-256."""
    if len(value) <= KEY_LENGTH:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


class IdentityStore:
    """Keys and block keys of one form's records."""

    def __init__(self, conn: sa.Connection, app_key: str, form_key: str, rules: Rules):
        self.conn = conn
        self.app_key = app_key
        self.form_key = form_key
        self.rules = rules

    def _form(self, table: sa.Table) -> sa.ColumnElement[bool]:
        return sa.and_(table.c.app_key == self.app_key, table.c.form_key == self.form_key)

    # -- writing -----------------------------------------------------------------------------
    def index(self, records: Iterable[tuple[int, Mapping[str, Any]]], new: bool = False,
              clashes: bool = False) -> list[int]:
        """(Re)write the keys of ``records`` ((id, values) with every field; ``new``: records
        just created, with no keys yet); with ``clashes``, the ids whose key another record
        already holds (they keep theirs: an update never steals a key)."""
        records = list(records)
        if not records or not self.rules:
            return []
        if not new:
            self.forget([rid for rid, _ in records])
        keys, blocks = [], []
        for record_id, values in records:
            for rule, value in self.rules.keys(values):
                row = self._row(rule, value, record_id)
                (blocks if rule.review else keys).append(row)
            blocks += [self._row(rule, value, record_id)
                       for rule, value in self.rules.block_keys(values)]
        if blocks:
            BLOCK_INSERT.run_values(self.conn, blocks)
        return self._insert_keys(keys, clashes)

    def _row(self, rule: Rule, value: str, record_id: int) -> tuple:
        """A key's row, in ``ROW``'s order (a tuple: no mapping per key)."""
        return self.app_key, self.form_key, rule.key, stored(value), record_id

    def _insert_keys(self, rows: list[tuple], clashes: bool) -> list[int]:
        if not rows:
            return []
        first: dict[tuple[str, str], tuple] = {}
        for row in rows:  # one per key: the first (the oldest, when keying again)
            first.setdefault((row[2], row[3]), row)
        unique = list(first.values())
        if self.conn.dialect.name == "postgresql" and len(unique) > 1:
            self.conn.execute(KEY_INSERT_PG, {c: [r[i] for r in unique]
                                              for i, c in enumerate(ROW)})
        else:
            KEY_INSERT.run_values(self.conn, unique)
        if not clashes:
            return []
        held = self.owners([(r[2], r[3]) for r in rows])  # values stored already
        return sorted({r[4] for r in rows if held.get((r[2], r[3])) != r[4]})

    def forget(self, record_ids: Sequence[int]) -> None:
        """Drop the keys of records that are gone (deleted, merged away) or re-keyed."""
        for table in (KEYS, BLOCKS):
            self.conn.execute(sa.delete(table).where(self._form(table),
                                                     table.c.record_id.in_(record_ids)))

    # -- looking up --------------------------------------------------------------------------
    def lock(self, keys: Iterable[tuple[str, str]]) -> None:
        """Serialise the transactions that look at the same keys until they end."""
        if self.conn.dialect.name != "postgresql":
            take_write_lock(self.conn)  # SQLite: one writer at a time from here
            return
        names = sorted({f"{self.app_key}\x1f{self.form_key}\x1f{rule}\x1f{stored(value)}"
                        for rule, value in keys})
        if len(names) == 1:
            self.conn.execute(LOCK_ONE, {"k": names[0]})
        elif names:  # in one statement, in one order (the locks' numbers): no deadlock
            self.conn.execute(LOCK_MANY, {"keys": names})

    def owners(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The record holding each of ``keys`` (rule key, key value), where one does."""
        given = {(rule, stored(value)): (rule, value) for rule, value in keys}
        by_rule: dict[str, list[str]] = {}
        for rule, value in given:
            by_rule.setdefault(rule, []).append(value)
        out = {}
        for rule, values in by_rule.items():  # rule = and value IN: the unique index's order
            if self.conn.dialect.name == "postgresql" and len(values) > 1:
                # the values as one array: a list of parameters made a plan per length, and
                # a generic plan compares each row with every value
                found = self.conn.execute(OWNERS_PG, {"app": self.app_key,
                                                      "form": self.form_key, "rule": rule,
                                                      "values": sorted(values)})
            else:
                found = self.conn.execute(sa.select(KEYS.c.value, KEYS.c.record_id).where(
                    self._form(KEYS), KEYS.c.rule == rule, KEYS.c.value.in_(sorted(values))))
            out.update({given[(rule, r.value)]: r.record_id for r in found})
        return out

    def sharing(self, rule: Rule, value: str, limit: int = CANDIDATE_LIMIT) -> list[int]:
        """Records with block key (or review key) ``value`` under ``rule``."""
        # no ORDER BY: sorting by record would send SQLite to the record index (a scan)
        query = sa.select(BLOCKS.c.record_id).where(
            self._form(BLOCKS), BLOCKS.c.rule == rule.key, BLOCKS.c.value == stored(value)
        ).limit(limit)
        return sorted(r.record_id for r in self.conn.execute(query))

    def holders(self, keys: Iterable[tuple[str, str]], limit: int = CANDIDATE_LIMIT
                ) -> dict[tuple[str, str], list[int]]:
        """``sharing`` for many keys at once (rule key, value): the records with each block
        key (or review key), at most ``limit`` per key; keys no record has are left out."""
        given = {(rule, stored(value)): (rule, value) for rule, value in keys}
        by_rule: dict[str, list[str]] = {}
        for rule, value in given:
            by_rule.setdefault(rule, []).append(value)
        out: dict[tuple[str, str], list[int]] = {}
        for rule, values in by_rule.items():
            where = (self._form(BLOCKS), BLOCKS.c.rule == rule)
            if len(values) == 1:  # the plain lookup, as one arrival makes it
                query = sa.select(BLOCKS.c.value, BLOCKS.c.record_id).where(
                    *where, BLOCKS.c.value == values[0]).limit(limit)
            else:  # no more than ``limit`` per value, in one statement
                number = sa.func.row_number().over(partition_by=BLOCKS.c.value).label("n")
                inner = sa.select(BLOCKS.c.value, BLOCKS.c.record_id, number).where(
                    *where, BLOCKS.c.value.in_(sorted(values))).subquery()
                query = sa.select(inner.c.value, inner.c.record_id).where(inner.c.n <= limit)
            for value, record_id in self.conn.execute(query):
                out.setdefault(given[(rule, value)], []).append(record_id)
        return {k: sorted(v) for k, v in out.items()}

    # -- rebuilding --------------------------------------------------------------------------
    def rebuild(self, table: sa.Table, read: Any) -> int:
        """Key every live record again (after the rules changed); no migration needed.
        ``read(rows)`` gives each row's values by field. Returns the records that could not
        take a key another holds (duplicates the find-duplicates job resolves)."""
        for t in (KEYS, BLOCKS):
            self.conn.execute(sa.delete(t).where(self._form(t)))
        if not self.rules:
            return 0
        clashes, after = 0, 0
        while True:
            rows = self.conn.execute(
                sa.select(table).where(table.c.deleted_at.is_(None), table.c.id > after)
                .order_by(table.c.id).limit(REBUILD_BATCH)).mappings().all()
            if not rows:
                return clashes
            clashes += len(self.index(read(rows), new=True, clashes=True))  # forgotten above
            after = rows[-1]["id"]
