"""Tracked links and unsubscribe links of e-mails (pure: tokens and HTML rewriting).

A tracked link is ``<base>/t/<token>`` where the signed token names the message and the
index of the link in it: a click redirects only to a URL that was in that message (no open
redirect: a forged or altered token is refused, and no token carries a URL). An unsubscribe
link is ``<base>/t/unsubscribe/<token>``, the token naming the app, the channel and the
address. Tokens are signed with the installation's secret key (itsdangerous)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

CLICK_SALT = "trellis.notify.click"
UNSUBSCRIBE_SALT = "trellis.notify.unsubscribe"
# the href of an <a> element, quoted with " or '
ANCHOR = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
TRACKED = ("http://", "https://")
MAX_LINKS = 200


@dataclass(frozen=True)
class Unsubscription:
    app_key: str
    channel: str
    address: str


def links(body_html: str | None) -> list[str]:
    """The http(s) links of an HTML body, in order, each once (where a click may go)."""
    found: list[str] = []
    for match in ANCHOR.finditer(body_html or ""):
        url = html.unescape(match.group(3)).strip()
        if url.lower().startswith(TRACKED) and url not in found and "/t/" not in url:
            found.append(url)
    return found[:MAX_LINKS]


class Tokens:
    def __init__(self, secret_key: str, base_url: str | None):
        self.base = (base_url or "").rstrip("/")
        self.clicks = URLSafeSerializer(secret_key, salt=CLICK_SALT)
        self.unsubscribes = URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT)

    @property
    def enabled(self) -> bool:
        """Links need the installation's public address (TRELLIS_PUBLIC_BASE_URL)."""
        return bool(self.base)

    def click_url(self, message_id: int, index: int) -> str:
        return f"{self.base}/t/{self.clicks.dumps([message_id, index])}"

    def click(self, token: str) -> tuple[int, int] | None:
        try:
            found = self.clicks.loads(token)
        except BadSignature:
            return None
        if (isinstance(found, list) and len(found) == 2
                and all(isinstance(n, int) and n >= 0 for n in found)):
            return found[0], found[1]
        return None

    def unsubscribe_url(self, app_key: str, channel: str, address: str) -> str:
        token = self.unsubscribes.dumps([app_key, channel, address.lower()])
        return f"{self.base}/t/unsubscribe/{token}"

    def unsubscription(self, token: str) -> Unsubscription | None:
        try:
            found = self.unsubscribes.loads(token)
        except BadSignature:
            return None
        if isinstance(found, list) and len(found) == 3 and all(isinstance(p, str)
                                                                 for p in found):
            return Unsubscription(*found)
        return None

    def rewrite(self, message_id: int, body_html: str, tracked: list[str]) -> str:
        """``body_html`` with each tracked link's href replaced by its signed redirect."""
        def swap(match: re.Match) -> str:
            url = html.unescape(match.group(3)).strip()
            if url not in tracked:
                return match.group(0)
            new = html.escape(self.click_url(message_id, tracked.index(url)), quote=True)
            return f"{match.group(1)}{match.group(2)}{new}{match.group(2)}"
        return ANCHOR.sub(swap, body_html)
