"""Files are visible to their uploader, admins, and readers of a record that holds them; only
such a reader may link a file to a record; downloads never run in the app's origin and are
never kept by shared caches."""

import io

import pytest
from PIL import Image

from tests.integration.helpers import assert_error

DOC = {
    "kind": "form", "key": "doc", "label": "Doc",
    "fields": [{"key": "title", "type": "text", "label": "Title"},
               {"key": "files", "type": "attachment", "label": "Files"},
               {"key": "rows", "type": "sub_table", "label": "Rows", "config": {"fields": [
                   {"key": "scan", "type": "attachment", "label": "Scan"}]}}],
    "permissions": {"roles": {"member": {"create": "all", "read": "own",
                                         "update": "own", "delete": "none"}}}}
RECORDS = "/apps/crm/forms/doc/records"


def _upload(api, name="a.txt", content=b"hello", content_type=None):
    part = (io.BytesIO(content), name) if content_type is None else (
        io.BytesIO(content), name, content_type)
    return api.ok("POST", "/files", 201, data={"file": part}, content_type="multipart/form-data")


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3, 2), (10, 200, 30)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def people(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, DOC)
    return {"ann": factory.api(factory.user("ann@example.com", ["member"])),
            "bob": factory.api(factory.user("bob@example.com", ["member"])),
            "carol": factory.api(factory.user("carol@example.com", ["designer"])),  # reads all
            "admin": admin_api}


def test_download_needs_a_visible_record(people):
    ann, bob, carol, admin = (people[k] for k in ("ann", "bob", "carol", "admin"))
    first, second = _upload(ann), _upload(ann, "b.txt")
    assert ann.get(f"/files/{first['id']}").status_code == 200  # the uploader
    assert bob.get(f"/files/{first['id']}").status_code == 404  # not linked anywhere yet
    ann.create("crm", "doc", {"title": "x", "files": [first["id"]],
                              "rows": [{"scan": [second["id"]]}]})
    assert bob.get(f"/files/{first['id']}").status_code == 404  # bob reads only his own
    assert admin.get(f"/files/{second['id']}").status_code == 200
    assert carol.get(f"/files/{first['id']}").data == b"hello"
    assert carol.get(f"/files/{second['id']}").status_code == 200


# -- linking: a file id is no download key ------------------------------------------------------
def test_linking_another_users_file_is_422_everywhere(people):
    ann, bob = people["ann"], people["bob"]
    secret = _upload(ann, "salary.txt", b"ann's secret")["id"]
    assert_error(bob.post(RECORDS, json={"title": "x", "files": [secret]}), 422, "/files",
                 "not visible to you")
    assert_error(bob.post(RECORDS, json={"title": "x", "rows": [{"scan": [secret]}]}), 422,
                 "/rows", "row 1, scan")
    mine = bob.create("crm", "doc", {"title": "mine"})
    assert_error(bob.patch(f"{RECORDS}/{mine['id']}", json={"files": [secret]}), 422, "/files")
    assert_error(bob.patch(f"{RECORDS}/{mine['id']}", json={"rows": [{"scan": [secret]}]}),
                 422, "/rows")
    bulk = bob.ok("POST", RECORDS + "/bulk", json={"records": [
        {"title": "ok"}, {"title": "y", "files": [secret]}, {"rows": [{"scan": [secret]}]}]})
    assert bulk["created"] == 1
    assert [e["path"] for r in bulk["results"][1:] for e in r["errors"]] == ["/files", "/rows"]
    assert bob.get(f"/files/{secret}").status_code == 404  # nothing bob holds names it
    assert not bob.ok("GET", f"{RECORDS}/{mine['id']}")["files"]


def test_who_may_link_a_file(people):
    ann, bob, carol, admin = (people[k] for k in ("ann", "bob", "carol", "admin"))
    shared = _upload(ann, "shared.txt")["id"]
    # the uploader links it (in a sub-table row too: checked, completed with name and size)
    record = ann.create("crm", "doc", {"title": "x", "rows": [{"scan": [shared]}]})
    assert record["rows"] == [{"scan": [{"id": shared, "name": "shared.txt", "size": 5,
                                         "content_type": "text/plain"}]}]
    # a reader of that record may link it again; bob cannot read ann's record
    assert carol.create("crm", "doc", {"files": [shared]})["files"][0]["name"] == "shared.txt"
    assert_error(bob.post(RECORDS, json={"files": [shared]}), 422, "/files")
    # an admin may link any file; a file that was never uploaded is refused as before
    assert admin.create("crm", "doc", {"files": [_upload(bob)["id"]]})["files"]
    assert_error(admin.post(RECORDS, json={"rows": [{"scan": ["0" * 32]}]}), 422, "/rows",
                 "does not exist")


