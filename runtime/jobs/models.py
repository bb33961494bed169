"""When each periodic task last ran (so a restarted scheduler neither skips nor repeats)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from metadata.orm import Base


class PeriodicRun(Base):
    __tablename__ = "periodic_runs"

    key: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    last_run_at: Mapped[datetime]
