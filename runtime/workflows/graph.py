"""A workflow version as a graph: its nodes by key with their types, edges by source, the
counts joins wait for; and the structural checks at save (exactly one trigger, every node
reachable, every path ends, joins match splits, no cycle without a wait), with paths."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from metadata.errors import Problem
from metadata.messages import msg, quoted
from metadata.registry import Registry
from runtime.workflows.nodes.base import NEXT, NodeType

Fn = Callable[[Mapping], Any]


@dataclass(frozen=True)
class Edge:
    index: int
    source: str
    target: str
    on: str
    when: Fn | None = None
    default: bool = False


@dataclass
class Graph:
    """A published workflow version compiled once: what the runner walks."""

    key: str
    version: int
    form: str
    doc: Mapping[str, Any]
    nodes: dict[str, Mapping[str, Any]]
    types: dict[str, NodeType]
    out: dict[str, list[Edge]]
    incoming: dict[str, int]
    trigger: str
    formulas: dict[str, dict[str, Fn]] = field(default_factory=dict)  # node -> name -> fn
    exits: tuple[Fn, ...] = ()

    @property
    def multiple(self) -> bool:
        return bool(self.doc.get("multiple"))

    def targets(self, key: str, follow: tuple[str, ...], record: Mapping) -> list[str]:
        """Where a token leaving ``key`` by ``follow`` goes: every matching edge whose
        condition holds; for an exclusive node the first such edge, else its default."""
        edges = [e for e in self.out.get(key, []) if e.on in follow]
        if self.types[key].exclusive:
            chosen = next((e for e in edges if not e.default and e.when is not None
                           and e.when(record)), None)
            chosen = chosen or next((e for e in edges if e.default), None)
            return [chosen.target] if chosen else []
        return [e.target for e in edges if e.when is None or e.when(record)]


def edge_on(edge: Mapping, source_type: NodeType | None) -> str:
    """The outcome an edge takes: its ``on``, else the node's first (main) outcome."""
    outcomes = source_type.outcomes if source_type is not None else ()
    return edge.get("on") or (outcomes[0] if outcomes else NEXT)


def build_graph(doc: Mapping, version: int, types: Registry[NodeType],
                formulas: Mapping[str, Fn]) -> Graph:
    """The graph of a checked workflow; ``formulas`` are its compiled formulas by pointer."""
    nodes = {n["key"]: n for n in doc.get("nodes", [])}
    kinds = {k: types[n["type"]] for k, n in nodes.items()}
    out: dict[str, list[Edge]] = {k: [] for k in nodes}
    incoming = dict.fromkeys(nodes, 0)
    for i, e in enumerate(doc.get("edges", [])):
        out[e["from"]].append(Edge(i, e["from"], e["to"], edge_on(e, kinds[e["from"]]),
                                   formulas.get(f"/edges/{i}/when"), bool(e.get("default"))))
        incoming[e["to"]] += 1
    by_node: dict[str, dict[str, Fn]] = {k: {} for k in nodes}
    for i, n in enumerate(doc.get("nodes", [])):
        prefix = f"/nodes/{i}/config/"
        by_node[n["key"]] = {p[len(prefix):]: fn for p, fn in formulas.items()
                             if p.startswith(prefix)}
    trigger = next(k for k, t in kinds.items() if t.trigger)
    exits = tuple(formulas[f"/exit/{i}/when"] for i, _x in enumerate(doc.get("exit") or [])
                  if f"/exit/{i}/when" in formulas)
    return Graph(doc["key"], version, doc["form"], doc, nodes, kinds, out, incoming, trigger,
                 by_node, exits)


def graph_problems(doc: Mapping, types: Registry[NodeType]) -> list[Problem]:
    """The structural problems of a workflow's graph, each at its node or edge."""
    nodes = doc.get("nodes") or []
    index = {n.get("key"): i for i, n in enumerate(nodes)}
    kinds = {n.get("key"): types.get(n.get("type")) for n in nodes}
    problems = _edge_problems(doc.get("edges") or [], index, kinds)
    if problems:
        return problems
    triggers = [k for k, t in kinds.items() if t is not None and t.trigger]
    if len(triggers) != 1:
        return [Problem("/nodes", msg("a workflow has exactly one trigger node (it has "
                                      "%(n)s)", n=len(triggers)))]
    out: dict[str, list[str]] = {k: [] for k in index}
    into: dict[str, list[str]] = {k: [] for k in index}
    for e in doc.get("edges") or []:
        out[e["from"]].append(e["to"])
        into[e["to"]].append(e["from"])
    problems += _shape_problems(doc, index, kinds, out, into, triggers[0])
    problems += _join_problems(index, kinds, out, into)
    problems += _cycle_problems(index, kinds, out)
    return problems


