"""Files are visible to their uploader, admins, and readers of a record that holds them."""

import io


def _upload(api, name="a.txt"):
    return api.ok("POST", "/files", 201,
                  data={"file": (io.BytesIO(b"hello"), name)},
                  content_type="multipart/form-data")


def test_download_needs_a_visible_record(admin_api, factory):
    factory.app_doc(admin_api)
    factory.form(admin_api, {
        "kind": "form", "key": "doc", "label": "Doc",
        "fields": [{"key": "title", "type": "text", "label": "Title"},
                   {"key": "files", "type": "attachment", "label": "Files"},
                   {"key": "rows", "type": "sub_table", "label": "Rows", "config": {"fields": [
                       {"key": "scan", "type": "attachment", "label": "Scan"}]}}],
        "permissions": {"roles": {"member": {"create": "all", "read": "own",
                                             "update": "own", "delete": "none"}}}})
    ann = factory.api(factory.user("ann@example.com", ["member"]))
    bob = factory.api(factory.user("bob@example.com", ["member"]))
    first, second = _upload(ann), _upload(ann, "b.txt")
    assert ann.get(f"/files/{first['id']}").status_code == 200  # the uploader
    assert bob.get(f"/files/{first['id']}").status_code == 404  # not linked anywhere yet
    ann.create("crm", "doc", {"title": "x", "files": [first["id"]],
                              "rows": [{"scan": [second["id"]]}]})
    assert bob.get(f"/files/{first['id']}").status_code == 404  # bob reads only his own
    assert admin_api.get(f"/files/{second['id']}").status_code == 200
    carol = factory.api(factory.user("carol@example.com", ["designer"]))  # reads all
    assert carol.get(f"/files/{first['id']}").data == b"hello"
    assert carol.get(f"/files/{second['id']}").status_code == 200
