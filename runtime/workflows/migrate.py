"""Moving the running instances of a workflow from one version to another, as an admin asks
with a node mapping (publishing never moves them: they finish on their version otherwise).

Each live token goes to the node the mapping names for its node, or to the node of the same
key when the mapping names none. A token whose node keeps its key and its type stays as it
is, waiting on its timers and tasks; any other is re-entered at its new node (its timers and
open tasks cancelled, the node entered afresh: a wait starts again, an approval asks again).
A node the instances are at that the new version lacks must be mapped: the problem names it,
and nothing moves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import Problem
from metadata.messages import msg, quoted
from runtime.workflows.graph import Graph
from runtime.workflows.store import INSTANCES, LIVE, TOKENS, Rows


@dataclass(frozen=True)
class Migrated:
    instances: int  # moved to the new version
    reentered: int  # tokens entered afresh at their new node
    kept: int  # tokens left waiting where they were


def mapping_problems(source: Graph, target: Graph, mapping: Mapping[str, str],
                     live: set[str]) -> list[Problem]:
    """What is wrong with ``mapping`` from ``source``'s nodes to ``target``'s, given the
    nodes the instances are at."""
    problems = []
    for node, to in sorted(mapping.items()):
        if node not in source.nodes:
            problems.append(Problem(f"/mapping/{node}", msg(
                "%(key)s is not a node of version %(num)s", key=quoted(node),
                num=source.version)))
        elif to not in target.nodes or target.types[to].trigger:
            problems.append(Problem(f"/mapping/{node}", msg(
                "%(key)s is not a node of version %(num)s that an instance can be at",
                key=quoted(to), num=target.version)))
    for node in sorted(live - set(mapping)):
        if node not in target.nodes:
            problems.append(Problem(f"/mapping/{node}", msg(
                "instances are at %(key)s, which version %(num)s does not have: map it to "
                "one of its nodes", key=quoted(node), num=target.version)))
    return problems


def migrate(rows: Rows, app_key: str, source: Graph, target: Graph,
            mapping: Mapping[str, str], instance_ids: list[int] | None = None
            ) -> tuple[list[Problem], Migrated]:
    """Move the running instances of ``source``'s version (those of ``instance_ids`` when
    given) to ``target``'s, in ``rows``' transaction; the problems (nothing moved) or what
    moved."""
    session = rows.session
    query = sa.select(INSTANCES.c.id).where(
        INSTANCES.c.app_key == app_key,
        INSTANCES.c.workflow == source.key, INSTANCES.c.version == source.version,
        INSTANCES.c.status == "running")
    if instance_ids is not None:
        query = query.where(INSTANCES.c.id.in_(instance_ids))
    ids = list(session.scalars(query.order_by(INSTANCES.c.id).with_for_update()))
    tokens = _live_tokens(session, ids)
    problems = mapping_problems(source, target, mapping, {t.node for t in tokens})
    if problems:
        return problems, Migrated(0, 0, 0)
    reentered = kept = 0
    for token in tokens:
        to = mapping.get(token.node, token.node)
        if to == token.node and source.types[to].type == target.types[to].type:
            kept += 1
            continue
        rows.release([token.id])
        rows.set(TOKENS, token.id, node=to, status="active", state={}, updated_at=rows.now)
        rows.owe(token.instance_id, token.id, to, "enter",
                 f"m:{token.id}:{target.version}:{_stamp(rows.now)}")
        reentered += 1
    if ids:
        session.execute(INSTANCES.update().where(INSTANCES.c.id.in_(ids)).values(
            version=target.version, updated_at=rows.now))
    return [], Migrated(len(ids), reentered, kept)


def _live_tokens(session: Session, instance_ids: list[int]) -> list:
    if not instance_ids:
        return []
    return list(session.execute(
        sa.select(TOKENS.c.id, TOKENS.c.instance_id, TOKENS.c.node)
        .where(TOKENS.c.instance_id.in_(instance_ids), TOKENS.c.status.in_(LIVE))
        .order_by(TOKENS.c.id)))


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%f")
