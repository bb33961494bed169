"""The review queue: pairs of records a review rule flagged as maybe the same person.

A pair is kept once (``record_a`` < ``record_b``, unique): a pair decided "not the same"
(``distinct``) stays decided and is never proposed again; a merged pair stays ``merged``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from runtime.identity.models import IdentityCandidate
from runtime.storage.records import Records

CANDIDATES = IdentityCandidate.__table__


def queue_pairs(records: Records, record_id: int, flagged: Sequence[tuple[int, str, float]],
                exclude: Iterable[int] = ()) -> int:
    """Queue (record_id, other) for each flagged ``(other, rule, score)``, the best score per
    pair; pairs seen before (open or decided) are left as they are. Returns the new ones."""
    skip = {record_id, *exclude}
    best: dict[int, tuple[str, float]] = {}
    for other, rule, score in flagged:
        if other not in skip and score > best.get(other, ("", -1.0))[1]:
            best[other] = (rule, score)
    if not best:
        return 0
    plan = records.plan
    rows = [{"app_key": plan.app_key, "form_key": plan.form_key,
             "record_a": min(record_id, other), "record_b": max(record_id, other),
             "rule": rule, "score": score, "status": "open", "created_at": records.now}
            for other, (rule, score) in sorted(best.items())]
    dialect = postgresql if records.conn.dialect.name == "postgresql" else sqlite
    # counted by what comes back: an executemany's rowcount is -1 on PostgreSQL
    done = records.conn.execute(dialect.insert(CANDIDATES).on_conflict_do_nothing(
        index_elements=["app_key", "form_key", "record_a", "record_b"])
        .returning(CANDIDATES.c.id), rows)
    return len(done.all())


def open_pairs(records: Records, limit: int = 100) -> list[dict[str, Any]]:
    """The open pairs, best score first."""
    plan = records.plan
    query = (sa.select(CANDIDATES).where(CANDIDATES.c.app_key == plan.app_key,
                                         CANDIDATES.c.form_key == plan.form_key,
                                         CANDIDATES.c.status == "open")
             .order_by(CANDIDATES.c.score.desc(), CANDIDATES.c.id).limit(limit))
    return [dict(r) for r in records.conn.execute(query).mappings()]


def decide(records: Records, pair_id: int, status: str, merge_id: int | None = None) -> bool:
    """Mark an open pair ``distinct`` or ``merged``; False if it is not open."""
    plan = records.plan
    done = records.conn.execute(sa.update(CANDIDATES).where(
        CANDIDATES.c.id == pair_id, CANDIDATES.c.app_key == plan.app_key,
        CANDIDATES.c.form_key == plan.form_key, CANDIDATES.c.status == "open").values(
        status=status, decided_at=records.now, decided_by=records.principal.user_id,
        merge_id=merge_id))
    return done.rowcount == 1