# -- serving: nothing runs, nothing is cached by others ---------------------------------------
SANDBOX = "default-src 'none'; sandbox"


@pytest.mark.parametrize("name,content,client_type,served", [
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "image/svg+xml", "application/octet-stream"),
    ("page.html", b"<script>alert(1)</script>", "text/html", "application/octet-stream"),
    ("x.js", b"alert(1)", "text/javascript", "application/octet-stream"),
    ("feed.xml", b"<?xml version='1.0'?><a/>", "application/xml", "application/octet-stream"),
    ("fake.png", b"<html><script>alert(1)</script>", "image/png", "application/octet-stream"),
    ("noext", b"<html><script>alert(1)</script>", "text/html", "application/octet-stream"),
    ("report.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf", "application/pdf"),
    ("notes.txt", b"plain words", "text/plain", "text/plain; charset=utf-8"),
])
def test_only_verified_raster_images_show_inline(people, name, content, client_type, served):
    ann = people["ann"]
    meta = _upload(ann, name, content, client_type)
    response = ann.get(f"/files/{meta['id']}?inline=1")
    assert response.status_code == 200 and response.data == content
    assert response.headers["Content-Type"] == served
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == SANDBOX


@pytest.mark.parametrize("fmt,mime", [("PNG", "image/png"), ("JPEG", "image/jpeg"),
                                      ("GIF", "image/gif"), ("WEBP", "image/webp")])
def test_raster_images_are_verified_by_content(people, fmt, mime):
    ann = people["ann"]
    meta = _upload(ann, "picture.bin", image(fmt), "application/octet-stream")  # name says no
    assert meta["content_type"] == mime
    inline = ann.get(f"/files/{meta['id']}?inline=1")
    assert inline.headers["Content-Type"] == mime
    assert inline.headers["Content-Disposition"].startswith("inline;")
    assert inline.headers["Content-Security-Policy"] == SANDBOX
    assert inline.headers["X-Content-Type-Options"] == "nosniff"
    download = ann.get(f"/files/{meta['id']}")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Type"] == mime


def test_a_name_that_claims_an_image_is_not_believed(people):
    meta = _upload(people["ann"], "holiday.jpg", b"<svg onload=alert(1)>", "image/jpeg")
    assert meta["content_type"] == "application/octet-stream"


def test_downloads_are_private_and_revalidated(people):
    ann, carol = people["ann"], people["carol"]
    meta = _upload(ann, "photo.png", image("PNG"))
    ann.create("crm", "doc", {"files": [meta["id"]]})
    first = carol.get(f"/files/{meta['id']}")
    cache = first.headers["Cache-Control"]
    assert "private" in cache and "no-cache" in cache and "public" not in cache, cache
    assert "max-age" not in cache
    etag = first.headers["ETag"]
    again = carol.get(f"/files/{meta['id']}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # the permission is checked before the cache is: the ETag gets nobody else a 304
    assert people["bob"].get(f"/files/{meta['id']}",
                             headers={"If-None-Match": etag}).status_code == 404


# -- purge: what records keep is kept ---------------------------------------------------------
def test_purge_keeps_every_file_a_record_references(people, runtime, factory):
    from datetime import UTC, datetime

    from runtime.jobs.tasks import PurgeOrphanUploads

    ann, admin = people["ann"], people["admin"]
    runtime.clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    ids = {name: _upload(ann, f"{name}.txt")["id"]
           for name in ("orphan", "direct", "in_row", "deleted", "archived")}
    ann.create("crm", "doc", {"files": [ids["direct"]], "rows": [{"scan": [ids["in_row"]]}]})
    gone = ann.create("crm", "doc", {"files": [ids["deleted"]]})
    admin.ok("DELETE", f"{RECORDS}/{gone['id']}", 204)  # soft: its data (and files) stay
    factory.form(admin, {**DOC, "key": "legacy", "fields": [
        *DOC["fields"], {"key": "scans", "type": "attachment", "label": "Scans"}]})
    admin.create("crm", "legacy", {"scans": [ids["archived"]]})
    factory.form(admin, {**DOC, "key": "legacy"})  # "scans" is archived, its data kept
    runtime.clock.reset()

    result = PurgeOrphanUploads().run(runtime, datetime(2026, 1, 2, 1, tzinfo=UTC))
    assert result == "purged 1 unreferenced upload(s)"
    assert admin.get(f"/files/{ids['orphan']}").status_code == 404
    assert not list(runtime.upload_dir.rglob(ids["orphan"]))
    for name in ("direct", "in_row", "deleted", "archived"):
        assert admin.get(f"/files/{ids[name]}").data == b"hello", name
    assert PurgeOrphanUploads().run(runtime, datetime(2026, 1, 2, 1, tzinfo=UTC)) == (
        "no orphan uploads")
