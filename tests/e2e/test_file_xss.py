"""In Chromium: uploaded files never run script in the app's origin.

The attack of issue 7: a member uploads a script (``x.js``) and an SVG whose ``<script href>``
points at it; whoever opens the SVG's link ran the script in their own session, because the SVG
was served inline from the app's origin and the page's CSP (``script-src 'self'``) allows a
same-origin upload as script.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.support import Factory

PAYLOAD = b"document.documentElement.setAttribute('data-pwned', 'yes');"


def svg(script_url: str) -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="40">'
            f'<rect width="40" height="40" fill="red"/>'
            f'<script href="{script_url}" xlink:href="{script_url}"/></svg>').encode()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (7, 5), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def uploads(live_server) -> dict[str, str]:
    """The attacker's files, uploaded by the member (who is also the one who opens them: an
    uploader may always read their own files)."""
    api = Factory(live_server["app"]).api(live_server["member"])

    def upload(content: bytes, name: str, content_type: str) -> str:
        return api.ok("POST", "/files", 201, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(content), name, content_type)})["id"]

    script = upload(PAYLOAD, "x.js", "text/javascript")
    return {"script": script,
            "svg": upload(svg(f"/api/v1/files/{script}"), "logo.svg", "image/svg+xml"),
            "png": upload(png(), "photo.png", "image/png")}


def log_in_as_member(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", "mia@example.com")
    page.fill("#password", "password-123")
    page.click("button[type=submit].primary")
    page.wait_for_url(base + "/")


def pwned(page: Page) -> str | None:
    return page.evaluate("document.documentElement.getAttribute('data-pwned')")


def test_an_uploaded_svg_opened_inline_runs_no_script(page: Page, live_server, uploads):
    base = live_server["url"]
    log_in_as_member(page, base)
    url = f"{base}/api/v1/files/{uploads['svg']}?inline=1"
    try:
        with page.expect_download(timeout=5000) as download:
            page.goto(url)
    except PlaywrightError:
        pass  # a download aborts the navigation; an inline SVG does not download at all
    else:
        assert download.value.suggested_filename == "logo.svg"
    if page.url.startswith(url):  # the browser showed the SVG: its script must not have run
        page.wait_for_load_state("load")  # the SVG's scripts ran, or were refused, by then
        assert pwned(page) is None
    assert page.url == base + "/"  # downloaded, not shown: the app's page is still there
    assert pwned(page) is None


def test_an_uploaded_script_cannot_be_loaded_as_script(page: Page, live_server, uploads):
    """Even where markup could be injected into a page, CSP ``script-src 'self'`` must not let a
    same-origin upload run: it is served as application/octet-stream with nosniff."""
    log_in_as_member(page, live_server["url"])
    outcome = page.evaluate("""url => new Promise(resolve => {
        const s = document.createElement('script');
        s.src = url;
        s.onload = () => resolve('loaded');
        s.onerror = () => resolve('blocked');
        document.head.appendChild(s);
    })""", f"/api/v1/files/{uploads['script']}")
    assert (outcome, pwned(page)) == ("blocked", None)


def test_an_uploaded_photo_still_shows_inline(page: Page, live_server, uploads):
    base = live_server["url"]
    log_in_as_member(page, base)
    response = page.goto(f"{base}/api/v1/files/{uploads['png']}?inline=1")
    assert response.headers["content-type"] == "image/png"
    assert page.evaluate("document.images.length && document.images[0].naturalWidth") == 7
