"""Background exports kept for their requester: created, advanced by their job, found again
only by the person who asked, and purged with their files once they expire."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from metadata.errors import Conflict, NotFound, Problem
from metadata.messages import msg
from runtime.exports.models import Export

KEEP = timedelta(hours=24)  # a finished export's file stays this long
MAX_UNFINISHED = 3  # exports one person may have queued or running at once
RECENT = 5  # exports of a list shown on its page


def gone() -> NotFound:
    return NotFound([Problem("", msg("this export does not exist, has expired or is not "
                                     "yours"))])


class ExportStore:
    """Exports in a session; files under ``folder`` (outside the static files, one per
    export, named by its random id)."""

    def __init__(self, session: Session, folder: Path, now: datetime, keep: timedelta = KEEP):
        self.session = session
        self.folder = folder
        self.now = now
        self.keep = keep

    def create(self, user_id: int, app_key: str, form_key: str, fmt: str, lang: str,
               spec: dict, file_name: str, total: int | None = None) -> Export:
        unfinished = self.session.scalar(
            sa.select(sa.func.count()).select_from(Export)
            .where(Export.user_id == user_id, Export.status.in_(("queued", "running")),
                   Export.expires_at > self.now))
        if unfinished >= MAX_UNFINISHED:
            raise Conflict([Problem("", msg("you already have %(n)s exports running; wait "
                                            "for one of them to finish", n=unfinished))])
        export = Export(id=secrets.token_hex(16), user_id=user_id, app_key=app_key,
                        form_key=form_key, format=fmt, lang=lang, spec=spec,
                        file_name=file_name, status="queued", total=total, done=0,
                        created_at=self.now, expires_at=self.now + self.keep)
        self.session.add(export)
        self.session.flush()
        return export

    def get(self, export_id: str, user_id: int | None) -> Export:
        """The requester's export (anyone else's, or an expired one, is not there: 404)."""
        export = self.session.get(Export, export_id) if len(export_id) == 32 else None
        if export is None or export.user_id != user_id or export.expires_at <= self.now:
            raise gone()
        return export

    def recent(self, user_id: int | None, app_key: str, form_key: str) -> list[Export]:
        if user_id is None:
            return []
        query = (sa.select(Export)
                 .where(Export.user_id == user_id, Export.app_key == app_key,
                        Export.form_key == form_key, Export.expires_at > self.now)
                 .order_by(Export.created_at.desc()).limit(RECENT))
        return list(self.session.scalars(query))

    def path(self, export: Export) -> Path:
        return self.folder / f"{export.id}.{export.format}"

    def file(self, export: Export) -> Path:
        """The finished file of an export (409 while it is being written)."""
        if export.status == "failed":
            raise Conflict([Problem("", msg("this export failed: %(reason)s",
                                            reason=export.error or ""))])
        path = self.path(export)
        if export.status != "done" or not path.exists():
            raise Conflict([Problem("", msg("this export is not finished yet (%(done)s of "
                                            "%(total)s rows)", done=export.done,
                                            total=export.total or "?"))])
        return path

    # -- the job's side -----------------------------------------------------------------------
    def started(self, export: Export, total: int) -> None:
        export.status, export.total, export.done = "running", total, 0

    def progress(self, export: Export, written: int) -> None:
        export.done = written

    def finished(self, export: Export, written: int, size: int) -> None:
        export.status, export.done, export.size = "done", written, size
        export.finished_at = self.now
        export.expires_at = self.now + self.keep  # kept from when it can be downloaded

    def failed(self, export: Export, reason: str) -> None:
        export.status, export.error, export.finished_at = "failed", reason[:2000], self.now

    # -- purging ------------------------------------------------------------------------------
    def expired(self) -> list[Export]:
        return list(self.session.scalars(sa.select(Export).where(Export.expires_at <= self.now)))

    def forget(self, exports: list[Export]) -> None:
        for export in exports:
            self.session.delete(export)

    def remove_files(self, exports: list[Export]) -> None:
        """Delete the files (and leftovers of an interrupted write) of forgotten exports."""
        for export in exports:
            for path in (self.path(export), self.partial(export)):
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass

    def partial(self, export: Export) -> Path:
        """Where the job writes the file before it is complete (then renamed)."""
        return self.folder / f"{export.id}.{export.format}.part"
