"""Identity resolution of submitted records: each payload either creates a record, or merges
into the stored records it matches (all of them, transitively), or creates one and queues the
pairs a review rule flagged.

Payloads that match nothing stored and nothing earlier in the batch are created together in
one batch; the others are resolved one at a time, in order, so a batch that carries the same
person twice creates one record. Looking up and writing happen under the store's locks: two
transactions submitting the same person are serialised, and the unique keys catch the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.arrivals import Touch
from runtime.identity.candidates import queue_pairs
from runtime.identity.merging import Merger
from runtime.identity.store import ONCE_PER, IdentityStore, rules_of
from runtime.storage.records import Records


@dataclass
class Match:
    """What a payload matched: records to merge with (and by which rule), pairs to review."""

    merge: set[int] = field(default_factory=set)
    rule: str | None = None
    review: list[tuple[int, str, float]] = field(default_factory=list)  # (id, rule, score)


class Resolver:
    """Resolves payloads against one form's stored records (``records``' form)."""

    def __init__(self, records: Records):
        self.records = records
        everything = rules_of(records.plan)
        self.rules = everything.through(records.via)  # what arrivals of this channel match
        self.store = IdentityStore(records.conn, records.plan.app_key, records.plan.form_key,
                                   everything)
        self.merger = Merger(records, self.store)

    def resolve(self, payloads: Sequence[Any], arrivals: Sequence[Touch | None]
                ) -> list[dict]:
        """Per payload ``{"index", "record", "outcome": created|merged, "merged", "merge"}``
        or ``{"index", "errors"}``, in order."""
        if not self.rules:
            return [{**r, "outcome": "created"} if "record" in r else r
                    for r in self.records.bulk_create(payloads, arrivals=arrivals)]
        checked = self.records.check_new(payloads)
        keys = {r["index"]: self._keys(r["values"]) for r in checked if "values" in r}
        self.store.lock([k for ks in keys.values() for k in ks[0]])
        fresh = self._fresh(keys)
        results: list[dict] = [r for r in checked if "errors" in r]
        if fresh:
            made = self.records.bulk_create([payloads[i] for i in fresh],
                                            arrivals=[arrivals[i] for i in fresh])
            results += [{**r, "index": fresh[r["index"]], "outcome": "created"} for r in made]
        for i in sorted(set(keys) - set(fresh)):
            values = next(r["values"] for r in checked if r["index"] == i)
            results.append(self._one(i, payloads[i], values, arrivals[i]))
        return sorted(results, key=lambda r: r["index"])

    def _keys(self, values: Mapping) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(exact keys, block keys) of ``values`` as (rule key, value) pairs."""
        return ([(r.key, v) for r, v in self.rules.keys(values)],
                [(r.key, v) for r, v in self.rules.block_keys(values)])

    def _fresh(self, keys: Mapping[int, tuple[list, list]]) -> list[int]:
        """The payloads that match nothing stored and share no key with an earlier one."""
        owners = self.store.owners([k for exact, _ in keys.values() for k in exact])
        by_key = {r.key: r for r in self.rules.rules}
        seen: set[tuple[str, str]] = set()
        fresh = []
        for i in sorted(keys):
            exact, blocks = keys[i]
            mine = set(exact) | set(blocks)
            shared = [k for k in exact if by_key[k[0]].review] + blocks
            if mine.isdisjoint(seen) and not any(k in owners for k in exact) and \
                    not any(self.store.sharing(by_key[r], v, 1) for r, v in shared):
                fresh.append(i)
            seen |= mine
        return fresh

    def _one(self, index: int, payload: Any, values: Mapping, arrival: Touch | None) -> dict:
        match = self.match(values)
        if match.merge:
            given = {k: v for k, v in values.items() if isinstance(payload, dict)
                     and k in payload}
            survivor, merge_id = self.merger.merge(sorted(match.merge), given, match.rule,
                                                   arrival or Touch(self.records.via),
                                                   self._policy(match.rule))
            queue_pairs(self.records, survivor, match.review, match.merge)
            return {"index": index, "outcome": "merged", "record": self._answer(survivor),
                    "merged": sorted(match.merge - {survivor}), "merge": merge_id}
        [made] = self.records.bulk_create([payload], arrivals=[arrival])
        if "record" in made:
            queue_pairs(self.records, made["record"]["id"], match.review, set())
            return {**made, "index": index, "outcome": "created"}
        return {**made, "index": index}

    def _policy(self, rule: str | None) -> Callable[[str], str] | None:
        """A public form's ``once_per`` updates the record with what was submitted again
        (the newest non-blank value) unless the form's merge policy says otherwise."""
        identity = self.records.plan.doc.get("identity") or {}
        if rule is None or not rule.startswith(ONCE_PER) or \
                "default" in (identity.get("merge") or {}):
            return None
        return lambda key: self.rules.policies.get(key, "non_blank")

    def match(self, values: Mapping) -> Match:
        """The stored records ``values`` matches under each rule."""
        found = Match()
        exact = self.rules.keys(values)
        owners = self.store.owners([(r.key, v) for r, v in exact if not r.review])
        for rule, value in exact:
            if rule.review:
                found.review += [(rid, rule.key, 1.0) for rid in self.store.sharing(rule, value)]
            elif (rule.key, value) in owners:
                found.merge.add(owners[(rule.key, value)])
                found.rule = found.rule or rule.key
        for rule, value in self.rules.block_keys(values):
            ids = [i for i in self.store.sharing(rule, value) if i not in found.merge]
            stored = self.merger.values(self.merger.live_rows(ids, lock=False)) if ids else {}
            for rid, other in stored.items():
                score = self.rules.score(rule, values, other)
                if score is None:
                    continue
                if rule.review:
                    found.review.append((rid, rule.key, score))
                else:
                    found.merge.add(rid)
                    found.rule = found.rule or rule.key
        return found

    def _answer(self, survivor: int) -> dict:
        """The survivor as the submitter may read it (its id alone if they may not)."""
        if not self.records.may("read", survivor):
            return {"id": survivor}
        return self.records.get(survivor)

