"""The tables of identity resolution: keys and block keys of records, candidate pairs for
review, merges (with what undoing them needs) and the tombstones of merged-away records.

- ``identity_keys``: one row per (form, exact merging rule, key value), UNIQUE: the database
  itself refuses a second live record with the same phone, say, under a merging rule;
- ``identity_blocks``: the block keys of fuzzy rules and the keys of exact rules that only
  queue for review (many records may share them), indexed for candidate lookup;
- ``identity_candidates``: pairs a review rule flagged (``open``), and what was decided
  (``merged``, ``distinct`` — "not the same", never proposed again — or ``gone``);
- ``identity_merges``: every merge, with a snapshot of the records, touches and links before;
- ``identity_tombstones``: a merged-away record's pointer to its survivor.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata.orm import Base, JSONValue

KEY_LENGTH = 255  # longer key values are kept as their SHA-256 (see runtime.identity.store)
CANDIDATE_STATUSES = ("open", "merged", "distinct", "gone")


class IdentityKey(Base):
    """A record's key under an exact rule that merges: one live record per key."""

    __tablename__ = "identity_keys"
    __table_args__ = (
        sa.UniqueConstraint("app_key", "form_key", "rule", "value", name="uq_identity_keys"),
        sa.Index("ix_identity_keys_record", "app_key", "form_key", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    rule: Mapped[str] = mapped_column(sa.String(63))
    value: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    record_id: Mapped[int]


class IdentityBlock(Base):
    """A record's block key under a fuzzy rule (or key under an exact review rule)."""

    __tablename__ = "identity_blocks"
    __table_args__ = (
        sa.Index("ix_identity_blocks_value", "app_key", "form_key", "rule", "value"),
        sa.Index("ix_identity_blocks_record", "app_key", "form_key", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    rule: Mapped[str] = mapped_column(sa.String(63))
    value: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    record_id: Mapped[int]


class IdentityCandidate(Base):
    """A pair of records a review rule flagged as maybe the same (``record_a`` < ``record_b``)."""

    __tablename__ = "identity_candidates"
    __table_args__ = (
        sa.UniqueConstraint("app_key", "form_key", "record_a", "record_b",
                            name="uq_identity_candidates_pair"),
        sa.Index("ix_identity_candidates_status", "app_key", "form_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    record_a: Mapped[int]
    record_b: Mapped[int]
    rule: Mapped[str] = mapped_column(sa.String(63))
    score: Mapped[float]
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[int | None] = mapped_column(default=None)
    merge_id: Mapped[int | None] = mapped_column(default=None)


class IdentityMerge(Base):
    """One merge: records ``merged`` into ``survivor`` by ``rule`` (or a person), with the
    ``snapshot`` undoing it needs: ``{"rows": {id: stored row}, "links": [...],
    "survivor_after": {field: value}}``."""

    __tablename__ = "identity_merges"
    __table_args__ = (sa.Index("ix_identity_merges_form", "app_key", "form_key", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    survivor: Mapped[int]
    merged: Mapped[list] = mapped_column(JSONValue)
    rule: Mapped[str | None] = mapped_column(sa.String(63), default=None)  # None: by hand
    via: Mapped[str] = mapped_column(sa.String(32))
    user_id: Mapped[int | None] = mapped_column(default=None)
    snapshot: Mapped[dict] = mapped_column(JSONValue)
    at: Mapped[datetime]
    undone_at: Mapped[datetime | None] = mapped_column(default=None)
    undone_by: Mapped[int | None] = mapped_column(default=None)


class IdentityTombstone(Base):
    """A merged-away record: reading it by id says where it went."""

    __tablename__ = "identity_tombstones"

    app_key: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    form_key: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    record_id: Mapped[int] = mapped_column(primary_key=True)
    survivor: Mapped[int]
    merge_id: Mapped[int]


SCAN_STATUSES = ("queued", "running", "done", "failed")
SCAN_ACTIVE = ("queued", "running")


class IdentityScan(Base):
    """One "find duplicates" run over a whole form: how far it got (``last_id``: the record
    examined last, committed with that batch's merges, so a resumed run never merges twice)
    and what it did. At most one queued or running scan per form: a partial UNIQUE index."""

    __tablename__ = "identity_scans"
    __table_args__ = (
        sa.Index("ix_identity_scans_form", "app_key", "form_key", "id"),
        sa.Index("ux_identity_scans_active", "app_key", "form_key", unique=True,
                 sqlite_where=sa.text("status IN ('queued', 'running')"),
                 postgresql_where=sa.text("status IN ('queued', 'running')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(sa.String(63))
    form_key: Mapped[str] = mapped_column(sa.String(63))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    lang: Mapped[str] = mapped_column(sa.String(8))  # its messages in this language
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    phase: Mapped[str] = mapped_column(sa.String(16), default="keys")  # keys | matching
    total: Mapped[int | None] = mapped_column(default=None)  # live records, once keyed
    processed: Mapped[int] = mapped_column(default=0)
    merged: Mapped[int] = mapped_column(default=0)  # records merged away
    queued: Mapped[int] = mapped_column(default=0)  # pairs newly queued for review
    last_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    until_id: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)  # newest at start
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
