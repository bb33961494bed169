"""Outbound HTTP calls of rules (webhooks): the address checked before the call — private,
loopback, link-local and other non-public addresses refused unless the installation allows
them — the body signed with HMAC-SHA256, redirects not followed, a short timeout."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlsplit

TIMEOUT = 10  # seconds
SIGNATURE = "X-Trellis-Signature"


class OutboundRefused(ValueError):
    """An address the installation does not call (or that is no address)."""


def check_url(url: str, allow_private: bool = False) -> None:
    """Refuse ``url`` unless it is http(s) to a host whose every address is public (or
    ``allow_private``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused(f"{url!r} is not an http(s) address")
    if allow_private:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise OutboundRefused(f"{parts.hostname} does not resolve: {exc}") from None
    for *_rest, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global or ip.is_multicast:
            raise OutboundRefused(
                f"{parts.hostname} is a private or local address ({ip}): refused (an admin "
                "may allow such addresses with TRELLIS_OUTBOUND_ALLOW_PRIVATE)")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect could go anywhere: refused
        return None


def call(url: str, method: str, body: bytes, headers: Mapping[str, str],
         allow_private: bool = False, timeout: float = TIMEOUT) -> int:
    """Send ``body``; the status, or an exception (refused, unreachable, 3xx, 4xx, 5xx)."""
    check_url(url, allow_private)
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise OSError(f"{method} {url} answered {exc.code} {exc.reason}") from None
