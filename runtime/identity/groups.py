"""Transitive grouping: records linked by any matching pair are one person (a contact known by
phone and another known by e-mail become one when a third carries both)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence


def groups(pairs: Iterable[tuple[Hashable, Hashable]]) -> list[set]:
    """The connected groups of ``pairs`` (union-find), each a set of two or more members,
    ordered by their smallest member."""
    parent: dict = {}

    def root(x: Hashable) -> Hashable:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    out: dict = {}
    for x in parent:
        out.setdefault(root(x), set()).add(x)
    return [out[k] for k in sorted(out)]


def waves(items: Sequence[tuple[Hashable, Iterable[Hashable]]]) -> list[list[Hashable]]:
    """Items (id, the things it touches: keys, records) in waves that can each be worked in
    one go: items that share something, directly or through others, are kept in their order
    in successive waves (the first of each such set in the first wave, the second in the
    second, ...); items of one wave share nothing."""
    parent: dict = {}

    def root(x: Hashable) -> Hashable:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for item, touched in items:
        mine = root(("item", item))
        for thing in touched:
            other = root(("thing", thing))
            if other != mine:
                parent[other] = mine
    out: list[list[Hashable]] = []
    depth: dict = {}  # a set's root -> how many of its items are placed
    for item, _touched in items:
        top = root(("item", item))
        n = depth.get(top, 0)
        depth[top] = n + 1
        if n == len(out):
            out.append([])
        out[n].append(item)
    return out
