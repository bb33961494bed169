"""Identity resolution of submitted records: each payload either creates a record, or merges
into the stored records it matches (all of them, transitively), or creates one and queues the
pairs a review rule flagged.

A batch is worked as if its payloads came one at a time, in order, but with a statement per
step for many payloads rather than one per payload. Payloads are cleaned once; payloads that
share a key, or a stored record they match, are kept in their order in successive waves
(``groups.waves``), so one wave holds no two payloads that could touch the same record, and
each wave is matched, created and merged in one go: one key lookup per rule, one insert of the
new records, one update of the records merged into. A batch that carries the same person
twice creates one record. Looking up and writing happen under the store's locks: two
transactions submitting the same person are serialised, and the unique keys catch the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.arrivals import Touch
from runtime.identity.candidates import queue_pairs
from runtime.identity.groups import waves
from runtime.identity.merging import Arrival, Merger
from runtime.identity.store import ONCE_PER, IdentityStore, rules_of
from runtime.storage.records import Records

Key = tuple[str, str]  # (rule key, key value)


@dataclass
class Match:
    """What a payload matched: records to merge with (and by which rule), pairs to review."""

    merge: set[int] = field(default_factory=set)
    rule: str | None = None
    review: list[tuple[int, str, float]] = field(default_factory=list)  # (id, rule, score)


@dataclass
class Pending:
    """A payload that passed the checks, on its way to a record."""

    index: int
    payload: Any
    values: dict
    owner: int | None
    arrival: Touch
    exact: list[Key]  # keys of merging rules
    shared: list[Key]  # keys of review rules and block keys: looked up among others' keys


class Resolver:
    """Resolves payloads against one form's stored records (``records``' form)."""

    def __init__(self, records: Records):
        self.records = records
        everything = rules_of(records.plan)
        self.rules = everything.through(records.via)  # what arrivals of this channel match
        self.by_key = {r.key: r for r in self.rules.rules}
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
        checked, loaded = self.records.checked(payloads)
        results: list[dict] = [r for r in checked if "errors" in r]
        pending = {i: self._pending(i, payloads[i], values, owner, arrivals[i])
                   for i, values, owner in loaded}
        self.store.lock([k for p in pending.values() for k in p.exact])
        owners, holders = self._lookup(pending.values())
        touched = [(p.index, [*p.exact, *p.shared,
                              *(("record", owners[k]) for k in p.exact if k in owners),
                              *(("record", r) for k in p.shared for r in holders.get(k, ()))])
                   for p in pending.values()]
        for n, wave in enumerate(waves(touched)):
            work = [pending[i] for i in wave]
            if n > 0:  # what the waves before wrote is in the store now
                owners, holders = self._lookup(work)
            results += self._wave(work, owners, holders)
        return sorted(results, key=lambda r: r["index"])

    def _pending(self, index: int, payload: Any, values: dict, owner: int | None,
                 arrival: Touch | None) -> Pending:
        exact, shared = [], []
        for rule, value in self.rules.keys(values):
            (shared if rule.review else exact).append((rule.key, value))
        shared += [(r.key, v) for r, v in self.rules.block_keys(values)]
        return Pending(index, payload, values, owner, arrival or Touch(self.records.via),
                       exact, shared)

    def _lookup(self, work: Sequence[Pending] | Any
                ) -> tuple[dict[Key, int], dict[Key, list[int]]]:
        """The stored owners of the exact keys of ``work``, and the stored records sharing
        its other keys: a statement per rule."""
        work = list(work)
        owners = self.store.owners([k for p in work for k in p.exact])
        shared = [k for p in work for k in p.shared]
        return owners, (self.store.holders(shared) if shared else {})

    def _wave(self, work: Sequence[Pending], owners: Mapping[Key, int],
              holders: Mapping[Key, list[int]]) -> list[dict]:
        """Match and write payloads that share nothing with each other."""
        matches = self._match(work, owners, holders)
        new = [(p, m) for p, m in zip(work, matches, strict=True) if not m.merge]
        into_one = [(p, m) for p, m in zip(work, matches, strict=True) if len(m.merge) == 1]
        several = [(p, m) for p, m in zip(work, matches, strict=True) if len(m.merge) > 1]
        results = []
        made = self.records.create_checked([(p.index, p.values, p.owner) for p, _ in new],
                                           [p.arrival for p, _ in new])
        for (_p, match), result in zip(new, made, strict=True):
            queue_pairs(self.records, result["record"]["id"], match.review, set())
            results.append({**result, "outcome": "created"})
        merge_ids = self.merger.merge_into([
            Arrival(next(iter(m.merge)), self._given(p), m.rule, p.arrival,
                    self._policy(m.rule)) for p, m in into_one])
        merged = [(p, m, next(iter(m.merge)), merge_id)
                  for (p, m), merge_id in zip(into_one, merge_ids, strict=True)]
        for p, m in several:  # a payload joining records: one at a time
            survivor, merge_id = self.merger.merge(sorted(m.merge), self._given(p), m.rule,
                                                   p.arrival, self._policy(m.rule))
            merged.append((p, m, survivor, merge_id))
        answers = self._answers([survivor for _p, _m, survivor, _id in merged])
        for p, m, survivor, merge_id in merged:
            queue_pairs(self.records, survivor, m.review, m.merge)
            results.append({"index": p.index, "outcome": "merged", "record": answers[survivor],
                            "merged": sorted(m.merge - {survivor}), "merge": merge_id})
        return results

    @staticmethod
    def _given(pending: Pending) -> dict:
        """The values the payload carried (a merge takes only those from it)."""
        payload = pending.payload
        return {k: v for k, v in pending.values.items() if isinstance(payload, dict)
                and k in payload}

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
        pending = self._pending(0, None, dict(values), None, None)
        return self._match([pending], *self._lookup([pending]))[0]

    def _match(self, work: Sequence[Pending], owners: Mapping[Key, int],
               holders: Mapping[Key, list[int]]) -> list[Match]:
        """What each of ``work`` matches, given the owners of its exact keys and the holders
        of its other keys (the candidates of fuzzy rules read in one statement)."""
        wanted = {r for p in work for k in p.shared if not self.by_key[k[0]].exact
                  for r in holders.get(k, ())}
        stored = self.merger.values(self.merger.live_rows(sorted(wanted), lock=False)) \
            if wanted else {}
        out = []
        for p in work:
            found = Match()
            for key in p.exact:
                if key in owners:
                    found.merge.add(owners[key])
                    found.rule = found.rule or key[0]
            for key in p.shared:
                rule = self.by_key[key[0]]
                if rule.exact:  # a review rule's exact key
                    found.review += [(rid, rule.key, 1.0) for rid in holders.get(key, ())]
                    continue
                for rid in holders.get(key, ()):
                    if rid in found.merge or rid not in stored:
                        continue
                    score = self.rules.score(rule, p.values, stored[rid])
                    if score is None:
                        continue
                    if rule.review:
                        found.review.append((rid, rule.key, score))
                    else:
                        found.merge.add(rid)
                        found.rule = found.rule or rule.key
            out.append(found)
        return out

    def _answers(self, survivors: Sequence[int]) -> dict[int, dict]:
        """Each survivor as the submitter may read it (its id alone if they may not)."""
        if not survivors:
            return {}
        readable = {r["id"]: r for r in self.records.to_json(
            self.records.readable_rows(set(survivors)))}
        return {s: readable.get(s, {"id": s}) for s in survivors}
