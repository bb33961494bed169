"""Device cookies (OWASP): a browser that logged in to an account before is trusted for it,
so failures that others cause on that account do not keep its owner out of that browser."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "trellis_device"
MAX_AGE = timedelta(days=180)
MAX_ACCOUNTS = 10  # people sharing a computer each keep their trust


@dataclass(frozen=True)
class DeviceCookie:
    device: str  # a random id of this browser, the key of its own failure counter
    accounts: tuple[str, ...]  # keyed digests of the accounts it logged in to, newest first


class DeviceCookies:
    """Signs and reads the cookie; knows nothing of requests and responses."""

    def __init__(self, secret_key: str):
        self._secret = secret_key.encode()
        self._serializer = URLSafeTimedSerializer(secret_key, salt="trellis.login-device")

    def read(self, raw: str | None) -> DeviceCookie | None:
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=int(MAX_AGE.total_seconds()))
            return DeviceCookie(str(data["d"]), tuple(str(a) for a in data["a"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    def trusted_device(self, raw: str | None, account: str) -> str | None:
        """The device id, when this cookie has logged in to ``account`` before."""
        cookie = self.read(raw)
        if cookie is None or self._digest(account) not in cookie.accounts:
            return None
        return cookie.device

    def after_login(self, raw: str | None, account: str) -> str:
        """The cookie to set after ``account`` logged in: this account first, others kept."""
        cookie = self.read(raw)
        device = cookie.device if cookie is not None else secrets.token_urlsafe(16)
        digest = self._digest(account)
        others = [a for a in (cookie.accounts if cookie else ()) if a != digest]
        return self._serializer.dumps({"d": device,
                                       "a": [digest, *others][:MAX_ACCOUNTS]})

    def _digest(self, account: str) -> str:
        # keyed, so the cookie does not reveal which e-mail addresses used this browser
        return hmac.new(self._secret, account.encode(), hashlib.sha256).hexdigest()[:24]
