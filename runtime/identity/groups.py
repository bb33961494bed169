"""Transitive grouping: records linked by any matching pair are one person (a lead known by
phone and another known by e-mail become one when a third carries both)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable


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
