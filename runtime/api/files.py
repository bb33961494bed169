"""File uploads for attachment fields: stored under the instance folder, never under static/."""

from __future__ import annotations

import hashlib
import mimetypes
import uuid
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, jsonify, request, send_file

from metadata.errors import NotFound, Problem, TrellisError
from metadata.messages import msg
from runtime.storage.attachments import attachment_visible
from runtime.storage.models import Attachment
from runtime.web import current_runtime, db_session, transaction

CHUNK = 1024 * 1024


def stored_path(upload_dir: Path, file_id: str) -> Path:
    return upload_dir / file_id[:2] / file_id


def save_upload(stream, filename: str, client_type: str | None, max_bytes: int,
                user_id: int | None) -> Attachment:
    """Write an uploaded stream to disk (refusing it past ``max_bytes``) and record it."""
    rt = current_runtime()
    name = Path(filename.replace("\\", "/")).name.strip()[:255] or "file"
    file_id = uuid.uuid4().hex
    path = stored_path(rt.upload_dir, file_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TrellisError([Problem("/file", msg("%(name)s is larger than %(n)s MB",
                                                             name=name, n=max_bytes // CHUNK))],
                                       413)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    content_type = mimetypes.guess_type(name)[0] or client_type or "application/octet-stream"
    attachment = Attachment(id=file_id, name=name, content_type=content_type, size=size,
                            sha256=digest.hexdigest(), uploaded_by=user_id,
                            created_at=rt.clock.now())
    with transaction() as session:
        session.add(attachment)
    return attachment


def as_json(a: Attachment) -> dict:
    return {"id": a.id, "name": a.name, "size": a.size, "content_type": a.content_type,
            "url": f"/api/v1/files/{a.id}"}


def register(bp: Blueprint, require: Callable) -> None:
    @bp.post("/files")
    def upload():
        principal = require("records:write")
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise TrellisError([Problem("/file", "send the file as multipart/form-data in a "
                                                 "part named 'file'")])
        max_bytes = int(current_runtime().settings.get("upload_max_mb", 50)) * CHUNK
        attachment = save_upload(upload.stream, upload.filename, upload.mimetype, max_bytes,
                                 principal.user_id)
        return jsonify(as_json(attachment)), 201

    @bp.get("/files/<file_id>")
    def download(file_id: str):
        principal = require("records:read")
        session = db_session()
        attachment = session.get(Attachment, file_id) if file_id.isalnum() else None
        if attachment is None or not attachment_visible(current_runtime(), session, principal,
                                                        attachment):
            raise NotFound([Problem("", f"file {file_id} does not exist or is not visible "
                                        "to you")])
        path = stored_path(current_runtime().upload_dir, attachment.id)
        inline = attachment.content_type.startswith("image/") and request.args.get("inline")
        return send_file(path, mimetype=attachment.content_type, download_name=attachment.name,
                         as_attachment=not inline, max_age=3600)
