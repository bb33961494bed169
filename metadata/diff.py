"""Structural diff of two documents; lists of keyed objects (fields, choices) match by key,
a workflow's edges by where they go (from, to and outcome)."""

from __future__ import annotations

from typing import Any

from metadata.errors import pointer


def _keyed(items: list) -> dict | None:
    """Index a list of objects by their 'key' (or 'value' for choices) when all have one."""
    for ident in ("key", "value"):
        if items and all(isinstance(i, dict) and ident in i for i in items):
            keys = [i[ident] for i in items]
            if len(set(map(repr, keys))) == len(keys):
                return {repr(k): (n, i) for n, (k, i) in enumerate(zip(keys, items, strict=True))}
    if items and all(isinstance(i, dict) and "from" in i and "to" in i for i in items):
        keys = [(i["from"], i["to"], i.get("on")) for i in items]
        if len(set(keys)) == len(keys):
            return {repr(k): (n, i) for n, (k, i) in enumerate(zip(keys, items, strict=True))}
    return None


def diff(old: Any, new: Any, path: tuple = ()) -> list[dict]:
    """Changes turning ``old`` into ``new``: ``{"op": added|removed|changed|moved, path, ...}``."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[dict] = []
        for k in old.keys() | new.keys():
            if k not in new:
                out.append({"op": "removed", "path": pointer(*path, k), "old": old[k]})
            elif k not in old:
                out.append({"op": "added", "path": pointer(*path, k), "new": new[k]})
            else:
                out += diff(old[k], new[k], (*path, k))
        return sorted(out, key=lambda c: c["path"])
    if isinstance(old, list) and isinstance(new, list):
        a, b = _keyed(old), _keyed(new)
        if a is not None and b is not None:
            return _diff_keyed(a, b, path)
    return [{"op": "changed", "path": pointer(*path), "old": old, "new": new}]


def _diff_keyed(a: dict, b: dict, path: tuple) -> list[dict]:
    out: list[dict] = []
    for k, (i, item) in a.items():
        if k not in b:
            out.append({"op": "removed", "path": pointer(*path, i), "old": item})
    for k, (j, item) in b.items():
        if k not in a:
            out.append({"op": "added", "path": pointer(*path, j), "new": item})
            continue
        i, before = a[k]
        if i != j:
            out.append({"op": "moved", "path": pointer(*path, j), "from": pointer(*path, i)})
        out += diff(before, item, (*path, j))
    return out
