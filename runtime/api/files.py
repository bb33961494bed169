"""File endpoints: upload a file for attachment fields, download one. The work is done by the
file service (runtime.storage.files); this module speaks HTTP."""

from __future__ import annotations

from flask import Response, jsonify, request, send_file

from metadata.errors import NotFound, Problem, TrellisError
from metadata.messages import msg
from runtime.api.access import require
from runtime.storage.files import CHUNK, FileStore, as_json, delivery
from runtime.storage.models import Attachment
from runtime.web import current_runtime, file_store, transaction
from runtime.web.routes import GET, POST, Route

# every file answer: nothing in it runs, even when a browser is made to open it as a page
FILE_CSP = "default-src 'none'; sandbox"


def file_response(store: FileStore, attachment: Attachment, inline_wanted: bool) -> Response:
    """A file as a download (only a verified raster image may show inline). Private and
    revalidated: files are immutable per id, so a revalidation is a cheap 304, and it runs
    after the permission check, so a reader who lost access gets nothing from a cache."""
    how = delivery(attachment, inline_wanted)
    response = send_file(store.path(attachment.id), mimetype=how.mimetype,
                         download_name=attachment.name, as_attachment=not how.inline,
                         etag=attachment.sha256, max_age=None, conditional=True)
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.no_cache = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    return response


def upload() -> tuple[Response, int]:
    principal = require("records:write")
    part = request.files.get("file")
    if part is None or not part.filename:
        raise TrellisError([Problem("/file", msg("send the file as multipart/form-data in "
                                                 "a part named 'file'"))])
    max_bytes = int(current_runtime().settings.get("upload_max_mb", 50)) * CHUNK
    with transaction():
        attachment = file_store().save(part.stream, part.filename, part.mimetype, max_bytes,
                                       principal.user_id)
    return jsonify(as_json(attachment)), 201


def download(file_id: str) -> Response:
    principal = require("records:read")
    rt, store = current_runtime(), file_store()
    attachment = store.get(file_id)
    if attachment is None or not store.readable(principal, {attachment.id}, rt.fields,
                                                rt.directory):
        raise NotFound([Problem("", msg("file %(n)s does not exist or is not visible to "
                                        "you", n=file_id[:40]))])
    return file_response(store, attachment, bool(request.args.get("inline")))


ROUTES: tuple[Route, ...] = (
    ("/files", "upload", upload, POST),
    ("/files/<file_id>", "download", download, GET),
)