def _edge_problems(edges: list, index: Mapping, kinds: Mapping) -> list[Problem]:
    problems = []
    for i, e in enumerate(edges):
        for end in ("from", "to"):
            if e.get(end) not in index:
                problems.append(Problem(f"/edges/{i}/{end}", msg(
                    "%(key)s is not a node of this workflow", key=quoted(e.get(end)))))
        source = kinds.get(e.get("from"))
        if source is not None and e.get("on") and e["on"] not in source.outcomes:
            problems.append(Problem(f"/edges/{i}/on", msg(
                "a %(type)s node has no outcome %(on)s (it has: %(all)s)", type=source.type,
                on=quoted(e["on"]), all=", ".join(source.outcomes) or "-")))
        if source is not None and e.get("default") and not source.exclusive:
            problems.append(Problem(f"/edges/{i}/default", msg(
                "only an edge leaving a condition node is a default")))
    return problems


def _shape_problems(doc, index, kinds, out, into, trigger) -> list[Problem]:
    problems = []
    if into[trigger]:
        problems.append(Problem(f"/nodes/{index[trigger]}", msg("no edge may go into the "
                                                                "trigger")))
    seen = _reach(trigger, out)
    ends = {k for k, t in kinds.items() if t is not None and t.ends}
    finishing = set().union(*(_reach(k, into) for k in ends)) if ends else set()
    for key, i in index.items():
        kind = kinds[key]
        if kind is None:
            continue
        if key not in seen:
            problems.append(Problem(f"/nodes/{i}", msg(
                "node %(key)s cannot be reached from the trigger", key=quoted(key))))
        elif kind.ends and out[key]:
            problems.append(Problem(f"/nodes/{i}", msg("no edge leaves an end node")))
        elif not kind.ends and not out[key]:
            problems.append(Problem(f"/nodes/{i}", msg(
                "no edge leaves node %(key)s: connect it on to an end node", key=quoted(key))))
        elif key not in finishing:
            problems.append(Problem(f"/nodes/{i}", msg(
                "no path from node %(key)s reaches an end node", key=quoted(key))))
        problems += _outcome_problems(doc, key, i, kind)
    return problems


def _outcome_problems(doc, key, i, kind) -> list[Problem]:
    edges = [e for e in doc.get("edges") or [] if e.get("from") == key]
    problems = []
    if kind.exclusive:
        if sum(1 for e in edges if e.get("default")) > 1:
            problems.append(Problem(f"/nodes/{i}", msg("a condition has one default edge")))
        for j, e in enumerate(doc.get("edges") or []):
            if e.get("from") == key and not e.get("default") and not e.get("when"):
                problems.append(Problem(f"/edges/{j}/when", msg(
                    "an edge leaving a condition needs a condition or the default flag")))
    elif len(kind.outcomes) > 1:
        named = {edge_on(e, kind) for e in edges}
        for outcome in kind.required_outcomes(doc["nodes"][i]):
            if outcome not in named:
                problems.append(Problem(f"/nodes/{i}", msg(
                    "no edge takes the %(on)s outcome of node %(key)s", on=quoted(outcome),
                    key=quoted(key))))
    return problems


def _reach(start: str, links: Mapping[str, list[str]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in links[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _join_problems(index, kinds, out, into) -> list[Problem]:
    """Each join closes one split: every branch into it goes back to the same split, which
    opens as many branches as the join waits for."""
    problems = []
    for key, kind in kinds.items():
        if kind is None or not (kind.joins or kind.splits):
            continue
        at = f"/nodes/{index[key]}"
        if kind.splits and len(out[key]) < 2:
            problems.append(Problem(at, msg("a parallel split opens two branches or more")))
        if not kind.joins:
            continue
        if len(into[key]) < 2:
            problems.append(Problem(at, msg("a join waits for two branches or more")))
            continue
        splits = [_splits_behind(src, into, kinds) for src in into[key]]
        common = set.intersection(*splits)
        match = [s for s in common if len(out[s]) == len(into[key])]
        if not match:
            problems.append(Problem(at, msg(
                "join %(key)s does not match a parallel split: its %(n)s branches must come "
                "from one split of %(n)s branches", key=quoted(key), n=len(into[key]))))
    return problems


def _splits_behind(start: str, into, kinds) -> set[str]:
    found, seen, todo = set(), {start}, [start]
    while todo:
        key = todo.pop()
        if kinds[key] is not None and kinds[key].splits:
            found.add(key)
            continue
        for prev in into[key]:
            if prev not in seen:
                seen.add(prev)
                todo.append(prev)
    return found


def _cycle_problems(index, kinds, out) -> list[Problem]:
    """A cycle whose every node goes on at once would run for ever."""
    quick = {k for k, t in kinds.items() if t is not None and not t.waits}
    state: dict[str, int] = {}
    problems = []

    def visit(key: str, path: list[str]) -> None:
        state[key] = 1
        for nxt in out[key]:
            if nxt not in quick:
                continue
            if state.get(nxt) == 1:
                loop = path[path.index(nxt):] if nxt in path else [nxt]
                problems.append(Problem(f"/nodes/{index[nxt]}", msg(
                    "the cycle %(cycle)s has no wait, approval or task: it would never stop",
                    cycle=" → ".join([*loop, nxt]))))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[key] = 2

    for key in index:
        if key in quick and key not in state:
            visit(key, [key])
    return problems
