"""Uploaded files: the bytes under the upload folder, a row in ``attachments``, and how each file
may be served. A service without Flask: the API, the generated pages and the purge task hand it
a session, the upload folder and the clock."""

from __future__ import annotations

import hashlib
import mimetypes
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import Session

from metadata.errors import Problem, TrellisError
from metadata.messages import msg
from runtime.directory import Directory
from runtime.fields.base import FieldType
from runtime.permissions import Principal
from runtime.storage.attachments import readable_files, referenced_files
from runtime.storage.models import Attachment

CHUNK = 1024 * 1024
FILE_ID = re.compile(r"[0-9a-f]{32}")
OCTET_STREAM = "application/octet-stream"
# the only types a browser is ever asked to show (inline), and only once Pillow has read the
# bytes as one of them: raster formats, which run no script
INLINE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
                "WEBP": "image/webp"}
# what a file that says it is one of these is downloaded as; nothing here is run by a browser
# (no HTML, SVG, XML, JavaScript...): everything else goes out as application/octet-stream
SERVED_AS_IS = frozenset({
    "application/pdf", "text/plain", "text/csv", "application/rtf",
    "application/zip", "application/gzip", "application/x-7z-compressed",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "audio/mpeg", "audio/ogg", "audio/wav", "video/mp4", "video/webm", "video/quicktime",
})
FieldTypes = Mapping[str, FieldType]


def claimed_type(name: str, client_type: str | None) -> str:
    """What a file says it is: its name's extension, else what the client sent."""
    return (mimetypes.guess_type(name)[0] or client_type or OCTET_STREAM).lower()


def verified_image_type(path: Path) -> str | None:
    """The type of a PNG, JPEG, GIF or WebP image, read from its bytes (None: not one)."""
    try:
        with Image.open(path, formats=tuple(INLINE_TYPES)) as image:
            image.verify()
            return INLINE_TYPES.get(image.format or "")
    except Exception:  # Pillow raises many kinds of error on bytes that are no such image
        return None


@dataclass(frozen=True)
class Delivery:
    """How a download goes out: the type it is served as, and whether it may show inline."""

    mimetype: str
    inline: bool


def delivery(attachment: Attachment, inline_wanted: bool) -> Delivery:
    if attachment.verified_type in INLINE_TYPES.values():
        return Delivery(attachment.verified_type, inline_wanted)
    if attachment.content_type in SERVED_AS_IS:
        return Delivery(attachment.content_type, False)
    return Delivery(OCTET_STREAM, False)


def as_json(attachment: Attachment) -> dict:
    return {"id": attachment.id, "name": attachment.name, "size": attachment.size,
            "content_type": attachment.content_type,
            "url": f"/api/v1/files/{attachment.id}"}


class FileStore:
    """Files of one installation, inside one session (the caller commits)."""

    def __init__(self, session: Session, upload_dir: Path, now: Callable[[], datetime]):
        self.session = session
        self.upload_dir = upload_dir
        self.now = now

    def path(self, file_id: str) -> Path:
        return self.upload_dir / file_id[:2] / file_id

    def get(self, file_id: str) -> Attachment | None:
        if not FILE_ID.fullmatch(file_id):
            return None
        return self.session.get(Attachment, file_id)

    def save(self, stream: BinaryIO, filename: str, client_type: str | None, max_bytes: int,
             user_id: int | None) -> Attachment:
        """Write an uploaded stream to disk (refusing it past ``max_bytes``), read what it
        really is, and record it."""
        name = Path(filename.replace("\\", "/")).name.strip()[:255] or "file"
        file_id = uuid.uuid4().hex
        path = self.path(file_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            digest, size = self._write(stream, path, name, max_bytes)
            verified = verified_image_type(path)
            claimed = claimed_type(name, client_type)
            if verified is None and claimed in INLINE_TYPES.values():
                claimed = OCTET_STREAM  # it says it is an image, but its bytes say otherwise
            attachment = Attachment(id=file_id, name=name, content_type=verified or claimed,
                                    verified_type=verified, size=size, sha256=digest,
                                    uploaded_by=user_id, created_at=self.now())
            self.session.add(attachment)
            self.session.flush()
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return attachment

    @staticmethod
    def _write(stream: BinaryIO, path: Path, name: str, max_bytes: int) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TrellisError([Problem("/file", msg(
                        "%(name)s is larger than %(n)s MB", name=name, n=max_bytes // CHUNK))],
                        413)
                digest.update(chunk)
                out.write(chunk)
        return digest.hexdigest(), size

    def readable(self, principal: Principal, ids: Iterable[str], field_types: FieldTypes,
                 directory: Directory) -> set[str]:
        """The files among ``ids`` the principal may read (and so download or link): those
        they uploaded, any for an admin, and those a record they may read references."""
        return readable_files(self.session, principal, {i for i in ids if FILE_ID.fullmatch(i)},
                              field_types, directory)

    def unreferenced(self, uploaded_before: datetime, field_types: FieldTypes) -> set[str]:
        """Files uploaded before a moment that no record (deleted ones included) references."""
        old = set(self.session.scalars(sa.select(Attachment.id)
                                       .where(Attachment.created_at < uploaded_before)))
        if not old:
            return old
        return old - referenced_files(self.session, field_types)

    def forget(self, ids: Iterable[str]) -> None:
        """Delete the rows of files; remove their bytes with ``remove`` once that committed."""
        self.session.execute(sa.delete(Attachment).where(Attachment.id.in_(sorted(ids))))

    def remove(self, ids: Iterable[str]) -> None:
        for file_id in ids:
            self.path(file_id).unlink(missing_ok=True)
