"""Webhook secrets at rest: encrypted with Fernet (the ``cryptography`` package's
authenticated encryption), under a key derived from the installation's SECRET_KEY by HKDF.

A signature is checked with the secret itself (HMAC needs it), and admins must be able to
read both the address and the secret again, so neither can be stored as a hash alone; the
address is also kept as its SHA-256 to be found by. A database dump alone reveals neither.
Changing SECRET_KEY makes stored secrets unreadable: the webhook then refuses deliveries
(401) until an admin rotates its secret.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"trellis webhook secrets"


class SecretBox:
    """Encrypts and decrypts short texts under a key derived from ``master``."""

    def __init__(self, master: str):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=INFO).derive(master.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The text, or None when it was sealed under another key."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            return None


def new_token() -> str:
    """A webhook address's secret part: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def new_secret() -> str:
    return secrets.token_hex(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
