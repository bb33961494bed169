"""The declarative base shared by every system table, and the column types they use."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Ids and version numbers are INTEGER columns: 32 bits on PostgreSQL, 64 on SQLite. Larger
# numbers name nothing on either; they are refused before they reach SQL, where PostgreSQL
# would fail ("integer out of range") and SQLite's driver would overflow.
MAX_INTEGER = 2**31 - 1


def whole_number(text: object, maximum: int = MAX_INTEGER) -> int | None:
    """The number ``text`` writes in ASCII digits, from 0 to ``maximum``; else None (so that
    "²" or "10**30" never reach ``int()`` or the database)."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        return None
    if len(text.lstrip("0")) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored as naive UTC and always handed back timezone-aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# None is stored as SQL NULL (not JSON null), so "is empty" filters are plain IS NULL checks.
JSONValue = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime}
