"""A small HTTP client for setting up and checking the servers (wrk does the timed work)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from bench.load.servers import SetupError

# Trellis's log-in sessions are bound to the browser (Flask-Login's "strong" protection): the
# requests wrk sends with a session cookie must carry the User-Agent it was logged in with
USER_AGENT = "trellis-bench"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """Requests to one server, keeping its cookies; redirects are answers, not followed."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            _NoRedirect(), urllib.request.HTTPCookieProcessor(self.cookies))

    def send(self, method: str, path: str, headers: dict[str, str] | None = None,
             body: bytes | None = None, timeout: float = 120) -> Answer:
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers={"User-Agent": USER_AGENT, **(headers or {})})
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Answer(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            return Answer(error.code, error.read(), dict(error.headers))
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            raise SetupError(f"{method} {self.base}{path} failed: {error}") from None

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        return self.send("POST", path, {"Content-Type": "application/x-www-form-urlencoded"},
                         urllib.parse.urlencode(fields).encode())


def trellis_login(base: str, email: str, password: str) -> str:
    """Log in through Trellis's /login page (its CSRF token included); the Cookie header of
    the session."""
    client = Client(base)
    page = client.send("GET", "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if page.status != 200 or token is None:
        raise SetupError(f"Trellis's /login page answered {page.status} without a CSRF token")
    answer = client.post_form("/login", {"csrf_token": token.group(1), "email": email,
                                         "password": password})
    if answer.status not in (302, 303):
        raise SetupError(f"logging in to Trellis answered {answer.status}: {answer.text[:300]}")
    return client.cookie_header()


def minimal_login(base: str, email: str, password: str) -> str:
    client = Client(base)
    answer = client.post_form("/login", {"email": email, "password": password})
    if answer.status not in (302, 303):
        raise SetupError(f"logging in to the minimal app answered {answer.status}")
    return client.cookie_header()
