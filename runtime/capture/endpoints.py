"""The secret addresses and signing secrets of webhooks (``webhook_endpoints``): made when an
admin first asks for them, found by the SHA-256 of the address's token, rotated on demand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.capture.models import WebhookEndpoint
from runtime.capture.secrets import SecretBox, new_secret, new_token, token_hash

MAX_GIVEN_SECRET = 500


@dataclass(frozen=True)
class Revealed:
    """What an admin reads of a webhook: its address's token and its signing secret (None:
    sealed under another SECRET_KEY; rotate it)."""

    token: str | None
    secret: str | None


class Endpoints:
    """Webhook endpoints, in the caller's session (the caller commits)."""

    def __init__(self, session: Session, box: SecretBox, now: Callable[[], datetime]):
        self.session = session
        self.box = box
        self.now = now

    def get(self, app_key: str, form_key: str, hook_key: str) -> WebhookEndpoint | None:
        return self.session.scalar(sa.select(WebhookEndpoint).filter_by(
            app_key=app_key, form_key=form_key, hook_key=hook_key))

    def ensure(self, app_key: str, form_key: str, hook_key: str) -> WebhookEndpoint:
        """The webhook's endpoint, made (with a new address and secret) on first use."""
        found = self.get(app_key, form_key, hook_key)
        if found is not None:
            return found
        token = new_token()
        endpoint = WebhookEndpoint(app_key=app_key, form_key=form_key, hook_key=hook_key,
                                   token_hash=token_hash(token), token=self.box.seal(token),
                                   secret=self.box.seal(new_secret()), created_at=self.now())
        try:
            with self.session.begin_nested():
                self.session.add(endpoint)
        except IntegrityError:  # made meanwhile by another request
            return self.get(app_key, form_key, hook_key)
        return endpoint

    def reveal(self, endpoint: WebhookEndpoint) -> Revealed:
        return Revealed(self.box.open(endpoint.token), self.box.open(endpoint.secret))

    def rotate(self, endpoint: WebhookEndpoint, address: bool = True,
               secret: bool | str = True) -> None:
        """A new address (``address``) and a new signing secret (``secret``: True for a
        random one, or the secret the sender uses, such as a Meta app's secret)."""
        if address:
            token = new_token()
            endpoint.token_hash, endpoint.token = token_hash(token), self.box.seal(token)
        if secret:
            given = secret if isinstance(secret, str) else new_secret()
            endpoint.secret = self.box.seal(given)
        endpoint.rotated_at = self.now()
        self.session.flush()

    def find(self, token: str) -> WebhookEndpoint | None:
        """The endpoint whose address holds ``token`` (looked up by its hash: no timing of
        a comparison of the secret itself)."""
        if not token or len(token) > 100:
            return None
        return self.session.scalar(sa.select(WebhookEndpoint)
                                   .filter_by(token_hash=token_hash(token)))
