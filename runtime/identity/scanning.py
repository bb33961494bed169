"""Finding the duplicates among a form's stored records, a batch of records at a time.

Each record is matched against the others under the form's rules: the holder of each of its
exact keys (merging rules), and the records sharing its review keys and fuzzy block keys that
are older than it — so each pair is considered once, from its newer record. What it matches by
a merging rule is merged into the oldest (``Merger``: the path online resolution takes, with
merge history); what a review rule flags is queued for review, unless the pair was decided
before. A pair a person kept apart ("not the same") is never merged by a scan either.

The lookups are batched: one query per rule for the whole batch, and one read of every
candidate's values. Records merged away by the scan are followed to their survivor, so a
later record of the batch that matched them is compared with (and merged into) the survivor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from runtime.identity.candidates import CANDIDATES, queue_pairs
from runtime.identity.merging import Merger
from runtime.identity.resolver import Match
from runtime.identity.rules import Rule
from runtime.identity.store import BLOCKS, CANDIDATE_LIMIT, IdentityStore, stored
from runtime.storage.records import Records

SCAN_VIA = "scan"  # what the merge history says made a scan's merges


@dataclass
class BatchOutcome:
    merged: int = 0  # records merged away
    queued: int = 0  # pairs newly queued for review


class BatchMatcher:
    """Matches and resolves batches of one form's stored records (``records``' form)."""

    def __init__(self, records: Records, store: IdentityStore):
        self.records = records
        self.store = store
        self.rules = store.rules.through(SCAN_VIA)  # the rules of every channel
        self.by_key = {r.key: r for r in self.rules.rules}
        self.merger = Merger(records, store)
        self.moved: dict[int, int] = {}  # merged away by this matcher -> its survivor
        self._values: dict[int, dict] = {}

    def run(self, rows: Sequence[Mapping]) -> BatchOutcome:
        """Match and resolve each of ``rows`` (live records, oldest first)."""
        outcome = BatchOutcome()
        if not rows or not self.rules:
            return outcome
        values = self.merger.values(rows)
        self._values = dict(values)
        exact = {rid: self.rules.keys(v) for rid, v in values.items()}
        blocks = {rid: self.rules.block_keys(v) for rid, v in values.items()}
        owners = self.store.owners([(r.key, v) for ks in exact.values() for r, v in ks
                                    if not r.review])
        shared = self._sharing([(r, v) for ks in exact.values() for r, v in ks if r.review] +
                               [kv for ks in blocks.values() for kv in ks])
        apart = self._kept_apart(list(values))
        self._load({o for ks in blocks.values() for r, v in ks
                    for o in shared.get((r.key, v), ())} - set(values))
        for row in rows:
            rid = row["id"]
            if rid in self.moved:
                continue
            match = self._match(rid, exact[rid], blocks[rid], owners, shared, apart)
            self._resolve(rid, match, outcome)
        return outcome

    # -- looking up, for the whole batch -----------------------------------------------------
    def _sharing(self, keys: Iterable[tuple[Rule, str]]) -> dict[tuple[str, str], list[int]]:
        """The oldest records (at most CANDIDATE_LIMIT) holding each review or block key."""
        by_rule: dict[str, dict[str, str]] = {}
        for rule, value in keys:
            by_rule.setdefault(rule.key, {})[stored(value)] = value
        out: dict[tuple[str, str], list[int]] = {}
        for rule, values in by_rule.items():
            ranked = sa.select(BLOCKS.c.value, BLOCKS.c.record_id, sa.func.row_number().over(
                partition_by=BLOCKS.c.value, order_by=BLOCKS.c.record_id).label("n")).where(
                self.store._form(BLOCKS), BLOCKS.c.rule == rule,
                BLOCKS.c.value.in_(sorted(values))).subquery()
            query = sa.select(ranked.c.value, ranked.c.record_id).where(
                ranked.c.n <= CANDIDATE_LIMIT)
            for value, record_id in self.records.conn.execute(query):
                out.setdefault((rule, values[value]), []).append(record_id)
        return out

    def _kept_apart(self, ids: list[int]) -> set[tuple[int, int]]:
        """Pairs involving ``ids`` that a person decided are not the same."""
        plan = self.records.plan
        query = sa.select(CANDIDATES.c.record_a, CANDIDATES.c.record_b).where(
            CANDIDATES.c.app_key == plan.app_key, CANDIDATES.c.form_key == plan.form_key,
            CANDIDATES.c.status == "distinct",
            sa.or_(CANDIDATES.c.record_a.in_(ids), CANDIDATES.c.record_b.in_(ids)))
        return {(a, b) for a, b in self.records.conn.execute(query)}

    def _load(self, ids: Iterable[int]) -> None:
        """Read the values of candidates not read yet (the live ones)."""
        wanted = sorted(set(ids) - set(self._values))
        if wanted:
            self._values.update(self.merger.values(self.merger.live_rows(wanted, lock=False)))

    def _where(self, record_id: int) -> int:
        """Where a record is now: itself, or the survivor it was merged into by this scan."""
        while record_id in self.moved:
            record_id = self.moved[record_id]
        return record_id

    # -- one record --------------------------------------------------------------------------
    def _match(self, rid: int, exact: list[tuple[Rule, str]], blocks: list[tuple[Rule, str]],
               owners: Mapping, shared: Mapping, apart: set[tuple[int, int]]) -> Match:
        found = Match()

        def allowed(other: int) -> bool:
            return other != rid and (min(rid, other), max(rid, other)) not in apart

        for rule, value in exact:
            if rule.review:
                others = {self._where(o) for o in shared.get((rule.key, value), ()) if o < rid}
                found.review += [(o, rule.key, 1.0) for o in sorted(others) if allowed(o)]
                continue
            owner = owners.get((rule.key, value))
            if owner is not None and allowed(self._where(owner)):
                found.merge.add(self._where(owner))
                found.rule = found.rule or rule.key
        for rule, value in blocks:
            for other in shared.get((rule.key, value), ()):
                other = self._where(other)
                if other >= rid or other in found.merge or not allowed(other):
                    continue
                self._load([other])
                stored_values = self._values.get(other)
                score = None if stored_values is None else \
                    self.rules.score(rule, self._values[rid], stored_values)
                if score is None:
                    continue
                if rule.review:
                    found.review.append((other, rule.key, score))
                else:
                    found.merge.add(other)
                    found.rule = found.rule or rule.key
        return found

    def _resolve(self, rid: int, match: Match, outcome: BatchOutcome) -> None:
        if not match.merge:
            outcome.queued += queue_pairs(self.records, rid, match.review)
            return
        ids = sorted(match.merge | {rid})
        live = [r["id"] for r in self.merger.live_rows(ids)]
        if rid not in live or len(live) < 2:  # gone meanwhile (merged or deleted elsewhere)
            return
        survivor, _merge_id = self.merger.merge(live, None, match.rule)
        gone = [i for i in live if i != survivor]
        outcome.merged += len(gone)
        for i in gone:
            self.moved[i] = survivor
            self._values.pop(i, None)
        self._values.pop(survivor, None)  # its values changed: read again when compared
        outcome.queued += queue_pairs(self.records, survivor, match.review, set(live))

